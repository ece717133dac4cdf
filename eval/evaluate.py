"""``telusur eval``: score retrieval modes (and answers) on a labelled set, per language."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from eval.dataset import Question, load_questions, relevant_items
from eval.metrics import (
    abstain_scores,
    contains_answer,
    mrr_at,
    ndcg_at,
    percentile,
    recall_at,
)
from eval.report import write_report
from search.engine import MODES, QueryVectorCache, Searcher

RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWER_METRICS = ("answer_accuracy", "highlight_accuracy", "abstain_precision", "abstain_recall")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("questions", help="labelled questions (.jsonl)")
    p.add_argument("--corpus", nargs="+", help="index this corpus first (folder or .jsonl)")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated retrieval modes")
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--no-answers", action="store_true", help="skip answer metrics")
    p.add_argument("--json", dest="json_out", help="write metrics as JSON here")
    p.add_argument("--report", help="write a Markdown report (and a PNG chart) here")


def evaluate(
    searcher: Searcher, questions: list[Question], *, modes: list[str], k: int = 10,
    answers: bool = True,
) -> dict[str, dict[str, dict[str, float]]]:
    """Per mode, per language (and "all"): retrieval and answer metrics."""
    from search.answers import ask

    data = searcher.data
    documents = {d.id: d for d in data.documents}
    items = {q.id: relevant_items(q, documents) for q in questions}
    with_answers = answers and any(q.answers or not q.relevant for q in questions)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for mode in modes:
        searcher.cache = QueryVectorCache(searcher.cache.maxsize)  # honest encode latency
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for q in questions:
            t = time.perf_counter()
            res = searcher.search(q.question, k=k, mode=mode)
            latency = (time.perf_counter() - t) * 1000
            got = [(h.passage.doc_id, h.passage.char_start, h.passage.char_end) for h in res.hits]
            row: dict[str, Any] = {"latency": latency, "answerable": q.answerable}
            if q.answerable:
                its = items[q.id]
                row |= {
                    "recall@1": recall_at(got, its, 1), "recall@5": recall_at(got, its, 5),
                    "recall@10": recall_at(got, its, 10), "mrr@10": mrr_at(got, its, 10),
                    "ndcg@10": ndcg_at(got, its, 10),
                }
            if with_answers:
                result = ask(searcher, q.question, k=5, mode=mode)
                a = result.answer
                row["abstained"] = a is None
                if q.answerable and q.answers:
                    hl = a.text[a.highlight[0]:a.highlight[1]] if a else None
                    row["answer_ok"] = contains_answer(a.text if a else None, q.answers)
                    row["highlight_ok"] = contains_answer(hl, q.answers)
            rows["all"].append(row)
            rows[q.lang].append(row)
        out[mode] = {lang: _aggregate(rs, with_answers) for lang, rs in sorted(rows.items())}
    return out


def _aggregate(rows: list[dict[str, Any]], with_answers: bool) -> dict[str, float]:
    scored = [r for r in rows if r["answerable"]]
    agg: dict[str, float] = {
        m: (sum(r[m] for r in scored) / len(scored) if scored else 0.0) for m in RETRIEVAL_METRICS
    }
    agg["n"] = len(scored)
    lat = [r["latency"] for r in rows]
    agg["latency_p50_ms"] = percentile(lat, 50)
    agg["latency_p95_ms"] = percentile(lat, 95)
    if with_answers:
        graded = [r for r in rows if "answer_ok" in r]
        agg["answer_accuracy"] = (
            sum(r["answer_ok"] for r in graded) / len(graded) if graded else 0.0
        )
        agg["highlight_accuracy"] = (
            sum(r["highlight_ok"] for r in graded) / len(graded) if graded else 0.0
        )
        agg |= abstain_scores([r["abstained"] for r in rows], [r["answerable"] for r in rows])
        agg["n_unanswerable"] = sum(not r["answerable"] for r in rows)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in agg.items()}


def format_table(results: dict[str, dict[str, dict[str, float]]]) -> str:
    """One row per mode and language, Markdown."""
    has_answers = any("answer_accuracy" in m for r in results.values() for m in r.values())
    cols = ["mode", "lang", "n", *RETRIEVAL_METRICS, "p50 ms", "p95 ms"]
    if has_answers:
        cols += ["answer_acc", "highlight_acc", "abstain_P", "abstain_R"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for mode, by_lang in results.items():
        for lang, m in by_lang.items():
            cells = [mode, lang, str(m["n"])] + [f"{m[x]:.3f}" for x in RETRIEVAL_METRICS]
            cells += [f"{m['latency_p50_ms']:.1f}", f"{m['latency_p95_ms']:.1f}"]
            if has_answers:
                cells += [f"{m[x]:.3f}" for x in ANSWER_METRICS]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from api.cli import _settings
    from index.builder import index_paths
    from index.encoders import load_encoder
    from index.store import IndexStore

    settings = _settings(args)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ValueError(f"--modes: unknown mode(s) {', '.join(bad)}; use {', '.join(MODES)}")
    questions = load_questions(args.questions)
    if not questions:
        raise ValueError(f"{args.questions}: no questions")
    encoder = load_encoder(settings.encoder)
    index_dir = settings.index_dir
    tmp = None
    if args.corpus:
        if args.index_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="telusur-eval-")
            index_dir = Path(tmp.name)
        report = index_paths(IndexStore(index_dir), args.corpus, encoder=encoder)
        print(f"{index_dir}: {report.summary()}", file=sys.stderr)
    searcher = Searcher(IndexStore(index_dir), encoder)
    results = evaluate(searcher, questions, modes=modes, k=args.k, answers=not args.no_answers)
    payload = {"dataset": str(args.questions), "n": len(questions), "modes": results}
    print(f"{args.questions}: {len(questions)} questions\n")
    print(format_table(results))
    if args.json_out:
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    if args.report:
        write_report(Path(args.report), payload, format_table(results))
    if tmp is not None:
        tmp.cleanup()
    return 0
