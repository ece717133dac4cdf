"""The CLI's quote of an answer: one pair of curly quotes, the highlight marked, cuts shown."""

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


def test_a_sentence_that_is_itself_a_quotation_gets_one_pair_of_quotes() -> None:
    doc = "Lago tiba. “Kami membawa 12 perusahaan,” ujarnya."
    a = _answer(doc, "“Kami membawa 12 perusahaan,”", "12 perusahaan")
    assert quote(a) == "“Kami membawa **12 perusahaan**,”"
    plain = _answer(doc, "Lago tiba.", "Lago")
    assert quote(plain) == "“**Lago** tiba.”"


def test_a_quote_cut_out_of_a_longer_sentence_says_so() -> None:
    doc = "Menurut Lago, hibah senilai $7,6 juta itu untuk ICCC dan proyek lain"
    a = _answer(doc, "hibah senilai $7,6 juta itu untuk ICCC", "$7,6 juta")
    assert quote(a) == "“…hibah senilai **$7,6 juta** itu untuk ICCC…”"


def test_a_highlight_on_the_quotation_mark_stays_inside_the_quote() -> None:
    doc = "“Siap.” Itu katanya."
    a = _answer(doc, "“Siap.”", "“Siap")
    assert quote(a) == "“**Siap**.”"
    nothing = _answer(doc, "“Siap.”", "“")  # a highlight of the dropped mark alone
    assert quote(nothing) == "“Siap.”"


def test_quotation_marks_inside_a_sentence_stay_balanced() -> None:
    """Only a pair enclosing the whole sentence is replaced: a sentence that opens with a
    quotation but goes on, or quotes a phrase, keeps its marks inside the quote's pair."""
    doc = "“Kami siap,” ujar Lago. Ia menyebut “kota cerdas”"
    said = _answer(doc, "“Kami siap,” ujar Lago.", "siap")
    assert quote(said) == "““Kami **siap**,” ujar Lago.”"
    phrase = _answer(doc, "Ia menyebut “kota cerdas”", "kota")
    assert quote(phrase) == "“Ia menyebut “**kota** cerdas””"
    for text in ("“", "“”", "", "'"):  # no crash on quotes made of marks alone
        assert quote(_answer(text + " x", text, "")).startswith("“")
