"""The CLI's quote of an answer: verbatim, the highlight marked, cuts shown, and quotation
marks never doubled or left unbalanced by ours."""

from __future__ import annotations

from api.terminal import quote
from index.records import Document
from search.answer.ask import Answer


def _answer(doc_text: str, text: str, highlight: str) -> Answer:
    start = doc_text.index(text)
    hs = text.index(highlight)
    return Answer(text=text, char_start=start, char_end=start + len(text),
                  document=Document(id="d", text=doc_text), passage_id="d#0",
                  highlight=(hs, hs + len(highlight)), sentence_similarity=0.9)


def test_a_plain_sentence_gets_a_pair_of_curly_quotes() -> None:
    a = _answer("Lago tiba. Ia pergi.", "Lago tiba.", "Lago")
    assert quote(a) == "“**Lago** tiba.”"


def test_a_quote_cut_out_of_a_longer_sentence_says_so() -> None:
    doc = "Menurut Lago, hibah senilai $7,6 juta itu untuk ICCC dan proyek lain"
    a = _answer(doc, "hibah senilai $7,6 juta itu untuk ICCC", "$7,6 juta")
    assert quote(a) == "“…hibah senilai **$7,6 juta** itu untuk ICCC…”"


def test_a_sentence_with_its_own_quotation_marks_stands_as_written() -> None:
    """Whole quotations, quotations that go on into the next sentence or began in the one
    before, and quoted phrases: no pair of ours to double or unbalance their marks."""
    doc = ("“Kami siap,” ujar Lago. “Proyek ICCC adalah hibah terbesar. Ini penting,” "
           "katanya. Ia menyebut “kota cerdas” lagi.")
    cases = [("“Kami siap,” ujar Lago.", "siap", "“Kami **siap**,” ujar Lago."),
             ("“Proyek ICCC adalah hibah terbesar.", "ICCC",
              "“Proyek **ICCC** adalah hibah terbesar."),
             ("Ini penting,” katanya.", "penting", "Ini **penting**,” katanya."),
             ("Ia menyebut “kota cerdas” lagi.", "kota", "Ia menyebut “**kota** cerdas” lagi.")]
    for text, highlight, shown in cases:
        assert quote(_answer(doc, text, highlight)) == shown
    assert quote(_answer(doc, "“Kami siap,”", "“")) == "**“**Kami siap,”"


def test_an_empty_highlight_marks_nothing() -> None:
    a = _answer("Lago tiba.", "Lago tiba.", "")
    assert quote(a) == "“Lago tiba.”"
