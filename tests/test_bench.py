"""``telusur bench`` writes its report: a tiny vectors section only (no timing assertions;
the scale section builds a large index, which CI never does)."""

from __future__ import annotations

import json
from pathlib import Path

from api.cli import main


def test_bench_scale_quick_writes_report(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    rc = main(["bench", "--quick", "--sections", "vectors", "--max-scale", "2000",
               "--out", str(out)])
    assert rc == 0
    for name in ("bench.md", "bench.json", "scale.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    data = json.loads((out / "bench.json").read_text())
    scale = data["vectors"]
    assert scale["dim"] == 384
    row = scale["rows"][0]
    assert row["n"] == 2000
    for kind in ("flat", "hnsw"):
        entry = row[kind]
        assert {"build_s", "latency_ms_1thread", "recall_at_10", "disk_bytes"} <= set(entry)
        assert {"p50", "p95", "p99"} <= set(entry["latency_ms_1thread"])
        assert 0.0 <= entry["recall_at_10"] <= 1.0
    assert "flat_threshold" in scale
    assert "in_process_synthetic" in data["memory"]
    assert "bm25" in scale
    assert data["runs"]["vectors"]["quick"] is True
    md = (out / "bench.md").read_text()
    assert "## 4. Vector search at scale" in md and "## 5. Memory" in md


def test_bench_rejects_unknown_section(tmp_path: Path) -> None:
    assert main(["bench", "--sections", "nope", "--out", str(tmp_path)]) == 2
    assert main(["bench", "nope", "--out", str(tmp_path)]) == 2


def test_bulk_table_shows_ray_start_apart() -> None:
    """The bulk section's rows exclude starting Ray, which gets its own column."""
    from eval.bench_bulk import render_bulk

    md = "\n".join(render_bulk({"documents": 4, "load_average": [1.0, 1.0, 1.0], "rows": [
        {"how": "plain loop", "passages": 4, "seconds": 1.0, "passages_per_s": 4.0},
        {"how": "Ray, 2 actors", "passages": 4, "seconds": 2.0, "passages_per_s": 2.0,
         "ray_start_s": 2.5}]}))
    assert "| plain loop | 4 | 1.0 | 4.0 | — |" in md
    assert "| Ray, 2 actors | 4 | 2.0 | 2.0 | 2.5 |" in md
