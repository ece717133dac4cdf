"""First stage: gather candidate passages from the dense and the BM25 retriever."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from index.generation import IndexData
from index.retrieval import RowFilter, lexical_top, retrieved

# How many candidates each retriever contributes to fusion and reranking.
CANDIDATES_PER_RETRIEVER = 50


@dataclass
class Candidates:
    """Aligned arrays over one query's candidate passages (global passage rows)."""

    rows: np.ndarray
    dense: np.ndarray  # cosine similarity to the query (0 when no query vector)
    lexical: np.ndarray  # BM25 score (0 when no term matches)
    in_dense: np.ndarray  # bool: returned by the dense retriever
    in_lexical: np.ndarray  # bool: returned by the BM25 retriever

    def __len__(self) -> int:
        return len(self.rows)

    @classmethod
    def empty(cls) -> Candidates:
        z = np.zeros(0, np.float32)
        b = np.zeros(0, dtype=bool)
        return cls(np.zeros(0, np.int64), z, z, b, b)

    def take(self, order: np.ndarray) -> Candidates:
        return Candidates(self.rows[order], self.dense[order], self.lexical[order],
                          self.in_dense[order], self.in_lexical[order])


def gather(
    data: IndexData, *, query_vector: np.ndarray | None,
    weights: Mapping[str, float] | None, where: RowFilter | None,
    lexical: np.ndarray | None = None, lexical_rows: np.ndarray | None = None,
    per_retriever: int = CANDIDATES_PER_RETRIEVER,
) -> Candidates:
    """Union of the dense and the BM25 top lists (inside ``where``), each candidate scored
    by both — answered by the generation's store backend (``index.retrieval``); ``lexical``
    holds BM25 scores over all rows when the caller has them already, ``lexical_rows`` their
    top list (``bm25_top``)."""
    got = data.retriever.gather(query_vector=query_vector, weights=weights, where=where,
                                k=per_retriever, lexical=lexical, lexical_rows=lexical_rows)
    return Candidates(got.rows, got.dense, got.lexical, got.in_dense, got.in_lexical)


def bm25_top(
    data: IndexData, lexical: np.ndarray, where: RowFilter | None,
    per_retriever: int = CANDIDATES_PER_RETRIEVER,
) -> np.ndarray:
    """The BM25 top list of the local postings inside ``where``, as ``gather`` takes it (the
    local store's own list; a Milvus store ranks BM25 itself)."""
    return lexical_top(lexical, data.masks.mask(where), per_retriever)


def scored(
    data: IndexData, rows: np.ndarray, *, query_vector: np.ndarray | None,
    lexical_scores: np.ndarray | None, in_dense: np.ndarray, in_lexical: np.ndarray,
) -> Candidates:
    """Candidates of the given passage rows, each scored by both retrievers."""
    got = retrieved(data, rows, rows[in_dense], rows[in_lexical], query_vector,
                    lexical_scores[rows] if lexical_scores is not None else None)
    return Candidates(got.rows, got.dense, got.lexical, got.in_dense, got.in_lexical)
