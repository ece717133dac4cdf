"""Paired significance tests over per-question scores, as pure functions.

* ``randomization_test``: the paired (sign-flip) randomization test — under the null
  hypothesis that two systems are interchangeable, each question's difference is as likely
  to have either sign; p is the share of random sign assignments whose mean difference is at
  least as far from 0 as the observed one, counting the observed one ((hits+1)/(n+1), so
  p is never 0). Seeded: the same input gives the same p.
* ``t_test``: the two-sided paired t-test (scipy).
* ``bonferroni``: p-values multiplied by the number of comparisons made (capped at 1).
* ``win_tie_loss``: questions where A scored above, equal to, below B.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SEED = 20240601


def randomization_test(a: Sequence[float], b: Sequence[float], *, permutations: int = 10_000,
                       seed: int = SEED) -> float:
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if d.size == 0 or not np.any(d):
        return 1.0
    observed = abs(d.mean())
    rng = np.random.default_rng(seed)
    hits = 0
    for start in range(0, permutations, 2000):  # bounded memory for large sets
        n = min(2000, permutations - start)
        signs = rng.integers(0, 2, size=(n, d.size), dtype=np.int8) * 2 - 1
        # a small tolerance: a flipped mean equal to the observed one (up to rounding) counts
        hits += int((np.abs(signs @ d / d.size) >= observed - 1e-12).sum())
    return (hits + 1) / (permutations + 1)


def t_test(a: Sequence[float], b: Sequence[float]) -> float:
    from scipy.stats import ttest_rel

    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    if d.size < 2 or not np.any(d):
        return 1.0
    if np.all(d == d[0]):
        return 0.0  # every question moved by the same amount: no variance, no doubt
    return float(ttest_rel(a, b).pvalue)


def bonferroni(p_values: Sequence[float]) -> list[float]:
    m = len(p_values)
    return [min(1.0, p * m) for p in p_values]


def win_tie_loss(a: Sequence[float], b: Sequence[float]) -> tuple[int, int, int]:
    wins = sum(x > y for x, y in zip(a, b, strict=True))
    losses = sum(x < y for x, y in zip(a, b, strict=True))
    return wins, len(a) - wins - losses, losses
