"""A segment: an immutable slice of the index, written once by one write (or by a merge).

Layout of ``segments/seg-000012/``::

    meta.json            counts, encoder, vector index kind, file sizes and checksums
    docs.jsonl           document metadata (id, title, source, url, published, lang, path)
    keys.json            document ids and content hashes (all a writer needs to read)
    texts.txt            document texts, back to back (UTF-8)
    text_offsets.npy     byte offset of each text in texts.txt (n + 1)
    passages.npy         (n, 3) int32: document row, char start, char end
    sentences.npy        (n, 3) int32: document row, char start, char end
    sentence_vectors.npy float16 sentence vectors
    minhash.npy          (n, 128) uint32 MinHash signatures of the texts (``index.duplicates``)
    passage_vectors.npy  float16 passage vectors (what ``vectors(rows)`` returns for
                         ``hnsw_sq8``, what merges and an external vector store are fed)
    dense.faiss          the passage ANN index (``index.vectors``; absent when the ANN is
                         served by an external store, ``vector_index: "external"``)
    postings/            BM25 postings of the passages (``index.lexical``)
    words.json           the documents' vocabulary: word -> [occurrences, capitalised]
    lexicon_words.json   the commonest words, embedded for the induced lexicon, and
    lexicon_vectors.npy  their float16 vectors (``index.wordvectors``)

Texts, vectors and document metadata are read on demand (``pread`` of the rows or bytes asked
for, ``index.files``; small arrays memory-mapped), so opening a large index costs the filter
columns (``index.columns``) and the ids only, and serving it keeps in memory only what was
read.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.columns import DocColumns
from index.duplicates import NUM_PERM, signatures
from index.files import FileBytes, load_array, load_rows, sha256_file
from index.lexical import Postings
from index.lexicon import DEFAULT_MAX_WORDS, candidates
from index.records import Document
from index.text import terms, word_counts
from index.vectors import FaissVectorIndex, PlainVectors, VectorIndex, make_vector_index

SEGMENT_FORMAT = "telusur-segment"
SIGNATURES = "minhash.npy"
_CHECKSUM_MAX_BYTES = 64 * 1024 * 1024  # bigger files are checked by size on open
_META_FIELDS = ("id", "title", "source", "url", "published", "lang", "path", "author", "pages",
                "duplicates")


class SegmentError(RuntimeError):
    """A segment's files are missing, damaged or inconsistent (the message says which)."""


def content_hash(doc: Document) -> str:
    """Hash of what the index stores for a document: its text and metadata, but not the other
    copies of the story recorded on it (the index adds those; the file never states them, so
    re-reading an unchanged file must give the same hash)."""
    payload = json.dumps(
        {k: ([] if k == "duplicates" else v) for k, v in doc.to_dict().items() if k != "path"},
        ensure_ascii=False, sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class SegmentParts:
    """What a new segment is made of, in document order (rows of arrays follow it)."""

    documents: list[Document]
    passages: np.ndarray  # (n, 3) int32: document row, start, end
    sentences: np.ndarray  # (m, 3) int32
    sentence_vectors: np.ndarray  # (m, d)
    vectors: VectorIndex
    postings: Postings
    hashes: list[str] = field(default_factory=list)
    words: dict[str, list[int]] = field(default_factory=dict)
    lexicon_words: list[str] = field(default_factory=list)
    lexicon_vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float16))
    signatures: np.ndarray | None = None  # (n, NUM_PERM) uint32; computed when None


def write_segment(path: Path, parts: SegmentParts, *, encoder_id: str) -> None:
    """Write every file of a segment into ``path`` (a fresh directory), checksums last."""
    path.mkdir(parents=True)
    docs = parts.documents
    hashes = parts.hashes or [content_hash(d) for d in docs]
    with (path / "docs.jsonl").open("w", encoding="utf-8") as f:
        for d in docs:
            meta = {k: v for k, v in d.to_dict().items() if k in _META_FIELDS}
            f.write(json.dumps(meta, ensure_ascii=False) + "\n")
    (path / "keys.json").write_text(
        json.dumps({"ids": [d.id for d in docs], "hashes": hashes}), encoding="utf-8")
    blobs = [d.text.encode("utf-8") for d in docs]
    (path / "texts.txt").write_bytes(b"".join(blobs))
    offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in blobs], out=offsets[1:])
    np.save(path / "text_offsets.npy", offsets, allow_pickle=False)
    np.save(path / "passages.npy", parts.passages.astype(np.int32), allow_pickle=False)
    np.save(path / "sentences.npy", parts.sentences.astype(np.int32), allow_pickle=False)
    np.save(path / "sentence_vectors.npy", parts.sentence_vectors.astype(np.float16),
            allow_pickle=False)
    sigs = parts.signatures if parts.signatures is not None else signatures(
        [d.text for d in docs])
    np.save(path / SIGNATURES, np.asarray(sigs, dtype=np.uint32).reshape(len(docs), NUM_PERM),
            allow_pickle=False)
    np.save(path / "passage_vectors.npy",
            parts.vectors.vectors(np.arange(len(parts.vectors))).astype(np.float16),
            allow_pickle=False)
    if parts.vectors.kind != PlainVectors.kind:
        parts.vectors.save(path / "dense.faiss", with_vectors=False)
    parts.postings.save(path / "postings")
    words = parts.words or word_counts(d.text for d in docs)
    (path / "words.json").write_text(json.dumps(words, ensure_ascii=False, sort_keys=True),
                                     encoding="utf-8")
    (path / "lexicon_words.json").write_text(json.dumps(parts.lexicon_words, ensure_ascii=False),
                                             encoding="utf-8")
    np.save(path / "lexicon_vectors.npy", parts.lexicon_vectors.astype(np.float16),
            allow_pickle=False)
    meta = {
        "format": SEGMENT_FORMAT,
        "encoder": encoder_id,
        "dim": parts.vectors.dim,
        "vector_index": parts.vectors.kind,
        "counts": {"documents": len(docs), "passages": len(parts.passages),
                   "sentences": len(parts.sentences)},
        "files": {
            str(p.relative_to(path)): {"bytes": p.stat().st_size, "sha256": sha256_file(p)}
            for p in sorted(path.rglob("*")) if p.is_file()
        },
    }
    (path / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def read_signatures(path: Path) -> np.ndarray:
    """MinHash signatures of a segment's documents (computed from its texts for a segment
    written before they were stored)."""
    try:
        return load_array(path / SIGNATURES)
    except FileNotFoundError:
        offsets = np.load(path / "text_offsets.npy", allow_pickle=False)
        blob = (path / "texts.txt").read_bytes()
        return signatures([blob[int(a):int(b)].decode("utf-8")
                           for a, b in zip(offsets[:-1], offsets[1:], strict=True)])
    except (OSError, ValueError) as exc:
        raise SegmentError(f"{path.name}/{SIGNATURES} is unreadable ({exc})") from None


def read_document(path: Path, row: int) -> Document:
    """One document of a segment, read without opening (and verifying) the whole segment:
    what a write needs to update the copies recorded on a stored story."""
    try:
        with (path / "docs.jsonl").open(encoding="utf-8") as f:
            meta = json.loads(next(itertools.islice(f, row, None)))
        offsets = np.load(path / "text_offsets.npy", allow_pickle=False)
        with (path / "texts.txt").open("rb") as f:
            f.seek(int(offsets[row]))
            text = f.read(int(offsets[row + 1]) - int(offsets[row])).decode("utf-8")
    except (OSError, ValueError, StopIteration, IndexError) as exc:
        raise SegmentError(f"{path.name}: document row {row} is unreadable ({exc})") from None
    return Document.from_dict({**meta, "text": text})


def read_keys(path: Path) -> tuple[list[str], list[str]]:
    """Document ids and content hashes of a segment, without opening the rest."""
    try:
        keys = json.loads((path / "keys.json").read_text(encoding="utf-8"))
        return list(keys["ids"]), list(keys["hashes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SegmentError(f"{path.name}/keys.json is unreadable ({exc})") from None


class Segment:
    """An opened segment: metadata and arrays in memory (memory-mapped), texts on demand."""

    def __init__(self, path: Path, *, expected_encoder: str | None = None) -> None:
        self.path = path
        self.name = path.name
        try:
            self.meta: dict[str, Any] = json.loads((path / "meta.json").read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise SegmentError(f"{self.name}/meta.json is unreadable ({exc})") from None
        if self.meta.get("format") != SEGMENT_FORMAT:
            raise SegmentError(f"{self.name}/meta.json is not a Telusur segment")
        if expected_encoder is not None and self.meta.get("encoder") != expected_encoder:
            raise SegmentError(f"{self.name} was embedded with {self.meta.get('encoder')!r}")
        self._verify()
        try:
            self._docs = FileBytes(path / "docs.jsonl")
            self.columns, self._meta_offsets = _read_columns(path / "docs.jsonl")
            self.doc_ids, self.hashes = read_keys(path)
            self.text_offsets = np.load(path / "text_offsets.npy", allow_pickle=False)
            self.passages = load_array(path / "passages.npy")
            self.sentences = load_array(path / "sentences.npy")
            self.sentence_vectors = load_rows(path / "sentence_vectors.npy")
            exact = load_rows(path / "passage_vectors.npy")
            self.vectors: VectorIndex = (
                PlainVectors(exact) if self.meta.get("vector_index") == PlainVectors.kind
                else FaissVectorIndex.load(path / "dense.faiss", exact=exact))
            self.postings = Postings.load(path / "postings")
            self.words: dict[str, list[int]] = json.loads(
                (path / "words.json").read_text("utf-8"))
            self.lexicon_words: list[str] = json.loads(
                (path / "lexicon_words.json").read_text("utf-8"))
            self.lexicon_vectors = load_array(path / "lexicon_vectors.npy")
            self._texts = FileBytes(path / "texts.txt")
            self._signatures: np.ndarray | None = None
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise SegmentError(f"{self.name} is damaged ({exc})") from None
        counts = self.meta["counts"]
        if not (len(self.columns) == len(self.doc_ids) == counts["documents"]
                == len(self.text_offsets) - 1
                and len(self.passages) == len(self.vectors) == counts["passages"]
                == self.postings.n_rows
                and len(self.sentences) == len(self.sentence_vectors) == counts["sentences"]):
            raise SegmentError(f"{self.name} is inconsistent (its files disagree on counts)")
        # Sentences are stored grouped by document row, in text order.
        rows = np.arange(len(self.doc_ids))
        doc_col = np.asarray(self.sentences[:, 0])
        self.sentence_lo = np.searchsorted(doc_col, rows, side="left")
        self.sentence_hi = np.searchsorted(doc_col, rows, side="right")

    def _verify(self) -> None:
        for name, info in dict(self.meta.get("files", {})).items():
            p = self.path / name
            if not p.is_file():
                raise SegmentError(f"{self.name}/{name} is missing")
            size = p.stat().st_size
            try:
                bad = size != info["bytes"] or (
                    size <= _CHECKSUM_MAX_BYTES and sha256_file(p) != info["sha256"])
            except (KeyError, TypeError):
                bad = True
            if bad:
                raise SegmentError(
                    f"{self.name}/{name} does not match its checksum (truncated or modified)")

    @property
    def n_documents(self) -> int:
        return len(self.doc_ids)

    @property
    def n_passages(self) -> int:
        return len(self.passages)

    def will_read(self, rows: np.ndarray) -> None:
        """Hint that the texts and metadata of these document rows are about to be read
        (``FileBytes.will_need``)."""
        rows = np.asarray(rows, dtype=np.int64)
        for offsets, file in ((self.text_offsets, self._texts), (self._meta_offsets, self._docs)):
            at = np.asarray(offsets)
            file.will_need(at[rows].tolist(), at[rows + 1].tolist())

    def text(self, row: int) -> str:
        lo, hi = int(self.text_offsets[row]), int(self.text_offsets[row + 1])
        return self._texts.read(lo, hi).decode("utf-8")

    def doc_meta(self, row: int) -> dict[str, Any]:
        """A document's metadata (no text), read from ``docs.jsonl``."""
        lo, hi = int(self._meta_offsets[row]), int(self._meta_offsets[row + 1])
        meta: dict[str, Any] = json.loads(self._docs.read(lo, hi))
        return meta

    def document(self, row: int) -> Document:
        return Document.from_dict({**self.doc_meta(row), "text": self.text(row)})

    @property
    def signatures(self) -> np.ndarray:
        """MinHash signatures of the documents (read when first asked for)."""
        if self._signatures is None:
            self._signatures = read_signatures(self.path)
        return self._signatures


def merge_segments(
    parts: Sequence[tuple[Segment, np.ndarray]], *, kind: str = "auto",
) -> SegmentParts:
    """One segment's parts made of the kept documents (``keep`` masks over document rows) of
    several segments: vectors, sentence vectors and postings are reused, nothing re-embedded."""
    docs: list[Document] = []
    hashes: list[str] = []
    passages, sentences, sent_vecs, vec_rows, sigs = [], [], [], [], []
    postings_parts = []
    for seg, keep_doc in parts:
        new_doc = np.cumsum(keep_doc) - 1 + len(docs)
        kept = np.flatnonzero(keep_doc)
        docs.extend(seg.document(int(r)) for r in kept)
        hashes.extend(seg.hashes[int(r)] for r in kept)
        sigs.append(np.asarray(seg.signatures)[kept])
        p = np.asarray(seg.passages)
        pkeep = keep_doc[p[:, 0]]
        passages.append(np.column_stack([new_doc[p[pkeep, 0]], p[pkeep, 1:]]))
        vec_rows.append(seg.vectors.vectors(np.flatnonzero(pkeep)))
        postings_parts.append((seg.postings, pkeep))
        s = np.asarray(seg.sentences)
        skeep = keep_doc[s[:, 0]]
        sentences.append(np.column_stack([new_doc[s[skeep, 0]], s[skeep, 1:]]))
        sent_vecs.append(np.asarray(seg.sentence_vectors[np.flatnonzero(skeep)]))
    all_vecs = np.vstack(vec_rows)
    dim = all_vecs.shape[1]
    vectors = make_vector_index(dim, expected_rows=len(all_vecs), kind=kind)
    vectors.add(all_vecs)
    words = word_counts(d.text for d in docs)
    # The lexicon words already embedded by the parts, the commonest of the merged vocabulary.
    embedded = {w: np.asarray(seg.lexicon_vectors[i]) for seg, _ in parts
                for i, w in enumerate(seg.lexicon_words)}
    keep = [w for w in candidates(words, max_words=2 * DEFAULT_MAX_WORDS) if w in embedded]
    return SegmentParts(
        documents=docs, hashes=hashes, passages=np.vstack(passages).astype(np.int32),
        sentences=np.vstack(sentences).astype(np.int32),
        sentence_vectors=np.vstack(sent_vecs), vectors=vectors,
        postings=Postings.merge(postings_parts), words=words, lexicon_words=keep,
        lexicon_vectors=(np.stack([embedded[w] for w in keep]) if keep
                         else np.zeros((0, dim), np.float16)),
        signatures=np.vstack(sigs),
    )


def passage_terms(documents: Sequence[Document], passages: np.ndarray) -> list[list[str]]:
    """BM25 terms of each passage (rows of ``passages`` index ``documents``)."""
    return [terms(documents[int(d)].text[int(s):int(e)]) for d, s, e in passages]


def _read_columns(path: Path) -> tuple[DocColumns, np.ndarray]:
    """Filter columns and line offsets of ``docs.jsonl`` (one pass; the dicts are dropped)."""
    langs, sources, published, offsets = [], [], [], [0]
    end = 0
    with path.open("rb") as f:
        for line in f:
            end += len(line)
            if len(line) > 1:
                m = json.loads(line)
                langs.append(m.get("lang"))
                sources.append(m.get("source"))
                published.append(m.get("published"))
                offsets.append(end)
    cols = DocColumns.build(langs=langs, sources=sources, published=published)
    return cols, np.asarray(offsets, dtype=np.int64)
