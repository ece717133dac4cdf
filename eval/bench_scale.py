"""Vector search at scale on synthetic clustered vectors: exact (flat) vs HNSW, plus BM25."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from eval.bench_common import FACQA, load_average, pct, proc_status_kb
from index import vectors as V

DIM = 384
SIZES = (10_000, 100_000, 1_000_000)
N_QUERIES = 200
EF_SWEEP = (32, 64, 96, 128, 192, 256)


def clustered(n: int, *, dim: int = DIM, clusters: int = 1000, seed: int = 0) -> np.ndarray:
    """Unit vectors from a Gaussian mixture: ``clusters`` random centres plus noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    out = np.empty((n, dim), dtype=np.float32)
    step = 100_000
    for i in range(0, n, step):
        m = min(step, n - i)
        x = centres[rng.integers(0, clusters, m)]
        x += rng.standard_normal((m, dim), dtype=np.float32) * np.float32(0.06)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        out[i:i + m] = x
    return out


def perturbed_queries(xb: np.ndarray, nq: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    q = xb[rng.integers(0, len(xb), nq)] + rng.standard_normal(
        (nq, xb.shape[1]), dtype=np.float32) * np.float32(0.03)
    return (q / np.linalg.norm(q, axis=1, keepdims=True)).astype(np.float32)


def _latency(index: V.FaissVectorIndex, xq: np.ndarray, threads: int) -> dict:
    faiss.omp_set_num_threads(threads)
    for q in xq[:5]:
        index.search(q, 10)
    times = []
    for q in xq:
        t = time.perf_counter()
        index.search(q, 10)
        times.append((time.perf_counter() - t) * 1000)
    return pct(times)


def _recall(index: V.FaissVectorIndex, xq: np.ndarray, truth: np.ndarray) -> float:
    _, ids = index.raw.search(xq, 10)
    hits = [len(set(a) & set(b)) / 10 for a, b in zip(ids, truth, strict=True)]
    return round(float(np.mean(hits)), 4)


def _disk_bytes(index: V.FaissVectorIndex) -> int:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.faiss"
        index.save(p)
        return p.stat().st_size


def run_scale(*, max_scale: int, quick: bool, log=print) -> dict:  # noqa: ANN001
    default_threads = faiss.omp_get_max_threads()
    sizes = [s for s in SIZES if s <= max_scale] or [max_scale]
    nq = 50 if max_scale < 10_000 else (100 if quick or max_scale >= 1_000_000 else N_QUERIES)
    rows = []
    memory = {}
    for n in sizes:
        log(f"scale: {n} vectors (load {load_average()})")
        rss0 = proc_status_kb()
        xb = clustered(n)
        xq = perturbed_queries(xb, nq)
        row: dict[str, Any] = {"n": n, "queries": nq}
        for kind in ("flat", "hnsw"):
            t = time.perf_counter()
            faiss.omp_set_num_threads(default_threads)
            index = V.FaissVectorIndex.create(DIM, expected_rows=n, kind=kind)
            index.add(xb)
            build_s = time.perf_counter() - t
            rss_index = proc_status_kb()
            if kind == "flat":
                faiss.omp_set_num_threads(default_threads)
                _, truth = index.raw.search(xq, 10)
            disk = _disk_bytes(index)
            entry: dict[str, Any] = {
                "build_s": round(build_s, 3),
                "latency_ms_1thread": _latency(index, xq, 1),
                f"latency_ms_{default_threads}threads": _latency(index, xq, default_threads),
                "recall_at_10": 1.0 if kind == "flat" else _recall(index, xq, truth),
                "disk_bytes": disk, "disk_mb_per_million": round(disk / n * 1e6 / 2**20, 1),
            }
            if kind == "hnsw":
                faiss.omp_set_num_threads(1)
                sweep = []
                for ef in EF_SWEEP:
                    index.raw.hnsw.efSearch = ef
                    lat = _latency(index, xq, 1)
                    sweep.append({"efSearch": ef, "recall_at_10": _recall(index, xq, truth),
                                  "p50_ms": lat["p50"], "p99_ms": lat["p99"]})
                index.raw.hnsw.efSearch = V.HNSW_EF_SEARCH
                entry["ef_search_sweep_1thread"] = sweep
                entry["params"] = {"M": V.HNSW_M, "efConstruction": V.HNSW_EF_CONSTRUCTION,
                                   "efSearch": V.HNSW_EF_SEARCH}
            if n == sizes[-1]:
                memory[kind] = {
                    "n": n, "vectors_mb": round(xb.nbytes / 2**20, 1),
                    "rss_growth_mb_vectors_plus_index": round((rss_index - rss0) / 1024, 1),
                }
            row[kind] = entry
            del index
            log(f"  {kind}: build {build_s:.1f}s, p50(1t) {entry['latency_ms_1thread']['p50']} ms,"
                f" recall@10 {entry['recall_at_10']}")
        faiss.omp_set_num_threads(default_threads)
        rows.append(row)
        del xb
    threshold = _flat_threshold(rows)
    result = {
        "dim": DIM, "default_threads": default_threads, "rows": rows,
        "flat_threshold": threshold, "memory_in_process": memory, "load_average": load_average(),
        "bm25": _bm25(min(max_scale, 20_000 if quick else 100_000), log=log),
    }
    return result


def _flat_threshold(rows: list[dict], budget_ms: float = 5.0) -> dict:
    """Corpus size where exact search (1 thread, p50) reaches ``budget_ms`` (linear in n)."""
    pts = [(r["n"], r["flat"]["latency_ms_1thread"]["p50"]) for r in rows]
    big = max(pts)
    per_million = big[1] / big[0] * 1e6
    return {"budget_ms": budget_ms, "flat_p50_ms_per_million_1thread": round(per_million, 2),
            "n_at_budget": int(budget_ms / per_million * 1e6) if per_million else None}


def _bm25(n: int, *, log=print) -> dict:  # noqa: ANN001
    import numpy as np

    from index.lexical import LexicalIndex, Postings, query_weights
    from index.text import terms

    if not FACQA.exists() or n < 1:
        return {"skipped": f"{FACQA} not found"}
    base = [json.loads(line)["text"] for line in FACQA.open(encoding="utf-8") if line.strip()]
    texts = [base[i % len(base)] for i in range(n)]
    log(f"bm25: {n} passages")
    t = time.perf_counter()
    lex = LexicalIndex([Postings.build([terms(x) for x in texts])], np.ones(n, dtype=bool))
    build_s = time.perf_counter() - t
    queries = [base[i][:80] for i in range(0, len(base), max(1, len(base) // 100))][:100]
    lex.scores(query_weights(terms(queries[0])))
    times = []
    for q in queries:
        t = time.perf_counter()
        lex.scores(query_weights(terms(q)))
        times.append((time.perf_counter() - t) * 1000)
    return {"passages": n, "source": "FacQA corpus repeated", "build_s": round(build_s, 2),
            "query_ms": pct(times)}


def plot_scale(result: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["rows"]
    ns = [r["n"] for r in rows]
    dt = result["default_threads"]
    fig, ax = plt.subplots(figsize=(6, 4))
    for kind in ("flat", "hnsw"):
        for key, style in (("latency_ms_1thread", "-o"), (f"latency_ms_{dt}threads", "--s")):
            ax.plot(ns, [r[kind][key]["p50"] for r in rows], style,
                    label=f"{kind} p50, {key.split('_')[-1]}")
    ax.axhline(5.0, color="grey", lw=0.8, ls=":", label="5 ms target")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("passages (synthetic, dim 384)")
    ax.set_ylabel("query latency, ms (k=10)")
    ax.set_title("Vector search cost vs corpus size")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
