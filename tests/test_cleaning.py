from pathlib import Path

import pytest

from index.cleaning import clean_article, extract_published, is_boilerplate
from index.readers import read_documents

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.mark.parametrize(
    ("stem", "title_start", "source", "published"),
    [
        ("000_cb222094482272af", "IKN dan Korea Selatan perkuat", None, "2025-12-04"),
        ("001_35330518a0891c6f", "Kementerian Pekerjaan Umum", None, "2022-03-23"),
        ("002_622dfb85f7a88362", "Indonesia dan Korea Selatan Tingkatkan", "Biro Komunikasi Publik",
         "2017-05-17"),
        ("003_d42ff7a54c18c015", "Peluncuran Pusat Komando IKN", "Gerbangkaltim.com",
         "2024-11-20"),
        ("004_16f2d6b19bdc8fa8", "Indonesia Mengungkap Tiga Elemen", "ANTARA", "2024"),
    ],
)
def test_seed_metadata_is_what_the_article_states(stem, title_start, source, published):
    cleaned = clean_article((SEEDS / f"{stem}.txt").read_text(encoding="utf-8"))
    assert cleaned.title.startswith(title_start)
    assert len(cleaned.title) <= 161
    assert cleaned.source == source
    assert cleaned.published == published


def test_boilerplate_lines_are_dropped_but_article_lines_kept():
    text = (SEEDS / "004_16f2d6b19bdc8fa8.txt").read_text(encoding="utf-8")
    cleaned = clean_article(text).text
    assert "MEMBACA" not in cleaned
    assert "Berita terkait" not in cleaned
    assert "Hak Cipta" not in cleaned and "Editor:" not in cleaned
    assert "Amakawa Hirofumi" in cleaned
    raw2 = (SEEDS / "002_622dfb85f7a88362.txt").read_text(encoding="utf-8")
    cleaned2 = clean_article(raw2).text
    assert not cleaned2.startswith("|") and "Tag :" not in cleaned2 and "Share" not in cleaned2
    raw0 = (SEEDS / "000_cb222094482272af.txt").read_text(encoding="utf-8")
    cleaned0 = clean_article(raw0).text
    assert "\nBy\n" not in cleaned0
    # A photo caption states facts (the forum's venue): kept, with its credit.
    assert ("Nusantara Smart City Forum 2025, kolaborasi antara Otorita IKN dan MOLIT di "
            "Multifunction Hall, Kantor Kemenko 3. Foto: IKN / TRT Indonesia") in cleaned0


@pytest.mark.parametrize(
    "line",
    ["|", "By", "Share", "Tag :  ", "Foto: Antara", "Berita terkait: x", "Hak Cipta © X 2020"],
)
def test_boilerplate_patterns(line):
    assert is_boilerplate(line)


def test_article_sentences_are_not_boilerplate():
    assert not is_boilerplate("Hibah tersebut disepakati oleh Kepala Otorita IKN.")
    assert not is_boilerplate("Sumbernya adalah USTDA, kata Basuki.")


def test_dates_are_not_invented():
    assert extract_published("Jakarta (ANTARA) - Tidak ada tanggal di sini.") is None
    # weekday does not match any year the text mentions -> no date
    assert extract_published("Kata Budi, Senin (4/12), pada acara 2025.") is None
    assert extract_published("Jakarta, Selasa (5/3/2024) - Berita.") == "2024-03-05"


def test_reader_skips_unreadable_files_by_name(tmp_path):
    (tmp_path / "good.txt").write_text("Judul berita\n\nIsi berita yang baik.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad latin \xe9")
    (tmp_path / "empty.md").write_text("   \n", encoding="utf-8")
    report = read_documents([tmp_path])
    assert [d.id for d in report.documents] == ["good"]
    skipped = dict(report.skipped)
    assert "UTF-8" in skipped[str(tmp_path / "bad.txt")]
    assert "empty" in skipped[str(tmp_path / "empty.md")]


def test_jsonl_corpus_fields(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(
        '{"id": "a1", "text": "Berita satu tentang IKN.", "title": "Satu", "source": "Kompas",'
        ' "url": "https://x/1", "published": "2024-01-02", "lang": "id"}\n'
        '{"id": "a2", "text": "The second news item is in English."}\n',
        encoding="utf-8",
    )
    docs = read_documents([f]).documents
    assert docs[0].title == "Satu" and docs[0].source == "Kompas" and docs[0].url == "https://x/1"
    assert docs[0].published == "2024-01-02"
    assert docs[1].id == "a2" and docs[1].lang == "en"


def test_jsonl_bad_lines_are_skipped_by_line_and_the_rest_read(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(
        '{"id": "ok", "text": "Berita yang baik tentang IKN."}\n'
        "not json\n"
        '{"id": "sur", "text": "\\ud800 rusak"}\n'
        '{"id": "num", "text": "Judul angka.", "title": 5}\n',
        encoding="utf-8",
    )
    report = read_documents([f])
    assert [d.id for d in report.documents] == ["ok"]
    reasons = " ".join(r for _, r in report.skipped)
    assert "invalid JSON" in reasons and "surrogates" in reasons and "a string" in reasons


def test_jsonl_metadata_with_lone_surrogates_is_skipped_not_fatal(tmp_path):
    f = tmp_path / "c.jsonl"
    f.write_text(
        '{"id": "t", "text": "Berita tentang IKN.", "title": "Judul \\udc80"}\n'
        '{"id": "ok", "text": "Berita lain tentang IKN."}\n',
        encoding="utf-8",
    )
    report = read_documents([f])
    assert [d.id for d in report.documents] == ["ok"]
    assert report.skipped == [
        (f"{f}:1", f"{f}:1: t: title: holds invalid Unicode (lone surrogates)")]
