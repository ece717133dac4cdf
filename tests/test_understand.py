"""Informal, misspelled, English and mixed questions: what each retriever is given."""

from __future__ import annotations

import pytest

from search.normalize import Speller, normalize
from search.understand import has_english, understand

VOCAB = {"diadakan": 9, "kepala": 12, "otorita": 5, "hibah": 4, "pengungsian": 2, "basuki": 3,
         "kapan": 1}


def test_chat_spellings_become_standard_words() -> None:
    out = normalize("brp nilai hibah dr amerika utk ICCC nih", Speller(VOCAB))
    assert out.text == "berapa nilai hibah dari amerika untuk ICCC"
    assert [(r.original, r.replacement, r.reason) for r in out.repairs] == [
        ("brp", "berapa", "informal"), ("dr", "dari", "informal"),
        ("utk", "untuk", "informal"), ("nih", "", "informal")]


def test_spoken_forms_a_new_user_typed_become_standard_words() -> None:
    out = normalize("sapa yg mimpin delegasi indo", Speller(VOCAB))
    assert out.text == "siapa yang memimpin delegasi Indonesia"
    assert normalize("Sapa yg meresmikan", None).text == "siapa yang meresmikan"
    assert normalize("sapa dubes yg teken hibah", None).text == (
        "siapa duta besar yang menandatangani hibah")
    # "sapa" is also a word (greet): only a first word is the informal "siapa"
    assert normalize("kapan program sapa warga dimulai", None).repairs == ()
    assert normalize("bakal calon gubernur di gunung gede", None).repairs == ()


def test_typos_are_repaired_against_the_corpus_vocabulary() -> None:
    speller = Speller(VOCAB)
    assert normalize("siapa kepla otorita", speller).text == "siapa kepala otorita"
    assert normalize("lokasi pengungsin warga", speller).text == "lokasi pengungsian warga"
    assert normalize("basuky", speller).text == "basuki"
    # affixes around a known stem: repaired only to a word one slip away
    assert normalize("proyek berasil", Speller({"berhasil": 3})).text == "proyek berhasil"


@pytest.mark.parametrize("text", [
    "banjir di kota",  # valid Indonesian words the corpus happens not to use
    "When was it inaugurated",  # English words
    "Kepla",  # capitalised: may be a name
    "ICCC IKN",  # acronyms
    "IKN dijadikan pusat",  # a known word with affixes, not a misspelt "diadakan"
])
def test_known_words_names_and_acronyms_are_never_corrected(text: str) -> None:
    assert normalize(text, Speller(VOCAB)).repairs == ()


@pytest.mark.parametrize(("text", "english"), [
    ("How large was the USTDA grant?", True),
    ("kapan grant USTDA buat ICCC di-sign?", True),
    ("Berapa nilai hibah USTDA untuk IKN?", False),
    ("siapa kepala OIKN", False),
])
def test_english_and_mixed_questions_are_recognised(text: str, english: bool) -> None:
    assert has_english(text) is english


def test_english_words_reach_bm25_as_indonesian_terms(searcher) -> None:  # noqa: ANN001
    u = understand("How large was the USTDA grant for the command center?", searcher.context)
    assert u.question.lang == "en" and u.translation is not None
    assert {"hibah", "ustda"} <= set(u.question.terms)
    assert "pusat komando" in u.searched and "hibah" in u.searched
    mixed = understand("kapan grant USTDA buat ICCC di-sign?", searcher.context)
    assert "hibah" in mixed.question.terms and "ustda" in mixed.question.terms


def test_indonesian_questions_are_searched_as_written(searcher) -> None:  # noqa: ANN001
    u = understand("Berapa nilai hibah USTDA untuk IKN?", searcher.context)
    assert u.translation is None and u.searched == "Berapa nilai hibah USTDA untuk IKN?"


def test_the_response_says_what_was_searched(client) -> None:  # noqa: ANN001
    body = client.get("/search", params={"q": "brp nilai hibah dr amerika utk ICCC"}).json()
    assert body["searched"] == "berapa nilai hibah dari amerika untuk ICCC"
    assert {"original": "brp", "replacement": "berapa", "reason": "informal"} in body["repairs"]
    assert body["results"][0]["doc_id"] == "003_d42ff7a54c18c015"
    body = client.get("/search", params={"q": "Who signed the grant?"}).json()
    assert "hibah (grant)" in body["searched"] and body["repairs"] == []


def test_translation_can_be_turned_off_for_comparison(searcher) -> None:  # noqa: ANN001
    u = understand("How large was the USTDA grant?", searcher.context, translate=False)
    assert u.translation is None and "hibah" not in u.question.terms


def test_ask_says_what_was_searched(client) -> None:  # noqa: ANN001
    body = client.post("/ask", json={"question": "brp nilai hibah USTDA utk IKN?"}).json()
    assert body["searched"] == "berapa nilai hibah USTDA untuk IKN?"
    assert {"original": "utk", "replacement": "untuk", "reason": "informal"} in body["repairs"]
