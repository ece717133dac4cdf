"""Answer metrics, as pure functions over plain lists (retrieval metrics come from ranx,
``eval.qrels``).

* ``normalize_tokens``: NFKC, lower case, punctuation to spaces, whitespace collapsed
  (``"Rp 7,6 juta."`` → ``"rp 7 6 juta"``) — for exact match and token F1.
* ``exact_match`` / ``token_f1``: the highlighted answer span against the best gold answer
  (SQuAD's definitions, without English article stripping: the answers are Indonesian).
* ``contains_answer``: answer-in-quote — a gold answer occurs in the quoted text, ignoring
  case and whitespace only (``"$7,6 juta"`` is not ``"7.6 juta"``).
* ``abstain_scores``: abstaining is right on an unanswerable question.
* ``risk_coverage``: the answers given, sorted by confidence; at each coverage (share of all
  questions answered, most confident first) the risk (share of those answers that are
  wrong: not holding a gold answer, or any answer to an unanswerable question).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence


def normalize_answer(text: str) -> str:
    """Case and whitespace folded (answer-in-quote, the trainers)."""
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def normalize_tokens(text: str) -> str:
    """Also punctuation to spaces (exact match, token F1)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


def contains_answer(text: str | None, answers: Sequence[str]) -> bool:
    if not text:
        return False
    norm = normalize_answer(text)
    return any(a.strip() and normalize_answer(a) in norm for a in answers)


def exact_match(prediction: str | None, answers: Sequence[str]) -> float:
    if not prediction:
        return 0.0
    p = normalize_tokens(prediction)
    return float(any(p == normalize_tokens(a) for a in answers if a.strip()))


def token_f1(prediction: str | None, answers: Sequence[str]) -> float:
    """Best token-overlap F1 of ``prediction`` against any gold answer (0 if none)."""
    if not prediction:
        return 0.0
    pred = normalize_tokens(prediction).split()
    best = 0.0
    for a in answers:
        gold = normalize_tokens(a).split()
        common = sum((Counter(pred) & Counter(gold)).values())
        if common:
            precision, recall = common / len(pred), common / len(gold)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def abstain_scores(abstained: Sequence[bool], answerable: Sequence[bool]) -> dict[str, float]:
    """Precision/recall of abstaining, where the right call is to abstain on unanswerable."""
    tp = sum(a and not ans for a, ans in zip(abstained, answerable, strict=True))
    n_abstained = sum(abstained)
    n_unanswerable = sum(not ans for ans in answerable)
    n_answerable = sum(answerable)
    wrongly = sum(a and ans for a, ans in zip(abstained, answerable, strict=True))
    return {
        "abstain_precision": tp / n_abstained if n_abstained else 0.0,
        "abstain_recall": tp / n_unanswerable if n_unanswerable else 0.0,
        "abstained_answerable_rate": wrongly / n_answerable if n_answerable else 0.0,
    }


def risk_coverage(
    confidence: Sequence[float], correct: Sequence[bool], *, total: int | None = None,
) -> tuple[list[float], list[float], float]:
    """(coverage, risk, area) of the given answers, the most confident first.

    ``confidence`` and ``correct`` are the answers the system gave; ``total`` counts the
    questions including those it withheld, so coverage is a share of all questions and the
    curve ends at the system's own coverage. Equally confident answers enter together (one
    point), so the curve does not depend on their order. The area sums risk × coverage step
    (AURC: lower is better; ranking every right answer above every wrong one minimises it)."""
    n = len(confidence)
    total = max(total or n, n)
    if n == 0:
        return [], [], 0.0
    order = sorted(range(n), key=lambda i: -confidence[i])
    coverage: list[float] = []
    risk: list[float] = []
    wrong = 0
    area = 0.0
    for j, i in enumerate(order, 1):
        wrong += not correct[i]
        if j == n or confidence[order[j]] != confidence[i]:
            area += (wrong / j) * (j / total - (coverage[-1] if coverage else 0.0))
            coverage.append(j / total)
            risk.append(wrong / j)
    return coverage, risk, area
