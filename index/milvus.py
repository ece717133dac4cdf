"""Milvus as the store backend (``TELUSUR_STORE=milvus``): one collection per index.

What Milvus owns, per passage: the dense vector (its ANN index), a BM25 sparse vector made by
a Milvus ``Function`` from an analysed text field (full-text search), and the filter fields
(doc_id, lang, source, first/last publication day, page). Those are what grow with the
archive and must be searched, and what a Milvus cluster shards across machines.

What stays in the local segments (``index.segments``): document texts and metadata, the
passage and sentence tables, sentence vectors, float16 passage vectors and BM25 postings.
After retrieval, the ranker and the answer step read ~100 candidates' vectors, sentences and
terms; local files (read by rows, ``index.files``) serve that fastest and leave the answer
step unchanged, and merges rebuild segments without a round-trip to the server. The
segments simply carry no FAISS index (``vector_index: "external"``).

Identity: a passage's key is ``<content hash[:20]>:<ordinal>``. It survives segment merges
(global rows do not) and changes when a document's content does, so a write inserts the new
keys *before* the generation switches and deletes the dropped ones *after*: a crash in
between leaves only keys the current generation does not list, which search ignores and the
next write deletes.

Analyser: the text field holds our own BM25 terms (``index.text.terms``: stop words dropped,
Indonesian Snowball stems, numbers whole), so Milvus indexes exactly the terms the local
store does. Milvus' ``standard`` tokenizer (milvus-lite offers ``standard`` and ``jieba``)
keeps a letters-only stem as one token but splits ``1.000`` at the separator, so separators
inside numbers are written as ``_`` (one token). A query term of weight w is repeated w times
(Milvus counts query term frequency). BM25 uses k1=1.2, b=0.75 as ours; Milvus scores carry
the classic (k1 + 1) factor that ours (bm25s' default) leaves out, so they are divided by it,
and milvus-lite returns them negated, so their absolute value is used.
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.lexical import K1, B
from index.retrieval import Retrieved, RowFilter, retrieved

if TYPE_CHECKING:
    from index.generation import IndexData
    from index.segments import SegmentParts

log = logging.getLogger(__name__)

KEY_HASH_CHARS = 20
MAX_TEXT = 65_535  # Milvus VARCHAR limit (bytes); longer term lists are cut (logged)
INSERT_BATCH = 2_000
# HNSW in Milvus, same graph settings as the local index (index.vectors).
DENSE_INDEX = {"index_type": "HNSW", "metric_type": "IP",
               "params": {"M": 32, "efConstruction": 80}}
DENSE_SEARCH = {"metric_type": "IP", "params": {"ef": 256}}
_CLIENTS: dict[str, Any] = {}
_CLIENTS_LOCK = threading.Lock()


class MilvusError(RuntimeError):
    """Milvus is not installed, not reachable, or lacks this index's collection."""


def client(uri: str) -> Any:
    """One ``MilvusClient`` per URI per process (a Milvus Lite file has one owner)."""
    with _CLIENTS_LOCK:
        if uri not in _CLIENTS:
            try:
                from pymilvus import MilvusClient
            except ImportError as exc:  # pragma: no cover - a dependency of the package
                raise MilvusError("pymilvus is not installed: pip install pymilvus") from exc
            # Milvus Lite's in-process gRPC server keeps gRPC's default ping policy (one per
            # 5 minutes, none without calls), while pymilvus pings every 10 s even when idle:
            # after half a minute idle the server answers "too many pings" and drops the
            # channel. Against a file, ping only as the server allows.
            options = ({"grpc_options": {"grpc.keepalive_time_ms": 300_000,
                                         "grpc.keepalive_permit_without_calls": 0}}
                       if uri.endswith(".db") else {})
            try:
                _CLIENTS[uri] = MilvusClient(uri, **options)
            except Exception as exc:  # noqa: BLE001 - any connection failure, one message
                raise MilvusError(f"cannot connect to Milvus at {uri!r}: {exc}") from exc
        return _CLIENTS[uri]


def close_clients() -> None:
    with _CLIENTS_LOCK:
        for c in _CLIENTS.values():
            c.close()
        _CLIENTS.clear()


def new_collection_name() -> str:
    return f"telusur_{uuid.uuid4().hex[:16]}"


def passage_key(content_hash: str, ordinal: int) -> str:
    return f"{content_hash[:KEY_HASH_CHARS]}:{ordinal}"


def milvus_tokens(terms: Iterable[str]) -> str:
    """Our BM25 terms as text that Milvus' standard tokenizer splits back into them."""
    return " ".join(t.replace(".", "_").replace(",", "_") for t in terms)


def query_text(weights: Mapping[str, float]) -> str:
    """Weighted query terms as text: a term of weight w appears round(w) times (at least
    once; our query weights are term counts)."""
    return " ".join(milvus_tokens([t] * max(1, round(w))) for t, w in weights.items() if w > 0)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expression(where: RowFilter | None) -> str:
    """A Milvus boolean expression for ``where`` ("" when nothing is filtered)."""
    if where is None or where.empty:
        return ""
    parts = []
    if where.doc_ids:
        parts.append(f"doc_id in [{', '.join(map(_quote, where.doc_ids))}]")
    if where.sources:
        parts.append(f"source in [{', '.join(_quote(s.casefold()) for s in where.sources)}]")
    if where.lang:
        parts.append(f"lang == {_quote(where.lang)}")
    if where.day_from is not None:
        parts.append(f"last_day >= {int(where.day_from)}")
    if where.day_to is not None:
        parts.append(f"(first_day >= 0 and first_day <= {int(where.day_to)})")
    return " and ".join(parts)


class MilvusPassages:
    """One index's collection: create, insert, delete by document, search."""

    def __init__(self, uri: str, collection: str, dim: int) -> None:
        self.uri = uri
        self.collection = collection
        self.dim = dim
        self._client = client(uri)

    def exists(self) -> bool:
        return bool(self._client.has_collection(self.collection))

    def create(self) -> None:
        from pymilvus import DataType, Function, FunctionType

        c = self._client
        s = c.create_schema(auto_id=False, enable_dynamic_field=False)
        s.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
        s.add_field("doc_key", DataType.VARCHAR, max_length=64)
        s.add_field("doc_id", DataType.VARCHAR, max_length=1024)
        s.add_field("lang", DataType.VARCHAR, max_length=16)
        s.add_field("source", DataType.VARCHAR, max_length=512)
        s.add_field("first_day", DataType.INT64)
        s.add_field("last_day", DataType.INT64)
        s.add_field("page", DataType.INT64)
        s.add_field("text", DataType.VARCHAR, max_length=MAX_TEXT, enable_analyzer=True,
                    analyzer_params={"tokenizer": "standard"})
        s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        s.add_field("dense", DataType.FLOAT_VECTOR, dim=self.dim)
        s.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                input_field_names=["text"], output_field_names=["sparse"]))
        ip = c.prepare_index_params()
        ip.add_index("dense", **DENSE_INDEX)
        ip.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                     params={"bm25_k1": K1, "bm25_b": B})
        c.create_collection(self.collection, schema=s, index_params=ip)

    def load(self) -> None:
        """Load the collection for search (a reopened collection starts released)."""
        state = self._client.get_load_state(self.collection)
        if "Loaded" not in str(state.get("state", "")):
            self._client.load_collection(self.collection)

    def drop(self) -> None:
        if self.exists():
            self._client.drop_collection(self.collection)

    def count(self) -> int:
        stats = self._client.get_collection_stats(self.collection)
        return int(stats.get("row_count", 0))

    def insert_documents(self, parts: SegmentParts, hashes: Sequence[str],
                         wanted: set[str]) -> int:
        """Insert the passages of ``parts``' documents whose hash is in ``wanted``."""
        from index.columns import published_days
        from index.text import terms

        rows: list[dict[str, Any]] = []
        table = np.asarray(parts.passages)
        first = np.searchsorted(table[:, 0], table[:, 0], side="left")
        take = np.flatnonzero([hashes[int(d)] in wanted for d in table[:, 0]])
        if not len(take):
            return 0
        vecs = parts.vectors.vectors(take)
        for i, r in enumerate(take):
            d, s, e = (int(x) for x in table[r])
            doc = parts.documents[d]
            text = milvus_tokens(terms(doc.text[s:e]))
            if len(text.encode("utf-8")) > MAX_TEXT:
                log.warning("passage %s#%d: BM25 text cut to %d bytes", doc.id, r - first[r],
                            MAX_TEXT)
                text = text.encode("utf-8")[:MAX_TEXT].decode("utf-8", "ignore")
            first_day, last_day = published_days(doc.published)
            rows.append({
                "pk": passage_key(hashes[d], int(r - first[r])),
                "doc_key": hashes[d][:KEY_HASH_CHARS], "doc_id": doc.id,
                "lang": doc.lang or "", "source": (doc.source or "").casefold(),
                "first_day": first_day, "last_day": last_day, "page": doc.page_at(s) or 0,
                "text": text, "dense": vecs[i].astype(np.float32).tolist(),
            })
            if len(rows) >= INSERT_BATCH:
                self._client.insert(self.collection, rows)
                rows = []
        if rows:
            self._client.insert(self.collection, rows)
        return len(take)

    def delete_documents(self, hashes: Iterable[str]) -> None:
        keys = sorted({h[:KEY_HASH_CHARS] for h in hashes})
        for i in range(0, len(keys), 500):
            batch = ", ".join(map(_quote, keys[i:i + 500]))
            self._client.delete(self.collection, filter=f"doc_key in [{batch}]")

    def document_keys(self) -> set[str]:
        """Every document key the collection holds (a sweep after a crashed write)."""
        out: set[str] = set()
        it = self._client.query_iterator(self.collection, batch_size=4096,
                                         output_fields=["doc_key"])
        try:
            while batch := it.next():
                out.update(r["doc_key"] for r in batch)
        finally:
            it.close()
        return out

    def dense(self, query: np.ndarray, k: int, expr: str) -> list[tuple[str, float]]:
        got = self._client.search(
            self.collection, data=[np.asarray(query, np.float32).tolist()], anns_field="dense",
            limit=k, filter=expr, search_params=DENSE_SEARCH, output_fields=["pk"])
        return [(h["pk"], float(h["distance"])) for h in got[0]]

    def lexical(self, text: str, k: int, expr: str) -> list[tuple[str, float]]:
        if not text or k <= 0:
            return []
        got = self._client.search(
            self.collection, data=[text], anns_field="sparse", limit=k, filter=expr,
            search_params={"metric_type": "BM25"}, output_fields=["pk"])
        return [(h["pk"], abs(float(h["distance"])) / (K1 + 1.0)) for h in got[0]]


class MilvusRetriever:
    """``Retriever`` over a Milvus collection; keys are mapped back to the generation's rows
    (keys this generation does not list are dropped)."""

    name = "milvus"

    def __init__(self, data: IndexData, passages: MilvusPassages) -> None:
        self.data = data
        self.passages = passages
        self._doc_rows: dict[str, int] | None = None
        self._hashes: list[str] = []
        self._lock = threading.Lock()

    def _key_rows(self) -> dict[str, int]:
        with self._lock:
            if self._doc_rows is None:
                self._hashes = [h for s in self.data.segments for h in s.hashes]
                self._doc_rows = {self._hashes[int(r)][:KEY_HASH_CHARS]: int(r)
                                  for r in np.flatnonzero(self.data.doc_live)}
            return self._doc_rows

    def _keys_expr(self, rows: np.ndarray) -> str:
        self._key_rows()
        data = self.data
        keys = [passage_key(self._hashes[int(data.passage_doc_rows[int(r)])],
                            int(data.passage_ordinals[int(r)])) for r in rows]
        return f"pk in [{', '.join(map(_quote, keys))}]"

    def rows_of(self, hits: list[tuple[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of the hits whose key is live in this generation."""
        docs = self._key_rows()
        pdr = self.data.passage_doc_rows
        rows, scores = [], []
        for pk, score in hits:
            key, _, ordinal = pk.rpartition(":")
            doc_row = docs.get(key)
            if doc_row is None:
                continue
            lo = int(np.searchsorted(pdr, doc_row, side="left"))
            rows.append(lo + int(ordinal))
            scores.append(score)
        return np.asarray(rows, dtype=np.int64), np.asarray(scores, dtype=np.float32)

    def gather(
        self, *, query_vector: np.ndarray | None, weights: Mapping[str, float] | None,
        where: RowFilter | None, k: int, lexical: np.ndarray | None = None,
        lexical_rows: np.ndarray | None = None,
    ) -> Retrieved:
        del lexical, lexical_rows  # Milvus scores BM25 itself
        expr = expression(where)
        dense_rows = np.zeros(0, np.int64)
        lex_rows = np.zeros(0, np.int64)
        lex_scores = np.zeros(0, np.float32)
        text = query_text(weights) if weights else ""
        if query_vector is not None:
            dense_rows, _ = self.rows_of(self.passages.dense(query_vector, k, expr))
        if text:
            lex_rows, lex_scores = self.rows_of(self.passages.lexical(text, k, expr))
        rows = np.unique(np.concatenate([dense_rows, lex_rows]))
        if not len(rows):
            return Retrieved.empty()
        lexical = None
        if text:
            lexical = np.zeros(len(rows), np.float32)
            lexical[np.searchsorted(rows, lex_rows)] = lex_scores
            rest = rows[~np.isin(rows, lex_rows)]
            if len(rest):  # BM25 of dense-only candidates: the same search, on their keys
                got_rows, got = self.rows_of(self.passages.lexical(
                    text, len(rest), self._keys_expr(rest)))
                lexical[np.searchsorted(rows, got_rows)] = got
        return retrieved(self.data, rows, dense_rows, lex_rows, query_vector, lexical)



def _live_hashes(
    seg_dir: Path, segments: Sequence[Mapping[str, Any]], new: Mapping[str, SegmentParts],
) -> set[str]:
    from index.segments import read_keys

    out: set[str] = set()
    for s in segments:
        parts = new.get(s["name"])
        hashes = parts.hashes if parts is not None else read_keys(seg_dir / s["name"])[1]
        deleted = {int(r) for r in s["deleted"]}
        out.update(h for r, h in enumerate(hashes) if r not in deleted)
    return out


def sync_before(
    ext: MilvusPassages, seg_dir: Path, *, segments: Sequence[Mapping[str, Any]],
    new: Mapping[str, SegmentParts], previous: Mapping[str, Any] | None, pending: Path,
) -> set[str]:
    """Insert the documents a new generation adds, before it is switched in, and return the
    hashes it drops (to delete after the switch). ``pending`` records the inserted keys
    until the switch, so keys of a write that crashed in between are cleaned up by the next.
    """
    if not ext.exists():
        ext.create()
    same = previous is not None and previous.get("store") == {
        "kind": "milvus", "collection": ext.collection}
    old = _live_hashes(seg_dir, previous["segments"], {}) if same and previous else set()
    live = _live_hashes(seg_dir, segments, new)
    stale: set[str] = set()
    if pending.exists():
        try:
            stale = set(json.loads(pending.read_text(encoding="utf-8")))
        except ValueError:
            stale = set()
    adds = live - old
    pending.write_text(json.dumps(sorted(adds | stale)), encoding="utf-8")
    ext.delete_documents(stale & adds)  # a crashed try inserted them already
    for parts in new.values():
        ext.insert_documents(parts, parts.hashes, adds)
    return (old - live) | (stale - live)
