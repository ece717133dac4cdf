"""The evaluation report: Markdown (with a PNG chart beside it) and a standalone HTML file —
charts inline as SVG, a failure browser sortable and filterable by language, category and
configuration, nothing loaded from the network."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval import charts

Table = tuple[str, list[str], list[list[str]]]  # title, header, rows
FAILURE_COLUMNS = ("config", "id", "lang", "category", "why", "first_relevant_rank",
                   "question", "gold", "top", "answer")
MD_FAILURES = 30  # per configuration in the Markdown report; the HTML one lists them all


def md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def cell(x: str) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(cell, header)) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(map(cell, r)) + " |" for r in rows)])


def agreement_table(agreement: dict[str, Any]) -> Table:
    rows = [[p["a"], p["b"], str(p["queries"]), str(p["passages"]),
             "—" if p["kappa"] is None else f"{p['kappa']:.3f}", f"{p['observed']:.3f}"]
            for p in agreement["pairs"]]
    return ("Agreement between evaluators (Cohen's kappa)",
            ["evaluator A", "evaluator B", "queries", "passages", "kappa", "same grade"], rows)


def _failure_row(config: str, f: dict[str, Any]) -> dict[str, str]:
    if f["answer"] is not None:
        answer = f["answer"] + (f"  [highlight: {f['highlight']}]" if f["highlight"] else "")
    else:
        answer = f"(withheld: {f['no_answer_reason']})" if f["no_answer_reason"] else "—"
    top = f"{f['top_doc']}: {f['top_text']}" if f["top_doc"] else "(no results)"
    gold = f["gold"] + (f"  [answers: {' / '.join(f['gold_answers'])}]"
                        if f["gold_answers"] else "")
    return {"config": config, "id": f["id"], "lang": f["lang"], "category": f["category"],
            "why": f["why"], "first_relevant_rank": str(f["first_relevant_rank"] or "—"),
            "question": f["question"], "gold": gold, "top": top, "answer": answer}


def _failure_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    return [_failure_row(c, f) for c, fs in data["failures"].items() for f in fs]


def write_markdown(path: Path, data: dict[str, Any], table: str,
                   extra: Sequence[Table] = ()) -> None:
    chart = path.with_suffix(".png")
    charts.png(charts.recall_figure(data["modes"], Path(data["dataset"]).name), chart)
    parts = [
        f"# Evaluation: {Path(data['dataset']).name}\n",
        f"{data['n']} questions ({data['format']} format). Retrieval metrics over answerable "
        "questions (ranx, passage-level qrels); latency per search call. "
        f"Charts and the full failure browser: [{path.with_suffix('.html').name}]"
        f"({path.with_suffix('.html').name}).\n",
        table + "\n", f"![recall@k by mode and language]({chart.name})\n",
    ]
    tables = list(extra)
    if data.get("agreement"):
        tables.append(agreement_table(data["agreement"]))
    for title, header, rows in tables:
        parts.append(f"## {title}\n\n{md_table(header, rows)}\n")
    failed = _failure_rows(data)
    if failed:
        parts.append(f"## Failures (first {MD_FAILURES} per configuration)\n")
        shown: dict[str, int] = {}
        keep = []
        for r in failed:
            shown[r["config"]] = shown.get(r["config"], 0) + 1
            if shown[r["config"]] <= MD_FAILURES:
                keep.append(r)
        parts.append(md_table(FAILURE_COLUMNS, [[r[c] for c in FAILURE_COLUMNS] for r in keep])
                     + "\n")
    path.write_text("\n".join(parts), encoding="utf-8")


def _html_table(title: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in r) + "</tr>"
                   for r in rows)
    return (f"<section><h2>{e(title)}</h2><div class=scroll><table class=metrics>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>")


def _md_rows(table: str) -> tuple[list[str], list[list[str]]]:
    lines = [ln.strip().strip("|").split(" | ") for ln in table.splitlines() if ln.strip()]
    return [c.strip() for c in lines[0]], [[c.strip() for c in r] for r in lines[2:]]


def write_html(path: Path, data: dict[str, Any], table: str,
               extra: Sequence[Table] = ()) -> None:
    e = html.escape
    figs = [charts.recall_figure(data["modes"], "recall@k per language and mode"),
            charts.risk_coverage_figure(data["modes"]), charts.latency_figure(data["modes"])]
    svgs = "".join(f"<figure>{charts.svg(f)}</figure>" for f in figs if f is not None)
    header, rows = _md_rows(table)
    sections = [_html_table("Metrics per configuration and group", header, rows)]
    sections += [_html_table(*t) for t in extra]
    if data.get("agreement"):
        sections.append(_html_table(*agreement_table(data["agreement"])))
    configs = "".join(f"<li><b>{e(k)}</b>: {e(v)}</li>"
                      for k, v in data.get("configurations", {}).items())
    failures = json.dumps(_failure_rows(data), ensure_ascii=False).replace("</", "<\\/")
    page = (TEMPLATE.replace("{{TITLE}}", e(Path(data["dataset"]).name))
            .replace("{{SUMMARY}}", e(f"{data['n']} questions, {data['format']} format; "
                                      "retrieval metrics over answerable questions (ranx, "
                                      "passage-level qrels)."))
            .replace("{{CONFIGS}}", configs).replace("{{CHARTS}}", svgs)
            .replace("{{SECTIONS}}", "".join(sections))
            .replace("{{COLUMNS}}", json.dumps(FAILURE_COLUMNS))
            .replace("{{FAILURES}}", failures))
    path.write_text(page, encoding="utf-8")


def write_report(path: Path, data: dict[str, Any], table: str, scored: Any = None,
                 extra: Sequence[Table] = ()) -> None:
    """``path`` (Markdown), ``path.png`` and ``path.html``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(path, data, table, extra)
    write_html(path.with_suffix(".html"), data, table, extra)


TEMPLATE = (Path(__file__).with_name("report_template.html")).read_text(encoding="utf-8")
