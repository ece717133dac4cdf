"""The searcher: one place that turns a ``Query`` into ranked, cited passages."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from index.encoders import Encoder
from index.langid import detect_language
from index.records import Document, Passage
from index.store import IndexStore
from search.candidates import Candidates, gather
from search.context import SearchContext
from search.query import Query
from search.question import Question, parse_question
from search.rankers import DEFAULT_RANKER, Ranker, make_ranker


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
    question: Question
    hits: list[Hit]
    took_ms: float
    ctx: SearchContext
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None

    @property
    def query_lang(self) -> str:
        return self.question.lang


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
        cache_size: int = 2048,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.ranker = (make_ranker(ranker, encoder_id=encoder.id) if isinstance(ranker, str)
                       else ranker)
        self.cache = QueryVectorCache(cache_size)
        self._ctx: SearchContext | None = None
        self._load_lock = threading.Lock()

    @property
    def context(self) -> SearchContext:
        """The current generation's context, rebuilt when a writer switched CURRENT (segments
        already open are reused)."""
        gen = self.store.current_generation()
        ctx = self._ctx
        if ctx is not None and ctx.generation == gen:
            return ctx
        with self._load_lock:
            ctx = self._ctx
            if ctx is None or ctx.generation != self.store.current_generation():
                data = self.store.load(expected_encoder=self.encoder.id,
                                       previous=ctx.data if ctx else None)
                ctx = self._ctx = SearchContext(data)
            return ctx

    def embed_query(self, text: str) -> np.ndarray:
        vec = self.cache.get(text)
        if vec is None:
            vec = self.encoder.encode_queries([text])[0]
            self.cache.put(text, vec)
        return vec

    def search(self, query: Query) -> SearchResult:
        t0 = time.perf_counter()
        ctx = self.context
        question = parse_question(query.text, detect_language(query.text))
        timings: dict[str, float] = {}

        t = time.perf_counter()
        qvec = self.embed_query(query.text) if query.mode in ("hybrid", "dense") else None
        timings["encode"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        weights = question.weights if query.mode in ("hybrid", "bm25") else None
        cands = gather(ctx.data, query_vector=qvec, weights=weights,
                       where=ctx.where(query.filters))
        timings["retrieve"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        scores = self._score(cands, query=query, ctx=ctx, question=question, query_vector=qvec)
        order = np.lexsort((cands.rows, -scores))[:query.k]  # ties: lower passage row first
        hits = []
        for i, j in enumerate(order):
            row = int(cands.rows[j])
            passage = ctx.data.passage(row)
            hits.append(Hit(rank=i + 1, score=float(scores[j]), passage=passage,
                            document=ctx.data.document_at(int(ctx.data.passage_doc_rows[row])),
                            row=row))
        timings["fuse"] = (time.perf_counter() - t) * 1000
        return SearchResult(
            query=query, question=question, hits=hits, ctx=ctx,
            took_ms=(time.perf_counter() - t0) * 1000, timings_ms=timings, query_vector=qvec,
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
