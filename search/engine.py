"""The searcher: one place that turns a query into ranked, cited passages."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from index.encoders import Encoder
from index.langid import detect_language
from index.records import Document, Passage
from index.store import IndexData, IndexStore
from search.candidates import Candidates, allowed_rows, gather
from search.ranking import HybridRanker, load_ranker

MODES = ("hybrid", "dense", "bm25")


class QueryError(ValueError):
    """A query parameter is invalid; ``field`` names it."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class Hit:
    rank: int
    score: float
    passage: Passage
    document: Document
    row: int  # the passage's row in IndexData (vectors, sentences)


@dataclass
class SearchResult:
    query: str
    query_lang: str
    mode: str
    hits: list[Hit]
    took_ms: float
    timings_ms: dict[str, float] = field(default_factory=dict)
    query_vector: np.ndarray | None = None
    data: IndexData | None = None


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

    def __len__(self) -> int:
        return len(self._items)


class Searcher:
    """Searches the live generation of an index; picks up new generations without restart."""

    def __init__(
        self, store: IndexStore, encoder: Encoder, *, ranker: HybridRanker | None = None,
        cache_size: int = 2048,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.ranker = ranker or load_ranker()
        self.cache = QueryVectorCache(cache_size)
        self._data: IndexData | None = None
        self._load_lock = threading.Lock()

    @property
    def data(self) -> IndexData:
        """The current generation, reloaded when another process switched CURRENT."""
        gen = self.store.current_generation()
        data = self._data
        if data is not None and data.generation == gen:
            return data
        with self._load_lock:
            if self._data is None or self._data.generation != self.store.current_generation():
                self._data = self.store.load(expected_encoder=self.encoder.id)
            return self._data

    def embed_query(self, query: str) -> np.ndarray:
        vec = self.cache.get(query)
        if vec is None:
            vec = self.encoder.encode_queries([query])[0]
            self.cache.put(query, vec)
        return vec

    def search(
        self, query: str, *, k: int = 10, mode: str = "hybrid", lang: str | None = None,
    ) -> SearchResult:
        if mode not in MODES:
            raise QueryError("mode", f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
        t0 = time.perf_counter()
        data = self.data
        query_lang = detect_language(query)
        timings: dict[str, float] = {}

        t = time.perf_counter()
        qvec = self.embed_query(query) if mode in ("hybrid", "dense") else None
        timings["encode"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        lexical = data.lexical.scores(query) if mode in ("hybrid", "bm25") else None
        cands = gather(
            data, query_vector=qvec, lexical_scores=lexical, allowed=allowed_rows(data, lang)
        )
        timings["retrieve"] = (time.perf_counter() - t) * 1000

        t = time.perf_counter()
        scores = self._score(cands, mode=mode, data=data, query=query, query_lang=query_lang,
                             query_vector=qvec)
        order = np.lexsort((cands.rows, -scores))[:k]  # ties: lower passage row first
        hits = [
            Hit(
                rank=i + 1, score=float(scores[j]), passage=data.passages[cands.rows[j]],
                document=data.documents[data.passage_doc_rows[cands.rows[j]]],
                row=int(cands.rows[j]),
            )
            for i, j in enumerate(order)
        ]
        timings["fuse"] = (time.perf_counter() - t) * 1000
        return SearchResult(
            query=query, query_lang=query_lang, mode=mode, hits=hits,
            took_ms=(time.perf_counter() - t0) * 1000, timings_ms=timings,
            query_vector=qvec, data=data,
        )

    def _score(
        self, cands: Candidates, *, mode: str, data: IndexData, query: str, query_lang: str,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        if len(cands) == 0:
            return np.zeros(0, np.float32)
        if mode == "dense":
            return cands.dense
        if mode == "bm25":
            return cands.lexical
        return self.ranker.score(
            cands, data=data, query=query, query_lang=query_lang, query_vector=query_vector
        )
