"""A mixed newsroom archive indexed end to end: one copy of each story, exact citations with
PDF pages, a per-file summary, idempotent re-runs, changed files replacing their passages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from eval import newsroom
from index.builder import apply_changes
from index.dedupe import fold_duplicates
from index.encoders import Encoder
from index.ingest import index_paths
from index.readers import document_from_text
from index.store import IndexStore
from search.engine import Searcher
from tests.conftest import search


class CountingEncoder:
    """The session encoder, counting the texts it embeds."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.id, self.dim, self.embedded = inner, inner.id, inner.dim, 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        self.embedded += len(texts)
        return self.inner.encode_passages(texts, batch_size=batch_size)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder):  # noqa: ANN201
    root = tmp_path_factory.mktemp("newsroom")
    written = newsroom.write_archive(root / "archive")
    store = IndexStore(root / "idx")
    report = index_paths(store, [root / "archive"], encoder=encoder, progress=False)
    return root, written, store, report


def test_the_run_says_what_became_of_each_file(indexed) -> None:
    root, _, _, report = indexed
    status = {Path(f.path).relative_to(root / "archive").as_posix(): (f.status, f.detail)
              for f in report.files}
    for stem in [a.stem for a in newsroom.articles()][:4]:
        assert status[f"web/{stem}.html"] == ("indexed", "")
    assert status["web/kaltimtoday-iccc.htm"] == (
        "duplicate", "same story as 003_d42ff7a54c18c015")
    # the release and the page hold the same story: the first read (pdf/ before web/) stays
    assert status["pdf/siaran-pers-ascn.pdf"] == ("indexed", "")
    assert status["web/004_16f2d6b19bdc8fa8.html"] == (
        "duplicate", "same story as siaran-pers-ascn")
    assert status["feeds/kabar.rss"] == ("duplicate", "5 documents: 5 duplicates")
    assert status["pdf/pindaian.pdf"][0] == "skipped"
    assert "no text layer" in status["pdf/pindaian.pdf"][1]
    assert report.documents == 5 and len(report.added) == 5


def test_a_syndicated_story_is_kept_once_with_its_other_sources(indexed, encoder) -> None:
    _, _, store, _ = indexed
    doc = store.load().document("003_d42ff7a54c18c015")
    assert doc is not None and doc.source == "Gerbangkaltim.com"
    others = {s.doc_id: s for s in doc.duplicates}
    assert set(others) == {"kaltimtoday-iccc", "iccc-19a8a1b2"}
    kt = others["kaltimtoday-iccc"]
    assert (kt.source, kt.url, kt.published) == (
        "Kaltim Today", "https://kaltimtoday.example/iccc", "2024-11-20")
    assert others["iccc-19a8a1b2"].source == "Kabar Feed"
    hits = search(Searcher(store, encoder), "hibah USTDA 7,6 juta ICCC", k=10).hits
    texts = [h.passage.text for h in hits]
    assert len(texts) == len(set(texts))  # never the same text twice
    assert {h.document.id for h in hits} <= {a.stem for a in newsroom.articles()} | {
        "siaran-pers-ascn"}


def test_citations_are_exact_and_pdf_passages_carry_their_page(indexed, encoder,
                                                                tmp_path: Path) -> None:
    root, written, store, _ = indexed
    for q in ("Siapa Kepala OIKN?", "tiga elemen kunci smart city ASEAN", "MoU PUPR MOLIT"):
        for h in search(Searcher(store, encoder), q, k=10).hits:
            assert h.document.text[h.passage.char_start:h.passage.char_end] == h.passage.text
    # the PDF on its own, so its passages are searched
    pdf_store = IndexStore(tmp_path / "pdf-idx")
    index_paths(pdf_store, [root / "archive" / "pdf"], encoder=encoder, progress=False)
    data = pdf_store.load()
    doc = data.document("siaran-pers-ascn")
    assert doc is not None and doc.pages is not None
    pages = {data.passage(r).page for r in data.document_passage_rows(data.doc_rows[doc.id])}
    assert pages == {1, 2, 3}
    hit = search(Searcher(pdf_store, encoder), "Amakawa Hirofumi Jepang", k=3).hits[0]
    assert hit.passage.page == 3
    assert doc.text[hit.passage.char_start:hit.passage.char_end] == hit.passage.text
    _, page_paras = newsroom.pdf(written["pdf/siaran-pers-ascn.pdf"])
    assert any(" ".join(p.split())[:40] in hit.passage.text for p in page_paras[2])


def test_reindexing_unchanged_files_is_a_no_op(indexed, encoder) -> None:
    root, _, store, _ = indexed
    before = store.current_generation()
    counting = CountingEncoder(encoder)
    report = index_paths(store, [root / "archive"], encoder=counting, progress=False)
    assert store.current_generation() == before and counting.embedded == 0
    assert not report.added and not report.updated and not report.changed
    assert {f.status for f in report.files} == {"unchanged", "skipped"}


def test_a_changed_file_replaces_its_passages_and_keeps_its_other_sources(
        indexed, encoder, tmp_path: Path) -> None:
    root, _, store, _ = indexed
    shutil.copytree(store.dir, tmp_path / "idx")
    copy = IndexStore(tmp_path / "idx")
    page = tmp_path / "003_d42ff7a54c18c015.html"
    art = newsroom.articles()[3]
    changed = newsroom.Article(**{**art.__dict__, "body": (
        *art.body[:-1], "Koreksi: proyek ICCC diresmikan oleh Otorita IKN bersama USTDA.")})
    page.write_text(newsroom.page(changed, 3), encoding="utf-8")
    report = index_paths(copy, [page], encoder=encoder, progress=False)
    assert report.updated == ["003_d42ff7a54c18c015"]
    assert [f.status for f in report.files] == ["updated"]
    data = copy.load()
    doc = data.document("003_d42ff7a54c18c015")
    assert doc is not None and "Koreksi: proyek ICCC" in doc.text
    assert art.body[-1] not in doc.text
    rows = data.document_passage_rows(data.doc_rows[doc.id])
    assert any("Koreksi" in data.passage(r).text for r in rows)
    assert not any(art.body[-1][:50] in data.passage(r).text
                   for r in np.flatnonzero(data.live))
    assert {s.doc_id for s in doc.duplicates} == {"kaltimtoday-iccc", "iccc-19a8a1b2"}
    assert data.n_documents == 5


def test_a_copy_arriving_later_is_recorded_without_embedding_anything(
        encoder, tmp_path: Path) -> None:
    art = newsroom.articles()[3]
    store = IndexStore(tmp_path / "idx")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "original.html").write_text(newsroom.page(art, 0), encoding="utf-8")
    index_paths(store, [tmp_path / "a"], encoder=encoder, progress=False)
    html, _ = newsroom.syndicated_copy(art)
    (tmp_path / "b.htm").write_text(html, encoding="utf-8")
    counting = CountingEncoder(encoder)
    report = index_paths(store, [tmp_path / "b.htm"], encoder=counting, progress=False)
    assert counting.embedded == 0
    assert report.duplicates == [("b", "original")] and report.sources_added == ["original"]
    data = store.load()
    doc = data.document("original")
    assert data.n_documents == 1 and doc is not None
    assert [s.doc_id for s in doc.duplicates] == ["b"] and doc.duplicates[0].source == (
        "Kaltim Today")
    hits = search(Searcher(store, encoder), "Marisa Lago USTDA", k=3).hits
    assert hits and hits[0].document.duplicates == doc.duplicates
    again = index_paths(store, [tmp_path / "b.htm"], encoder=counting, progress=False)
    assert not again.changed and [f.status for f in again.files] == ["unchanged"]


def test_template_reports_with_different_figures_are_kept_apart(encoder,
                                                                tmp_path: Path) -> None:
    def report(day: int, price: str) -> str:
        return (f"Harga emas Antam hari ini, {day} November 2024, naik menjadi Rp {price} per "
                "gram. Harga pembelian kembali atau buyback ikut naik. Emas tersedia dalam "
                "pecahan 0,5 gram hingga 1.000 gram di butik Logam Mulia Jakarta. Harga sudah "
                "termasuk pajak penghasilan untuk pembeli yang memiliki NPWP, kata petugas "
                "butik kepada wartawan di Jakarta.")

    docs = [document_from_text(doc_id=f"emas-{d}", raw=report(d, p))
            for d, p in ((20, "1.520.000"), (21, "1.535.000"))]
    same = document_from_text(doc_id="emas-20-copy", raw=report(20, "1.520.000"))
    result = apply_changes(IndexStore(tmp_path / "idx"), encoder=encoder,
                           upserts=[*docs, same], progress=False)
    assert result.added == ["emas-20", "emas-21"]
    assert result.duplicates == [("emas-20-copy", "emas-20")]


def test_of_two_new_copies_the_first_read_stays_unless_the_other_is_clearly_fuller() -> None:
    art = newsroom.articles()[0]
    full = document_from_text(doc_id="page", raw="\n\n".join((art.title, *art.body)),
                              source="Warta Ibu Kota")
    same = document_from_text(doc_id="feed-item", raw="\n".join((art.title, *art.body)))
    short = document_from_text(doc_id="summary", raw="\n\n".join((art.title, *art.body[:-2])))
    folded = fold_duplicates([full, same], stored=[], previous={})
    assert [d.id for d in folded.todo] == ["page"] and folded.duplicates == [("feed-item", "page")]
    folded = fold_duplicates([short, full], stored=[], previous={})
    assert [d.id for d in folded.todo] == ["page"] and folded.duplicates == [("summary", "page")]
    assert [s.doc_id for s in folded.todo[0].duplicates] == ["summary"]


def test_cli_index_a_folder_with_globs_and_a_line_per_file(tmp_path: Path) -> None:
    arts = newsroom.articles()
    (tmp_path / "in" / "drafts").mkdir(parents=True)
    (tmp_path / "in" / "a.html").write_text(newsroom.page(arts[0], 0), encoding="utf-8")
    (tmp_path / "in" / "drafts" / "b.html").write_text(newsroom.page(arts[1], 1))
    (tmp_path / "in" / "scan.pdf").write_bytes(newsroom.scanned_pdf())
    cli = [sys.executable, "-m", "api.cli", "index", "--index-dir", str(tmp_path / "idx"),
           "--quiet"]
    proc = subprocess.run([*cli, str(tmp_path / "in"), "--exclude", "drafts"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert f"indexed    {tmp_path / 'in' / 'a.html'}" in proc.stdout
    assert "b.html" not in proc.stdout + proc.stderr
    assert f"skipped    {tmp_path / 'in' / 'scan.pdf'}  (no text layer" in proc.stderr
    assert "1 added" in proc.stdout
    bad = subprocess.run([*cli, str(tmp_path / "nowhere")], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "no such file" in bad.stderr
