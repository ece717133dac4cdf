"""The build pipeline: read -> clean -> chunk -> embed -> store, incremental by content hash.

A write embeds only the documents that are new or changed, writes them as one new segment and
marks replaced and removed documents deleted; segments are merged in size tiers, so a write's
cost follows what it writes (plus, now and then, a merge of similar-sized segments).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from index.chunking import ChunkerConfig, chunk_spans, sentence_spans
from index.encoders import Encoder
from index.files import load_array
from index.lexical import Postings
from index.milvus import MilvusPassages, new_collection_name
from index.readers import read_documents
from index.records import Document, Passage
from index.segments import SegmentParts, content_hash, merge_segments, passage_terms
from index.store import SEGMENTS, IndexStore, IndexStoreError
from index.vectors import PlainVectors, make_vector_index

log = logging.getLogger(__name__)

# Segments whose live document counts fall in the same power-of-MERGE_FACTOR tier are merged
# once MERGE_FACTOR of them exist: every document is rewritten O(log n) times in all, and a
# search looks at O(log n) segments.
MERGE_FACTOR = 4
# A segment that has lost this share of its documents is rewritten without them.
PURGE_DELETED_SHARE = 0.5


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    generation: str | None = None
    documents: int = 0
    passages: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added", f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged", f"{len(self.removed)} removed",
        ]
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return (
            ", ".join(parts) + f"; index holds {self.documents} documents, "
            f"{self.passages} passages"
        )


def chunk_document(doc: Document, config: ChunkerConfig) -> list[Passage]:
    return [
        Passage(
            id=f"{doc.id}#{i}", doc_id=doc.id, text=doc.text[s:e], char_start=s, char_end=e,
            lang=doc.lang, page=doc.page_at(s),
        )
        for i, (s, e) in enumerate(chunk_spans(doc.text, config))
    ]


def embed_documents(
    docs: Sequence[Document], *, encoder: Encoder, chunker: ChunkerConfig, batch_size: int,
    progress: bool, vector_kind: str = "auto",
) -> SegmentParts:
    """Chunk and embed documents (passages and sentences) into a new segment's parts."""
    passages: list[tuple[int, int, int]] = []
    sentences: list[tuple[int, int, int]] = []
    texts: list[str] = []
    for row, doc in enumerate(docs):
        spans = chunk_spans(doc.text, chunker)
        passages.extend((row, s, e) for s, e in spans)
        texts.extend(doc.text[s:e] for s, e in spans)
    for row, doc in enumerate(docs):
        spans = sentence_spans(doc.text)
        sentences.extend((row, s, e) for s, e in spans)
        texts.extend(doc.text[s:e] for s, e in spans)
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    with tqdm(
        total=len(texts), desc="Embedding", unit="text", disable=not progress or not texts,
        dynamic_ncols=True,
    ) as bar:
        # An encoder that spreads work over machines (index.bulk) takes bigger calls.
        step = max(batch_size, int(getattr(encoder, "call_size", batch_size)))
        for i in range(0, len(texts), step):
            batch = texts[i:i + step]
            vectors[i:i + len(batch)] = encoder.encode_passages(batch, batch_size=batch_size)
            bar.update(len(batch))
    table = np.asarray(passages, dtype=np.int32).reshape(-1, 3)
    index = make_vector_index(encoder.dim, expected_rows=len(table), kind=vector_kind)
    index.add(vectors[:len(table)])
    return SegmentParts(
        documents=list(docs), passages=table,
        sentences=np.asarray(sentences, dtype=np.int32).reshape(-1, 3),
        sentence_vectors=vectors[len(table):], vectors=index,
        postings=Postings.build(passage_terms(docs, table)),
    )


@dataclass
class _Entry:
    """A segment as the next generation will list it."""

    name: str
    documents: int  # rows in the segment
    deleted: set[int]

    @property
    def live(self) -> int:
        return self.documents - len(self.deleted)


@dataclass
class _Plan:
    """What one write will do, decided before anything is embedded."""

    entries: list[_Entry]
    todo: list[Document]
    report: BuildReport


def _plan(
    store: IndexStore, manifest: dict[str, Any] | None, upserts: list[Document],
    removals: Iterable[str], rechunk: bool,
) -> _Plan:
    report = BuildReport()
    segs = store.segment_keys(manifest) if manifest else []
    entries = [_Entry(name, len(ids), deleted) for name, ids, _, deleted in segs]
    if rechunk:  # every stored document goes through the new chunker (new versions win)
        kept = [store.open_segment(e.name) for e in entries]
        stored = [seg.document(r) for seg, e in zip(kept, entries, strict=True)
                  for r in range(seg.n_documents) if r not in e.deleted]
        upserts = list({d.id: d for d in [*stored, *upserts]}.values())
        segs, entries = [], []
    keys = {doc_id: (e, row, h) for (_, ids, hashes, _), e in zip(segs, entries, strict=True)
            for row, (doc_id, h) in enumerate(zip(ids, hashes, strict=True))
            if row not in e.deleted}
    todo = []
    for doc in upserts:
        found = keys.get(doc.id)
        if found is not None and found[2] == content_hash(doc):
            report.unchanged.append(doc.id)
            continue
        (report.updated if found else report.added).append(doc.id)
        if found:
            found[0].deleted.add(found[1])
        todo.append(doc)
    written = set(report.added) | set(report.updated)
    for doc_id in removals:
        found = keys.get(doc_id)
        if found is None or doc_id in written or doc_id in report.removed:
            report.missing.append(doc_id)
            continue
        found[0].deleted.add(found[1])
        report.removed.append(doc_id)
    return _Plan(entries, todo, report)


def apply_changes(
    store: IndexStore, *, encoder: Encoder, upserts: Iterable[Document] = (),
    removals: Iterable[str] = (), rebuild: bool = False,
    chunker: ChunkerConfig | None = None, batch_size: int = 32, progress: bool = True,
    vector_kind: str = "auto",
) -> BuildReport:
    """Add, replace and delete documents, then switch in a new generation atomically.

    Same content -> no change; same id with new content -> replaced; a changed chunker
    configuration re-chunks (and re-embeds) every document.
    """
    with store.write_lock():
        manifest = store.read_manifest() if not rebuild and store.exists() else None
        if manifest is not None:
            store.check_encoder(manifest, encoder.id)
        replaced = _replaced_store(store) if rebuild else None
        store_info = (manifest.get("store") if manifest else None) or (
            {"kind": "milvus", "collection": new_collection_name()}
            if store.backend == "milvus" else {"kind": "local"})
        if store_info["kind"] == "milvus":
            vector_kind = PlainVectors.kind  # Milvus serves the nearest-neighbour search
        stored = ChunkerConfig(**manifest["chunker"]) if manifest else None
        chunker = chunker or stored or ChunkerConfig()
        rechunk = manifest is not None and stored != chunker
        if rechunk:
            log.info("chunker settings changed: re-chunking every document")
        upserts = list({d.id: d for d in upserts}.values())  # one id once: the last wins
        plan = _plan(store, manifest, upserts, removals, rechunk)
        report, entries = plan.report, plan.entries
        if manifest is not None and not report.changed and not rechunk:
            report.generation = store.current_generation()
            report.documents = sum(e.live for e in entries)
            report.passages = _live_passages(store, entries, {})
            return report
        names = store.segment_names()
        new: dict[str, SegmentParts] = {}
        if plan.todo:
            name = next(names)
            new[name] = embed_documents(plan.todo, encoder=encoder, chunker=chunker,
                                        batch_size=batch_size, progress=progress,
                                        vector_kind=vector_kind)
            entries.append(_Entry(name, len(plan.todo), set()))
        entries = _merge(store, entries, new, names, vector_kind)
        report.generation = store.commit(
            segments=[{"name": e.name, "deleted": e.deleted} for e in entries], new=new,
            encoder={"id": encoder.id, "dim": encoder.dim}, chunker=chunker.to_dict(),
            store=store_info, previous=manifest,
        )
        if replaced is not None and replaced.collection != store_info.get("collection"):
            replaced.drop()  # a rebuild wrote a new collection; the old one is unreferenced
        report.documents = sum(e.live for e in entries)
        report.passages = _live_passages(store, entries, new)
    return report


def _replaced_store(store: IndexStore) -> MilvusPassages | None:
    """The Milvus collection of the index a rebuild replaces (None if none or unreadable)."""
    try:
        return store.external(store.read_manifest()) if store.exists() else None
    except IndexStoreError:
        return None


def _tier(live: int) -> int:
    return int(math.log(max(live, 1), MERGE_FACTOR))


def _merge(
    store: IndexStore, entries: list[_Entry], new: dict[str, SegmentParts],
    names: Iterator[str], vector_kind: str,
) -> list[_Entry]:
    """Merge tiers that hold MERGE_FACTOR segments, and purge mostly-deleted segments."""
    while True:
        entries = [e for e in entries if e.live > 0]
        groups: dict[int, list[_Entry]] = {}
        for e in entries:
            groups.setdefault(_tier(e.live), []).append(e)
        group = next((g for g in groups.values() if len(g) >= MERGE_FACTOR), None)
        if group is None:
            group = next(([e] for e in entries
                          if e.deleted and len(e.deleted) >= PURGE_DELETED_SHARE * e.documents),
                         None)
        if group is None:
            return entries
        parts: list[tuple[Any, np.ndarray]] = []
        for e in group:
            seg: Any = _PartsView(new[e.name]) if e.name in new else store.open_segment(e.name)
            keep = np.ones(seg.n_documents, dtype=bool)
            keep[list(e.deleted)] = False
            parts.append((seg, keep))
        name = next(names)
        new[name] = merge_segments(parts, kind=vector_kind)
        for e in group:
            new.pop(e.name, None)
        entries = [e for e in entries if e not in group]
        entries.append(_Entry(name, len(new[name].documents), set()))


class _PartsView:
    """Segment-like access to parts not yet written (what ``merge_segments`` reads)."""

    def __init__(self, parts: SegmentParts) -> None:
        self.passages = parts.passages
        self.sentences = parts.sentences
        self.sentence_vectors = parts.sentence_vectors
        self.vectors = parts.vectors
        self.postings = parts.postings
        self._docs = parts.documents
        self.hashes = parts.hashes or [content_hash(d) for d in parts.documents]
        self.n_documents = len(parts.documents)

    def document(self, row: int) -> Document:
        return self._docs[row]


def _live_passages(
    store: IndexStore, entries: list[_Entry], new: dict[str, SegmentParts],
) -> int:
    total = 0
    for e in entries:
        table = (new[e.name].passages if e.name in new
                 else load_array(store.dir / SEGMENTS / e.name / "passages.npy"))
        doc_col = np.asarray(table[:, 0]) if len(table) else np.zeros(0, np.int64)
        total += int((~np.isin(doc_col, list(e.deleted))).sum()) if e.deleted else len(table)
    return total


def index_paths(
    store: IndexStore, paths: Iterable[str | Path], *, encoder: Encoder, rebuild: bool = False,
    chunker: ChunkerConfig | None = None, batch_size: int = 32, progress: bool = True,
) -> BuildReport:
    """Read files and folders and add/replace their documents in the index."""
    read = read_documents(paths)
    if not read.documents and not store.exists():
        raise IndexStoreError(
            "nothing to index: no readable .txt, .md or .jsonl documents in "
            + ", ".join(map(str, paths))
        )
    report = apply_changes(
        store, encoder=encoder, upserts=read.documents, rebuild=rebuild, chunker=chunker,
        batch_size=batch_size, progress=progress,
    )
    report.skipped = read.skipped
    return report
