"""Query-independent values of one index generation, computed on first use and kept.

A ``SearchContext`` is made once per generation (``search.engine.Searcher`` swaps it when the
index changes), and every query-time step reads passages, sentences, their terms and typed
spans through it — the only cache of derived values at query time.
"""

from __future__ import annotations

from functools import lru_cache

from index.columns import day_number
from index.generation import IndexData
from index.retrieval import RowFilter
from index.text import lower_words, terms
from search.query import Filters
from search.spans import TypedSpan, typed_spans

ROW_CACHE = 65_536  # derived values kept per generation, per kind (bounded for big indexes)


class SearchContext:
    def __init__(self, data: IndexData) -> None:
        self.data = data
        self.generation = data.generation
        self.passage_terms = lru_cache(maxsize=ROW_CACHE)(self._passage_terms)
        self.passage_spans = lru_cache(maxsize=ROW_CACHE)(self._passage_spans)
        self.sentence_rows = lru_cache(maxsize=ROW_CACHE)(data.sentence_rows)
        self.sentence = lru_cache(maxsize=ROW_CACHE)(self._sentence)

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


class Sentence:
    """One stored sentence with what scoring needs of it."""

    __slots__ = ("row", "doc_row", "start", "end", "text", "terms", "words", "spans")

    def __init__(self, *, row: int, doc_row: int, start: int, end: int, text: str,
                 terms: list[str], words: frozenset[str], spans: tuple[TypedSpan, ...]) -> None:
        self.row, self.doc_row, self.start, self.end = row, doc_row, start, end
        self.text, self.terms, self.words, self.spans = text, terms, words, spans
