"""Researcher tools in the search layer: filters inside retrieval, total, paging, date order,
facets, the reason for an empty result, similar articles.

Paging and tiers need more passages than the five seed articles hold, so a second index of
300 short generated articles is built with the benchmark's hash encoder (deterministic
vectors, no model: the BM25 side, filters and paging are what is checked there; dense
similarity between its vectors is meaningless on purpose).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from eval.bench_write import HashEncoder
from index.builder import apply_changes
from index.records import Document, Source
from index.store import IndexStore
from index.text import terms
from search.engine import Searcher
from search.matches import TIER
from search.query import Query, QueryError
from search.similar import similar_documents
from tests.conftest import search

SOURCES = ("ANTARA", "Kompas", "Tempo")
N_DOCS = 300


def _doc(i: int) -> Document:
    # Every article mentions "banjir" (flood); how often decides its BM25 rank. The rare
    # outlet "Langka" only has articles that mention it once, in a long text: in an unfiltered
    # BM25 list they rank last.
    source = "Langka" if i % 50 == 7 else SOURCES[i % 3]
    flood = "banjir " * (1 if source == "Langka" else 1 + i % 4)
    filler = ("rawa " if source == "Langka" else "") + " ".join(
        f"kata{j}" for j in range(40 if source == "Langka" else 3))
    published = None if i % 37 == 0 else (str(2010 + i % 7) if i % 11 == 0
                                          else f"{2010 + i % 7}-{1 + i % 12:02d}-{1 + i % 28:02d}")
    return Document(id=f"n{i:03d}", title=f"Berita {i}", source=source, published=published,
                    lang="en" if i % 10 == 3 else "id",
                    text=f"Berita {i}. Warga kota {i} melaporkan {flood}{filler}.")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Searcher:
    d: Path = tmp_path_factory.mktemp("research-index")
    # The synthetic stories share one template: every one is kept (no near-duplicate folding).
    apply_changes(IndexStore(d), encoder=HashEncoder(), upserts=[_doc(i) for i in range(N_DOCS)],
                  progress=False, dedupe=False)
    return Searcher(IndexStore(d), HashEncoder(), ranker="dbsf")  # type: ignore[arg-type]


def _ids(res) -> list[str]:  # noqa: ANN001
    return [h.passage.id for h in res.hits]


def _stored(s: Searcher) -> list[Document]:
    data = s.context.data
    return [data.document_at(r) for r, _ in data.live_documents()]


@pytest.mark.parametrize("mode", ["bm25", "hybrid", "dense"])
@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_put_together_are_the_whole_list(big: Searcher, mode: str, sort: str) -> None:
    whole = search(big, "banjir", k=250, mode=mode, sort=sort, export=True)
    assert whole.total > 2 * TIER  # more than tier 0: later tiers are listed too
    pages: list[str] = []
    for offset in range(0, 250, 23):
        pages += _ids(search(big, "banjir", k=23, offset=offset, mode=mode, sort=sort))
    assert pages[:len(whole.hits)] == _ids(whole)
    assert len(set(_ids(whole))) == len(whole.hits)  # nothing listed twice
    assert [h.rank for h in whole.hits] == list(range(1, len(whole.hits) + 1))


def test_total_counts_passages_sharing_a_term(big: Searcher) -> None:
    docs = _stored(big)
    expected = sum("banjir" in terms(d.text) for d in docs)
    assert search(big, "banjir", mode="bm25").total == expected == N_DOCS
    hybrid = search(big, "rawa", mode="hybrid")  # only the "Langka" articles hold it
    assert search(big, "rawa", mode="bm25").total == 6
    # hybrid: the 6 sharing the term, and the 50 closest in meaning
    closest = {h.row for h in search(big, "rawa", mode="dense", k=50).hits}
    rawa = set(big.context.data.lexical.scores({"rawa": 1.0}).nonzero()[0].tolist())
    assert hybrid.total == len(closest | rawa) >= 50


def test_a_narrow_filter_still_returns_the_best_k_matching(big: Searcher) -> None:
    unfiltered = search(big, "banjir", mode="bm25", k=50)
    assert all(h.document.source != "Langka" for h in unfiltered.hits)
    res = search(big, "banjir", mode="bm25", k=5, sources=["langka"])  # case does not matter
    assert len(res.hits) == 5 and res.total == 6
    assert {h.document.source for h in res.hits} == {"Langka"}


def test_filters_combine_and_match_a_count_by_hand(big: Searcher) -> None:
    lo, hi = dt.date(2012, 1, 1), dt.date(2013, 12, 31)

    def by_hand(d: Document) -> bool:
        if d.source != "Kompas" or d.lang != "id" or not d.published:
            return False
        first = dt.date.fromisoformat(d.published if len(d.published) > 4
                                      else d.published + "-01-01")
        last = first if len(d.published) > 4 else dt.date(first.year, 12, 31)
        return last >= lo and first <= hi  # a year-only date spans its year

    expected = sum(by_hand(d) for d in _stored(big))
    res = search(big, "banjir", mode="bm25", k=50, sources=["Kompas"], lang="id",
                 date_from="2012-01-01", date_to="2013-12-31")
    assert res.total == expected > 0
    assert all(by_hand(h.document) for h in res.hits)


def test_date_order_is_newest_first_and_undated_last(big: Searcher) -> None:
    res = search(big, "banjir", mode="hybrid", sort="date", k=N_DOCS, export=True)
    days = [big.context.doc_first_day[big.context.data.passage_doc_rows[h.row]]
            for h in res.hits]
    known = [d for d in days if d >= 0]
    assert known == sorted(known, reverse=True)
    assert days[len(known):] == [-1] * (len(days) - len(known))
    assert len(known) < len(days)  # the set has undated articles, and they come last
    # a hit keeps its relevance score whichever the order
    rel = {h.passage.id: h.score for h in search(big, "banjir", k=N_DOCS, export=True).hits}
    assert all(rel[h.passage.id] == pytest.approx(h.score) for h in res.hits)


def test_facets_count_matching_documents(big: Searcher) -> None:
    res = search(big, "banjir", mode="bm25", date_from="2014-01-01")
    facets = res.facets()
    matching = {big.context.data.passage_doc_rows[r] for r in res.matching_rows}
    docs = [big.context.data.document_at(int(r)) for r in matching]
    by_source = {s: sum(d.source == s for d in docs) for s in {d.source for d in docs}}
    assert dict(facets["source"]) == by_source
    assert sum(n for _, n in facets["year"]) == len(docs)
    assert all(v is not None and v >= "2014" for v, _ in facets["year"])
    assert dict(facets["lang"]) == {"id": sum(d.lang == "id" for d in docs),
                                    "en": sum(d.lang == "en" for d in docs)}
    counts = [n for _, n in facets["source"]]
    assert counts == sorted(counts, reverse=True)


def test_facets_counted_in_one_pass_equal_each_column_counted_alone(
        big: Searcher, monkeypatch: pytest.MonkeyPatch) -> None:
    from search.context import FACET_CELLS_MAX, _FacetCube

    ctx = big.context
    res = search(big, "banjir", mode="bm25")
    docs = ctx.documents_of(res.matching_rows)
    assert ctx._cube.key is not None
    one_pass = res.facets()
    assert one_pass == {name: col.count(docs) for name, col in ctx._facets.items()}
    for cube in (True, False):  # past FACET_CELLS_MAX cells each column counts alone
        if not cube:
            monkeypatch.setattr(ctx._cube, "key", None)
        tally = ctx.tally(res.matching_rows[:3])  # documents added later count once each
        tally.add(res.matching_rows)
        tally.add(res.matching_rows[:5])
        assert tally.facets() == one_pass
    assert sum(n for _, n in one_pass["year"]) > 1
    # past as many cells as documents (and FACET_CELLS_MAX) each column counts alone
    sources = ctx._facets["source"]
    many = type(sources)(sources.codes, tuple(f"o{i}" for i in range(FACET_CELLS_MAX)))
    assert _FacetCube((many, ctx._facets["year"]), len(docs)).key is None


def test_facets_of_documents_gathered_while_embedding_equal_those_counted_after(
        big: Searcher) -> None:
    """An unseen hybrid query gathers its BM25 matches' documents while the encoder runs and
    adds the dense list's afterwards: the same facets as counting the matching rows."""
    big.cache.clear()
    res = search(big, "rawa")  # in the six "Langka" stories only
    assert res.facet_tally is not None
    n_dense_only = len(set(res.matching_rows.tolist())
                       - set(np.flatnonzero(big.context.data.lexical.scores(
                           res.question.weights) > 0).tolist()))
    assert n_dense_only > 0  # the dense list adds documents of its own
    assert res.facets() == big.context.facets(res.matching_rows)


def test_empty_results_name_the_filter(searcher: Searcher) -> None:
    res = search(searcher, "kota cerdas", lang="en")
    assert res.hits == [] and res.total == 0
    assert "lang=en" in (res.empty_reason or "") and "id" in (res.empty_reason or "")
    res = search(searcher, "kota cerdas", sources=["Kompas"])
    assert "source=Kompas" in (res.empty_reason or "") and "ANTARA" in (res.empty_reason or "")
    res = search(searcher, "kota cerdas", date_from="2030-01-01")
    assert "date_from=2030-01-01" in (res.empty_reason or "")
    res = search(searcher, "kota cerdas", sources=["ANTARA"], date_to="2017-12-31")
    assert "together" in (res.empty_reason or "")
    total = search(searcher, "kota cerdas").total
    res = search(searcher, "kota cerdas", offset=total + 5, k=5)
    assert res.hits == [] and res.total == total
    assert f"past the last result ({total} in all)" in (res.empty_reason or "")
    assert search(searcher, "kota cerdas").empty_reason is None


def test_a_year_only_date_spans_its_year(searcher: Searcher) -> None:
    # ANTARA's article states only its year (2024): a filter inside the year keeps it (and
    # undated articles never pass a date filter: test_filters_combine_and_match_a_count_by_hand)
    res = search(searcher, "kota pintar ASEAN", date_from="2024-06-01", date_to="2024-06-30")
    assert {h.document.source for h in res.hits} == {"ANTARA"}


def test_query_rules_for_paging_sorting_and_export() -> None:
    with pytest.raises(QueryError, match="sort"):
        Query.parse("x", sort="newest")
    with pytest.raises(QueryError, match="offset"):
        Query.parse("x", offset=-1)
    with pytest.raises(QueryError, match="offset"):
        Query.parse("x", offset=995, k=10)
    with pytest.raises(QueryError, match="k"):
        Query.parse("x", k=200)
    assert Query.parse("x", k=200, export=True).k == 200


def test_similar_articles_exclude_itself_and_its_duplicates(searcher: Searcher) -> None:
    ctx = searcher.context
    row = ctx.data.doc_rows["001_35330518a0891c6f"]
    got = [s.document.id for s in similar_documents(ctx, row, 4)]
    assert "001_35330518a0891c6f" not in got and len(got) == 4
    assert got[0] in {"000_cb222094482272af", "002_622dfb85f7a88362"}  # the other Korea pieces
    assert got[-1] == "003_d42ff7a54c18c015"  # the US-funded command centre is least alike


def test_similar_skips_recorded_duplicates(tmp_path: Path) -> None:
    enc = HashEncoder()
    base = "Banjir melanda kota. Warga mengungsi."
    docs = [Document(id="a", text=base, duplicates=(Source(doc_id="b", source="Tempo"),)),
            Document(id="b", text=base + " Tempo."), Document(id="c", text="Harga cabai naik.")]
    apply_changes(IndexStore(tmp_path), encoder=enc, upserts=docs, progress=False)
    s = Searcher(IndexStore(tmp_path), enc, ranker="dbsf")  # type: ignore[arg-type]
    ctx = s.context
    assert [x.document.id for x in similar_documents(ctx, ctx.data.doc_rows["a"], 5)] == ["c"]
    assert [x.document.id for x in similar_documents(ctx, ctx.data.doc_rows["b"], 5)] == ["c"]
    vectors = ctx.document_vectors(lambda _: np.zeros(0))  # built once, then kept
    assert vectors.shape == (3, enc.dim) and ctx.document_vectors(lambda _: None) is vectors
