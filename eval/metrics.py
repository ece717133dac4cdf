"""Retrieval and answer metrics, as pure functions over plain lists.

A question has relevant *items* (``relevant`` entries: a document, optionally narrowed to the
character span of an evidence quote). A retrieved passage *covers* an item when it comes from
that document and, if the item has a span, overlaps it. Per question, over the top ``k``:

* ``recall@k``: covered items / items.
* ``mrr@10``: 1 / rank of the first passage that covers any item (0 if none in the top 10).
* ``ndcg@10``: binary gain 1 at a rank whose passage covers an item not covered higher up
  (a second passage of the same item adds nothing), divided by the ideal DCG of
  ``min(items, 10)`` gains at ranks 1.. — so it stays in [0, 1].

Answer metrics compare case- and whitespace-normalised strings.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    doc_id: str
    start: int | None = None
    end: int | None = None

    def covered_by(self, doc_id: str, start: int, end: int) -> bool:
        if doc_id != self.doc_id:
            return False
        if self.start is None or self.end is None:
            return True
        return start < self.end and self.start < end


Retrieved = tuple[str, int, int]  # doc_id, char_start, char_end


def coverage(retrieved: Sequence[Retrieved], items: Sequence[Item]) -> list[set[int]]:
    """For each rank, the indices of items that passage covers."""
    return [{i for i, it in enumerate(items) if it.covered_by(*r)} for r in retrieved]


def recall_at(retrieved: Sequence[Retrieved], items: Sequence[Item], k: int) -> float:
    if not items:
        return 0.0
    covered: set[int] = set()
    for c in coverage(retrieved[:k], items):
        covered |= c
    return len(covered) / len(items)


def mrr_at(retrieved: Sequence[Retrieved], items: Sequence[Item], k: int = 10) -> float:
    for rank, c in enumerate(coverage(retrieved[:k], items), 1):
        if c:
            return 1.0 / rank
    return 0.0


def ndcg_at(retrieved: Sequence[Retrieved], items: Sequence[Item], k: int = 10) -> float:
    if not items:
        return 0.0
    seen: set[int] = set()
    dcg = 0.0
    for rank, c in enumerate(coverage(retrieved[:k], items), 1):
        new = c - seen
        if new:
            dcg += 1.0 / math.log2(rank + 1)
            seen |= new
    ideal = sum(1.0 / math.log2(r + 1) for r in range(1, min(len(items), k) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (``q`` in 0..100) of a non-empty list; 0 if empty."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def normalize_answer(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"\s+", " ", text).strip()


def contains_answer(text: str | None, answers: Sequence[str]) -> bool:
    if not text:
        return False
    norm = normalize_answer(text)
    return any(a.strip() and normalize_answer(a) in norm for a in answers)


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
