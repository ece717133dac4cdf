"""First stage: gather candidate passages from the dense and the BM25 retriever."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.generation import IndexData
from index.vectors import top_k

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
    data: IndexData, *, query_vector: np.ndarray | None, lexical_scores: np.ndarray | None,
    allowed: np.ndarray | None, per_retriever: int = CANDIDATES_PER_RETRIEVER,
) -> Candidates:
    """Union of the dense and the BM25 top lists (inside ``allowed``, a mask over passage
    rows), each candidate scored by both."""
    mask = data.live if allowed is None else (data.live & allowed)
    if not mask.any():
        return Candidates.empty()
    dense_rows = np.zeros(0, np.int64)
    lex_rows = np.zeros(0, np.int64)
    if query_vector is not None:
        _, dense_rows = data.dense_search(query_vector, per_retriever, allowed)
    if lexical_scores is not None:
        pool = np.where(mask, lexical_scores, 0.0)
        top = top_k(pool, per_retriever)
        lex_rows = top[pool[top] > 0].astype(np.int64)
    rows = np.unique(np.concatenate([dense_rows, lex_rows]))
    return scored(data, rows, query_vector=query_vector, lexical_scores=lexical_scores,
                  in_dense=np.isin(rows, dense_rows), in_lexical=np.isin(rows, lex_rows))


def scored(
    data: IndexData, rows: np.ndarray, *, query_vector: np.ndarray | None,
    lexical_scores: np.ndarray | None, in_dense: np.ndarray, in_lexical: np.ndarray,
) -> Candidates:
    """Candidates of the given passage rows, each scored by both retrievers."""
    dense = (data.passage_vectors(rows) @ query_vector if query_vector is not None
             else np.zeros(len(rows), np.float32))
    lexical = (lexical_scores[rows] if lexical_scores is not None
               else np.zeros(len(rows), np.float32))
    return Candidates(rows, dense.astype(np.float32), lexical.astype(np.float32),
                      in_dense, in_lexical)
