"""Agreement between evaluators who judged the same passages for the same query: Cohen's
kappa (scikit-learn) over the three grades, per pair of evaluators, with the raw share of
identical grades beside it."""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable
from typing import Any

from index.judgements import GRADES, Judgement, latest


def agreement(records: Iterable[Judgement]) -> dict[str, Any]:
    """Per pair of evaluators: passages both judged (latest grades), kappa, observed
    agreement. Kappa is None when it is undefined (both gave one grade throughout)."""
    from sklearn.metrics import cohen_kappa_score

    by_evaluator: dict[str, dict[tuple[str, str], int]] = {}
    for (evaluator, qid, pid), j in latest(records).items():
        by_evaluator.setdefault(evaluator, {})[(qid, pid)] = j.grade
    pairs = []
    for a, b in itertools.combinations(sorted(by_evaluator), 2):
        common = sorted(set(by_evaluator[a]) & set(by_evaluator[b]))
        if not common:
            continue
        ga = [by_evaluator[a][c] for c in common]
        gb = [by_evaluator[b][c] for c in common]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # undefined kappa: reported as None
            kappa = float(cohen_kappa_score(ga, gb, labels=sorted(GRADES)))
        pairs.append({
            "a": a, "b": b, "passages": len(common),
            "queries": len({qid for qid, _ in common}),
            "kappa": None if math.isnan(kappa) else round(kappa, 4),
            "observed": round(sum(x == y for x, y in zip(ga, gb, strict=True)) / len(common), 4),
        })
    return {"evaluators": sorted(by_evaluator), "pairs": pairs}
