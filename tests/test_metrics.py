"""Metrics against values worked out by hand (in the comments)."""

import math

import pytest

from eval.agreement import agreement
from eval.metrics import (
    abstain_scores,
    contains_answer,
    exact_match,
    risk_coverage,
    token_f1,
)
from eval.qrels import rank_faithful, score_run
from eval.stats import bonferroni, randomization_test, t_test, win_tie_loss
from index.judgements import Judgement


def test_ranx_metrics_on_a_hand_made_run():
    # q1: relevant A#0 (grade 1) and B#2 (grade 2); retrieved C#0, A#0, X#1, B#2.
    # recall@1 = 0; recall@5 = 2/2; mrr@10 = 1/2;
    # DCG = 1/log2(3) + 2/log2(5) = 0.630930 + 0.861353 = 1.492283
    # IDCG = 2/log2(2) + 1/log2(3) = 2.630930 -> nDCG@10 = 0.567207
    # q2: relevant Z#0 only, nothing retrieved -> every metric 0.
    qrels = {"q1": {"A#0": 1, "B#2": 2}, "q2": {"Z#0": 1}, "q3": {"N#0": 0}}
    run = {"q1": [("C#0", 3.0), ("A#0", 2.0), ("X#1", 1.0), ("B#2", 0.5)], "q2": []}
    got = score_run(qrels, run, ["recall@1", "recall@5", "mrr@10", "ndcg@10"])
    assert set(got) == {"q1", "q2"}  # q3 has no relevant passage: not scored
    assert got["q1"]["recall@1"] == 0.0 and got["q1"]["recall@5"] == 1.0
    assert got["q1"]["mrr@10"] == pytest.approx(0.5)
    assert got["q1"]["ndcg@10"] == pytest.approx(0.567207, abs=1e-6)
    assert got["q2"] == {"recall@1": 0.0, "recall@5": 0.0, "mrr@10": 0.0, "ndcg@10": 0.0}


def test_ties_keep_telusurs_order():
    assert rank_faithful([1.0, 1.0, 0.5, 0.5000001]) == [1.0, 0.999999, 0.5, 0.499999]
    # the relevant passage is second at an equal score: a rescorer must still see rank 2
    got = score_run({"q": {"b": 1}}, {"q": [("a", 1.0), ("b", 1.0)]}, ["mrr@10"])
    assert got["q"]["mrr@10"] == 0.5


def test_answer_in_quote_normalises_case_and_space_only():
    assert contains_answer("Hibah senilai  $7,6 JUTA dari USTDA", ["$7,6 juta"])
    assert not contains_answer("hibah 7.6 juta", ["7,6 juta"])
    assert not contains_answer(None, ["x"])


def test_exact_match_and_token_f1():
    assert exact_match("Basuki Hadimuljono.", ["basuki  hadimuljono"]) == 1.0
    assert exact_match("Basuki", ["Basuki Hadimuljono"]) == 0.0
    # pred "kepala oikn basuki" vs gold "basuki hadimuljono": 1 common token,
    # P = 1/3, R = 1/2, F1 = 2 * (1/6) / (5/6) = 0.4
    assert token_f1("Kepala OIKN, Basuki", ["Basuki Hadimuljono", "x"]) == pytest.approx(0.4)
    assert token_f1(None, ["a"]) == 0.0


def test_abstain_scores():
    # 3 unanswerable (abstained on 2), 4 answerable (abstained on 1)
    abstained = [True, True, False, True, False, False, False]
    answerable = [False, False, False, True, True, True, True]
    s = abstain_scores(abstained, answerable)
    assert s["abstain_precision"] == pytest.approx(2 / 3)
    assert s["abstain_recall"] == pytest.approx(2 / 3)
    assert s["abstained_answerable_rate"] == pytest.approx(1 / 4)


def test_risk_coverage():
    # answers given (confidence, right?): 0.9 T, 0.8 F, 0.8 T, 0.3 F; 5 questions in all.
    # points: cov 1/5 risk 0; the two 0.8s enter together: cov 3/5 risk 1/3; cov 4/5 risk 1/2
    # area = 0 * 0.2 + (1/3) * 0.4 + (1/2) * 0.2 = 0.233333
    cov, risk, area = risk_coverage([0.9, 0.8, 0.8, 0.3], [True, False, True, False], total=5)
    assert cov == pytest.approx([0.2, 0.6, 0.8])
    assert risk == pytest.approx([0.0, 1 / 3, 0.5])
    assert area == pytest.approx(0.233333, abs=1e-6)
    # the order of equally confident answers does not matter
    assert risk_coverage([0.9, 0.8, 0.8, 0.3], [True, True, False, False], total=5)[2] == area


def test_randomization_test_matches_the_exact_distribution():
    # 5 questions, all +1: of the 2^5 sign patterns only all-plus and all-minus reach |mean|=1,
    # so the exact two-sided p is 2/32 = 0.0625.
    p = randomization_test([1.0] * 5, [0.0] * 5, permutations=20_000)
    assert abs(p - 0.0625) < 0.01
    assert randomization_test([0.3, 0.5], [0.3, 0.5]) == 1.0
    assert randomization_test([1, 0, 1], [0, 1, 0], seed=1) == randomization_test(
        [1, 0, 1], [0, 1, 0], seed=1)  # seeded


def test_t_test_bonferroni_and_win_tie_loss():
    from scipy.stats import ttest_rel

    a, b = [0.5, 1.0, 0.2, 0.9], [0.4, 0.5, 0.2, 0.1]
    assert t_test(a, b) == pytest.approx(ttest_rel(a, b).pvalue)
    assert t_test(a, a) == 1.0
    assert bonferroni([0.01, 0.2, 0.5]) == pytest.approx([0.03, 0.6, 1.0])
    assert win_tie_loss(a, b) == (3, 1, 0)


def _j(evaluator, pid, grade, time="2025-01-01T00:00:00Z"):
    return Judgement(evaluator=evaluator, query="q", query_id="j-1", passage_id=pid,
                     doc_id=pid.split("#")[0], char_start=0, char_end=5, grade=grade, time=time)


def test_cohens_kappa():
    # a = 2 2 1 0 0 2, b = 2 1 1 0 2 2: observed 4/6; expected (2*1 + 1*2 + 3*3)/36 = 13/36
    # kappa = (24/36 - 13/36) / (1 - 13/36) = 11/23 = 0.478261
    a, b = [2, 2, 1, 0, 0, 2], [2, 1, 1, 0, 2, 2]
    records = [_j("ana", f"d#{i}", g) for i, g in enumerate(a)]
    records += [_j("budi", f"d#{i}", g) for i, g in enumerate(b)]
    records.append(_j("ana", "d#9", 2))  # judged by one evaluator only: not compared
    (pair,) = agreement(records)["pairs"]
    assert (pair["a"], pair["b"], pair["passages"]) == ("ana", "budi", 6)
    assert pair["kappa"] == pytest.approx(11 / 23, abs=1e-4)
    assert pair["observed"] == pytest.approx(4 / 6, abs=1e-4)
    # a later judgement replaces the earlier one of the same evaluator
    again = agreement([*records, _j("budi", "d#1", 2, time="2025-01-02T00:00:00Z")])
    assert again["pairs"][0]["observed"] == pytest.approx(5 / 6, abs=1e-4)
    assert not math.isnan(again["pairs"][0]["kappa"])
