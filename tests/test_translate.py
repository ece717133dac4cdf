"""English questions → Indonesian BM25 terms, on the real dictionary, encoder and seed articles."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import bm25s
import numpy as np
import pytest

from index.dictionary import load_dictionary
from index.encoders import Encoder
from index.lexicon import InducedLexicon, corpus_word_counts, induce_lexicon
from index.text import terms as tokenize
from search.translate import Translation, translate_query

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
QUESTIONS = ROOT / "eval" / "data" / "telusur_qa.jsonl"


def _articles() -> dict[str, str]:
    return {p.stem: p.read_text(encoding="utf-8") for p in SEEDS}


def _vocabulary(texts: list[str]) -> set[str]:
    return {w.lower() for t in texts for w in re.findall(r"[^\W\d_]+", t)}


@pytest.fixture(scope="module")
def lexicon(encoder: Encoder) -> InducedLexicon:
    return induce_lexicon(corpus_word_counts(_articles().values()), encoder)


@pytest.fixture(scope="module")
def known() -> set[str]:
    return _vocabulary(list(_articles().values()))


def _translate(q: str, lexicon: InducedLexicon | None = None, known=None) -> Translation:  # noqa: ANN001
    return translate_query(q, dictionary=load_dictionary(), lexicon=lexicon,
                           lexicon_only_known=known)


def _terms(t: Translation) -> dict[str, float]:
    return {term.lower(): w for term, w in t.terms}


# --- the pure function ---------------------------------------------------------------------


def test_names_acronyms_and_numbers_are_kept(lexicon: InducedLexicon, known: set[str]) -> None:
    t = _translate("How large was the USTDA grant for IKN in 2024?", lexicon, known)
    assert dataclasses.is_dataclass(t) and t.__dataclass_params__.frozen
    assert {"USTDA", "IKN", "2024"} <= set(t.kept)
    assert _terms(t)["ustda"] == 1.0 and _terms(t)["2024"] == 1.0
    assert "besar" in _terms(t)  # large
    assert not {"how", "was", "the", "for", "in"} & set(_terms(t))


def test_dates_codes_and_capitalised_names() -> None:
    t = _translate("Did Marisa Lago visit Nusantara on 20/11/2024 for the GA-181 project?")
    assert {"Marisa", "Lago", "Nusantara", "20/11/2024", "GA-181"} <= set(t.kept)
    assert "Did" not in t.kept  # sentence-initial capital of a function word


def test_phrases_longest_first() -> None:
    t = _translate("Which capital city has a command centre?")
    assert t.translated["capital city"] == ["ibu kota"]
    assert "capital" not in t.translated and "city" not in t.translated
    assert t.translated["command centre"] == ["pusat komando"]
    assert "ibu kota (capital city)" in t.searched
    # Inflected phrases match their base form; a phrase never swallows a number.
    t2 = _translate("How many command centres were built in 2024?")
    assert "pusat komando" in _terms(t2) and "2024" in t2.kept


def test_weights_follow_sense_order() -> None:
    t = _translate("How big is the forest?")
    w = _terms(t)
    assert w["hutan"] == 1.0 and w["pohon"] == 0.8  # forest: hutan, pohon
    assert w["besar"] == 1.0


def test_proper_nouns_prefer_capitalised_translations() -> None:
    t = _translate("Which Japanese official visited Turkey?")
    assert "Jepang" in t.translated["japanese"] and "Turki" in t.translated["turkey"]
    assert "kalkun" not in _terms(t)  # the bird
    assert {"Japanese", "Turkey"} <= set(t.kept)


def test_mixed_english_indonesian_question(lexicon: InducedLexicon, known: set[str]) -> None:
    t = _translate("Berapa nilai hibah USTDA for the capital city?", lexicon, known)
    w = _terms(t)
    assert w["nilai"] == 1.0 and w["hibah"] == 1.0  # Indonesian passes through
    assert "berapa" not in w  # Indonesian question word
    assert "ibu kota" in w and "USTDA" in t.kept
    assert t.coverage == 1.0


def test_english_words_quoted_by_the_corpus_are_kept_too(
    lexicon: InducedLexicon, known: set[str],
) -> None:
    t = _translate("What is the living lab at the centre?", lexicon, known)
    assert {"living", "lab"} <= set(t.kept)  # the seed articles quote "living lab"
    assert "pusat" in _terms(t)


def test_coverage_and_unmatched(known: set[str]) -> None:
    t = _translate("Why did the zorblax flubber the city?", None, known)
    assert set(t.unmatched) == {"zorblax", "flubber"}
    assert t.coverage == pytest.approx(1 / 3, abs=0.01)
    assert "zorblax" not in _terms(t)


def test_induced_pairs_fill_dictionary_gaps(lexicon: InducedLexicon, known: set[str]) -> None:
    # The dictionary knows "firm" only as "teguh" (steadfast); the seeds say "perusahaan".
    assert "perusahaan" not in load_dictionary().lookup("firms")
    t = _translate("How many American firms take part?", lexicon, known)
    assert "perusahaan" in t.translated["firms"]
    assert 0.0 < _terms(t)["perusahaan"] < 1.0  # induced: weighted by its estimated precision


# --- end to end: BM25 over the seed articles -----------------------------------------------


def _bm25(texts: list[str]) -> bm25s.BM25:
    r = bm25s.BM25(k1=1.2, b=0.75)
    r.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
    return r


def _raw_scores(r: bm25s.BM25, question: str, n: int) -> np.ndarray:
    toks = [t for t in tokenize(question) if t in r.vocab_dict]
    return np.asarray(r.get_scores(toks), np.float32) if toks else np.zeros(n, np.float32)


def _weighted_scores(r: bm25s.BM25, t: Translation, n: int) -> np.ndarray:
    weights: dict[str, float] = {}
    for term, w in t.terms:  # the BM25 side stems the surface terms itself
        for tok in tokenize(term):
            weights[tok] = max(weights.get(tok, 0.0), w)
    out = np.zeros(n, np.float32)
    for tok, w in weights.items():
        if tok in r.vocab_dict:
            out += w * np.asarray(r.get_scores([tok]), np.float32)
    return out


def _top_doc(scores: np.ndarray, doc_of_row: list[str]) -> str | None:
    if not len(scores) or scores.max() <= 0:
        return None
    best: dict[str, float] = {}
    for row in np.argsort(-scores, kind="stable"):
        best.setdefault(doc_of_row[row], float(scores[row]))
    return max(best, key=lambda d: (best[d], -sorted(best).index(d)))


def _english_questions() -> list[dict]:
    """The answerable English questions of our set's tuning half (the held-out half is for
    reporting, not for pinning behaviour)."""
    rows = [json.loads(ln) for ln in QUESTIONS.read_text(encoding="utf-8").splitlines() if ln]
    return [r for r in rows if r["lang"] == "en" and r["relevant"] and r["split"] == "tune"]


def _recall_at_1(top: str | None, relevant: list[str]) -> float:
    return (1.0 if top in relevant else 0.0) / len(relevant)


def test_translated_terms_beat_raw_english_on_whole_articles(
    lexicon: InducedLexicon, known: set[str],
) -> None:
    articles = _articles()
    ids = list(articles)
    r = _bm25(list(articles.values()))
    raw = trans = 0.0
    questions = _english_questions()
    for q in questions:
        relevant = [x["doc_id"] for x in q["relevant"]]
        t = _translate(q["question"], lexicon, known)
        raw += _recall_at_1(_top_doc(_raw_scores(r, q["question"], len(ids)), ids), relevant)
        trans += _recall_at_1(_top_doc(_weighted_scores(r, t, len(ids)), ids), relevant)
    raw, trans = raw / len(questions), trans / len(questions)
    print(f"\nBM25 document recall@1, {len(questions)} English questions: "
          f"raw {raw:.3f}, translated {trans:.3f}")
    # Measured on the tuning half (56 questions): raw 0.763, translated 0.876.
    assert trans >= raw + 0.05, (raw, trans)


def test_paragraph_bm25_puts_the_right_article_first(
    lexicon: InducedLexicon, known: set[str],
) -> None:
    paragraphs, doc_of_row = [], []
    for doc_id, text in _articles().items():
        for para in (p.strip() for p in text.split("\n")):
            if len(para) > 40:
                paragraphs.append(para)
                doc_of_row.append(doc_id)
    r = _bm25(paragraphs)
    q = "When was the American grant for the Nusantara command centre signed?"
    t = _translate(q, lexicon, known)
    assert _top_doc(_weighted_scores(r, t, len(paragraphs)), doc_of_row) == "003_d42ff7a54c18c015"
    wins = losses = 0
    for item in _english_questions():
        relevant = {x["doc_id"] for x in item["relevant"]}
        t = _translate(item["question"], lexicon, known)
        before = _top_doc(_raw_scores(r, item["question"], len(paragraphs)), doc_of_row)
        after = _top_doc(_weighted_scores(r, t, len(paragraphs)), doc_of_row)
        wins += before not in relevant and after in relevant
        losses += before in relevant and after not in relevant
    print(f"\nparagraph BM25, top article: {wins} questions fixed, {losses} broken")
    assert wins > 3 * max(losses, 1)  # measured on the tuning half: 10 fixed, 2 broken
