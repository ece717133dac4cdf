import numpy as np
import pytest

from index.langid import detect_language
from search.engine import QueryVectorCache
from search.query import QueryError
from tests.conftest import search

ICCC = "003_d42ff7a54c18c015"


@pytest.mark.parametrize(
    ("query", "lang", "doc"),
    [
        ("Berapa nilai hibah USTDA untuk IKN?", "id", ICCC),
        ("Who funded the command center in Nusantara?", "en", ICCC),
        ("Which Korean city was a model for the new capital?", "en", "001_35330518a0891c6f"),
        ("Tiga elemen kunci smart city ASEAN", "id", "004_16f2d6b19bdc8fa8"),
    ],
)
def test_the_right_article_comes_first_in_every_mode(searcher, query, lang, doc):
    for mode in ("hybrid", "dense"):
        res = search(searcher, query, k=5, mode=mode)
        assert res.query_lang == lang
        assert res.hits[0].document.id == doc, (mode, [h.passage.id for h in res.hits])


def test_hits_are_ranked_cited_and_exact(searcher):
    res = search(searcher, "hibah USTDA", k=10)
    assert [h.rank for h in res.hits] == list(range(1, len(res.hits) + 1))
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)
    for h in res.hits:
        assert h.document.text[h.passage.char_start:h.passage.char_end] == h.passage.text


def test_bm25_mode_needs_a_matching_term(searcher):
    assert search(searcher, "zzqx", mode="bm25").hits == []
    assert search(searcher, "Sejong", mode="bm25").hits[0].document.id == "001_35330518a0891c6f"


def test_lang_filter(searcher):
    assert search(searcher, "smart city", lang="en").hits == []
    assert all(h.passage.lang == "id" for h in search(searcher, "smart city", lang="id").hits)


def test_unknown_mode(searcher):
    with pytest.raises(QueryError):
        search(searcher, "x", mode="magic")


def test_repeated_query_is_not_embedded_again(searcher):
    q = "Siapa Duta Besar Amerika Serikat untuk Indonesia? (cache test)"
    search(searcher, q)
    hits_before = searcher.cache.hits
    search(searcher, q)
    assert searcher.cache.hits == hits_before + 1


def test_cache_is_bounded():
    cache = QueryVectorCache(maxsize=3)
    for i in range(10):
        cache.put(str(i), np.zeros(2))
    assert len(cache) == 3 and cache.get("9") is not None and cache.get("0") is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Siapa Kepala OIKN?", "id"), ("Kapan ICCC diluncurkan?", "id"),
        ("Who is the head of OIKN?", "en"), ("When was the ICCC launched?", "en"),
        ("USTDA", "id"), ("", "id"),
        ("Der Bundestag hat heute ein neues Gesetz über die Digitalisierung beschlossen.", "de"),
    ],
)
def test_query_language(text, lang):
    assert detect_language(text) == lang


def test_idf_is_higher_for_rarer_terms():
    from index.lexical import LexicalIndex, Postings
    from index.text import terms

    texts = ["kerja sama kota", "kerja sama hibah", "kerja sama Basuki"]
    lex = LexicalIndex([Postings.build([terms(t) for t in texts])], np.ones(3, dtype=bool))
    common, rare, unseen = lex.idf(terms("kerja basuki zzzz"))
    assert common < rare < unseen


def test_terms_are_those_of_numbers_first_tokenising() -> None:
    """``_TERM`` tries words before numbers (speed only: no token can start both ways), so
    the terms of every seed article are those of the numbers-first pattern an index built
    before the change holds."""
    import re

    from index import text as T
    from tests.conftest import SEEDS

    before = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir()) if p.is_file()]
    texts.append("tahun2045 7,6juta 1.000ha ٣٤ abc_12 x1.2.3y IKN-2 ²³ Ⅻ")
    for text in texts:
        assert T._TERM.findall(text.lower()) == before.findall(text.lower())


def test_lang_filter_takes_the_code_in_any_case(searcher):
    from search.query import Query

    assert Query.parse("banjir", lang="ID").filters.lang == "id"


@pytest.mark.parametrize(("q", "options"), [
    ("Berapa nilai hibah USTDA untuk ICCC?", {}),
    ("Who is the head of the Nusantara Capital Authority?", {}),
    ("kota cerdas Korea", {"source": ["ANTARA"]}),
    ("pusat komando IKN", {"mode": "dense"}),
    ("hibah USTDA", {"sort": "date", "k": 20}),
])
def test_a_query_embedded_beside_the_bm25_side_ranks_as_a_cached_one(
        seed_index_dir, encoder, q, options):
    """An unseen query is embedded while BM25, its top lists' ranker inputs and the facets'
    documents are prepared: the result must be the one a searcher gives that prepares
    nothing (its vector cached beforehand, every input computed while ranking)."""
    from index.store import IndexStore
    from search.engine import Searcher

    options = {("sources" if k == "source" else k): v for k, v in options.items()}
    prepared = Searcher(IndexStore(seed_index_dir), encoder)
    fresh = search(prepared, q, **options)
    assert fresh.facet_tally is not None  # the side work did run
    plain = Searcher(IndexStore(seed_index_dir), encoder)
    plain.cache.put(fresh.understood.text, fresh.query_vector)
    again = search(plain, q, **options)
    assert again.facet_tally is None and again.timings_ms["encode"] == 0.0
    assert fresh.hits and [(h.passage.id, h.score) for h in fresh.hits] == [
        (h.passage.id, h.score) for h in again.hits]
    assert fresh.total == again.total and fresh.facets() == again.facets()
    assert np.array_equal(fresh.matching_rows, again.matching_rows)
