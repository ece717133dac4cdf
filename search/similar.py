"""Articles most like a given one: dense similarity between whole documents.

A document's vector is the mean of its passage vectors, normalised (the passage vectors are
unit length, so this is the direction of their sum). The vectors are built on first use for a
generation and kept in its ``SearchContext``; one query is then a matrix-vector product over
the documents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.generation import IndexData
from index.records import Document
from index.vectors import top_k
from search.context import SearchContext

# Passage vectors summed per pass when building document vectors (bounds the copy made of
# the vector store: 16k x 384 float32 = 24 MB).
BUILD_CHUNK = 16_384


@dataclass(frozen=True)
class Similar:
    document: Document
    score: float  # cosine similarity of the two document vectors


def document_vectors(data: IndexData) -> np.ndarray:
    """(documents, dim) float32: each document's normalised mean passage vector (zeros for a
    document without passages). Passages are stored grouped by document row."""
    dim = int(data.manifest["encoder"]["dim"])
    out = np.zeros((len(data.doc_ids), dim), dtype=np.float32)
    doc_col = data.passage_doc_rows
    if not len(doc_col):
        return out
    starts = np.flatnonzero(np.r_[True, doc_col[1:] != doc_col[:-1]])
    ends = np.r_[starts[1:], len(doc_col)]
    i = 0
    while i < len(starts):
        j = max(int(np.searchsorted(starts, starts[i] + BUILD_CHUNK, side="left")), i + 1)
        lo, hi = int(starts[i]), int(ends[j - 1])
        vectors = data.passage_vectors(np.arange(lo, hi))
        out[doc_col[starts[i:j]]] = np.add.reduceat(vectors, starts[i:j] - lo, axis=0)
        i = j
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.asarray(out / np.maximum(norms, 1e-12), dtype=np.float32)


def similar_documents(ctx: SearchContext, doc_row: int, k: int) -> list[Similar]:
    """The ``k`` live documents closest to document ``doc_row``, best first; never the
    document itself nor a live document recorded as its duplicate (either way round)."""
    data = ctx.data
    vectors = ctx.document_vectors(document_vectors)
    doc = data.document_at(doc_row)
    allowed = data.doc_live & data.passage_counts().astype(bool)
    allowed[doc_row] = False
    for dup in doc.duplicates:
        row = data.doc_rows.get(dup.doc_id)
        if row is not None:
            allowed[row] = False
    n_allowed = int(allowed.sum())
    if not n_allowed or not vectors[doc_row].any():
        return []
    scores = np.where(allowed, vectors @ vectors[doc_row], -np.inf)
    out = []
    for i in top_k(scores, min(k * 2 + len(doc.duplicates), n_allowed)):
        other = data.document_at(int(i))
        if any(d.doc_id == doc.id for d in other.duplicates):
            continue
        out.append(Similar(document=other, score=float(scores[i])))
        if len(out) == k:
            break
    return out
