"""Metrics against values worked out by hand (in the comments)."""

import math

import pytest

from eval.metrics import (
    Item,
    abstain_scores,
    contains_answer,
    mrr_at,
    ndcg_at,
    percentile,
    recall_at,
)

# Two relevant items: doc A with evidence at chars 100-120, and all of doc B.
ITEMS = [Item("A", 100, 120), Item("B")]
RETRIEVED = [
    ("A", 0, 99),     # rank 1: doc A but before the evidence -> not relevant
    ("C", 0, 500),    # rank 2: other doc
    ("A", 90, 110),   # rank 3: overlaps A's evidence -> covers item 0
    ("A", 110, 300),  # rank 4: covers item 0 again (no new gain)
    ("B", 5, 10),     # rank 5: covers item 1
]


def test_recall():
    assert recall_at(RETRIEVED, ITEMS, 1) == 0.0
    assert recall_at(RETRIEVED, ITEMS, 3) == 0.5  # 1 of 2 items
    assert recall_at(RETRIEVED, ITEMS, 5) == 1.0


def test_mrr():
    assert mrr_at(RETRIEVED, ITEMS, 10) == pytest.approx(1 / 3)
    assert mrr_at(RETRIEVED, ITEMS, 2) == 0.0


def test_ndcg():
    # DCG = 1/log2(3+1) + 1/log2(5+1) = 0.5 + 0.386853 = 0.886853
    # IDCG (2 items) = 1/log2(2) + 1/log2(3) = 1 + 0.630930 = 1.630930
    expected = (0.5 + 1 / math.log2(6)) / (1 + 1 / math.log2(3))
    assert ndcg_at(RETRIEVED, ITEMS, 10) == pytest.approx(expected)
    assert ndcg_at(RETRIEVED, ITEMS, 10) == pytest.approx(0.543771, abs=1e-6)
    assert ndcg_at([("B", 0, 1)], [Item("B")], 10) == 1.0


def test_span_overlap_is_half_open():
    assert not Item("A", 100, 120).covered_by("A", 120, 200)
    assert Item("A", 100, 120).covered_by("A", 119, 200)


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 95) == 10
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == pytest.approx(9.55)


def test_answer_normalisation():
    assert contains_answer("Hibah senilai  $7,6 JUTA dari USTDA", ["$7,6 juta"])
    assert not contains_answer("hibah 7.6 juta", ["7,6 juta"])
    assert not contains_answer(None, ["x"])


def test_abstain_scores():
    # 3 unanswerable (abstained on 2), 4 answerable (abstained on 1)
    abstained = [True, True, False, True, False, False, False]
    answerable = [False, False, False, True, True, True, True]
    s = abstain_scores(abstained, answerable)
    assert s["abstain_precision"] == pytest.approx(2 / 3)
    assert s["abstain_recall"] == pytest.approx(2 / 3)
    assert s["abstained_answerable_rate"] == pytest.approx(1 / 4)
