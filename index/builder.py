"""The build pipeline: clean documents -> chunk -> embed -> store, incremental by content hash
(files are read by ``index.ingest``).

A write embeds only the documents that are new or changed, writes them as one new segment and
marks replaced and removed documents deleted; segments are merged in size tiers, so a write's
cost follows what it writes (plus, now and then, a merge of similar-sized segments).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from tqdm import tqdm

from index.budget import Budget, checkpoint
from index.chunking import ChunkerConfig, chunk_spans, sentence_spans
from index.dedupe import StoredSegment, fold_duplicates
from index.duplicates import signatures
from index.encoders import Encoder
from index.files import load_array
from index.lexical import Postings
from index.lexicon import candidates
from index.milvus import MilvusPassages, new_collection_name
from index.records import Document, FileResult, Passage
from index.segments import Segment, SegmentParts, content_hash, merge_segments, passage_terms
from index.store import SEGMENTS, IndexStore, IndexStoreError
from index.text import word_counts
from index.vectors import PlainVectors, make_vector_index
from index.wordvectors import embed_indonesian, shipped_english_vectors

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
    # Near-duplicates not stored: (document id, id of the copy they are recorded on).
    duplicates: list[tuple[str, str]] = field(default_factory=list)
    sources_added: list[str] = field(default_factory=list)  # stored copies that gained one
    files: list[FileResult] = field(default_factory=list)  # per file read (``index.ingest``)
    generation: str | None = None
    documents: int = 0
    passages: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.sources_added)

    def summary(self) -> str:
        parts = [
            f"{len(self.added)} added", f"{len(self.updated)} updated",
            f"{len(self.unchanged)} unchanged", f"{len(self.removed)} removed",
        ]
        unchanged = set(self.unchanged)
        folded = sum(1 for d, _ in self.duplicates if d not in unchanged)
        if folded:
            parts.append(f"{folded} duplicates recorded on their stored copy")
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
    progress: bool, vector_kind: str = "auto", budget: Budget | None = None,
    signatures: np.ndarray | None = None,
) -> SegmentParts:
    """Chunk and embed documents (passages and sentences) into a new segment's parts; with a
    ``budget``, stops between batches once it is spent or cancelled."""
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
            checkpoint(budget, "embedding the next batch")
            batch = texts[i:i + step]
            vectors[i:i + len(batch)] = encoder.encode_passages(batch, batch_size=batch_size)
            bar.update(len(batch))
    table = np.asarray(passages, dtype=np.int32).reshape(-1, 3)
    index = make_vector_index(encoder.dim, expected_rows=len(table), kind=vector_kind)
    index.add(vectors[:len(table)])
    words = word_counts(d.text for d in docs)
    lexicon_words = (candidates(words) if shipped_english_vectors(encoder.id) is not None
                     else [])  # no English vectors for this encoder: no induced lexicon
    return SegmentParts(
        documents=list(docs), passages=table,
        sentences=np.asarray(sentences, dtype=np.int32).reshape(-1, 3),
        sentence_vectors=vectors[len(table):], vectors=index,
        postings=Postings.build(passage_terms(docs, table)), words=words,
        lexicon_words=lexicon_words,
        lexicon_vectors=embed_indonesian(encoder, lexicon_words).astype(np.float16),
        signatures=signatures,
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
    previous: dict[str, tuple[str, int]] = field(default_factory=dict)  # id -> replaced row
    carried: dict[tuple[str, int], Document] = field(default_factory=dict)
    signatures: np.ndarray | None = None


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
    previous = {}
    for doc in upserts:
        found = keys.get(doc.id)
        if found is not None and found[2] == content_hash(doc):
            report.unchanged.append(doc.id)
            continue
        (report.updated if found else report.added).append(doc.id)
        if found:
            found[0].deleted.add(found[1])
            previous[doc.id] = (found[0].name, found[1])
        todo.append(doc)
    written = set(report.added) | set(report.updated)
    for doc_id in removals:
        found = keys.get(doc_id)
        if found is None or doc_id in written or doc_id in report.removed:
            report.missing.append(doc_id)
            continue
        found[0].deleted.add(found[1])
        report.removed.append(doc_id)
    return _Plan(entries, todo, report, previous)


def _fold(store: IndexStore, plan: _Plan) -> None:
    """Keep each story once: fold near-duplicates into their stored or earlier copy."""
    seg_path = {e.name: store.dir / SEGMENTS / e.name for e in plan.entries}
    folded = fold_duplicates(
        plan.todo, stored=[StoredSegment(e.name, seg_path[e.name], set(e.deleted))
                           for e in plan.entries],
        previous={i: (seg_path[name], row) for i, (name, row) in plan.previous.items()})
    report = plan.report
    gone = {d for d, _ in folded.duplicates + folded.recorded}
    report.added = [i for i in report.added if i not in gone]
    report.updated = [i for i in report.updated if i not in gone]
    for doc_id, kept in folded.recorded:
        report.unchanged.append(doc_id)
        report.duplicates.append((doc_id, kept))
    report.duplicates.extend(folded.duplicates)
    for (name, row), doc in folded.carried.items():
        next(e for e in plan.entries if e.name == name).deleted.add(row)
        report.sources_added.append(doc.id)
    plan.todo, plan.carried, plan.signatures = folded.todo, folded.carried, folded.signatures


def apply_changes(
    store: IndexStore, *, encoder: Encoder, upserts: Iterable[Document] = (),
    removals: Iterable[str] = (), rebuild: bool = False,
    chunker: ChunkerConfig | None = None, batch_size: int = 32, progress: bool = True,
    vector_kind: str = "auto", budget: Budget | None = None, lock_timeout: float | None = None,
    dedupe: bool = True,
) -> BuildReport:
    """Add, replace and delete documents, then switch in a new generation atomically.

    Same content -> no change; same id with new content -> replaced; a changed chunker
    configuration re-chunks (and re-embeds) every document. With ``dedupe``, a story already
    in the index (or twice in this write) is stored once, the other copies recorded on it. A
    write stopped by its ``budget`` (``index.budget.Stopped``) commits nothing: the index stays
    as it was. Another writer is waited for ``lock_timeout`` seconds at most
    (``IndexBusyError``).
    """
    with store.write_lock(timeout=lock_timeout):
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
        if dedupe and plan.todo:
            _fold(store, plan)
        report, entries = plan.report, plan.entries
        if manifest is not None and not report.changed and not rechunk:
            report.generation = store.current_generation()
            report.documents = sum(e.live for e in entries)
            report.passages = _live_passages(store, entries, {})
            return report
        names = store.segment_names()
        new: dict[str, SegmentParts] = {}
        if plan.todo or plan.carried:
            name = next(names)
            parts = embed_documents(plan.todo, encoder=encoder, chunker=chunker,
                                    batch_size=batch_size, progress=progress,
                                    vector_kind=vector_kind, budget=budget,
                                    signatures=plan.signatures) if plan.todo else None
            if plan.carried:
                parts = _with_carried(store, parts, plan.carried, vector_kind)
            assert parts is not None
            new[name] = parts
            entries.append(_Entry(name, len(parts.documents), set()))
        checkpoint(budget, "merging segments")
        entries = _merge(store, entries, new, names, vector_kind)
        checkpoint(budget, "committing the write")
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


def _with_carried(
    store: IndexStore, parts: SegmentParts | None, carried: dict[tuple[str, int], Document],
    vector_kind: str,
) -> SegmentParts:
    """The new segment's parts plus stored documents rewritten with new metadata, their
    vectors and postings copied over (nothing embedded again)."""
    by_segment: dict[str, dict[int, Document]] = {}
    for (name, row), doc in carried.items():
        by_segment.setdefault(name, {})[row] = doc
    groups: list[tuple[Any, np.ndarray]] = [] if parts is None else [
        (_PartsView(parts), np.ones(len(parts.documents), dtype=bool))]
    for name, docs in sorted(by_segment.items()):
        seg = store.open_segment(name)
        keep = np.zeros(seg.n_documents, dtype=bool)
        keep[list(docs)] = True
        groups.append((_Rewritten(seg, docs), keep))
    return merge_segments(groups, kind=vector_kind)


class _Rewritten:
    """A stored segment seen with some documents' metadata replaced."""

    def __init__(self, seg: Segment, docs: dict[int, Document]) -> None:
        self._seg, self._docs = seg, docs
        self.passages, self.sentences = seg.passages, seg.sentences
        self.sentence_vectors, self.vectors = seg.sentence_vectors, seg.vectors
        self.postings, self.hashes = seg.postings, seg.hashes
        self.signatures, self.n_documents = seg.signatures, seg.n_documents
        self.lexicon_words, self.lexicon_vectors = seg.lexicon_words, seg.lexicon_vectors

    def document(self, row: int) -> Document:
        return self._docs.get(row) or self._seg.document(row)


class _PartsView:
    """Segment-like access to parts not yet written (what ``merge_segments`` reads)."""

    def __init__(self, parts: SegmentParts) -> None:
        self.passages, self.sentences = parts.passages, parts.sentences
        self.sentence_vectors, self.vectors = parts.sentence_vectors, parts.vectors
        self.postings = parts.postings
        self.lexicon_words, self.lexicon_vectors = parts.lexicon_words, parts.lexicon_vectors
        self._docs = parts.documents
        self.hashes = parts.hashes or [content_hash(d) for d in parts.documents]
        self.signatures = (parts.signatures if parts.signatures is not None
                           else signatures([d.text for d in parts.documents]))
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
