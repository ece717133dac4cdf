"""Format readers on a newsroom archive made from the seed articles (``eval.newsroom``):
saved pages with real sites' furniture, a paged PDF, a scanned PDF, RSS and Atom feeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from eval import newsroom
from index.dates import extract_published, parse_date
from index.documents import InputError
from index.readers import documents_from_bytes, read_documents
from index.records import Document


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, newsroom.Article]]:
    root = tmp_path_factory.mktemp("archive")
    return root, newsroom.write_archive(root)


def _read(path: Path) -> Document:
    docs = read_documents([path]).documents
    assert len(docs) == 1
    return docs[0]


@pytest.mark.parametrize("stem", [a.stem for a in newsroom.articles()])
def test_a_saved_page_gives_the_article_and_none_of_the_furniture(archive, stem: str) -> None:
    root, written = archive
    rel = f"web/{stem}.html"
    doc, art = _read(root / rel), written[rel]
    text = _norm(doc.text)
    for para in art.body:
        assert _norm(para) in text, para[:60]
    for phrase in newsroom.FURNITURE:
        assert phrase.lower() not in doc.text.lower(), phrase
    assert doc.text.startswith(art.title)  # the headline opens the stored text
    assert (doc.title, doc.source, doc.author, doc.url) == (art.title, art.outlet, art.author,
                                                            art.url)
    assert doc.published == art.published
    assert doc.pages is None and doc.lang == "id"


def test_a_page_without_a_machine_readable_date_takes_the_dateline_and_never_guesses(
        tmp_path: Path) -> None:
    art = newsroom.articles()[3]  # its dateline: "Rabu (20/11/2024)"
    (tmp_path / "a.html").write_text(newsroom.page(art, 3), encoding="utf-8")
    assert _read(tmp_path / "a.html").published == "2024-11-20"
    # "Kamis (4/12)" with no year the article makes certain: no date at all
    body = "<p>" + " ".join(["Pembangunan IKN dibahas para menteri di Nusantara."] * 8) + (
        "</p><p>Rapat digelar Kamis (4/12) di Kantor Otorita IKN, kata juru bicara.</p>")
    (tmp_path / "b.html").write_text(newsroom.page(art, 3, body=body), encoding="utf-8")
    assert _read(tmp_path / "b.html").published is None


def test_a_pdf_is_read_page_by_page_without_running_headers(archive) -> None:
    root, written = archive
    rel = "pdf/siaran-pers-ascn.pdf"
    doc, art = _read(root / rel), written[rel]
    _, pages = newsroom.pdf(art)
    assert doc.pages is not None and len(doc.pages) == len(pages) == 3
    assert doc.pages[0] == 0 and list(doc.pages) == sorted(doc.pages)
    bounds = [*doc.pages, len(doc.text)]
    for n, paras in enumerate(pages):
        page_text = _norm(doc.text[bounds[n]:bounds[n + 1]])
        for para in paras:  # each paragraph whole (lines rejoined), on its own page
            assert _norm(para) in page_text
    assert "SIARAN PERS" not in doc.text and "Halaman" not in doc.text
    assert doc.title == art.title and doc.author == art.author
    assert doc.published is None  # the release says only "pada hari Rabu": never invented
    assert doc.page_at(bounds[1]) == 2 and doc.page_at(bounds[1] - 1) == 1


def test_a_scanned_pdf_is_reported_and_skipped(archive) -> None:
    root, _ = archive
    report = read_documents([root / "pdf"])
    assert [d.id for d in report.documents] == ["siaran-pers-ascn"]
    (path, reason), = report.skipped
    assert path.endswith("pindaian.pdf") and "no text layer" in reason


@pytest.mark.parametrize("data", [b"%PDF-1.4 garbage", b"not a pdf at all"])
def test_a_damaged_pdf_is_an_input_error_naming_the_file(data: bytes) -> None:
    with pytest.raises(InputError, match="x.pdf"):
        documents_from_bytes("x.pdf", data)


def test_every_feed_item_becomes_a_document(archive) -> None:
    root, _ = archive
    docs = read_documents([root / "feeds" / "kabar.rss"]).documents
    arts = newsroom.articles()
    assert len(docs) == 5
    for doc, art in zip(docs, arts, strict=True):
        assert (doc.title, doc.url, doc.published, doc.author) == (art.title, art.url,
                                                                   art.published, art.author)
        assert doc.source == "Kabar Feed"
        for para in art.body:
            assert _norm(para) in _norm(doc.text)
        assert "Baca juga" not in doc.text and "appeared first on" not in doc.text
    again = read_documents([root / "feeds" / "kabar.rss"]).documents
    assert [d.id for d in again] == [d.id for d in docs]  # ids come from the items


ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kaltim Wire</title>
<entry><title>Banjir di Samarinda</title><id>tag:kaltimwire,2024:1</id>
<link href="https://kaltimwire.example/banjir-samarinda"/>
<published>2024-11-20T23:30:00+08:00</published><author><name>Ani</name></author>
<content type="html">&lt;p&gt;Banjir melanda Samarinda pada Rabu malam. Air mencapai satu
meter di Jalan Pahlawan.&lt;/p&gt;</content></entry>
<entry><title>Harga cabai naik</title><id>tag:kaltimwire,2024:2</id>
<link href="https://kaltimwire.example/cabai"/><updated>November 21, 2024</updated>
<summary>Harga cabai rawit di pasar Balikpapan naik menjadi Rp 80.000 per kilogram.</summary>
</entry></feed>
"""


def test_an_atom_feed_is_sniffed_whatever_its_name(tmp_path: Path) -> None:
    for name in ("wire.atom", "wire.xml", "wire"):
        (tmp_path / name).write_text(ATOM, encoding="utf-8")
        docs = read_documents([tmp_path / name]).documents
        assert [d.title for d in docs] == ["Banjir di Samarinda", "Harga cabai naik"]
        # the date as written in its own time zone, not moved to UTC
        assert [d.published for d in docs] == ["2024-11-20", "2024-11-21"]
        assert docs[0].text.startswith("Banjir di Samarinda\n\nBanjir melanda Samarinda")
        assert docs[0].author == "Ani" and docs[1].url == "https://kaltimwire.example/cabai"
    (tmp_path / "sitemap.xml").write_text('<?xml version="1.0"?><urlset></urlset>')
    report = read_documents([tmp_path / "sitemap.xml"])
    assert not report.documents and "not an RSS or Atom feed" in report.skipped[0][1]


@pytest.mark.parametrize(("value", "iso"), [
    ("2024-11-20", "2024-11-20"),
    ("2024-11-20T23:30:00+07:00", "2024-11-20"),
    ("2024-11-20T01:30:00-05:00", "2024-11-20"),
    ("2024/11/20 10:30:00", "2024-11-20"),
    ("20241120T103000Z", "2024-11-20"),
    ("Wed, 20 Nov 2024 09:30:00 +0700", "2024-11-20"),
    ("Rabu, 20 November 2024 10:30 WIB", "2024-11-20"),
    ("Rabu (20/11/2024)", "2024-11-20"),
    ("17 Mei 2017", "2017-05-17"),
    ("November 20, 2024", "2024-11-20"),
    ("Agustus 5 2023", "2023-08-05"),
    ("20-11-2024", "2024-11-20"),
    ("2024", "2024"),
    ("Kamis (4/12)", None),
    ("30 Februari 2024", None),
    ("kemarin", None),
    ("", None),
])
def test_dates_are_normalised_in_one_place(value: str, iso: str | None) -> None:
    assert parse_date(value) == iso


def test_a_dateline_without_a_year_is_completed_only_when_certain() -> None:
    certain = "Basuki di Nusantara, Kamis (4/12).\n" + "Isi berita.\n" * 6 + (
        "SCCC diresmikan pada 3 Desember 2025.")
    assert extract_published(certain) == "2025-12-04"
    assert extract_published("Rapat digelar Kamis (4/12) di Nusantara.") is None


def test_folders_are_walked_with_include_and_exclude_globs(archive, tmp_path: Path) -> None:
    root, _ = archive
    only_pages = read_documents([root], include=["*.html"])
    assert {Path(d.path or "").suffix for d in only_pages.documents} == {".html"}
    no_web = read_documents([root], exclude=["web"])
    assert not any("/web/" in (d.path or "") for d in no_web.documents)
    assert any(d.pages for d in no_web.documents)
    # a browser's asset folder beside a saved page is not walked; a .docx is reported
    (tmp_path / "page.html").write_text(newsroom.page(newsroom.articles()[0], 0))
    (tmp_path / "page_files").mkdir()
    (tmp_path / "page_files" / "ad.html").write_text(newsroom.page(newsroom.articles()[1], 0))
    (tmp_path / "page_files" / "site.css").write_text("body{}")
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8")
    report = read_documents([tmp_path])
    assert [d.id for d in report.documents] == ["page"]
    assert report.skipped == [(str(tmp_path / "notes.docx"), "unsupported file type (.docx)")]


def test_two_files_with_the_same_name_keep_two_ids(tmp_path: Path) -> None:
    arts = newsroom.articles()
    for month, art in (("11", arts[0]), ("12", arts[1])):
        (tmp_path / month).mkdir()
        (tmp_path / month / "index.html").write_text(newsroom.page(art, 0), encoding="utf-8")
    ids = [d.id for d in read_documents([tmp_path]).documents]
    assert ids[0] == "index" and re.fullmatch(r"index-[0-9a-f]{8}", ids[1])
