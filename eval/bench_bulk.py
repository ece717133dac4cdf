"""``telusur bench --sections bulk``: the same FacQA documents indexed by the plain loop and
on a local Ray (2 CPUs), passages and texts per second, with the machine's load."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench_common import load_average
from eval.scale_corpus import FACQA


def run_bulk(*, docs: int, encoder_name: str, log: Callable[[str], None] = print
             ) -> dict[str, Any]:
    from index.bulk import index_paths_ray, start
    from index.encoders import load_encoder
    from index.ingest import index_paths
    from index.store import IndexStore

    lines = [x for x in FACQA.open(encoding="utf-8") if x.strip()][:docs]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as d:
        corpus = Path(d) / "corpus"
        corpus.mkdir()
        for i in range(0, len(lines), 10):  # files of 10 documents: tasks to spread
            (corpus / f"part-{i:05d}.jsonl").write_text("".join(lines[i:i + 10]),
                                                        encoding="utf-8")
        enc = load_encoder(encoder_name)
        t = time.perf_counter()
        rep = index_paths(IndexStore(Path(d) / "plain"), [corpus], encoder=enc,
                          progress=False)
        rows.append(_row("plain loop (one process, 2 OpenMP threads)", rep, t))
        log(f"bulk: {rows[-1]}")
        import ray

        for actors in (1, 2):
            t = time.perf_counter()
            start(num_cpus=2)  # timed on its own: a cluster is started once, not per run
            started = time.perf_counter() - t
            t = time.perf_counter()
            rep = index_paths_ray(IndexStore(Path(d) / f"ray{actors}"), [corpus],
                                  encoder_name=encoder_name, num_cpus=2, actors=actors,
                                  progress=False)
            rows.append(_row(f"Ray, local, {actors} actor(s) × 1 thread", rep, t)
                        | {"ray_start_s": round(started, 1)})
            ray.shutdown()
            log(f"bulk: {rows[-1]}")
    return {"documents": docs, "rows": rows, "load_average": load_average()}


def _row(name: str, report: Any, t0: float) -> dict[str, Any]:
    s = time.perf_counter() - t0
    return {"how": name, "passages": report.passages, "seconds": round(s, 1),
            "passages_per_s": round(report.passages / s, 2)}


def render_bulk(r: dict[str, Any]) -> list[str]:
    L = ["## Bulk indexing: plain loop vs Ray (this machine, 2 cores)", "",
         f"{r['documents']} FacQA documents (passages and their sentences embedded); load "
         f"average at the end {r['load_average']}.", "",
         "Seconds and passages/s exclude starting Ray (its own column); they include the "
         "actors loading their encoders.", "",
         "| how | passages | seconds | passages/s | Ray start s |", "|---|---:|---:|---:|---:|"]
    for x in r["rows"]:
        L.append(f"| {x['how']} | {x['passages']} | {x['seconds']} | {x['passages_per_s']} "
                 f"| {x.get('ray_start_s', '—')} |")
    return [*L, "", json.dumps({"note": "see README, Scaling out"})[:0]]
