"""Warm single-client latency in process (encode/retrieve/fuse/answer) and over HTTP,
server start time and server memory."""

from __future__ import annotations

import time
from pathlib import Path

from eval.bench_common import load_average, pct, proc_status_kb, serve
from eval.bench_questions import ENGLISH, INDONESIAN, QUESTIONS, unique

TARGET_RATIO = 1.25  # /search over HTTP, p50, at most this times the encoder alone
TARGET_P99_MS = 60.0
TARGET_ASK_P50_MS = 300.0  # /ask over HTTP, reader included


def _inprocess(index_dir: Path, encoder_name: str, rounds: int) -> dict:
    from index.encoders import load_encoder
    from index.store import IndexStore
    from search.answer.ask import Answerer
    from search.engine import Searcher
    from search.query import Query

    enc = load_encoder(encoder_name)
    searcher = Searcher(IndexStore(index_dir), enc)
    answerer = Answerer.load(enc.id)

    def ask(q: str) -> object:
        return answerer.ask(searcher, Query(text=q, k=5))

    for q in QUESTIONS[:5]:  # warm: index loaded, engine pages touched
        ask(q)
    searcher.cache.clear()

    # The encoder alone embeds exactly the distinct strings the HTTP run sends (``unique``):
    # its numbered suffix adds tokens (about 0.8 ms of encoding here), so timing the encoder
    # on the bare questions would charge the suffix to the search.
    enc_ms: list[float] = []
    parts: dict[str, list[float]] = {"understand": [], "encode": [], "retrieve": [], "fuse": [],
                                     "search": [], "answer": [], "ask": []}
    per_lang: dict[str, list[float]] = {"id": [], "en": []}
    cached: list[float] = []
    for i in range(rounds * len(QUESTIONS)):
        t = time.perf_counter()
        enc.encode_queries([unique(i)])
        enc_ms.append((time.perf_counter() - t) * 1000)
    for _ in range(rounds):
        for q in QUESTIONS:
            searcher.cache.clear()  # encoder-inclusive
            t = time.perf_counter()
            res = searcher.search(Query(text=q, k=10))
            total = (time.perf_counter() - t) * 1000
            for key in ("understand", "encode", "retrieve", "fuse"):
                parts[key].append(res.timings_ms[key])
            parts["search"].append(total)
            (per_lang["id"] if q in INDONESIAN else per_lang["en"]).append(total)
            searcher.cache.clear()
            t = time.perf_counter()
            ares = ask(q)
            ask_ms = (time.perf_counter() - t) * 1000
            parts["ask"].append(ask_ms)
            # ask() = search (k=5) + answer selection; its own search is timed the same way
            parts["answer"].append(max(0.0, ask_ms - total))
            del ares
        for q in QUESTIONS:  # repeated query: vector comes from the cache
            searcher.search(Query(text=q, k=10))
            t = time.perf_counter()
            searcher.search(Query(text=q, k=10))
            cached.append((time.perf_counter() - t) * 1000)
    return {
        "encoder_alone_ms": pct(enc_ms),
        "search_ms": {k: pct(v) for k, v in parts.items()},
        "search_ms_by_lang": {k: pct(v) for k, v in per_lang.items()},
        "search_cached_ms": pct(cached),
    }


def _http(url: str, rounds: int) -> dict:
    import httpx

    out: dict[str, list[float]] = {"search": [], "ask": [], "search_cached": []}
    errors = 0
    with httpx.Client(base_url=url, timeout=30) as c:
        for q in QUESTIONS[:5]:
            c.get("/search", params={"q": q + " warm"})
        for i in range(rounds * len(QUESTIONS)):
            qq = unique(i)  # never seen: the server must encode it
            t = time.perf_counter()
            r = c.get("/search", params={"q": qq, "k": 10})
            out["search"].append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200
            t = time.perf_counter()
            r = c.get("/search", params={"q": qq, "k": 10})
            out["search_cached"].append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200
            t = time.perf_counter()
            r = c.post("/ask", json={"question": f"{QUESTIONS[i % len(QUESTIONS)]} [{i}]"})
            out["ask"].append((time.perf_counter() - t) * 1000)
            errors += r.status_code != 200
    return {**{f"{k}_ms": pct(v) for k, v in out.items()}, "errors": errors}


def run_latency(index_dir: Path, *, encoder_name: str, quick: bool, log=print) -> dict:  # noqa: ANN001
    rounds = 1 if quick else 3
    log(f"latency: in-process, {len(QUESTIONS)} questions x {rounds} (load {load_average()})")
    inproc = _inprocess(index_dir, encoder_name, rounds)
    log("latency: HTTP")
    with serve(index_dir) as srv:
        http = _http(srv["url"], rounds)
        rss_peak = proc_status_kb(srv["pid"], "VmHWM")
    starts = []
    for _ in range(1 if quick else 3):
        with serve(index_dir) as srv:
            starts.append(srv["startup_s"])
    ratio = http["search_ms"]["p50"] / inproc["encoder_alone_ms"]["p50"]
    return {
        "questions": {"id": len(INDONESIAN), "en": len(ENGLISH)}, "rounds": rounds,
        "in_process": inproc, "http": http,
        "ratio_http_search_p50_to_encoder_p50": round(ratio, 3),
        "targets": {"ratio_max": TARGET_RATIO, "http_search_p99_max_ms": TARGET_P99_MS,
                    "ratio_met": ratio <= TARGET_RATIO, "http_ask_p50_max_ms": TARGET_ASK_P50_MS,
                    "ask_met": http["ask_ms"]["p50"] <= TARGET_ASK_P50_MS,
                    "p99_met": http["search_ms"]["p99"] <= TARGET_P99_MS},
        "server_memory": {"peak_rss_mb": round(rss_peak / 1024, 1),
                          "what": "VmHWM of the telusur serve process (seed index) after the "
                                  "HTTP latency run"},
        "startup": {"seconds": [round(s, 3) for s in starts], "max_s": round(max(starts), 3),
                    "target_s": 3.0, "met": max(starts) <= 3.0,
                    "what": "process start (Popen) to first 200 from /health, existing index"},
        "load_average": load_average(),
    }
