"""First stage: gather candidate passages from the dense and the BM25 retriever."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from index.generation import IndexData
from index.retrieval import RowFilter

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
    per_retriever: int = CANDIDATES_PER_RETRIEVER,
) -> Candidates:
    """Union of the dense and the BM25 top lists (inside ``where``), each candidate scored
    by both — answered by the generation's store backend (``index.retrieval``)."""
    got = data.retriever.gather(query_vector=query_vector, weights=weights, where=where,
                                k=per_retriever)
    return Candidates(got.rows, got.dense, got.lexical, got.in_dense, got.in_lexical)
