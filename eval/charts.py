"""The report's charts (matplotlib): recall@k per language and mode, the risk–coverage curve
of the answer confidence, and latency per stage — as SVG text to inline in the HTML report,
or a PNG beside the Markdown one."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from eval.qrels import RECALL_CURVE
from eval.scoring import STAGES


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.fonttype"] = "none"  # text stays text in the SVG: small, searchable
    return plt


def _langs(modes: dict[str, dict[str, Any]]) -> list[str]:
    return sorted({g for by_group in modes.values() for g in by_group
                   if g != "all" and not g.startswith("category=")})


def recall_figure(modes: dict[str, dict[str, Any]], title: str) -> Any:
    plt = _plt()
    langs = _langs(modes) or ["all"]
    fig, axes = plt.subplots(1, len(langs), figsize=(4.2 * len(langs), 3.4), squeeze=False)
    for ax, lang in zip(axes[0], langs, strict=True):
        n = 0
        for mode, by_group in modes.items():
            m = by_group.get(lang)
            if m and m["n"]:
                n = m["n"]
                ax.plot(RECALL_CURVE, [m[f"recall@{k}"] for k in RECALL_CURVE], marker="o",
                        label=mode)
        ax.set_title(f"{lang} (n={n})")
        ax.set_xlabel("k")
        ax.set_xticks(list(RECALL_CURVE))
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("recall@k")
    axes[0][-1].legend(loc="lower right", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def risk_coverage_figure(modes: dict[str, dict[str, Any]]) -> Any | None:
    curves = {mode: g["all"]["risk_coverage"] for mode, g in modes.items()
              if "risk_coverage" in g.get("all", {}) and g["all"]["risk_coverage"]["coverage"]}
    if not curves:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 3.4))
    for mode, c in curves.items():
        ax.plot(c["coverage"], c["risk"], drawstyle="steps-post",
                label=f"{mode} (AURC {modes[mode]['all']['aurc']:.3f})")
    ax.set_xlabel("coverage (share of questions answered)")
    ax.set_ylabel("risk (share of answers wrong)")
    ax.set_xlim(0, 1.0)
    ax.set_ylim(0, 1.0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title("risk–coverage of the answer confidence")
    fig.tight_layout()
    return fig


def latency_figure(modes: dict[str, dict[str, Any]]) -> Any | None:
    stages = [s for s in STAGES if any(f"{s}_p50_ms" in g["all"] for g in modes.values())]
    if not stages:
        return None
    plt = _plt()
    fig, ax = plt.subplots(figsize=(4.6, 0.5 + 0.45 * len(modes) + 1.2))
    names = list(modes)
    left = [0.0] * len(names)
    for stage in stages:
        vals = [modes[m]["all"].get(f"{stage}_p50_ms", 0.0) for m in names]
        ax.barh(names, vals, left=left, label=stage)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.set_xlabel("p50 ms per question, by stage")
    ax.invert_yaxis()
    ax.legend(fontsize=8, ncol=len(stages), loc="upper center", bbox_to_anchor=(0.5, -0.35))
    ax.set_title("latency per stage")
    fig.tight_layout()
    return fig


def svg(fig: Any) -> str:
    plt = _plt()
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]  # drop the XML prolog and DOCTYPE: inline in HTML


def png(fig: Any, path: Path) -> None:
    plt = _plt()
    fig.savefig(path, dpi=110)
    plt.close(fig)
