"""Citations in four styles from stored metadata: exact strings worked out by hand from each
style guide's newspaper-article pattern, and no field the record does not hold."""

from __future__ import annotations

import pytest

from index.records import Document
from search.citations import STYLES, cite
from search.query import QueryError

FULL = Document(
    id="003_d42ff7a54c18c015", text="…", author="Budi Santoso",
    title="Peluncuran Pusat Komando IKN: Kolaborasi Strategis Indonesia-Amerika Serikat",
    source="Gerbangkaltim.com", published="2024-11-20", lang="id",
    url="https://gerbangkaltim.com/2024/11/iccc?id=7&x=1",
)
TITLE = "Peluncuran Pusat Komando IKN: Kolaborasi Strategis Indonesia-Amerika Serikat"


def test_apa_chicago_mla_of_a_full_record() -> None:
    assert cite(FULL, "apa") == (
        f"Budi Santoso. (2024, November 20). {TITLE}. Gerbangkaltim.com. "
        "https://gerbangkaltim.com/2024/11/iccc?id=7&x=1")
    assert cite(FULL, "chicago") == (
        f"Budi Santoso. “{TITLE}.” Gerbangkaltim.com, November 20, 2024. "
        "https://gerbangkaltim.com/2024/11/iccc?id=7&x=1.")
    assert cite(FULL, "mla") == (
        f"Budi Santoso. “{TITLE}.” Gerbangkaltim.com, 20 Nov. 2024, "
        "gerbangkaltim.com/2024/11/iccc?id=7&x=1.")


def test_bibtex_escapes_and_keeps_the_author_whole() -> None:
    doc = Document(id="a b/c", text="x", author="Tim Redaksi & Co", title="Naik 5% di Q1",
                   source="Tempo", published="2017-05", lang="id")
    assert cite(doc, "bibtex") == (
        "@article{telusur:a-b-c,\n"
        "  author = {{Tim Redaksi \\& Co}},\n"
        "  title = {{Naik 5\\% di Q1}},\n"
        "  journal = {Tempo},\n"
        "  year = {2017},\n"
        "  month = may,\n"
        "  date = {2017-05},\n"
        "  langid = {indonesian}\n"
        "}")


def test_missing_fields_are_left_out_not_made_up() -> None:
    bare = Document(id="x", text="x", title="Apa kabar IKN?", published="2017")
    assert cite(bare, "apa") == "Apa kabar IKN? (2017)."
    assert cite(bare, "chicago") == "“Apa kabar IKN?” 2017."
    assert cite(bare, "mla") == "“Apa kabar IKN?” 2017."
    undated = Document(id="y", text="x", title="Banjir", source="ANTARA")
    for style in STYLES:
        text = cite(undated, style)
        assert "n.d." not in text and "Anonymous" not in text and "None" not in text
        assert "Banjir" in text and "ANTARA" in text
    assert "year" not in cite(undated, "bibtex") and "author" not in cite(undated, "bibtex")
    cut = Document(id="z", text="x", title="Kementerian PPN/Bappenas dan Otorita IKN…",
                   published="2022-03-23")  # a title made from a long first line
    assert cite(cut, "mla") == "“Kementerian PPN/Bappenas dan Otorita IKN…” 23 Mar. 2022."
    assert "….”" not in cite(cut, "chicago") and "…." not in cite(cut, "apa")


def test_unknown_style_names_the_field() -> None:
    with pytest.raises(QueryError, match="style: unknown citation style 'harvard'"):
        cite(FULL, "harvard")
