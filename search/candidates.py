"""First stage: gather candidate passages from the dense and the BM25 retriever."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.store import IndexData
from index.vectors import search_vectors

# How many candidates each retriever contributes to fusion and reranking.
CANDIDATES_PER_RETRIEVER = 50


@dataclass
class Candidates:
    """Aligned arrays over one query's candidate passages (rows into ``IndexData.passages``)."""

    rows: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, order: np.ndarray) -> Candidates:
        return Candidates(self.rows[order], self.dense[order], self.lexical[order])


def allowed_rows(data: IndexData, lang: str | None) -> np.ndarray | None:
    """Rows of passages in ``lang`` (None: no filter)."""
    if lang is None:
        return None
    return np.flatnonzero(data.passage_lang == lang).astype(np.int64)


def gather(
    data: IndexData, *, query_vector: np.ndarray | None, lexical_scores: np.ndarray | None,
    allowed: np.ndarray | None, per_retriever: int = CANDIDATES_PER_RETRIEVER,
) -> Candidates:
    """Union of the dense and the BM25 top lists, each candidate scored by both."""
    n = len(data.passages)
    if n == 0 or (allowed is not None and len(allowed) == 0):
        empty = np.zeros(0, np.float32)
        return Candidates(np.zeros(0, np.int64), empty, empty)
    picked: list[np.ndarray] = []
    if query_vector is not None:
        if allowed is None:
            _, ids = search_vectors(data.dense, query_vector, per_retriever)
            picked.append(ids.astype(np.int64))
        else:
            sims = data.passage_vectors[allowed] @ query_vector
            picked.append(allowed[_top(sims, per_retriever)])
    if lexical_scores is not None:
        pool = lexical_scores if allowed is None else lexical_scores[allowed]
        top = _top(pool, per_retriever)
        top = top[pool[top] > 0]
        picked.append(top if allowed is None else allowed[top])
    rows = np.unique(np.concatenate(picked)) if picked else np.zeros(0, np.int64)
    dense = (
        data.passage_vectors[rows] @ query_vector if query_vector is not None
        else np.zeros(len(rows), np.float32)
    )
    lexical = (
        lexical_scores[rows] if lexical_scores is not None else np.zeros(len(rows), np.float32)
    )
    return Candidates(rows, dense.astype(np.float32), lexical.astype(np.float32))


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    return part[np.argsort(-scores[part], kind="stable")]
