"""``telusur eval compare PATH``: two or more configurations on the same questions, each
metric with a paired significance test between every pair of configurations (Bonferroni-
corrected over the pairs), per group (all, each language, each category), and a
per-question win/tie/loss count on the primary metric.

Reading a cell ``+0.031 (p=0.004)*``: the row's metric is 0.031 higher for the first
configuration of the pair on these questions; if the two were interchangeable, a difference
this large would turn up with probability 0.004 (after Bonferroni); ``*`` marks p < alpha.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path
from typing import Any

from eval.evaluate import configs_from_args, emit, format_table, payload, write_runs
from eval.qrels import RETRIEVAL_METRICS
from eval.report import Table
from eval.session import Scored, Session
from eval.stats import bonferroni, randomization_test, t_test, win_tie_loss

# per-question answer scores that can be compared (means over answerable questions with
# gold answers); "answer_ok" is the answer-in-quote accuracy
ANSWER_SCORES = ("answer_ok", "token_f1")


def _groups(rows: list[dict[str, Any]]) -> list[str]:
    langs = sorted({r["lang"] for r in rows})
    cats = sorted({r["category"] for r in rows})
    return ["all", *langs, *(f"category={c}" for c in cats)]


def _in_group(row: dict[str, Any], group: str) -> bool:
    return group == "all" or row["lang"] == group or f"category={row['category']}" == group


def compare(scored: list[Scored], *, test: str = "randomization", permutations: int = 10_000,
            alpha: float = 0.05, primary: str = "mrr@10") -> dict[str, Any]:
    """Per group and metric: each configuration's mean and, per pair, the difference with its
    p-value (raw and Bonferroni over the pairs) — plus win/tie/loss on ``primary``."""
    labels = [s.config.label for s in scored]
    pairs = list(itertools.combinations(range(len(scored)), 2))
    metrics = list(RETRIEVAL_METRICS) + [m for m in ANSWER_SCORES
                                         if any(m in r for r in scored[0].rows)]
    if primary not in metrics:
        raise ValueError(f"--primary: one of {', '.join(metrics)}")
    groups: dict[str, Any] = {}
    wtl: dict[str, Any] = {}
    for group in _groups(scored[0].rows):
        keep = [i for i, r in enumerate(scored[0].rows) if _in_group(r, group)]
        by_metric = {}
        for metric in metrics:
            idx = [i for i in keep if metric in scored[0].rows[i]]
            if not idx:
                continue
            vals = [[float(s.rows[i][metric]) for i in idx] for s in scored]
            raw = [(randomization_test(vals[a], vals[b], permutations=permutations)
                    if test == "randomization" else t_test(vals[a], vals[b])) for a, b in pairs]
            adj = bonferroni(raw)
            by_metric[metric] = {
                "n": len(idx),
                "means": {lab: round(sum(v) / len(v), 4) for lab, v in zip(labels, vals,
                                                                          strict=True)},
                "pairs": [{"a": labels[a], "b": labels[b],
                           "diff": round((sum(vals[a]) - sum(vals[b])) / len(idx), 4),
                           "p": round(p, 4), "p_bonferroni": round(q, 4),
                           "significant": q < alpha}
                          for (a, b), p, q in zip(pairs, raw, adj, strict=True)],
            }
            if metric == primary:
                wtl[group] = [dict(zip(("a", "b", "wins", "ties", "losses"),
                                       (labels[a], labels[b],
                                        *win_tie_loss(vals[a], vals[b])), strict=True))
                              for a, b in pairs]
        if by_metric:
            groups[group] = by_metric
    return {"test": test, "permutations": permutations if test == "randomization" else None,
            "alpha": alpha, "correction": "bonferroni over the pairs of configurations",
            "primary": primary, "groups": groups, "win_tie_loss": wtl}


def tables(result: dict[str, Any], *, groups: list[str] | None = None) -> list[Table]:
    out: list[Table] = []
    first = next(iter(result["groups"].values()))
    some = next(iter(first.values()))
    labels = list(some["means"])
    pair_names = [f"{p['a']} − {p['b']}" for p in some["pairs"]]
    rows = []
    for group, by_metric in result["groups"].items():
        if groups is not None and group not in groups:
            continue
        for metric, m in by_metric.items():
            cells = [group, metric, str(m["n"])] + [f"{m['means'][lab]:.3f}" for lab in labels]
            cells += [f"{p['diff']:+.3f} (p={p['p_bonferroni']:.3f})"
                      + ("*" if p["significant"] else "") for p in m["pairs"]]
            rows.append(cells)
    test = ("paired randomization test, "
            f"{result['permutations']} sign flips" if result["test"] == "randomization"
            else "paired t-test")
    out.append((f"Paired comparison ({test}; p Bonferroni-corrected over "
                f"{len(pair_names)} pair(s); * p < {result['alpha']})",
                ["group", "metric", "n", *labels, *pair_names], rows))
    wrows = [[g, f"{x['a']} vs {x['b']}", str(x["wins"]), str(x["ties"]), str(x["losses"])]
             for g, xs in result["win_tie_loss"].items()
             if groups is None or g in groups for x in xs]
    out.append((f"Per-question win / tie / loss on {result['primary']}",
                ["group", "pair", "wins", "ties", "losses"], wrows))
    return out


def run_compare(args: argparse.Namespace, path: str) -> int:
    from eval.report import md_table, write_report

    configs = configs_from_args(args)
    if len(configs) < 2:
        raise ValueError("compare needs two or more configurations (--config, or --modes)")
    if args.permutations < 100:
        raise ValueError("--permutations: at least 100")
    session = Session.open(args, path)
    try:
        scored = [session.score(c) for c in configs]
        result = compare(scored, test=args.test, permutations=args.permutations,
                         alpha=args.alpha, primary=args.primary)
        data = payload(session, scored) | {"comparison": result}
        table = format_table(data["modes"])
        main_groups = ["all", *sorted({r["lang"] for r in scored[0].rows})]
        shown = tables(result, groups=main_groups)
        if args.run_dir:
            for p in write_runs(session, scored, Path(args.run_dir)):
                print(f"wrote {p}", file=sys.stderr)
        emit(session, data, format_table({k: {g: v for g, v in d.items() if g in main_groups}
                                          for k, d in data["modes"].items()}),
             "\n\n".join(f"{t}\n\n{md_table(h, r)}" for t, h, r in shown))
        if args.report:
            write_report(Path(args.report), data, table, scored, extra=tables(result))
    finally:
        session.close()
    return 0
