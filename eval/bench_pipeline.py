"""``telusur bench --sections pipeline``: the whole query path on a large index.

On the index of ``eval.scale_index`` (default a million passages, cached): end-to-end HTTP
``/search`` and ``/ask`` latency of a served index (encoder, hybrid retrieval, learned
ranker, answer step) with FacQA valid questions, the server's memory, ANN recall@10 of the
passage index against exact search (also under a filter), BM25 latency, FacQA recall@10 of
the gold passage among all the distractors, disk size and build time. With ``milvus_passages``
the same index is also built on the Milvus backend (Milvus Lite) and searched in-process.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import load_average, pct, proc_status_kb, serve
from eval.scale_corpus import FACQA, OUTLETS

VALID = FACQA.with_name("valid.jsonl")
# The search effort swept around the served one (efSearch of a graph, lists probed of an
# inverted file), as multiples of it.
EFFORT_SWEEP = (0.5, 1.0, 1.5, 2.0, 4.0)


def _questions(n: int) -> list[dict[str, Any]]:
    rows = [json.loads(x) for x in VALID.open(encoding="utf-8") if x.strip()]
    return rows[:n]


def _rss(pid: int) -> dict[str, float]:
    return {k: round(proc_status_kb(pid, k) / 1024, 1)
            for k in ("VmRSS", "VmHWM", "RssAnon", "RssFile")}


def _http(index_dir: Path, questions: list[dict[str, Any]], log: Callable[[str], None]
          ) -> dict[str, Any]:
    import httpx

    with serve(index_dir, timeout=600) as srv, httpx.Client(timeout=120) as http:
        url, pid = srv["url"], srv["pid"]
        started = _rss(pid)
        http.get(url + "/search", params={"q": "pemanasan"})
        search_ms, ask_ms, hit10 = [], [], 0
        for q in questions:
            t = time.perf_counter()
            r = http.get(url + "/search", params={"q": q["question"], "k": 10})
            search_ms.append((time.perf_counter() - t) * 1000)
            gold = {x["doc_id"] for x in q.get("relevant", [])}
            hit10 += any(h["doc_id"] in gold for h in r.json()["results"])
        cached_ms = []
        for q in questions:  # the same questions again: query vectors come from the cache
            t = time.perf_counter()
            http.get(url + "/search", params={"q": q["question"], "k": 10})
            cached_ms.append((time.perf_counter() - t) * 1000)
        for q in questions:  # cached vectors too: /ask's own cost on top of search
            t = time.perf_counter()
            http.post(url + "/ask", json={"question": q["question"]})
            ask_ms.append((time.perf_counter() - t) * 1000)
        filt = []
        for i, q in enumerate(questions[:50]):
            t = time.perf_counter()
            http.get(url + "/search", params={"q": q["question"], "k": 10,
                                              "source": OUTLETS[i % len(OUTLETS)]})
            filt.append((time.perf_counter() - t) * 1000)
        log(f"pipeline: /search p50 {pct(search_ms)['p50']} ms, cached vector "
            f"{pct(cached_ms)['p50']} ms, /ask p50 {pct(ask_ms)['p50']}")
        return {"startup_s": round(srv["startup_s"], 2), "rss_mb_at_start": started,
                "rss_mb_after": _rss(pid), "search_ms": pct(search_ms),
                "search_cached_vector_ms": pct(cached_ms), "ask_cached_vector_ms": pct(ask_ms),
                "search_source_filter_ms": pct(filt),
                "facqa_recall_at_10": round(hit10 / max(len(questions), 1), 4)}


def _ann(index_dir: Path, questions: list[dict[str, Any]], encoder_name: str,
         log: Callable[[str], None]) -> dict[str, Any]:
    import faiss

    from index.encoders import load_encoder
    from index.lexical import query_weights
    from index.store import IndexStore
    from index.text import terms

    data = IndexStore(index_dir).load()
    seg = data.segments[0]
    index: Any = seg.vectors
    exact = np.asarray(index.exact if getattr(index, "exact", None) is not None
                       else seg.vectors.vectors(np.arange(len(seg.vectors))))
    enc = load_encoder(encoder_name)
    enc_ms, rows_q = [], []
    for q in questions:  # one question at a time, as a server embeds them
        t0 = time.perf_counter()
        rows_q.append(enc.encode_queries([q["question"]])[0])
        enc_ms.append((time.perf_counter() - t0) * 1000)
    xq = np.asarray(rows_q, dtype=np.float32)
    truth = []
    for q in xq:  # exact top-10 over the float16 vectors, in blocks
        best = np.zeros(0, np.int64)
        best_s = np.zeros(0, np.float32)
        for lo in range(0, len(exact), 200_000):
            s = np.asarray(exact[lo:lo + 200_000], dtype=np.float32) @ q
            top = np.argpartition(-s, 10)[:10]
            best = np.concatenate([best, top + lo])
            best_s = np.concatenate([best_s, s[top]])
        truth.append(set(best[np.argsort(-best_s)[:10]].tolist()))
    served = index.effort
    for q in xq:  # one untimed pass: the sweep measures a warm index
        index.search(q, 10)
    sweep = []
    for effort in sorted({max(1, int(served * f)) for f in EFFORT_SWEEP}):
        index.effort = effort
        times, hits = [], 0.0
        for q, t in zip(xq, truth, strict=True):
            t0 = time.perf_counter()
            _, rows = index.search(q, 10)
            times.append((time.perf_counter() - t0) * 1000)
            hits += len(set(rows.tolist()) & t) / 10
        sweep.append({"effort": index.effort, "served": index.effort == served,
                      "recall_at_10": round(hits / len(xq), 4),
                      "p50_ms": pct(times)["p50"], "p99_ms": pct(times)["p99"]})
        log(f"pipeline: ANN {index.kind} effort {index.effort}: {sweep[-1]}")
    index.effort = served
    # a filter served by the index: one outlet of twenty (IDSelector + widened effort)
    mask = data.masks.mask(_where(OUTLETS[0]))
    rows_f = np.flatnonzero(mask)
    f_hits, f_times = 0.0, []
    for q in xq:
        s = np.asarray(exact[rows_f], dtype=np.float32) @ q
        t = set(rows_f[np.argsort(-s)[:10]].tolist())
        t0 = time.perf_counter()
        _, rows = index.search(q, 10, mask)
        f_times.append((time.perf_counter() - t0) * 1000)
        f_hits += len(set(rows.tolist()) & t) / 10
    bm_times = []
    for q in questions:
        w = query_weights(terms(q["question"]))
        t0 = time.perf_counter()
        data.lexical.scores(w)
        bm_times.append((time.perf_counter() - t0) * 1000)
    return {"queries": len(xq), "threads": faiss.omp_get_max_threads(), "kind": index.kind,
            "sweep": sweep, "encoder_alone_ms": pct(enc_ms),
            "filtered": {"filter": f"source = {OUTLETS[0]}", "rows": int(len(rows_f)),
                         "recall_at_10": round(f_hits / len(xq), 4), "ms": pct(f_times)},
            "bm25_ms": pct(bm_times)}


def _where(source: str) -> Any:
    from index.retrieval import RowFilter

    return RowFilter(sources=(source,))


def _milvus(passages: int, questions: list[dict[str, Any]], encoder_name: str,
            log: Callable[[str], None]) -> dict[str, Any]:
    """The same corpus (first ``passages`` passages) on Milvus Lite, searched in-process."""
    from eval.scale_index import build_scale_index
    from index.encoders import load_encoder
    from index.milvus import close_clients
    from search.engine import Searcher
    from search.query import Query

    src, _ = build_scale_index(passages, encoder_name=encoder_name, log=log)
    from index.store import IndexStore

    out = src.with_name(src.name + "-milvus")
    t = time.perf_counter()
    if not IndexStore(out).exists():
        from index.builder import apply_changes

        data = IndexStore(src).load()
        docs = [data.document_at(int(r)) for r in np.flatnonzero(data.doc_live)]
        memo = _Memo(load_encoder(encoder_name), data)
        apply_changes(IndexStore(out, backend="milvus"), encoder=memo, upserts=docs,
                      progress=False)
    build_s = time.perf_counter() - t
    searcher = Searcher(IndexStore(out), load_encoder(encoder_name))
    times, retrieve = [], []
    for q in questions[:100]:
        t0 = time.perf_counter()
        res = searcher.search(Query.parse(q["question"], k=10))
        times.append((time.perf_counter() - t0) * 1000)
        retrieve.append(res.timings_ms["retrieve"])
    close_clients()
    log(f"pipeline: milvus at {passages}: search p50 {pct(times)['p50']} ms")
    return {"passages": passages, "build_s": round(build_s, 1), "search_ms": pct(times),
            "retrieve_ms": pct(retrieve),
            "disk_bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file())}


class _Memo:
    """The stored vectors of the source index, by text (no re-embedding for the copy)."""

    def __init__(self, encoder: Any, data: Any) -> None:
        self.id, self.dim, self._enc, self._data = encoder.id, encoder.dim, encoder, data
        self._memo: dict[str, int] = {}
        for r in range(data.n_rows):
            self._memo[data.passage(r).text] = r
        self._sent: dict[str, int] = {}
        for r, (d, s, e) in enumerate(np.asarray(data.sentences)):
            self._sent[data.document_at(int(d)).text[int(s):int(e)]] = r

    def encode_queries(self, texts: Any) -> np.ndarray:
        return np.asarray(self._enc.encode_queries(texts))

    def encode_passages(self, texts: Any, *, batch_size: int = 32) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            if t in self._memo:
                out[i] = self._data.passage_vectors(np.array([self._memo[t]]))[0]
            elif t in self._sent:
                out[i] = self._data.sentence_vectors(np.array([self._sent[t]]))[0]
            else:
                out[i] = self._enc.encode_passages([t])[0]
        return out


def run_pipeline(*, passages: int, milvus_passages: int, questions: int, encoder_name: str,
                 log: Callable[[str], None] = print) -> dict[str, Any]:
    from eval.scale_index import build_scale_index

    index_dir, info = build_scale_index(passages, encoder_name=encoder_name, log=log)
    qs = _questions(questions)
    result: dict[str, Any] = {"index": info, "index_dir": str(index_dir),
                              "load_average_start": load_average()}
    result["ann"] = _ann(index_dir, qs, encoder_name, log)
    result["http"] = _http(index_dir, qs, log)
    if milvus_passages:
        result["milvus"] = _milvus(milvus_passages, qs, encoder_name, log)
    result["load_average_end"] = load_average()
    return result


def render_pipeline(r: dict[str, Any]) -> list[str]:
    info, ann, h = r["index"], r["ann"], r["http"]
    b = info["build_s"]
    ap = info["approximation"]
    L = [f"## Scale: the whole query path on {info['passages']:,} passages", "",
         f"{info['documents']:,} documents, {info['passages']:,} passages, "
         f"{info['sentences']:,} sentences; {info['real_passages']:,} real FacQA + seed "
         "passages with real embeddings, the rest synthetic articles made of real sentences "
         "(eval/scale_corpus.py): each sentence keeps its real vector, a passage's vector is "
         f"the normalised mean of its sentences' plus noise ({ap['noise_per_dim']}/dim). On "
         f"{ap['sample']} synthetic passages embedded for real, composed vs real cosine "
         f"{ap['cosine_mean']} (p5 {ap['cosine_p5']}), nearest neighbour agreement "
         f"{ap['nearest_neighbour_agreement']}.", "",
         f"Build: compose {b['compose']} s, BM25 postings {b['postings']} s, ANN "
         f"({info['vector_index']}) {b['ann']} s, write {b['write']} s; on disk "
         f"{info['disk_bytes'] / 2**30:.2f} GiB. Load average {r['load_average_start']} → "
         f"{r['load_average_end']}.", "",
         "| measurement | p50 ms | p95 ms | p99 ms |", "|---|---:|---:|---:|"]
    for name, p in (("encoder alone, one question, in-process", ann["encoder_alone_ms"]),
                    ("HTTP GET /search (unseen question: encoder included)", h["search_ms"]),
                    ("HTTP GET /search (query vector cached: all but the encoder)",
                     h["search_cached_vector_ms"]),
                    ("HTTP POST /ask (query vector cached)", h["ask_cached_vector_ms"]),
                    ("HTTP GET /search, source filter (1 outlet of 20)",
                     h["search_source_filter_ms"]),
                    ("BM25 scores, in-process", ann["bm25_ms"])):
        L.append(f"| {name} | {p.get('p50')} | {p.get('p95')} | {p.get('p99')} |")
    rss = h["rss_mb_after"]
    L += ["", f"Server memory after the run: VmRSS {rss['VmRSS']} MB (anonymous "
          f"{rss['RssAnon']} MB, file-backed {rss['RssFile']} MB; peak {rss['VmHWM']} MB); "
          f"start {h['startup_s']} s. FacQA valid recall@10 of the gold passage among all "
          f"passages: {h['facqa_recall_at_10']}.", "",
          f"ANN ({ann.get('kind', 'hnsw_sq8')}) recall@10 against exact search "
          f"({ann['queries']} FacQA questions, {ann['threads']} threads as served; effort: "
          "efSearch of a graph, lists probed of an inverted file):", "",
          "| effort | recall@10 | p50 ms | p99 ms |", "|---:|---:|---:|---:|"]
    for s in ann["sweep"]:
        effort = s.get("effort", s.get("efSearch"))
        mark = " (served)" if s.get("served") else ""
        L.append(f"| {effort}{mark} | {s['recall_at_10']} | {s['p50_ms']} | {s['p99_ms']} |")
    f = ann["filtered"]
    L += ["", f"Filtered ({f['filter']}, {f['rows']:,} rows, served by the ANN index with "
          f"an IDSelector): recall@10 {f['recall_at_10']}, p50 {f['ms'].get('p50')} ms.", ""]
    m = r.get("milvus")
    if m:
        L += [f"Milvus Lite backend, {m['passages']:,} passages (in-process search, "
              f"{len(m) and 100} questions): search p50 {m['search_ms'].get('p50')} ms "
              f"(retrieval {m['retrieve_ms'].get('p50')} ms), p99 "
              f"{m['search_ms'].get('p99')} ms; loaded in {m['build_s']} s.", ""]
    return L
