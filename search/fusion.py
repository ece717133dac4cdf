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


def rrf(rank_lists: list[np.ndarray], *, k: int = 60,
        weights: list[float] | None = None) -> np.ndarray:
    """Reciprocal rank fusion: sum of ``w / (k + rank)`` over the ranked lists; a rank of 0
    means "not in that list" and adds nothing."""
    weights = weights or [1.0] * len(rank_lists)
    out = np.zeros(len(rank_lists[0]) if rank_lists else 0, dtype=np.float64)
    for w, r in zip(weights, rank_lists, strict=True):
        r = np.asarray(r, dtype=np.float64)
        out += np.where(r > 0, w / (k + r), 0.0)
    return out


def convex(dense: np.ndarray, lexical: np.ndarray, dense_weight: np.ndarray | float) -> np.ndarray:
    """``w * minmax(dense) + (1 - w) * max_scale(bm25)``; ``w`` may differ per candidate."""
    w = np.asarray(dense_weight, dtype=np.float32)
    return np.asarray(w * minmax(dense) + (1.0 - w) * max_scale(lexical), dtype=np.float32)


def dbsf(score_lists: list[tuple[np.ndarray, np.ndarray]], *, combine: str = "max") -> np.ndarray:
    """Distribution-based score fusion: each list's scores of the candidates it returned
    (``present`` mask) are scaled by their mean ± 3 standard deviations to about [0, 1]
    (a list with one distinct score scales to 0); a candidate then takes the highest of its
    scaled scores (``combine="max"``, as Haystack's ``distribution_based_rank_fusion``
    joiner does) or their sum (``"sum"``, as the original DBSF proposal does)."""
    if combine not in ("max", "sum"):
        raise ValueError(f"combine must be 'max' or 'sum', not {combine!r}")
    n = len(score_lists[0][0]) if score_lists else 0
    out = np.zeros(n, dtype=np.float64) if combine == "sum" else np.full(n, -np.inf)
    for scores, present in score_lists:
        got = np.asarray(scores, dtype=np.float64)[present]
        if got.size == 0:
            continue
        mean, sd = float(got.mean()), float(got.std())
        scaled = (got - (mean - 3 * sd)) / (6 * sd) if sd > 0 else np.zeros_like(got)
        if combine == "sum":
            out[present] += scaled
        else:
            out[present] = np.maximum(out[present], scaled)
    return np.where(np.isfinite(out), out, 0.0)
