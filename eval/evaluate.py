"""``telusur eval PATH``: score retrieval modes (and answers) on a labelled set, per language
and per query category; ``telusur eval compare PATH``: compare configurations with paired
significance tests (``eval.compare``)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from eval.agreement import agreement
from eval.failures import failures
from eval.formats import write_trec_qrels, write_trec_run
from eval.qrels import RETRIEVAL_METRICS
from eval.runner import Config
from eval.scoring import ANSWER_METRICS, evaluate
from eval.session import Scored, Session, add_set_arguments
from search.query import MODES

__all__ = ["evaluate", "add_arguments", "run", "format_table"]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="+", metavar="[compare] PATH",
                   help="a labelled set: our .jsonl, a BEIR folder, TREC qrels (with "
                        "--queries) or a judgements file; 'compare PATH' compares "
                        "configurations on it")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated retrieval modes")
    add_set_arguments(p)
    g = p.add_argument_group("compare")
    g.add_argument("--config", action="append", metavar="'LABEL [key=value ...]'",
                   help="a configuration to compare (repeat): keys mode, ranker (name or "
                        "file), encoder, max_chars, overlap, translate; default: one per mode")
    g.add_argument("--test", choices=("randomization", "t"), default="randomization",
                   help="paired significance test (default: randomization)")
    g.add_argument("--permutations", type=int, default=10_000,
                   help="random sign flips of the randomization test")
    g.add_argument("--alpha", type=float, default=0.05, help="significance level")
    g.add_argument("--primary", default="mrr@10",
                   help="metric of the per-question win/tie/loss table")


def format_table(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """One row per mode (or configuration) and group, Markdown."""
    has_answers = any("answer_accuracy" in m for r in results.values() for m in r.values())
    cols = ["mode", "group", "n", *RETRIEVAL_METRICS, "p50 ms", "p95 ms"]
    if has_answers:
        cols += ["answer_acc", "highlight_acc", "EM", "F1", "abstain_P", "abstain_R",
                 "withheld answerable", "AURC"]
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for mode, by_group in results.items():
        for group in sorted(by_group, key=lambda g: (g != "all", g.startswith("category"), g)):
            m = by_group[group]
            cells = [mode, group, str(m["n"])] + [f"{m[x]:.3f}" for x in RETRIEVAL_METRICS]
            cells += [f"{m['latency_p50_ms']:.1f}", f"{m['latency_p95_ms']:.1f}"]
            if has_answers:
                cells += [f"{m[x]:.3f}" for x in ANSWER_METRICS]
                cells += [f"{m['abstained_answerable_rate']:.3f}", f"{m['aurc']:.3f}"]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def configs_from_args(args: argparse.Namespace) -> list[Config]:
    if args.config:
        configs = [Config.parse(s) for s in args.config]
    else:
        modes = [m.strip() for m in args.modes.split(",") if m.strip()]
        bad = [m for m in modes if m not in MODES]
        if bad or not modes:
            raise ValueError(f"--modes: unknown mode(s) {', '.join(bad)}; use {', '.join(MODES)}")
        configs = [Config(label=m, mode=m) for m in modes]
    labels = [c.label for c in configs]
    if len(set(labels)) != len(labels):
        raise ValueError("--config: give each configuration its own label")
    return configs


def write_runs(session: Session, scored: list[Scored], run_dir: Path) -> list[Path]:
    """A TREC run file per configuration and the qrels each index scores them against."""
    name = Path(session.labelled.name).stem.replace("/", "_")
    written = []
    qrels_seen: dict[tuple[Any, ...], Path] = {}
    for s in scored:
        path = run_dir / f"{name}.{s.config.label}.trec"
        write_trec_run(path, {r.qid: r.ranked for r in s.runs}, tag=f"telusur-{s.config.label}")
        written.append(path)
        key = s.config.index_key
        if key not in qrels_seen:
            suffix = "" if not qrels_seen else "." + "-".join(map(str, key))
            qpath = run_dir / f"{name}.qrels{suffix}.trec"
            write_trec_qrels(qpath, session.qrels(s.config))
            qrels_seen[key] = qpath
            written.append(qpath)
    return written


def payload(session: Session, scored: list[Scored]) -> dict[str, Any]:
    lab = session.labelled
    out: dict[str, Any] = {
        "dataset": str(session.args.target[-1]), "format": lab.format, "split": session.args.split,
        "n": len(lab.questions), "ranker": session.settings.ranker,
        "encoder": session.settings.encoder,
        "configurations": {s.config.label: s.config.describe() for s in scored},
        "modes": {s.config.label: s.groups for s in scored},
        "failures": {s.config.label: failures(lab.questions, s,
                                              session.searcher(s.config).context.data)
                     for s in scored},
        "indexed": session.indexed,  # what was (re)indexed from the corpus first, if anything
    }
    if lab.judgements:
        out["agreement"] = agreement(lab.judgements)
    return out


def emit(session: Session, data: dict[str, Any], table: str, extra_md: str = "") -> None:
    args = session.args
    if args.json_out == "-":
        print(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        print(f"{data['dataset']}: {data['n']} questions\n")
        print(table + ("\n\n" + extra_md if extra_md else ""))
    if args.json_out and args.json_out != "-":
        Path(args.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json_out).write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                       encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    target = args.target
    if target[0] == "compare" and len(target) == 2:
        from eval.compare import run_compare

        return run_compare(args, target[1])
    if len(target) != 1:
        raise ValueError("give one labelled set (or: telusur eval compare PATH)")
    configs = configs_from_args(args)
    session = Session.open(args, target[0])
    try:
        scored = [session.score(c) for c in configs]
        data = payload(session, scored)
        table = format_table(data["modes"])
        if args.run_dir:
            for path in write_runs(session, scored, Path(args.run_dir)):
                print(f"wrote {path}", file=sys.stderr)
        emit(session, data, table)
        if args.report:
            from eval.report import write_report

            write_report(Path(args.report), data, table, scored)
    finally:
        session.close()
    return 0
