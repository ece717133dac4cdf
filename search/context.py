"""Query-independent values of one index generation, computed on first use and kept.

A ``SearchContext`` is made once per generation (``search.engine.Searcher`` swaps it when the
index changes), and every query-time step reads passages, sentences, their terms and typed
spans through it — the only cache of derived values at query time.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property, lru_cache

import numpy as np

from index.generation import IndexData
from index.lexicon import DEFAULT_MAX_WORDS, InducedLexicon, candidates, match
from index.text import lower_words, terms
from index.wordvectors import shipped_english_vectors
from search.normalize import Speller
from search.query import Filters
from search.spans import TypedSpan, typed_spans

ROW_CACHE = 65_536  # derived values kept per generation, per kind (bounded for big indexes)
_EPOCH = dt.date(1970, 1, 1)


def _day(published: str | None) -> tuple[int, int]:
    """The first and last day a publication date may mean (a year means the whole year),
    as days since 1970; (-1, -1) when unknown."""
    if not published:
        return -1, -1
    try:
        if len(published) == 4:
            y = int(published)
            return ((dt.date(y, 1, 1) - _EPOCH).days, (dt.date(y, 12, 31) - _EPOCH).days)
        d = (dt.date.fromisoformat(published[:10]) - _EPOCH).days
        return d, d
    except ValueError:
        return -1, -1


class SearchContext:
    def __init__(self, data: IndexData) -> None:
        self.data = data
        self.generation = data.generation
        self.passage_terms = lru_cache(maxsize=ROW_CACHE)(self._passage_terms)
        self.passage_spans = lru_cache(maxsize=ROW_CACHE)(self._passage_spans)
        self.sentence_rows = lru_cache(maxsize=ROW_CACHE)(data.sentence_rows)
        self.sentence = lru_cache(maxsize=ROW_CACHE)(self._sentence)
        meta = data.doc_meta
        self._doc_source = np.array([(m.get("source") or "").casefold() for m in meta],
                                    dtype=object)
        days = np.array([_day(m.get("published")) for m in meta], dtype=np.int64).reshape(-1, 2)
        self._doc_first_day, self._doc_last_day = days[:, 0], days[:, 1]

    # ---- query understanding ------------------------------------------------------------
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
    def _passage_terms(self, row: int) -> list[str]:
        """BM25 terms of a passage."""
        return terms(self.data.passage(row).text)

    def _passage_spans(self, row: int) -> list[tuple[str, frozenset[str]]]:
        """Typed spans of a passage as (kind, lower-cased words)."""
        text = self.data.passage(row).text
        return [(s.kind, lower_words(text[s.start:s.end])) for s in typed_spans(text)]

    # ---- sentences ---------------------------------------------------------------------------
    def _sentence(self, row: int) -> Sentence:
        doc_row, start, end = (int(x) for x in self.data.sentences[row])
        text = self.data.document_at(doc_row).text[start:end]
        return Sentence(row=row, doc_row=doc_row, start=start, end=end, text=text,
                        terms=terms(text), words=lower_words(text), spans=typed_spans(text))

    # ---- filters -----------------------------------------------------------------------------
    def allowed(self, filters: Filters) -> np.ndarray | None:
        """A mask over passage rows of what ``filters`` keep (None: no filter), computed with
        array operations over per-document columns (no loop over passages)."""
        if filters.empty:
            return None
        data = self.data
        keep = data.doc_live.copy()
        if filters.docs:
            wanted = np.zeros(len(keep), dtype=bool)
            for doc_id in filters.docs:
                row = data.doc_rows.get(doc_id)
                if row is not None:
                    wanted[row] = True
            keep &= wanted
        if filters.sources:
            keep &= np.isin(self._doc_source, [s.casefold() for s in filters.sources])
        if filters.date_from:
            keep &= self._doc_last_day >= (filters.date_from - _EPOCH).days
        if filters.date_to:
            first = self._doc_first_day
            keep &= (first >= 0) & (first <= (filters.date_to - _EPOCH).days)
        mask: np.ndarray = keep[data.passage_doc_rows]
        if filters.lang:
            mask &= data.passage_lang == filters.lang
        return mask


class Sentence:
    """One stored sentence with what scoring needs of it."""

    __slots__ = ("row", "doc_row", "start", "end", "text", "terms", "words", "spans")

    def __init__(self, *, row: int, doc_row: int, start: int, end: int, text: str,
                 terms: list[str], words: frozenset[str], spans: tuple[TypedSpan, ...]) -> None:
        self.row, self.doc_row, self.start, self.end = row, doc_row, start, end
        self.text, self.terms, self.words, self.spans = text, terms, words, spans
