"""Query-independent values of one index generation, computed on first use and kept.

A ``SearchContext`` is made once per generation (``search.engine.Searcher`` swaps it when the
index changes), and every query-time step reads passages, sentences, their terms and typed
spans through it — the only cache of derived values at query time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

from index.columns import day_number
from index.generation import IndexData
from index.lexicon import DEFAULT_MAX_WORDS, InducedLexicon, candidates, match
from index.retrieval import RowFilter
from index.text import lower_words, terms
from index.wordvectors import shipped_english_vectors
from search.normalize import Speller
from search.query import Filters
from search.spans import TypedSpan, typed_spans

ROW_CACHE = 65_536  # derived values kept per generation, per kind (bounded for big indexes)


class SearchContext:
    def __init__(self, data: IndexData) -> None:
        self.data = data
        self.generation = data.generation
        self.passage_terms = lru_cache(maxsize=ROW_CACHE)(self._passage_terms)
        self.passage_spans = lru_cache(maxsize=ROW_CACHE)(self._passage_spans)
        # names, dates and amounts recur across passages: their word sets are kept too
        self._span_words = lru_cache(maxsize=ROW_CACHE)(lower_words)
        self.sentence_rows = lru_cache(maxsize=ROW_CACHE)(data.sentence_rows)
        self.sentence = lru_cache(maxsize=ROW_CACHE)(self._sentence)
        cols = data.columns
        self.doc_first_day = cols.first_day
        years = np.where(cols.first_day >= 0,
                         cols.first_day.astype("datetime64[D]").astype("datetime64[Y]")
                         .astype(np.int64) + 1970, -1)
        year_values = sorted({int(y) for y in years if y >= 0})
        year_codes = np.where(years >= 0, np.searchsorted(np.array(year_values, np.int64),
                                                          years), -1)
        self._facets = {
            # Codes 0 of the columns mean "not stated"; the first spelling seen of an outlet
            # stands for its group.
            "source": _Column(cols.source.astype(np.intp), _spellings(data)),
            "year": _Column((year_codes + 1).astype(np.intp), tuple(str(y) for y in year_values)),
            "lang": _Column(cols.lang.astype(np.intp), tuple(cols.langs[1:])),
        }
        self._cube = _FacetCube(tuple(self._facets.values()), len(data.doc_ids))
        self._lock = threading.Lock()
        self._doc_vectors: np.ndarray | None = None

    # ---- query understanding ------------------------------------------------------------
    def warm(self) -> None:
        """Build what the first query of a kind would otherwise build inside its request:
        the speller, and the lexicon an English question needs (0.5-3 s)."""
        self.speller  # noqa: B018
        self.lexicon  # noqa: B018

    @cached_property
    def speller(self) -> Speller:
        """Typo repair against this generation's vocabulary."""
        return Speller({w: c[0] for w, c in self.data.words.items()})

    @cached_property
    def lexicon(self) -> InducedLexicon | None:
        """English -> Indonesian words induced over this generation's commonest words (None
        without English vectors for the index's encoder). Matching takes about a second on a
        2,000-word vocabulary, once per generation."""
        english = shipped_english_vectors(self.data.encoder_id)
        if english is None:
            return None
        embedded: dict[str, np.ndarray] = {}
        for seg in self.data.segments:
            for i, w in enumerate(seg.lexicon_words):
                embedded.setdefault(w, np.asarray(seg.lexicon_vectors[i], dtype=np.float32))
        words = [w for w in candidates(self.data.words, max_words=2 * DEFAULT_MAX_WORDS)
                 if w in embedded][:DEFAULT_MAX_WORDS]
        if not words:
            return None
        return match(english, words, np.stack([embedded[w] for w in words]))

    # ---- passages ----------------------------------------------------------------------------
    def _passage_terms(self, row: int) -> tuple[str, ...]:
        """A passage's BM25 terms in order (``term_proximity``: one pass over ~35 terms
        costs less than building a term -> positions map for a passage seen once)."""
        return tuple(terms(self.data.passage_text(row)))

    def _passage_spans(self, row: int, kinds: tuple[str, ...]) -> tuple[frozenset[str], ...]:
        """The lower-cased words of each typed span of ``kinds`` in a passage (only the
        kinds a question asks for are looked for: a third of the cost for a name)."""
        text = self.data.passage_text(row)
        return tuple(self._span_words(text[s.start:s.end]) for s in typed_spans(text, kinds))

    # ---- sentences ---------------------------------------------------------------------------
    def _sentence(self, row: int) -> Sentence:
        doc_row, start, end = (int(x) for x in self.data.sentences[row])
        text = self.data.text_at(doc_row)[start:end]
        return Sentence(row=row, doc_row=doc_row, start=start, end=end, text=text,
                        terms=terms(text), words=lower_words(text), spans=typed_spans(text))

    # ---- filters -----------------------------------------------------------------------------
    def where(self, filters: Filters) -> RowFilter | None:
        """The store-level filter of a query's ``filters`` (None: no filter); the store serves
        it (row masks cached per filter locally, expressions in Milvus)."""
        if filters.empty:
            return None
        return RowFilter(
            lang=filters.lang, sources=filters.sources, doc_ids=filters.docs,
            day_from=day_number(filters.date_from) if filters.date_from else None,
            day_to=day_number(filters.date_to) if filters.date_to else None,
        )

    def allowed(self, filters: Filters) -> np.ndarray | None:
        """A mask over passage rows of what ``filters`` keep (None: no filter)."""
        return self.mask_of(self.where(filters))

    def mask_of(self, where: RowFilter | None) -> np.ndarray | None:
        """The rows a store-level filter keeps (None: no filter); the masks are the store's
        (``index.retrieval.RowMasks``, cached per filter)."""
        return None if where is None else self.data.masks.mask(where)

    def why_empty(self, filters: Filters) -> str | None:
        """Which filter keeps no passage on its own (or that they keep nothing together);
        None when the filters keep some passage."""
        parts: list[tuple[str, Filters]] = []
        if filters.docs:
            parts.append((f"doc={', '.join(filters.docs)}", Filters(docs=filters.docs)))
        if filters.sources:
            parts.append((f"source={', '.join(filters.sources)}",
                          Filters(sources=filters.sources)))
        if filters.date_from or filters.date_to:
            span = " ".join(x for x in (
                f"date_from={filters.date_from}" if filters.date_from else "",
                f"date_to={filters.date_to}" if filters.date_to else "") if x)
            parts.append((span, Filters(date_from=filters.date_from, date_to=filters.date_to)))
        if filters.lang:
            parts.append((f"lang={filters.lang}", Filters(lang=filters.lang)))
        kept = {name: self._count(f) for name, f in parts}
        if self._count(filters) > 0:
            return None
        for name, n in kept.items():
            if n == 0:
                return f"no passage matches the filter {name}" + _what_there_is(name, self)
        alone = "; ".join(f"{name} keeps {n}" for name, n in kept.items())
        return f"the filters keep no passage together ({alone} on its own)"

    def _count(self, filters: Filters) -> int:
        mask = self.allowed(filters)
        return int(self.data.n_passages if mask is None else (mask & self.data.live).sum())

    # ---- facets ------------------------------------------------------------------------------
    def documents_of(self, passage_rows: np.ndarray) -> np.ndarray:
        """A mask over document rows: the documents holding ``passage_rows``."""
        docs: np.ndarray = np.bincount(self.data.passage_doc_rows[passage_rows],
                                       minlength=len(self.data.doc_ids)) > 0  # < a scatter
        return docs

    def facets(self, passage_rows: np.ndarray) -> dict[str, list[tuple[str | None, int]]]:
        """Documents holding ``passage_rows``, counted by source, year and language: (value,
        count) pairs, most documents first (None: not stated / unknown)."""
        return self.tally(passage_rows).facets()

    def tally(self, passage_rows: np.ndarray) -> FacetTally:
        """The facets of the documents holding ``passage_rows``, counted now; ``add`` more."""
        return FacetTally(self, self.documents_of(passage_rows))

    def known(self, name: str) -> list[str]:
        """The values of a facet over the live documents, most documents first."""
        return [v for v, _ in self._facets[name].count(self.data.doc_live) if v is not None]

    # ---- document vectors --------------------------------------------------------------------
    def document_vectors(self, build: Callable[[IndexData], np.ndarray]) -> np.ndarray:
        """One vector per document row, built on first use (``search.similar``) and kept
        for the generation."""
        with self._lock:
            if self._doc_vectors is None:
                self._doc_vectors = build(self.data)
            return self._doc_vectors


def _spellings(data: IndexData) -> tuple[str, ...]:
    """Each outlet (case-folded code 1, 2, …) as the first document holding it spells it."""
    cols = data.columns
    codes, first_rows = np.unique(cols.source, return_index=True)
    first = dict(zip(codes.tolist(), first_rows.tolist(), strict=True))
    return tuple(
        str(data.doc_meta(first[code]).get("source") or folded) if code in first else folded
        for code, folded in enumerate(cols.sources) if code)


def _what_there_is(name: str, ctx: SearchContext) -> str:
    """A hint naming what the index does hold for a filter that kept nothing."""
    field = name.split("=", 1)[0]
    facet = {"source": "source", "lang": "lang", "date_from": "year", "date_to": "year"}.get(field)
    if facet is None:
        return ""
    values = ctx.known(facet)
    if not values:
        return f" (no document in the index states a {facet})"
    more = f", … ({len(values)} in all)" if len(values) > 8 else ""
    return f" (the index holds {facet}: {', '.join(values[:8])}{more})"


# (source, year, lang) cells counted in one pass, at most: this many, or as many as there are
# documents (a pass costs one step per document and one per cell).
FACET_CELLS_MAX = 1 << 16


class FacetTally:
    """One search's facet counts: its documents (a mask) and, when the cube serves, their
    cells. The searcher starts one with BM25's matches while the query is embedded and adds
    the dense list's few documents after (``add``), so the response's facets cost a sum over
    the cube's cells, not a pass over every document (0.35 ms at a million passages)."""

    def __init__(self, ctx: SearchContext, docs: np.ndarray) -> None:
        self._ctx, self.docs = ctx, docs
        cube = ctx._cube
        self._cells = cube.cells(docs) if cube.key is not None else None

    def add(self, passage_rows: np.ndarray) -> None:
        """Count the documents of ``passage_rows`` too (once each)."""
        rows = np.unique(self._ctx.data.passage_doc_rows[passage_rows])
        new = rows[~self.docs[rows]]
        self.docs[new] = True
        if self._cells is not None:
            self._ctx._cube.add(self._cells, new)

    def facets(self) -> dict[str, list[tuple[str | None, int]]]:
        names = self._ctx._facets
        if self._cells is None:
            return {name: col.count(self.docs) for name, col in names.items()}
        return dict(zip(names, self._ctx._cube.pairs(self._cells), strict=True))


class _FacetCube:
    """Every facet counted in one pass: one code per document for its (source, year, lang)
    cell, counted once, the cube then summed along the other facets (1 M passages, 175 k
    matching: 0.35 ms against 1.6 for three passes). ``key`` is None when there are more
    cells than ``FACET_CELLS_MAX`` and documents; then each column counts on its own."""

    def __init__(self, columns: tuple[_Column, ...], n_docs: int) -> None:
        self.columns = columns
        self.shape = tuple(len(c.values) + 1 for c in columns)
        self.key: np.ndarray | None = None
        if columns and int(np.prod(self.shape)) <= max(FACET_CELLS_MAX, n_docs):
            self.key = np.ravel_multi_index(tuple(c.codes for c in columns), self.shape)

    def cells(self, docs: np.ndarray) -> np.ndarray:
        """The documents of ``docs`` (a mask) counted per cell (a flat cube)."""
        assert self.key is not None
        cells: np.ndarray = np.bincount(self.key, weights=docs,
                                        minlength=int(np.prod(self.shape)))
        return cells

    def add(self, cells: np.ndarray, doc_rows: np.ndarray) -> None:
        """Count the documents ``doc_rows`` (not counted yet) into ``cells``."""
        assert self.key is not None
        np.add.at(cells, self.key[doc_rows], 1.0)

    def pairs(self, cells: np.ndarray) -> list[list[tuple[str | None, int]]]:
        """Each facet's (value, count) pairs from the counted ``cells``."""
        cube = cells.reshape(self.shape)
        axes = range(len(self.shape))
        return [col.pairs(cube.sum(axis=tuple(a for a in axes if a != i)))
                for i, col in enumerate(self.columns)]


@dataclass(frozen=True)
class _Column:
    """A per-document column coded for counting: ``codes[doc_row]`` is 0 for no value, else
    one more than the value's index in ``values`` (as the index's columns store them)."""

    codes: np.ndarray  # intp, as ``bincount`` reads it
    values: tuple[str, ...]

    def count(self, docs: np.ndarray) -> list[tuple[str | None, int]]:
        # ``docs`` as weights, not as an index: selecting the rows first costs 2.5x as much
        # (0.74 vs 0.30 ms over 223k documents)
        return self.pairs(np.bincount(self.codes, weights=docs, minlength=len(self.values) + 1))

    def pairs(self, counts: np.ndarray) -> list[tuple[str | None, int]]:
        """(value, count) pairs of the nonzero ``counts`` (one per code), most first."""
        counts = np.rint(counts).astype(np.int64)
        pairs: list[tuple[str | None, int]] = [
            (self.values[i - 1] if i else None, int(counts[i])) for i in np.flatnonzero(counts)]
        return sorted(pairs, key=lambda p: (-p[1], p[0] is None, p[0] or ""))


class Sentence:
    """One stored sentence with what scoring needs of it."""

    __slots__ = ("row", "doc_row", "start", "end", "text", "terms", "words", "spans")

    def __init__(self, *, row: int, doc_row: int, start: int, end: int, text: str,
                 terms: list[str], words: frozenset[str], spans: tuple[TypedSpan, ...]) -> None:
        self.row, self.doc_row, self.start, self.end = row, doc_row, start, end
        self.text, self.terms, self.words, self.spans = text, terms, words, spans
