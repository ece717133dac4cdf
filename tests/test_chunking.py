import random

import pytest

from index.builder import chunk_document
from index.chunking import ChunkerConfig, sentence_spans
from index.readers import read_documents
from tests.conftest import SEEDS


def _sentences(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_numbers_and_dates_do_not_split():
    text = (
        "Deputi Prof. Mohammed Ali Berawi dan Dr. Budi hadir. Hibah senilai $7,6 juta untuk "
        "1.000 unit diteken pada 20/11/2024 di Jl. Merdeka No. 5. Acara selesai!"
    )
    assert _sentences(text) == [
        "Deputi Prof. Mohammed Ali Berawi dan Dr. Budi hadir.",
        "Hibah senilai $7,6 juta untuk 1.000 unit diteken pada 20/11/2024 di Jl. Merdeka No. 5.",
        "Acara selesai!",
    ]


def test_initials_and_english():
    text = "The grant was signed by M. Basuki Hadimuljono. It was worth $7.6 million. Done."
    assert _sentences(text) == [
        "The grant was signed by M. Basuki Hadimuljono.", "It was worth $7.6 million.", "Done.",
    ]


def test_quotes_close_the_sentence():
    text = "“Kami bangga,” ujar Lago. “Ini penting.” Dia pergi."
    assert _sentences(text) == ["“Kami bangga,” ujar Lago.", "“Ini penting.”", "Dia pergi."]


@pytest.mark.parametrize("max_chars,overlap", [(700, 1), (200, 0), (400, 2), (1500, 1), (50, 1)])
def test_passage_offsets_slice_the_document_exactly(max_chars, overlap):
    cfg = ChunkerConfig(max_chars=max_chars, overlap_sentences=overlap)
    for doc in read_documents([SEEDS]).documents:
        passages = chunk_document(doc, cfg)
        assert passages
        for p in passages:
            assert doc.text[p.char_start:p.char_end] == p.text
            assert p.text == p.text.strip()
        # every sentence of the document is in some passage
        covered = [(p.char_start, p.char_end) for p in passages]
        for s, e in sentence_spans(doc.text):
            assert any(a <= s and e <= b for a, b in covered)


def test_chunks_respect_size_unless_one_sentence_is_longer():
    cfg = ChunkerConfig(max_chars=300, overlap_sentences=1)
    for doc in read_documents([SEEDS]).documents:
        for p in chunk_document(doc, cfg):
            if len(p.text) > 300:
                assert len(sentence_spans(p.text)) <= 2  # a heading joined to a long sentence


def test_random_text_offsets_property():
    rng = random.Random(7)
    words = ["IKN", "Prof.", "$7,6", "juta.", "No.", "1.000", "kota!", "20/11/2024", "“kata”",
             "Dr.", "smart", "city?", "\n\n", "\n", "ujar", "Basuki."]
    for _ in range(200):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(1, 80)))
        for s, e in sentence_spans(text):
            assert text[s:e].strip() == text[s:e] and e > s


def test_same_id_twice_in_one_write_keeps_the_last(tmp_path, encoder):
    from index.builder import apply_changes
    from index.readers import document_from_text
    from index.store import IndexStore

    store = IndexStore(tmp_path / "idx")
    first = document_from_text(doc_id="a", raw="Versi pertama berita ini.")
    second = document_from_text(doc_id="a", raw="Versi kedua berita ini.")
    report = apply_changes(store, encoder=encoder, upserts=[first, second], progress=False)
    assert report.added == ["a"]
    assert store.load().document("a").text == "Versi kedua berita ini."
