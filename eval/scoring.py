"""Per-question scores of a run (retrieval by ranx through ``eval.qrels``, answers by
``eval.metrics``) and their aggregates per group: ``all``, each language, ``category=…``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

from eval.dataset import Question
from eval.metrics import (
    abstain_scores,
    contains_answer,
    exact_match,
    risk_coverage,
    token_f1,
)
from eval.qrels import RECALL_CURVE, RETRIEVAL_METRICS, passage_qrels, score_run
from eval.runner import QuestionRun, run_questions
from index.generation import IndexData
from search.answer.ask import Answerer
from search.engine import Searcher

ANSWER_METRICS = ("answer_accuracy", "highlight_accuracy", "exact_match", "token_f1",
                  "abstain_precision", "abstain_recall")
STAGES = ("encode", "retrieve", "fuse", "answer")
CURVE_METRICS = tuple(f"recall@{k}" for k in RECALL_CURVE)


def qrels_of(questions: Sequence[Question], data: IndexData) -> dict[str, dict[str, int]]:
    return {q.id: passage_qrels(q.id, q.relevant, data) for q in questions}


def first_relevant_rank(ranked: Sequence[tuple[str, float]], rels: dict[str, int]) -> int | None:
    return next((i for i, (pid, _) in enumerate(ranked, 1) if rels.get(pid, 0) > 0), None)


def score_questions(
    questions: Sequence[Question], runs: Sequence[QuestionRun],
    qrels: dict[str, dict[str, int]],
) -> list[dict[str, Any]]:
    """One row per question: its labels, retrieval metrics (answerable ones), stage timings,
    and answer metrics when an answerer ran."""
    metrics = tuple(dict.fromkeys(RETRIEVAL_METRICS + CURVE_METRICS))
    retrieval = score_run(qrels, {r.qid: r.ranked for r in runs}, metrics)
    rows = []
    for q, r in zip(questions, runs, strict=True):
        rels = qrels.get(q.id, {})
        # A question whose relevant documents are all missing from the index is scored
        # (as a miss): ranx scores every question with a relevant passage.
        row: dict[str, Any] = {
            "id": q.id, "lang": q.lang, "category": q.category, "answerable": q.answerable,
            "scored": q.id in retrieval, "timings": r.timings_ms,
            "first_relevant_rank": first_relevant_rank(r.ranked, rels) if rels else None,
        }
        if q.answerable:
            row |= retrieval.get(q.id, dict.fromkeys(metrics, 0.0))
        if r.answered:
            row |= {"abstained": r.answer is None, "confidence": r.confidence}
            if q.answerable and q.answers:
                row |= {
                    "answer_ok": contains_answer(r.answer, q.answers),
                    "highlight_ok": contains_answer(r.highlight, q.answers),
                    "exact_match": exact_match(r.highlight, q.answers),
                    "token_f1": token_f1(r.highlight, q.answers),
                }
            # An answer given is right when it holds a gold answer; any answer to an
            # unanswerable question is wrong (questions without gold answers: unknown).
            if r.answer is not None and ("answer_ok" in row or not q.answerable):
                row["correct"] = bool(row.get("answer_ok", False))
        rows.append(row)
    return rows


def groups(row: dict[str, Any]) -> tuple[str, ...]:
    return "all", row["lang"], f"category={row['category']}"


def _mean(rows: Sequence[dict[str, Any]], key: str) -> float:
    vals = [float(r[key]) for r in rows if key in r]
    return sum(vals) / len(vals) if vals else 0.0


def _p(values: Sequence[float], q: float) -> float:
    return float(np.percentile(values, q)) if len(values) else 0.0


def aggregate(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over answerable questions (retrieval) or graded answers, latency percentiles,
    abstention over every question, and the risk–coverage area."""
    scored = [r for r in rows if r["answerable"]]
    agg: dict[str, Any] = {m: _mean(scored, m) for m in RETRIEVAL_METRICS + CURVE_METRICS}
    agg["n"] = len(scored)
    search = [r["timings"].get("search", 0.0) for r in rows]
    agg["latency_p50_ms"], agg["latency_p95_ms"] = _p(search, 50), _p(search, 95)
    for stage in STAGES:
        vals = [r["timings"][stage] for r in rows if stage in r["timings"]]
        if vals:
            agg[f"{stage}_p50_ms"] = _p(vals, 50)
    answered = [r for r in rows if "abstained" in r]
    if answered:
        graded = [r for r in answered if "answer_ok" in r]
        agg["answer_accuracy"] = _mean(graded, "answer_ok")
        agg["highlight_accuracy"] = _mean(graded, "highlight_ok")
        agg["exact_match"] = _mean(graded, "exact_match")
        agg["token_f1"] = _mean(graded, "token_f1")
        agg |= abstain_scores([r["abstained"] for r in answered],
                              [r["answerable"] for r in answered])
        agg["n_unanswerable"] = sum(not r["answerable"] for r in answered)
        judgeable = [r for r in answered if "answer_ok" in r or not r["answerable"]]
        given = [r for r in judgeable if "correct" in r]
        cov, risk, area = risk_coverage([r["confidence"] for r in given],
                                        [r["correct"] for r in given], total=len(judgeable))
        agg["aurc"] = area
        agg["risk_coverage"] = {"coverage": [round(c, 4) for c in cov],
                                "risk": [round(x, 4) for x in risk]}
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in agg.items()}


def aggregate_groups(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    by_group: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        for g in groups(row):
            by_group[g].append(row)
    return {g: aggregate(rs) for g, rs in by_group.items()}


def evaluate(
    searcher: Searcher, questions: list[Question], *, modes: list[str], k: int = 10,
    answerer: Answerer | None = None,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per mode, per group: retrieval and (with an ``answerer``) answer metrics."""
    qrels = qrels_of(questions, searcher.context.data)
    out = {}
    for mode in modes:
        runs = run_questions(searcher, questions, mode=mode, k=k, answerer=answerer)
        out[mode] = aggregate_groups(score_questions(questions, runs, qrels))
    return out
