"""The searcher: one place that turns a ``Query`` into ranked, cited passages."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from index.budget import Budget, checkpoint
from index.encoders import Encoder
from index.langid import load_profiles
from index.records import Document, Passage
from index.retrieval import RowFilter
from index.store import IndexStore
from search.candidates import CANDIDATES_PER_RETRIEVER, Candidates, bm25_top, gather
from search.context import FacetTally, SearchContext
from search.matches import LexicalMatches, Matches
from search.query import Query
from search.question import Question
from search.rankers import DEFAULT_RANKER, Ranker, make_ranker
from search.understand import Understood, understand

EMBED_THREADS = 1  # the encoder serves one call at a time: more threads would only wait
# BM25 ranks prepared for the ranker while the query is embedded, at most: of the dense top
# 50's passages outside the BM25 top 50, ranks 51-200 hold 41% and 51-400 55% (FacQA valid
# questions at a million passages); preparation stops as soon as the vector is ready.
PREPARE_DEPTH = 300


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    passage: Passage
    document: Document
    row: int  # the passage's global row in the generation (vectors, sentences)


@dataclass
class SearchResult:
    query: Query
    understood: Understood
    hits: list[Hit]
    took_ms: float
    ctx: SearchContext
    # Work per stage (understand, encode, retrieve, fuse). An unseen query's encoder runs
    # beside the BM25 side (retrieve) and the ranker's preparation (fuse): stages then
    # overlap and can sum to more than ``took_ms``.
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None
    total: int = 0  # matching passages (``search.matches``)
    matching_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    facet_tally: FacetTally | None = None  # their documents' facets, when counted already
    empty_reason: str | None = None  # why ``hits`` is empty, naming the filter that did it

    @property
    def question(self) -> Question:
        return self.understood.question

    @property
    def query_lang(self) -> str:
        return self.question.lang

    def facets(self) -> dict[str, list[tuple[str | None, int]]]:
        """Documents holding a matching passage, counted by source, year and language."""
        tally = self.facet_tally
        if tally is None:
            tally = self.ctx.tally(self.matching_rows)
        return tally.facets()


class QueryVectorCache:
    """Bounded LRU of query embeddings: a repeated query is never embedded twice."""

    def __init__(self, maxsize: int = 2048) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            vec = self._items.get(key)
            if vec is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return vec

    def put(self, key: str, vec: np.ndarray) -> None:
        with self._lock:
            self._items[key] = vec
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)


class Searcher:
    """Searches the live generation of an index; picks up new generations without restart."""

    def __init__(
        self, store: IndexStore, encoder: Encoder, *, ranker: str | Ranker = DEFAULT_RANKER,
        cache_size: int = 2048, translate: bool = True,
    ) -> None:
        self.store = store
        self.translate = translate  # English query words become Indonesian BM25 terms
        self.encoder = encoder
        self.ranker = (make_ranker(ranker, encoder_id=encoder.id) if isinstance(ranker, str)
                       else ranker)
        self.cache = QueryVectorCache(cache_size)
        # Queries are embedded here while the request's thread does the lexical side.
        self._embedder = ThreadPoolExecutor(EMBED_THREADS, thread_name_prefix="embed")
        self._ctx: SearchContext | None = None
        self._load_lock = threading.Lock()

    @property
    def loaded(self) -> SearchContext | None:
        """The context opened last, without looking for a newer generation (or None)."""
        return self._ctx

    @property
    def context(self) -> SearchContext:
        """The current generation's context, rebuilt when a writer switched CURRENT (segments
        already open are reused). While another thread opens a new generation, queries go on
        with the one already open rather than wait (the writer opens it before it answers)."""
        gen = self.store.current_generation()
        ctx = self._ctx
        if ctx is not None and ctx.generation == gen:
            return ctx
        if ctx is None:
            self._load_lock.acquire()
        elif not self._load_lock.acquire(blocking=False):
            return ctx
        try:
            ctx = self._ctx
            if ctx is None or ctx.generation != self.store.current_generation():
                data = self.store.load(expected_encoder=self.encoder.id,
                                       previous=ctx.data if ctx else None)
                ctx = self._ctx = SearchContext(data)
            return ctx
        finally:
            self._load_lock.release()

    def warm(self) -> None:
        """Load, ahead of traffic, what the first long or English question would otherwise
        load in its request: langdetect's profiles and the current generation's lexicon."""
        load_profiles()
        self.context.warm()

    def embed_query(self, text: str) -> np.ndarray:
        vec = self.cache.get(text)
        return self._embed(text) if vec is None else vec

    def _embed(self, text: str) -> np.ndarray:
        vec: np.ndarray = self.encoder.encode_queries([text])[0]
        self.cache.put(text, vec)
        return vec

    def _timed_embed(self, text: str) -> tuple[np.ndarray, float]:
        t = time.perf_counter()
        return self._embed(text), (time.perf_counter() - t) * 1000

    def _prepare(
        self, ctx: SearchContext, question: Question, lexical: np.ndarray,
        where: RowFilter | None, embedding: Future[tuple[np.ndarray, float]],
    ) -> np.ndarray:
        """While the query is embedded: the ranker's inputs for the BM25 top list, then for
        deeper BM25 ranks until the vector is ready (the dense list is unknown until then,
        but many of its passages rank there). Returns the top list ``gather`` takes."""
        deep = bm25_top(ctx.data, lexical, where, PREPARE_DEPTH)
        top = deep[:CANDIDATES_PER_RETRIEVER]  # a top list is a prefix of a longer one
        ctx.data.will_read(deep)
        self.ranker.prepare(top, ctx=ctx, question=question)
        self.ranker.prepare(deep[len(top):], ctx=ctx, question=question, stop=embedding.done)
        return top

    def search(self, query: Query, budget: Budget | None = None) -> SearchResult:
        """Ranked passages; with a ``budget``, stops between steps once it is spent."""
        t0 = time.perf_counter()
        ctx = self.context
        understood = understand(query.read_text, ctx, translate=self.translate)
        question = understood.question
        timings: dict[str, float] = {"understand": (time.perf_counter() - t0) * 1000}

        checkpoint(budget, "encoding the query")
        qvec = self.cache.get(understood.text) if query.mode in ("hybrid", "dense") else None
        embedding = (self._embedder.submit(self._timed_embed, understood.text)
                     if qvec is None and query.mode in ("hybrid", "dense") else None)
        try:
            # While the encoder runs (for a short query on one core: ``index.encoders``),
            # this thread scores BM25 — in every mode: a passage sharing a term with the
            # query matches it — and readies what comes after the dense list.
            t = time.perf_counter()
            lexical = ctx.data.lexical.scores(question.weights)
            where = ctx.where(query.filters)
            matched = LexicalMatches.of(ctx.data, lexical, ctx.mask_of(where))
            lexical_rows = tally = None
            if embedding is not None:
                tally = ctx.tally(matched.rows)  # the facets, but for the dense list's own
            timings["retrieve"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            local = ctx.data.retriever.name == "local"  # Milvus ranks BM25 itself
            if embedding is not None and query.mode == "hybrid" and local:
                lexical_rows = self._prepare(ctx, question, lexical, where, embedding)
            timings["fuse"] = (time.perf_counter() - t) * 1000
            timings["encode"] = 0.0
            if embedding is not None:
                qvec, timings["encode"] = embedding.result()
        finally:
            if embedding is not None:
                embedding.cancel()  # not started yet: never will be (a failed request)

        checkpoint(budget, "retrieval")
        t = time.perf_counter()
        first = gather(ctx.data, query_vector=qvec, weights=question.weights, where=where,
                       lexical=lexical, lexical_rows=lexical_rows)
        if embedding is not None:  # the dense list's passages, mostly never read yet
            ctx.data.will_read(first.rows[first.in_dense])
        matches = Matches(
            ctx.data, first=first, lexical=lexical, matched=matched, query_vector=qvec,
            score=lambda c: self._score(c, query=query, ctx=ctx, question=question,
                                        query_vector=qvec),
        )
        if tally is not None:  # begun while the query was embedded: add the dense list's own
            tally.add(matches.dense_only)
        timings["retrieve"] += (time.perf_counter() - t) * 1000

        checkpoint(budget, "ranking")
        t = time.perf_counter()
        stop = query.offset + query.k
        if query.sort == "date":
            rows, scores = matches.by_date(query.offset, stop, ctx.doc_first_day)
        else:
            rows, scores = matches.by_relevance(query.offset, stop)
        hits = []
        for i, (row, score) in enumerate(zip(rows.tolist(), scores.tolist(), strict=True)):
            hits.append(Hit(rank=query.offset + i + 1, score=float(score),
                            passage=ctx.data.passage(row), row=row,
                            document=ctx.data.document_at(int(ctx.data.passage_doc_rows[row]))))
        timings["fuse"] += (time.perf_counter() - t) * 1000
        return SearchResult(
            query=query, understood=understood, hits=hits, ctx=ctx,
            took_ms=(time.perf_counter() - t0) * 1000, timings_ms=timings, query_vector=qvec,
            total=matches.total, matching_rows=matches.rows,
            facet_tally=tally,
            empty_reason=None if hits else why_empty(query, ctx, matches.total),
        )

    def _score(
        self, cands: Candidates, *, query: Query, ctx: SearchContext, question: Question,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        if len(cands) == 0:
            return np.zeros(0, np.float32)
        if query.mode == "dense":
            return cands.dense
        if query.mode == "bm25":
            return cands.lexical
        return self.ranker.score(cands, ctx=ctx, question=question, query_vector=query_vector)


def why_empty(query: Query, ctx: SearchContext, total: int) -> str:
    """Why a search returned nothing, naming the filter that emptied it where one did."""
    if total and query.offset >= total:
        return f"offset {query.offset} is past the last result ({total} in all)"
    if ctx.data.n_passages == 0:
        return "the index holds no passage"
    if not query.filters.empty:
        reason = ctx.why_empty(query.filters)
        if reason:
            return reason
    inside = "" if query.filters.empty else " inside the filters"
    return (f"no passage{inside} contains a word of the query (mode=bm25 matches words; "
            "mode=hybrid also finds passages close in meaning)")
