"""Markdown report with a recall@k chart (PNG beside it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def write_chart(path: Path, payload: dict[str, Any]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    modes = payload["modes"]
    langs = sorted({g for by_group in modes.values() for g in by_group
                    if not g.startswith("category=")})
    ks = ["recall@1", "recall@5", "recall@10"]
    fig, axes = plt.subplots(1, len(langs), figsize=(4.2 * len(langs), 3.6), squeeze=False)
    for ax, lang in zip(axes[0], langs, strict=True):
        for mode, by_lang in modes.items():
            if lang in by_lang:
                ax.plot([1, 5, 10], [by_lang[lang][k] for k in ks], marker="o", label=mode)
        ax.set_title(f"{lang} (n={next(iter(modes.values())).get(lang, {}).get('n', 0)})")
        ax.set_xlabel("k")
        ax.set_xticks([1, 5, 10])
        ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("recall@k")
    axes[0][-1].legend(loc="lower right")
    fig.suptitle(Path(payload["dataset"]).name)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(path: Path, payload: dict[str, Any], table: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    chart = path.with_suffix(".png")
    write_chart(chart, payload)
    path.write_text(
        f"# Retrieval evaluation: {Path(payload['dataset']).name}\n\n"
        f"{payload['n']} questions. Metrics per mode and question language "
        "(retrieval metrics over answerable questions; latency per search call).\n\n"
        f"{table}\n\n![recall@k by mode and language]({chart.name})\n",
        encoding="utf-8",
    )
