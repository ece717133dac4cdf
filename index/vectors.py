"""Vector store contract over FAISS: exact inner product for small corpora, HNSW for large.

Vectors are L2-normalised, so inner product is cosine similarity. The index kind switches
by corpus size (``AUTO_HNSW_MIN``); the chosen kind is recorded in the manifest.
"""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np

# Exact search is linear in n: on this 2-core machine (eval/results/bench, synthetic dim-384
# vectors, 1 thread, p50) 10k vectors took 0.55 ms and 100k took 23.8 ms (~0.24 ms per 1k;
# 531 ms at 1M on a loaded box). Exact stays under a 5 ms budget to ~20k vectors, so the
# auto switch moves to HNSW there (was 200k: ~50 ms per query of flat search at 200k).
AUTO_HNSW_MIN = 20_000
HNSW_M = 32
# 80: at 100k, efConstruction 80 gave recall@10 1.0 at efSearch 96 (build 93 s); 40 gave
# 0.986 (44 s) and only 0.75 at 1M (465 s build). Build time is paid once, at indexing.
HNSW_EF_CONSTRUCTION = 80
# 256: at 1M (efConstruction 40) recall@10 rose 0.75 -> 0.85 from efSearch 96 -> 256 while
# p50 stayed ~1 ms (1 thread), far under the 5 ms budget; at 100k p50 was ~2 ms.
HNSW_EF_SEARCH = 256


def choose_kind(n: int, kind: str = "auto") -> str:
    if kind not in ("auto", "flat", "hnsw"):
        raise ValueError(f"unknown vector index kind {kind!r}: use auto, flat or hnsw")
    if kind == "auto":
        return "hnsw" if n >= AUTO_HNSW_MIN else "flat"
    return kind


def build_vector_index(vectors: np.ndarray, kind: str = "auto") -> tuple[faiss.Index, str]:
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    n, dim = vectors.shape
    kind = choose_kind(n, kind)
    if kind == "hnsw":
        index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if n:
        index.add(vectors)
    return index, kind


def search_vectors(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, ids) for one query vector; ids of -1 (HNSW padding) removed."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.zeros(0, np.float32), np.zeros(0, np.int64)
    scores, ids = index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
    keep = ids[0] >= 0
    return scores[0][keep], ids[0][keep]


def save_vector_index(index: faiss.Index, path: Path) -> None:
    faiss.write_index(index, str(path))


def load_vector_index(path: Path) -> faiss.Index:
    index = faiss.read_index(str(path))
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = HNSW_EF_SEARCH
    return index
