"""The build pipeline: read → clean → chunk → embed → store, incremental by content hash."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from index.chunking import ChunkerConfig, chunk_spans, sentence_spans
from index.encoders import Encoder
from index.readers import read_documents
from index.records import Document, Passage
from index.store import IndexData, IndexStore, IndexStoreError, content_hash

log = logging.getLogger(__name__)


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


@dataclass
class _DocParts:
    doc: Document
    passages: list[Passage]
    vectors: np.ndarray
    sentences: np.ndarray  # (n, 2) start, end
    sentence_vectors: np.ndarray


def chunk_document(doc: Document, config: ChunkerConfig) -> list[Passage]:
    return [
        Passage(
            id=f"{doc.id}#{i}", doc_id=doc.id, text=doc.text[s:e], char_start=s, char_end=e,
            lang=doc.lang,
        )
        for i, (s, e) in enumerate(chunk_spans(doc.text, config))
    ]


def _existing_parts(data: IndexData) -> dict[str, _DocParts]:
    by_doc: dict[str, list[int]] = {}
    for i, p in enumerate(data.passages):
        by_doc.setdefault(p.doc_id, []).append(i)
    sent_rows: dict[int, list[int]] = {}
    for i, row in enumerate(data.sentence_spans[:, 0]):
        sent_rows.setdefault(int(row), []).append(i)
    parts = {}
    for row, doc in enumerate(data.documents):
        prow = by_doc.get(doc.id, [])
        srow = sent_rows.get(row, [])
        parts[doc.id] = _DocParts(
            doc=doc,
            passages=[data.passages[i] for i in prow],
            vectors=data.passage_vectors[prow],
            sentences=data.sentence_spans[srow, 1:3],
            sentence_vectors=data.sentence_vectors[srow],
        )
    return parts


def _embed_new(
    docs: Sequence[Document], *, encoder: Encoder, chunker: ChunkerConfig, batch_size: int,
    progress: bool,
) -> list[_DocParts]:
    chunked = [(d, chunk_document(d, chunker), sentence_spans(d.text)) for d in docs]
    texts: list[str] = []
    for doc, passages, sents in chunked:
        texts.extend(p.text for p in passages)
        texts.extend(doc.text[s:e] for s, e in sents)
    vectors = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    with tqdm(
        total=len(texts), desc="Embedding", unit="text", disable=not progress or not texts,
        dynamic_ncols=True,
    ) as bar:
        for i in range(0, len(texts), batch_size):
            batch = texts[i:i + batch_size]
            vectors[i:i + len(batch)] = encoder.encode_passages(batch, batch_size=batch_size)
            bar.update(len(batch))
    out, pos = [], 0
    for doc, passages, sents in chunked:
        n_p, n_s = len(passages), len(sents)
        out.append(_DocParts(
            doc=doc, passages=passages, vectors=vectors[pos:pos + n_p],
            sentences=np.array(sents, dtype=np.int64).reshape(-1, 2),
            sentence_vectors=vectors[pos + n_p:pos + n_p + n_s],
        ))
        pos += n_p + n_s
    return out




def apply_changes(
    store: IndexStore, *, encoder: Encoder, upserts: Iterable[Document] = (),
    removals: Iterable[str] = (), rebuild: bool = False,
    chunker: ChunkerConfig | None = None, batch_size: int = 32, progress: bool = True,
    vector_kind: str = "auto",
) -> BuildReport:
    """Add, replace and delete documents, then switch in a new generation atomically.

    Same content → no change; same id with new content → replaced; a changed chunker
    configuration re-chunks (and re-embeds) every document.
    """
    report = BuildReport()
    with store.write_lock():
        current: IndexData | None = None
        if store.exists() and not rebuild:
            current = store.load(expected_encoder=encoder.id)
        parts: dict[str, _DocParts] = _existing_parts(current) if current else {}
        if current is not None:
            stored = ChunkerConfig(**current.manifest["chunker"])
            if chunker is not None and chunker != stored:
                log.info("chunker settings changed: re-chunking every document")
                upserts = [p.doc for p in parts.values()] + list(upserts)  # new wins
                parts = {}
            chunker = chunker or stored
        chunker = chunker or ChunkerConfig()
        hashes = current.manifest["documents"] if current else {}

        todo: dict[str, Document] = {}
        upserts = list({d.id: d for d in upserts}.values())  # one id once: the last wins
        for doc in upserts:
            if doc.id in parts and hashes.get(doc.id) == content_hash(doc):
                report.unchanged.append(doc.id)
                continue
            (report.updated if doc.id in parts else report.added).append(doc.id)
            todo[doc.id] = doc
        for doc_id in removals:
            if doc_id in parts:
                del parts[doc_id]
                report.removed.append(doc_id)
            else:
                report.missing.append(doc_id)
        for new in _embed_new(
            list(todo.values()), encoder=encoder, chunker=chunker, batch_size=batch_size,
            progress=progress,
        ):
            parts[new.doc.id] = new

        if current is not None and not report.changed and not rebuild:
            report.generation = current.generation
        else:
            report.generation = _write(
                store, parts=list(parts.values()), encoder=encoder, chunker=chunker,
                vector_kind=vector_kind,
            )
        report.documents = len(parts)
        report.passages = sum(len(p.passages) for p in parts.values())
    return report


def _write(
    store: IndexStore, *, parts: list[_DocParts], encoder: Encoder, chunker: ChunkerConfig,
    vector_kind: str,
) -> str:
    dim = encoder.dim
    documents = [p.doc for p in parts]
    passages = [x for p in parts for x in p.passages]
    vectors = np.vstack([p.vectors for p in parts]) if parts else np.zeros((0, dim), np.float32)
    spans = [
        np.column_stack([np.full(len(p.sentences), row, np.int64), p.sentences])
        for row, p in enumerate(parts)
    ]
    sentence_spans = np.vstack(spans) if spans else np.zeros((0, 3), np.int64)
    sentence_vectors = (
        np.vstack([p.sentence_vectors for p in parts]) if parts else np.zeros((0, dim), np.float32)
    )
    return store.write(
        documents=documents, passages=passages, passage_vectors=vectors,
        sentence_spans=sentence_spans, sentence_vectors=sentence_vectors,
        encoder={"id": encoder.id, "dim": dim}, chunker=chunker.to_dict(),
        vector_kind=vector_kind,
    )


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
