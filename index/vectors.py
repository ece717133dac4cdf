"""The vector-store contract, and its FAISS implementation.

``VectorIndex`` is what the rest of Telusur asks of a dense index: rows numbered 0..n-1 in the
order they were added, inner-product search restricted to an allowed set of rows, the stored
vectors of given rows, removal, and persistence. Vectors are L2-normalised, so inner product
is cosine similarity. ``index.milvus.MilvusVectorIndex`` implements the same methods on a
Milvus collection; ``index.segments`` and ``search`` only use these.

Kinds: ``flat`` (exact, float32 in FAISS), ``hnsw`` (HNSW over float32), ``hnsw_sq8``
(HNSW over 8-bit scalar-quantised codes, the default from ``AUTO_HNSW_MIN`` rows) and
``ivf_sq8`` (an inverted file of the same codes, the default from ``AUTO_IVF_MIN`` rows).
The graph walk or the probed lists score the codes (a quarter of float32's memory) and the
best ``RESCORE`` x k are re-scored exactly against the segment's float16 vectors, which are
read by rows from ``passage_vectors.npy`` (``index.files.load_rows``) and are also what
``vectors(rows)`` returns — there is no second float32 copy of a large segment in memory.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import faiss
import numpy as np

from index.files import Rows, load_rows

# Exact search is linear in n: on this 2-core machine (eval/results/bench, synthetic dim-384
# vectors, 1 thread, p50) 10k vectors took 0.55 ms and 100k took 23.8 ms (~0.24 ms per 1k;
# 531 ms at 1M on a loaded box). Exact stays under a 5 ms budget to ~20k vectors, so the
# auto switch moves to HNSW there.
AUTO_HNSW_MIN = 20_000
HNSW_M = 32
# 80: at 100k, efConstruction 80 gave recall@10 1.0 at efSearch 96 (build 93 s); 40 gave
# 0.986 (44 s) and only 0.75 at 1M (465 s build). Build time is paid once, at indexing.
HNSW_EF_CONSTRUCTION = 80
# 256: at 1M (efConstruction 40) recall@10 rose 0.75 -> 0.85 from efSearch 96 -> 256 while
# p50 stayed ~1 ms (1 thread), far under the 5 ms budget; at 100k p50 was ~2 ms.
HNSW_EF_SEARCH = 256
# A filter keeping a share s of the rows leaves the walk ~s x efSearch usable candidates:
# efSearch grows as 1/s, up to this cap (past it, exact scoring of the kept rows is cheaper).
HNSW_EF_FILTERED_MAX = 2048
# The code kinds re-score this many times k candidates exactly (float16) before cutting to k.
# 2: FacQA valid questions (311) against exact search gave the same recall with 2, 3 and 4
# (ivf_sq8 at 989k: recall@10 0.957, recall@50 0.928; hnsw_sq8 at 99k: 0.966, 0.939) and less
# with 1 (0.939 / 0.920; 0.950 / 0.935); each re-scored row is a read of the float16 file, one
# disk round trip when the page cache has dropped it.
RESCORE = 2
# With a filter that keeps few rows, scoring those rows exactly is cheaper (and exact) than a
# graph walk that must skip most of what it visits.
EXACT_BELOW = 4096
# From this many rows an inverted file replaces the graph. At 989k passages (telusur bench
# scale, 311 FacQA valid questions) HNSW M=32 over SQ8 reached recall@10 0.861 at efSearch
# 256 (1.2 ms, 1 thread) and 0.928 at 1024 (5.4 ms), held 649 MB and took 496 s to build;
# ivf_sq8 with 4,096 lists reached 0.957 probing 384 of them (3.5 ms on 2 threads as served),
# holds 392 MB and built in 113 s (README, Scaling out). Below this size only the graph was
# measured (recall 0.963 at 99k), so it stays there.
AUTO_IVF_MIN = 500_000
# The share of an inverted file's lists a search probes (384 of 4,096 at a million rows).
IVF_PROBE_SHARE = 3 / 32
# Under a filter an inverted file probes 1/share more lists, up to this many times the
# served number (at 1M, one outlet of 20: 1,536 lists gave recall@10 0.966 in 5.5 ms; all
# 4,096 gave 1.0 in 10.7 ms).
IVF_FILTERED_MAX_FACTOR = 4
# The lists are trained (k-means) on a fixed-seed sample of this many rows per list, and
# never number more than one per IVF_MIN_PER_LIST rows of the first batch added.
IVF_TRAIN_PER_LIST = 64
IVF_MIN_PER_LIST = 39
KINDS = ("auto", "flat", "hnsw", "hnsw_sq8", "ivf_sq8", "external")
HNSW_KINDS = ("hnsw", "hnsw_sq8")
# Kinds that score 8-bit codes and re-score the best against the float16 vectors.
RESCORED_KINDS = ("hnsw_sq8", "ivf_sq8")


class VectorIndex(Protocol):
    """Dense vectors keyed by row number, searched by inner product."""

    kind: str
    dim: int

    def __len__(self) -> int: ...

    def add(self, vectors: np.ndarray) -> None:
        """Append rows ``len(self) .. len(self) + len(vectors) - 1``."""

    def remove(self, rows: np.ndarray) -> None:
        """Rows never returned by ``search`` again (their numbers are not reused)."""

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, rows) for one query vector, best first, among ``allowed``
        (a boolean mask over rows; None: every row)."""

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored float32 vectors of ``rows``."""

    def save(self, path: Path, *, with_vectors: bool = True) -> None: ...


def choose_kind(n: int, kind: str = "auto") -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown vector index kind {kind!r}: use {', '.join(KINDS)}")
    if kind == "auto":
        return "ivf_sq8" if n >= AUTO_IVF_MIN else "hnsw_sq8" if n >= AUTO_HNSW_MIN else "flat"
    return kind


def ivf_lists(n: int) -> int:
    """How many lists an inverted file of ``n`` rows has: about 4 sqrt(n), a power of two,
    and no more than one per ``IVF_MIN_PER_LIST`` rows (k-means needs points to place them)."""
    return max(1, min(1 << max(0, round(math.log2(4 * math.sqrt(max(n, 1))))),
                      n // IVF_MIN_PER_LIST))


def _ivf(dim: int, lists: int) -> Any:
    faiss_: Any = faiss
    index = faiss_.IndexIVFScalarQuantizer(faiss.IndexFlatIP(dim), dim, lists,
                                           faiss_.ScalarQuantizer.QT_8bit,
                                           faiss.METRIC_INNER_PRODUCT)
    return _probing(index)


def _probing(index: Any) -> Any:
    """Search settings of an inverted file (not saved with it): probe ``IVF_PROBE_SHARE`` of
    the lists, one query's lists split between the threads (at a million rows, 384 lists:
    3.3 ms on 2 threads against 5.9 ms on one, same recall)."""
    index.nprobe = max(1, round(index.nlist * IVF_PROBE_SHARE))
    index.parallel_mode = 1
    return index


class FaissVectorIndex:
    """Exact inner product (``flat``), an HNSW graph over float32 (``hnsw``) or over 8-bit
    codes (``hnsw_sq8``), or an inverted file of 8-bit codes (``ivf_sq8``); the code kinds are
    re-scored against float16 vectors."""

    def __init__(
        self, index: Any, kind: str, removed: np.ndarray | None = None,
        exact: Rows | None = None,
    ) -> None:
        self._index: Any = index  # faiss' SWIG classes carry no useful types
        self.kind = kind
        self.dim = int(index.d)
        self._removed = removed if removed is not None else np.zeros(index.ntotal, dtype=bool)
        self._xb: np.ndarray | None = None
        # hnsw_sq8, ivf_sq8: the float16 vectors (read from disk by rows once saved), for
        # re-scoring.
        self._exact = exact

    @classmethod
    def create(cls, dim: int, *, expected_rows: int = 0, kind: str = "auto") -> FaissVectorIndex:
        kind = choose_kind(expected_rows, kind)
        index: Any
        if kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        elif kind == "hnsw_sq8":
            faiss_: Any = faiss
            index = faiss_.IndexHNSWSQ(dim, faiss_.ScalarQuantizer.QT_8bit, HNSW_M,
                                       faiss.METRIC_INNER_PRODUCT)
        elif kind == "ivf_sq8":
            index = _ivf(dim, ivf_lists(expected_rows))
        else:
            index = faiss.IndexFlatIP(dim)
        if kind in HNSW_KINDS:
            index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
            index.hnsw.efSearch = HNSW_EF_SEARCH
        return cls(index, kind, exact=np.zeros((0, dim), np.float16)
                   if kind in RESCORED_KINDS else None)

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def raw(self) -> Any:
        """The underlying FAISS index (benchmarks tune its search parameters)."""
        return self._index

    def add(self, vectors: np.ndarray) -> None:
        vectors = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self.dim)
        if len(vectors):
            if not self._index.is_trained:
                self._train(vectors)
            self._index.add(vectors)
        if self._exact is not None:
            self._exact = np.concatenate([np.asarray(self._exact),
                                          vectors.astype(np.float16)])
        self._removed = np.concatenate([self._removed, np.zeros(len(vectors), dtype=bool)])
        self._xb = None

    def _train(self, vectors: np.ndarray) -> None:
        """Train on the first rows added: the SQ8 quantiser's per-dimension ranges (unit
        vectors keep every component in [-1, 1], so a sample suffices) and, for ``ivf_sq8``,
        the lists' centroids on a fixed-seed sample (as many lists as those rows support,
        ``ivf_lists``, whatever size was expected)."""
        if self.kind != "ivf_sq8":
            self._index.train(vectors[:100_000])
            return
        lists = ivf_lists(len(vectors))
        if lists != self._index.nlist:
            self._index = _ivf(self.dim, lists)
        take = min(len(vectors), IVF_TRAIN_PER_LIST * lists)
        sample = np.random.default_rng(0).choice(len(vectors), take, replace=False)
        self._index.train(vectors[np.sort(sample)])

    @property
    def effort(self) -> int:
        """How hard a search looks: efSearch of a graph, lists probed of an inverted file
        (0 for exact kinds). Benchmarks set it to sweep recall against time."""
        if self.kind in HNSW_KINDS:
            return int(self._index.hnsw.efSearch)
        return int(self._index.nprobe) if self.kind == "ivf_sq8" else 0

    @effort.setter
    def effort(self, value: int) -> None:
        if self.kind in HNSW_KINDS:
            self._index.hnsw.efSearch = int(value)
        elif self.kind == "ivf_sq8":
            self._index.nprobe = min(int(value), int(self._index.nlist))

    @property
    def exact(self) -> Rows | None:
        """The float16 vectors a code index re-scores with (None for other kinds)."""
        return self._exact

    def remove(self, rows: np.ndarray) -> None:
        self._removed[np.asarray(rows, dtype=np.int64)] = True

    def _storage(self) -> np.ndarray:
        """A zero-copy view of the stored vectors (flat storage, HNSW's included)."""
        if self._xb is None:
            flat: Any = self._index if self.kind == "flat" else faiss.downcast_index(
                self._index.storage)
            n = int(flat.ntotal)
            xb: np.ndarray = faiss.rev_swig_ptr(flat.get_xb(), n * self.dim)
            self._xb = xb.reshape(n, self.dim)
        return self._xb

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        if self._exact is not None:
            return np.asarray(self._exact[rows], dtype=np.float32)
        out: np.ndarray = self._storage()[rows]
        return out

    def _rescore(
        self, q: np.ndarray, k: int, ids: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        ids = ids[ids >= 0]
        sims = self.vectors(ids) @ q
        top = top_k(sims, k)
        return sims[top].astype(np.float32), ids[top]

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        n = len(self)
        mask = ~self._removed if self._removed.any() else None
        if allowed is not None:
            mask = allowed if mask is None else (mask & allowed)
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        fetch = k * RESCORE if self.kind in RESCORED_KINDS else k
        if mask is None:
            k = min(k, n)
            if k <= 0:
                return np.zeros(0, np.float32), np.zeros(0, np.int64)
            scores, ids = self._index.search(q, min(fetch, n))
        else:
            rows = np.flatnonzero(mask)
            k = min(k, len(rows))
            if k <= 0:
                return np.zeros(0, np.float32), np.zeros(0, np.int64)
            if len(rows) <= EXACT_BELOW or self.kind == "flat" and len(rows) < n // 4:
                sims = self.vectors(rows) @ q[0]
                top = top_k(sims, k)
                return sims[top].astype(np.float32), rows[top]
            bitmap = np.packbits(mask, bitorder="little")
            selector = faiss.IDSelectorBitmap(n, faiss.swig_ptr(bitmap))
            faiss_: Any = faiss
            if self.kind in HNSW_KINDS:
                ef = min(HNSW_EF_FILTERED_MAX, int(HNSW_EF_SEARCH * n / len(rows)))
                params = faiss_.SearchParametersHNSW(sel=selector, efSearch=max(ef, fetch))
            elif self.kind == "ivf_sq8":
                # a filter keeping a share s leaves ~s of each probed list: probe 1/s more
                probe = min(int(self._index.nlist), IVF_FILTERED_MAX_FACTOR * self._index.nprobe,
                            int(self._index.nprobe * n / len(rows)))
                params = faiss_.SearchParametersIVF(sel=selector, nprobe=probe)
            else:
                params = faiss_.SearchParameters(sel=selector)
            scores, ids = self._index.search(q, min(fetch, len(rows)), params=params)
        if self.kind in RESCORED_KINDS:
            return self._rescore(q[0], k, ids[0].astype(np.int64))
        keep = ids[0] >= 0  # HNSW pads with -1 when it finds fewer than k
        return scores[0][keep], ids[0][keep].astype(np.int64)

    def save(self, path: Path, *, with_vectors: bool = True) -> None:
        """Write the index; a code index's float16 vectors go beside it (unless the
        caller stores them itself: ``with_vectors=False``)."""
        faiss.write_index(self._index, str(path))
        if self._exact is not None and with_vectors:
            np.save(exact_path(path), np.asarray(self._exact), allow_pickle=False)
        if self._removed.any():
            np.save(removed_path(path), self._removed, allow_pickle=False)

    @classmethod
    def load(cls, path: Path, *, exact: Rows | None = None) -> FaissVectorIndex:
        """``exact``: the float16 vectors of a code index (default: read from beside it,
        ``index.files.load_rows``)."""
        index: Any = faiss.read_index(str(path))
        faiss_: Any = faiss
        if isinstance(index, faiss.IndexHNSW):
            index.hnsw.efSearch = HNSW_EF_SEARCH
            kind = "hnsw_sq8" if isinstance(index, faiss.IndexHNSWSQ) else "hnsw"
        elif isinstance(index, faiss_.IndexIVFScalarQuantizer):
            index, kind = _probing(index), "ivf_sq8"
        elif isinstance(index, faiss.IndexFlat):
            kind = "flat"
        else:
            raise ValueError(f"{path}: unsupported FAISS index type {type(index).__name__}")
        if kind in RESCORED_KINDS:
            if exact is None and exact_path(path).is_file():
                exact = load_rows(exact_path(path))
            if exact is None or len(exact) != index.ntotal:
                raise ValueError(f"{path}: {kind} needs the segment's float16 vectors")
        rp = removed_path(path)
        removed = np.load(rp, allow_pickle=False) if rp.is_file() else None
        if removed is not None and len(removed) != index.ntotal:
            raise ValueError(f"{rp}: does not match {path.name}")
        return cls(index, kind, removed, exact if kind in RESCORED_KINDS else None)


def exact_path(path: Path) -> Path:
    return path.with_name(path.name + ".f16.npy")


class PlainVectors:
    """Float16 vectors and exact search, no ANN structure: a segment's vectors when the
    nearest-neighbour search is served by an external store (``index.milvus``); searching
    it directly is exact and linear in the rows (fine for the small sets it is used on)."""

    kind = "external"

    def __init__(self, vectors: Rows) -> None:
        self._x: Rows = vectors
        self.dim = int(vectors.shape[1])
        self._removed = np.zeros(len(vectors), dtype=bool)

    def __len__(self) -> int:
        return len(self._x)

    def add(self, vectors: np.ndarray) -> None:
        x = np.asarray(vectors, dtype=np.float16).reshape(-1, self.dim)
        self._x = np.concatenate([np.asarray(self._x), x])
        self._removed = np.concatenate([self._removed, np.zeros(len(x), dtype=bool)])

    def remove(self, rows: np.ndarray) -> None:
        self._removed[np.asarray(rows, dtype=np.int64)] = True

    def vectors(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._x[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        mask = ~self._removed if allowed is None else (allowed & ~self._removed)
        rows = np.flatnonzero(mask)
        sims = self.vectors(rows) @ np.asarray(query, dtype=np.float32).reshape(-1)
        top = top_k(sims, k)
        return sims[top].astype(np.float32), rows[top]

    def save(self, path: Path, *, with_vectors: bool = True) -> None:
        np.save(path, np.asarray(self._x, dtype=np.float16), allow_pickle=False)


def make_vector_index(dim: int, *, expected_rows: int = 0, kind: str = "auto") -> VectorIndex:
    """An empty vector index of ``kind`` (``external``: vectors only, see ``PlainVectors``)."""
    if kind == PlainVectors.kind:
        return PlainVectors(np.zeros((0, dim), np.float16))
    return FaissVectorIndex.create(dim, expected_rows=expected_rows, kind=kind)


def removed_path(path: Path) -> Path:
    return path.with_name(path.name + ".removed.npy")


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` highest scores, best first (ties: lower position first)."""
    k = min(k, len(scores))
    if k <= 0:
        return np.zeros(0, np.int64)
    part = np.argpartition(-scores, k - 1)[:k]
    # argpartition picks arbitrarily among scores tied with the k-th: take the lowest
    # positions, so that top_k(s, k) is always a prefix of top_k(s, k + n).
    kth = scores[part].min()
    above = np.flatnonzero(scores > kth)
    part = np.concatenate([above, np.flatnonzero(scores == kth)[:k - len(above)]])
    return part[np.lexsort((part, -scores[part]))]
