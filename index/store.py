"""The index directory: generations written beside each other and switched in atomically.

Layout::

    INDEX_DIR/
      CURRENT            name of the live generation (replaced with os.replace)
      .lock              writers take an exclusive flock here
      gen-000007/
        manifest.json    format version, encoder, chunker, per-document hashes, file checksums
        documents.jsonl  one stored (cleaned) document a line
        passages.jsonl   one passage a line, offsets into its document's text
        passages.npy     passage vectors (float32, row i == passage i)
        sentences.npy    sentence spans (doc row, start, end) as int64
        sentence_vectors.npy
        dense.faiss      FAISS index over passages.npy
        bm25/            bm25s index over passage texts

A generation is written completely under a temporary name, fsynced, renamed into place, and
only then named in CURRENT; a crash at any point leaves CURRENT naming a complete generation.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from index.lexical import LexicalIndex, tokenize
from index.records import Document, Passage
from index.vectors import build_vector_index, load_vector_index, save_vector_index

FORMAT_VERSION = 1
CURRENT = "CURRENT"
KEEP_GENERATIONS = 2
_CHECKSUM_MAX_BYTES = 64 * 1024 * 1024  # bigger files are checked by size on open
_GENERATION_NAME = re.compile(r"gen-[0-9]{1,12}")
PAUSE_ENV = "TELUSUR_TEST_PAUSE_AT"  # tests only: a writer stops at this stage (then is killed)


class IndexStoreError(RuntimeError):
    """The index directory is missing, damaged, foreign or from another encoder."""


@dataclass
class IndexData:
    """Everything search needs, in memory. Rows of arrays follow ``passages`` order."""

    manifest: dict[str, Any]
    documents: list[Document]
    passages: list[Passage]
    passage_vectors: np.ndarray
    sentence_spans: np.ndarray  # (n, 3) int64: document row, start, end
    sentence_vectors: np.ndarray
    dense: faiss.Index
    lexical: LexicalIndex
    generation: str = ""
    doc_rows: dict[str, int] = field(default_factory=dict)
    passage_doc_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # Query-independent values derived at query time (tokens, typed spans), kept per generation.
    memo: dict[str, dict] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.doc_rows = {d.id: i for i, d in enumerate(self.documents)}
        self.passage_doc_rows = np.array(
            [self.doc_rows[p.doc_id] for p in self.passages], dtype=np.int64
        )
        # Sentences are stored grouped by document row, in text order.
        doc_col = self.sentence_spans[:, 0] if len(self.sentence_spans) else np.zeros(0, np.int64)
        rows = np.arange(len(self.documents))
        self._sent_lo = np.searchsorted(doc_col, rows, side="left")
        self._sent_hi = np.searchsorted(doc_col, rows, side="right")
        self.passage_lang = np.array([p.lang or "" for p in self.passages], dtype=object)
        self._token_cache: dict[int, list[str]] = {}

    def passage_tokens(self, passage_row: int) -> list[str]:
        """BM25 tokens of a passage, computed once and kept."""
        cache = self._token_cache
        toks = cache.get(passage_row)
        if toks is None:
            toks = cache[passage_row] = tokenize(self.passages[passage_row].text)
        return toks

    def sentence_rows(self, passage_row: int) -> np.ndarray:
        """Rows of ``sentence_spans`` that lie inside passage ``passage_row`` (computed once
        per passage: the ranker and the answerer ask for them on every query)."""
        memo = self.memo.setdefault("sentence_rows", {})
        rows = memo.get(passage_row)
        if rows is None:
            p = self.passages[passage_row]
            doc_row = self.passage_doc_rows[passage_row]
            lo, hi = self._sent_lo[doc_row], self._sent_hi[doc_row]
            spans = self.sentence_spans[lo:hi]
            inside = (spans[:, 1] >= p.char_start) & (spans[:, 2] <= p.char_end)
            rows = memo[passage_row] = np.arange(lo, hi)[inside]
        return rows

    @property
    def encoder_id(self) -> str:
        return str(self.manifest["encoder"]["id"])

    def document(self, doc_id: str) -> Document | None:
        row = self.doc_rows.get(doc_id)
        return None if row is None else self.documents[row]


def content_hash(doc: Document) -> str:
    """Hash of what the index stores for a document: its text and metadata."""
    payload = json.dumps(
        {k: v for k, v in doc.to_dict().items() if k != "path"}, ensure_ascii=False, sort_keys=True
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != "manifest.json":
            yield p


def _repair_hint(index_dir: Path) -> str:
    return f"rebuild it with: telusur index PATH... --rebuild --index-dir {index_dir}"


class IndexStore:
    """Reads and writes generations of one index directory."""

    def __init__(self, index_dir: str | Path) -> None:
        self.dir = Path(index_dir).expanduser()

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return (self.dir / CURRENT).is_file()

    def current_generation(self) -> str | None:
        try:
            raw = (self.dir / CURRENT).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexStoreError(
                f"index at {self.dir} is unreadable ({CURRENT}: {exc.strerror}); "
                + _repair_hint(self.dir)
            ) from None
        try:
            gen = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            gen = None
        if gen == "":
            return None
        if gen is None or not _GENERATION_NAME.fullmatch(gen):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {CURRENT} does not name a generation "
                f"(expected e.g. gen-000001); " + _repair_hint(self.dir)
            )
        return gen

    def read_manifest(self, generation: str | None = None) -> dict[str, Any]:
        gen = generation or self.current_generation()
        if gen is None:
            raise IndexStoreError(
                f"no index at {self.dir}: build one with: telusur index PATH... "
                f"--index-dir {self.dir}"
            )
        path = self.dir / gen / "manifest.json"
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {gen}/manifest.json is missing; "
                + _repair_hint(self.dir)
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {gen}/manifest.json is not valid JSON; "
                + _repair_hint(self.dir)
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != "telusur-index":
            raise IndexStoreError(
                f"{self.dir} does not hold a Telusur index; " + _repair_hint(self.dir)
            )
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            newer = isinstance(version, int) and version > FORMAT_VERSION
            raise IndexStoreError(
                f"index at {self.dir} has format version {version}, this Telusur reads "
                f"{FORMAT_VERSION}" + (" (upgrade Telusur, or " if newer else " (")
                + _repair_hint(self.dir) + ")"
            )
        return manifest

    def load(self, *, expected_encoder: str | None = None) -> IndexData:
        for _ in range(4):
            gen = self.current_generation()
            try:
                return self._load(gen, expected_encoder)
            except IndexStoreError:
                # A writer may have switched CURRENT and removed this generation meanwhile.
                if self.current_generation() == gen:
                    raise
        return self._load(self.current_generation(), expected_encoder)

    def _load(self, gen: str | None, expected_encoder: str | None) -> IndexData:
        manifest = self.read_manifest(gen)
        assert gen is not None
        try:
            encoder_id = manifest["encoder"]["id"]
            files = dict(manifest["files"])
            dict(manifest["documents"])
        except (KeyError, TypeError, ValueError):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {gen}/manifest.json lacks encoder, files or "
                "documents; " + _repair_hint(self.dir)
            ) from None
        if expected_encoder is not None and expected_encoder != encoder_id:
            raise IndexStoreError(
                f"index at {self.dir} was built with encoder {encoder_id!r} but "
                f"{expected_encoder!r} is configured; either set TELUSUR_ENCODER to the "
                f"index's encoder, or rebuild with: telusur index PATH... --rebuild "
                f"--index-dir {self.dir}"
            )
        root = self.dir / gen
        self._verify(root, files)
        try:
            documents = [Document(**json.loads(line)) for line in _lines(root / "documents.jsonl")]
            passages = [Passage(**json.loads(line)) for line in _lines(root / "passages.jsonl")]
            vectors = np.load(root / "passages.npy", allow_pickle=False)
            sentence_spans = np.load(root / "sentences.npy", allow_pickle=False)
            sentence_vectors = np.load(root / "sentence_vectors.npy", allow_pickle=False)
            dense = load_vector_index(root / "dense.faiss")
            lexical = LexicalIndex.load(root / "bm25", len(passages))
        except (OSError, ValueError, TypeError, KeyError, RuntimeError) as exc:
            raise IndexStoreError(
                f"index at {self.dir} is damaged ({gen}: {exc}); " + _repair_hint(self.dir)
            ) from None
        if len(passages) != vectors.shape[0] or dense.ntotal != len(passages):
            raise IndexStoreError(
                f"index at {self.dir} is inconsistent ({len(passages)} passages, "
                f"{vectors.shape[0]} vectors); " + _repair_hint(self.dir)
            )
        return IndexData(
            manifest=manifest, documents=documents, passages=passages,
            passage_vectors=vectors, sentence_spans=sentence_spans,
            sentence_vectors=sentence_vectors, dense=dense, lexical=lexical, generation=gen,
        )

    def _verify(self, root: Path, files: dict[str, Any]) -> None:
        for name, meta in files.items():
            path = root / name
            if not path.is_file():
                raise IndexStoreError(
                    f"index at {self.dir} is damaged: {root.name}/{name} is missing; "
                    + _repair_hint(self.dir)
                )
            size = path.stat().st_size
            try:
                bad = size != meta["bytes"] or (
                    size <= _CHECKSUM_MAX_BYTES and _sha256(path) != meta["sha256"]
                )
            except (KeyError, TypeError):
                bad = True
            if bad:
                raise IndexStoreError(
                    f"index at {self.dir} is damaged: {root.name}/{name} does not match its "
                    "checksum (truncated or modified); " + _repair_hint(self.dir)
                )

    # ---- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def write_lock(self) -> Iterator[None]:
        """Exclusive lock for one writer at a time (across processes)."""
        self.dir.mkdir(parents=True, exist_ok=True)
        with (self.dir / ".lock").open("a") as f:
            fcntl.flock(f, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(f, fcntl.LOCK_UN)

    def write(
        self, *, documents: list[Document], passages: list[Passage],
        passage_vectors: np.ndarray, sentence_spans: np.ndarray, sentence_vectors: np.ndarray,
        encoder: dict[str, Any], chunker: dict[str, Any], vector_kind: str = "auto",
        lexical: LexicalIndex | None = None,
    ) -> str:
        """Write a complete new generation and switch CURRENT to it; returns its name."""
        self.dir.mkdir(parents=True, exist_ok=True)
        gen = self._next_generation()
        tmp = self.dir / f".tmp-{gen}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        _write_lines(tmp / "documents.jsonl", (d.to_dict() for d in documents))
        _write_lines(tmp / "passages.jsonl", (p.to_dict() for p in passages))
        np.save(tmp / "passages.npy", np.asarray(passage_vectors, np.float32), allow_pickle=False)
        np.save(tmp / "sentences.npy", np.asarray(sentence_spans, np.int64), allow_pickle=False)
        np.save(
            tmp / "sentence_vectors.npy", np.asarray(sentence_vectors, np.float32),
            allow_pickle=False,
        )
        dense, kind = build_vector_index(passage_vectors, vector_kind)
        save_vector_index(dense, tmp / "dense.faiss")
        (lexical or LexicalIndex.build([p.text for p in passages])).save(tmp / "bm25")
        manifest = {
            "format": "telusur-index",
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "encoder": encoder,
            "chunker": chunker,
            "vector_index": kind,
            "counts": {
                "documents": len(documents), "passages": len(passages),
                "sentences": int(len(sentence_spans)),
            },
            "documents": {d.id: content_hash(d) for d in documents},
            "files": {
                str(p.relative_to(tmp)): {"bytes": p.stat().st_size, "sha256": _sha256(p)}
                for p in _files(tmp)
            },
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        _fsync_tree(tmp)
        _pause_for_tests("tmp-written")
        os.replace(tmp, self.dir / gen)
        _fsync_dir(self.dir)
        _pause_for_tests("renamed")
        pointer = self.dir / f".tmp-{CURRENT}-{os.getpid()}"
        with pointer.open("w", encoding="utf-8") as f:
            f.write(gen + "\n")
            f.flush()
            os.fsync(f.fileno())
        _pause_for_tests("pointer-written")
        os.replace(pointer, self.dir / CURRENT)
        _fsync_dir(self.dir)
        _pause_for_tests("switched")
        self._collect_garbage(keep=gen)
        return gen

    def _next_generation(self) -> str:
        numbers = [
            int(p.name.split("-")[-1]) for p in self.dir.glob("gen-*") if p.name[4:].isdigit()
        ]
        tmp_numbers = [
            int(p.name.split("-")[2]) for p in self.dir.glob(".tmp-gen-*")
            if p.name.split("-")[2].isdigit()
        ]
        return f"gen-{max(numbers + tmp_numbers, default=0) + 1:06d}"

    def _collect_garbage(self, *, keep: str) -> None:
        """Drop leftovers of killed writers and all but the newest generations."""
        for p in self.dir.glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        gens = sorted(p for p in self.dir.glob("gen-*") if p.is_dir())
        for p in gens[:-KEEP_GENERATIONS]:
            if p.name != keep:
                shutil.rmtree(p, ignore_errors=True)


def _pause_for_tests(stage: str) -> None:
    """Crash tests set TELUSUR_TEST_PAUSE_AT=<stage>: the writer stops here to be killed."""
    if os.environ.get(PAUSE_ENV) == stage:
        print(f"paused at {stage}", file=sys.stderr, flush=True)
        time.sleep(600)


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield line


def _write_lines(path: Path, records: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")


def _fsync_tree(root: Path) -> None:
    for p in root.rglob("*"):
        if p.is_file():
            with p.open("rb") as f:
                os.fsync(f.fileno())
    for p in [root, *[d for d in root.rglob("*") if d.is_dir()]]:
        _fsync_dir(p)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
