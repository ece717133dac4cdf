"""``telusur eval``: score retrieval modes (and answers) on a labelled set, per language and
per query category."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from api.settings import Settings
from eval.dataset import SPLITS, Question, load_questions, relevant_items
from eval.metrics import (
    abstain_scores,
    contains_answer,
    mrr_at,
    ndcg_at,
    percentile,
    recall_at,
)
from eval.report import write_report
from search.answer.ask import Answerer
from search.engine import Searcher
from search.query import MODES, Query

RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWER_METRICS = ("answer_accuracy", "highlight_accuracy", "abstain_precision", "abstain_recall")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("questions", help="labelled questions (.jsonl)")
    p.add_argument("--corpus", nargs="+", help="index this corpus first (folder or .jsonl)")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated retrieval modes")
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--split", choices=SPLITS, help="only this half of a set that declares one")
    p.add_argument("--no-answers", action="store_true", help="skip answer metrics")
    p.add_argument("--json", dest="json_out", help="write metrics as JSON here")
    p.add_argument("--report", help="write a Markdown report (and a PNG chart) here")


def _row(searcher: Searcher, answerer: Answerer | None, q: Question, mode: str, k: int,
         items: list[Any]) -> dict[str, Any]:
    t = time.perf_counter()
    res = searcher.search(Query(text=q.question, k=k, mode=mode))
    latency = (time.perf_counter() - t) * 1000
    got = [(h.passage.doc_id, h.passage.char_start, h.passage.char_end) for h in res.hits]
    row: dict[str, Any] = {"latency": latency, "answerable": q.answerable}
    if q.answerable:
        row |= {
            "recall@1": recall_at(got, items, 1), "recall@5": recall_at(got, items, 5),
            "recall@10": recall_at(got, items, 10), "mrr@10": mrr_at(got, items, 10),
            "ndcg@10": ndcg_at(got, items, 10),
        }
    if answerer is not None:
        a = answerer.ask(searcher, Query(text=q.question, k=5, mode=mode)).answer
        row["abstained"] = a is None
        if q.answerable and q.answers:
            hl = a.text[a.highlight[0]:a.highlight[1]] if a else None
            row["answer_ok"] = contains_answer(a.text if a else None, q.answers)
            row["highlight_ok"] = contains_answer(hl, q.answers)
    return row


def evaluate(
    searcher: Searcher, questions: list[Question], *, modes: list[str], k: int = 10,
    answerer: Answerer | None = None,
) -> dict[str, dict[str, dict[str, float]]]:
    """Per mode, per group ("all", each language, "category=…"): retrieval and answer
    metrics. Answer metrics only with an ``answerer``."""
    data = searcher.context.data
    documents = {d: data.document_at(r) for d, r in data.doc_rows.items()}
    items = {q.id: relevant_items(q, documents) for q in questions}
    out: dict[str, dict[str, dict[str, float]]] = {}
    for mode in modes:
        searcher.cache.clear()  # honest encode latency
        rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for q in questions:
            row = _row(searcher, answerer, q, mode, k, items[q.id])
            for group in ("all", q.lang, f"category={q.category}"):
                rows[group].append(row)
        out[mode] = {g: _aggregate(rs, answerer is not None) for g, rs in rows.items()}
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
    """One row per mode and group, Markdown."""
    has_answers = any("answer_accuracy" in m for r in results.values() for m in r.values())
    cols = ["mode", "group", "n", *RETRIEVAL_METRICS, "p50 ms", "p95 ms"]
    if has_answers:
        cols += ["answer_acc", "highlight_acc", "abstain_P", "abstain_R", "withheld answerable"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for mode, by_group in results.items():
        for group in sorted(by_group, key=lambda g: (g != "all", g.startswith("category"), g)):
            m = by_group[group]
            cells = [mode, group, str(m["n"])] + [f"{m[x]:.3f}" for x in RETRIEVAL_METRICS]
            cells += [f"{m['latency_p50_ms']:.1f}", f"{m['latency_p95_ms']:.1f}"]
            if has_answers:
                cells += [f"{m[x]:.3f}" for x in ANSWER_METRICS]
                cells.append(f"{m['abstained_answerable_rate']:.3f}")
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from index.encoders import load_encoder
    from index.ingest import index_paths
    from index.store import IndexStore

    settings = Settings.from_args(args)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ValueError(f"--modes: unknown mode(s) {', '.join(bad)}; use {', '.join(MODES)}")
    questions = load_questions(args.questions, split=args.split)
    if not questions:
        raise ValueError(f"{args.questions}: no questions" + (
            f" in split {args.split!r}" if args.split else ""))
    encoder = load_encoder(settings.encoder)
    index_dir = settings.index_dir
    tmp = None
    if args.corpus:
        if args.index_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix="telusur-eval-")
            index_dir = Path(tmp.name)
        # Labelled sets name their relevant documents by id, and FacQA's corpus holds copies of
        # the same passage under two ids: index every id, as the labels expect.
        report = index_paths(IndexStore(index_dir), args.corpus, encoder=encoder, dedupe=False)
        print(f"{index_dir}: {report.summary()}", file=sys.stderr)
    searcher = Searcher(IndexStore(index_dir), encoder, ranker=settings.ranker)
    answerer = None if args.no_answers else Answerer.load(encoder.id)
    results = evaluate(searcher, questions, modes=modes, k=args.k, answerer=answerer)
    payload = {"dataset": str(args.questions), "split": args.split, "n": len(questions),
               "ranker": settings.ranker, "modes": results}
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
