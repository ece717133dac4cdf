"""Score fusion as pure functions over aligned score arrays of one candidate set."""

from __future__ import annotations

import numpy as np


def minmax(scores: np.ndarray) -> np.ndarray:
    """Scale to [0, 1] within the candidate set; a constant array maps to zeros."""
    if scores.size == 0:
        return scores.astype(np.float32)
    lo, hi = float(scores.min()), float(scores.max())
    if hi - lo < 1e-9:
        return np.zeros_like(scores, dtype=np.float32)
    return ((scores - lo) / (hi - lo)).astype(np.float32)


def max_scale(scores: np.ndarray) -> np.ndarray:
    """Divide by the maximum (BM25 keeps 0 == no match); all-zero stays zero."""
    hi = float(scores.max()) if scores.size else 0.0
    return (scores / hi).astype(np.float32) if hi > 0 else np.zeros_like(scores, np.float32)


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each score (descending; ties broken by position)."""
    order = np.argsort(-scores, kind="stable")
    out = np.empty(len(scores), dtype=np.int64)
    out[order] = np.arange(1, len(scores) + 1)
    return out


def rrf(
    rank_lists: list[np.ndarray], *, k: int = 60, weights: list[float] | None = None
) -> np.ndarray:
    """Reciprocal rank fusion: sum of w / (k + rank) over the ranked lists."""
    weights = weights or [1.0] * len(rank_lists)
    return sum(w / (k + r.astype(np.float64)) for w, r in zip(weights, rank_lists, strict=True))


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: np.ndarray | float) -> np.ndarray:
    """``w * minmax(dense) + (1 - w) * max_scale(bm25)``; ``w`` may differ per candidate."""
    return dense_weight * minmax(dense) + (1.0 - np.asarray(dense_weight)) * max_scale(lexical)
