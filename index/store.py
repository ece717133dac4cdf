"""The index directory: immutable segments, and generations that list them, switched in
atomically.

Layout::

    INDEX_DIR/
      CURRENT              name of the live generation (replaced with os.replace)
      .lock                writers take an exclusive flock here
      gen-000007/
        manifest.json      format version, encoder, chunker, the segments and their deletions
      segments/
        seg-000003/        written once, never changed (``index.segments``)
        seg-000007/

A write adds one small segment (its new documents) and marks replaced or removed documents
deleted in the new generation's manifest, so its cost follows the documents written, not
the index. Segments are merged by size tiers (``index.builder``). Everything is written
under a temporary name, fsynced and renamed into place, and only then named in CURRENT; a
crash at any point leaves CURRENT naming a complete generation.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.files import fsync_dir, fsync_tree
from index.generation import IndexData
from index.locking import SEGMENTS as SEGMENTS
from index.locking import IndexBusyError as IndexBusyError
from index.locking import IndexReadOnlyError as IndexReadOnlyError
from index.locking import IndexStoreError as IndexStoreError
from index.locking import repair_hint, write_lock, write_problem
from index.milvus import MilvusError, MilvusPassages, MilvusRetriever, sync_before
from index.segments import (
    Segment,
    SegmentError,
    SegmentParts,
    content_hash,
    read_keys,
    write_segment,
)

log = logging.getLogger(__name__)

FORMAT = "telusur-index"
FORMAT_VERSION = 2
CURRENT = "CURRENT"

BACKENDS = ("local", "milvus")
MILVUS_LITE_FILE = "milvus.db"
PENDING = "milvus-pending.json"  # keys inserted by a write that has not switched CURRENT yet
KEEP_GENERATIONS = 2
_GENERATION_NAME = re.compile(r"gen-[0-9]{1,12}")


def publish(src: Path, dst: Path) -> None:
    """Atomically move a finished file or directory into place, durably."""
    os.replace(src, dst)
    fsync_dir(dst.parent)


class IndexStore:
    """Reads and writes generations of one index directory.

    ``backend`` (``local`` or ``milvus``) is used when an index is created (or rebuilt);
    afterwards the manifest's ``store`` entry decides, so readers need only ``milvus_uri``
    (default: a Milvus Lite file ``milvus.db`` inside the index directory).
    """

    def __init__(self, index_dir: str | Path, *, backend: str = "local",
                 milvus_uri: str | None = None) -> None:
        self.dir = Path(index_dir).expanduser()
        self._recovered: str | None = None
        if backend not in BACKENDS:
            raise IndexStoreError(
                f"unknown store {backend!r}: set TELUSUR_STORE to one of {', '.join(BACKENDS)}")
        self.backend = backend
        self.milvus_uri = milvus_uri or str(self.dir / MILVUS_LITE_FILE)

    def external(self, manifest: dict[str, Any] | None) -> MilvusPassages | None:
        """The Milvus collection an index's manifest names (None for the local store)."""
        info = (manifest or {}).get("store") or {"kind": "local"}
        if info.get("kind") != "milvus":
            return None
        try:
            return MilvusPassages(self.milvus_uri, str(info["collection"]),
                                  int(manifest["encoder"]["dim"]) if manifest else 0)
        except MilvusError as exc:
            raise IndexStoreError(f"index at {self.dir} is stored in Milvus: {exc}; set "
                                  "TELUSUR_MILVUS_URI to its server") from None

    # ---- reading -------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.current_generation() is not None

    def current_generation(self) -> str | None:
        try:
            raw = (self.dir / CURRENT).read_bytes()
        except FileNotFoundError:
            return self._recover_current()
        except OSError as exc:
            raise IndexStoreError(
                f"index at {self.dir} is unreadable ({CURRENT}: {exc.strerror}); "
                + repair_hint(self.dir)
            ) from None
        try:
            gen: str | None = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            gen = None
        if gen == "":
            return None
        if gen is None or not _GENERATION_NAME.fullmatch(gen):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {CURRENT} does not name a generation "
                f"(expected e.g. gen-000001); " + repair_hint(self.dir)
            )
        return gen

    def _recover_current(self) -> str | None:
        """Without CURRENT, the newest generation whose manifest reads (logged)."""
        for gen in sorted(self._generations(), reverse=True):
            try:
                self.read_manifest(gen)
            except IndexStoreError:
                continue
            if self._recovered != gen:  # said once, not on every query
                log.warning("%s: %s is missing; using the newest complete generation %s "
                            "(the next write names it in %s again)", self.dir, CURRENT, gen,
                            CURRENT)
                self._recovered = gen
            return gen
        return None

    def _generations(self) -> list[str]:
        if not self.dir.is_dir():
            return []
        return sorted(p.name for p in self.dir.glob("gen-*")
                      if p.is_dir() and _GENERATION_NAME.fullmatch(p.name))

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
                + repair_hint(self.dir)
            ) from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {gen}/manifest.json is not valid JSON; "
                + repair_hint(self.dir)
            ) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise IndexStoreError(
                f"{self.dir} does not hold a Telusur index; " + repair_hint(self.dir)
            )
        version = manifest.get("format_version")
        if version != FORMAT_VERSION:
            newer = isinstance(version, int) and version > FORMAT_VERSION
            raise IndexStoreError(
                f"index at {self.dir} has format version {version}, this Telusur reads "
                f"{FORMAT_VERSION}" + (" (upgrade Telusur, or " if newer else " (")
                + repair_hint(self.dir) + ")"
            )
        try:
            manifest["encoder"]["id"]
            for s in manifest["segments"]:
                str(s["name"]), list(s["deleted"])
        except (KeyError, TypeError, ValueError):
            raise IndexStoreError(
                f"index at {self.dir} is damaged: {gen}/manifest.json lacks encoder or "
                "segments; " + repair_hint(self.dir)
            ) from None
        return manifest

    def check_encoder(self, manifest: dict[str, Any], expected: str | None) -> None:
        found = manifest["encoder"]["id"]
        if expected is not None and expected != found:
            raise IndexStoreError(
                f"index at {self.dir} was built with encoder {found!r} but {expected!r} is "
                f"configured; either set TELUSUR_ENCODER to the index's encoder, or rebuild "
                f"with: telusur index PATH... --rebuild --index-dir {self.dir}"
            )

    def load(
        self, *, expected_encoder: str | None = None, previous: IndexData | None = None,
    ) -> IndexData:
        """Open the current generation; segments already open in ``previous`` are reused."""
        for _ in range(4):
            gen = self.current_generation()
            try:
                return self._load(gen, expected_encoder, previous)
            except IndexStoreError:
                # A writer may have switched CURRENT and collected this generation meanwhile.
                if self.current_generation() == gen:
                    raise
        return self._load(self.current_generation(), expected_encoder, previous)

    def _load(
        self, gen: str | None, expected_encoder: str | None, previous: IndexData | None,
    ) -> IndexData:
        manifest = self.read_manifest(gen)
        assert gen is not None
        self.check_encoder(manifest, expected_encoder)
        reuse = {s.name: s for s in previous.segments} if previous is not None else {}
        segments, deleted = [], []
        for entry in manifest["segments"]:
            name = entry["name"]
            try:
                seg = reuse.get(name) or Segment(self.dir / SEGMENTS / name,
                                                 expected_encoder=manifest["encoder"]["id"])
            except SegmentError as exc:
                raise IndexStoreError(
                    f"index at {self.dir} is damaged ({gen}: {exc}); " + repair_hint(self.dir)
                ) from None
            mask = np.zeros(seg.n_documents, dtype=bool)
            mask[np.asarray(entry["deleted"], dtype=np.int64)] = True
            segments.append(seg)
            deleted.append(mask)
        data = IndexData(manifest=manifest, generation=gen, segments=segments, deleted=deleted)
        ext = self.external(manifest)
        if ext is not None:
            if not ext.exists():
                raise IndexStoreError(
                    f"index at {self.dir} is stored in Milvus collection {ext.collection!r}, "
                    f"which {ext.uri} does not have; " + repair_hint(self.dir))
            ext.load()
            data.retriever = MilvusRetriever(data, ext)
        return data

    def segment_keys(
        self, manifest: dict[str, Any],
    ) -> list[tuple[str, list[str], list[str], set[int]]]:
        """(name, document ids, content hashes, deleted rows) of each listed segment, read
        from the segments' keys only (what a writer needs to decide what changed)."""
        out = []
        for entry in manifest["segments"]:
            try:
                ids, hashes = read_keys(self.dir / SEGMENTS / entry["name"])
            except SegmentError as exc:
                raise IndexStoreError(f"index at {self.dir} is damaged ({exc}); "
                                      + repair_hint(self.dir)) from None
            out.append((entry["name"], ids, hashes, {int(r) for r in entry["deleted"]}))
        return out

    def open_segment(self, name: str) -> Segment:
        try:
            return Segment(self.dir / SEGMENTS / name)
        except SegmentError as exc:
            raise IndexStoreError(f"index at {self.dir} is damaged ({exc}); "
                                  + repair_hint(self.dir)) from None

    # ---- writing -------------------------------------------------------------------------
    def write_problem(self) -> str | None:
        """Why a write to this index would fail before it starts (``None``: it would not)."""
        return write_problem(self.dir)

    def write_lock(self, timeout: float | None = None) -> contextlib.AbstractContextManager[None]:
        """Exclusive lock for one writer at a time (across processes); waits at most
        ``timeout`` seconds for another writer (``None``: as long as it takes)."""
        return write_lock(self.dir, timeout)

    def commit(
        self, *, segments: Sequence[dict[str, Any]], new: dict[str, SegmentParts],
        encoder: dict[str, Any], chunker: dict[str, Any],
        store: dict[str, Any] | None = None, previous: dict[str, Any] | None = None,
    ) -> str:
        """Write the ``new`` segments, then a generation listing ``segments`` (each
        ``{"name", "deleted"}``), and switch CURRENT to it; returns the generation's name.
        ``store``: the manifest's store entry (Milvus: its collection is brought up to date
        around the switch; ``previous`` is the manifest being replaced). Call with the write
        lock held."""
        manifest_store = store or {"kind": "local"}
        ext = self.external({"store": manifest_store, "encoder": encoder})
        dropped: set[str] = set()
        if ext is not None:
            for parts in new.values():
                parts.hashes = parts.hashes or [content_hash(d) for d in parts.documents]
            dropped = sync_before(ext, self.dir / SEGMENTS, segments=segments, new=new,
                                  previous=previous, pending=self.dir / PENDING)
        seg_dir = self.dir / SEGMENTS
        seg_dir.mkdir(parents=True, exist_ok=True)
        for name, parts in new.items():
            tmp = seg_dir / f".tmp-{name}-{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            write_segment(tmp, parts, encoder_id=str(encoder["id"]))
            fsync_tree(tmp)
            publish(tmp, seg_dir / name)
        gen = self._next_name("gen")
        tmp = self.dir / f".tmp-{gen}-{os.getpid()}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "encoder": encoder,
            "chunker": chunker,
            "store": manifest_store,
            "segments": [{"name": s["name"], "deleted": sorted(int(r) for r in s["deleted"])}
                         for s in segments],
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        fsync_tree(tmp)
        publish(tmp, self.dir / gen)
        pointer = self.dir / f".tmp-{CURRENT}-{os.getpid()}"
        with pointer.open("w", encoding="utf-8") as f:
            f.write(gen + "\n")
            f.flush()
            os.fsync(f.fileno())
        publish(pointer, self.dir / CURRENT)
        if ext is not None:
            ext.delete_documents(dropped)
            (self.dir / PENDING).unlink(missing_ok=True)
        self._collect_garbage(keep=gen)
        return gen

    def segment_names(self) -> Iterator[str]:
        """Fresh segment names for one write (call with the write lock held)."""
        first = int(self._next_name("seg")[4:])
        for n in itertools.count(first):
            yield f"seg-{n:06d}"

    def _next_name(self, prefix: str) -> str:
        """The next free ``gen-``/``seg-`` number (temporary leftovers count as taken)."""
        where = self.dir / SEGMENTS if prefix == "seg" else self.dir
        numbers = [0]
        if where.is_dir():
            for p in where.iterdir():
                m = re.fullmatch(rf"(?:\.tmp-)?{prefix}-(\d{{1,12}})(?:-\d+)?", p.name)
                if m:
                    numbers.append(int(m.group(1)))
        return f"{prefix}-{max(numbers) + 1:06d}"

    def _collect_garbage(self, *, keep: str) -> None:
        """Drop leftovers of killed writers, all but the newest generations, and the
        segments no kept generation lists."""
        for root in (self.dir, self.dir / SEGMENTS):
            for p in root.glob(".tmp-*"):
                shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
        gens = self._generations()
        kept = gens[-KEEP_GENERATIONS:]
        if keep not in kept:
            kept.append(keep)
        for name in gens:
            if name not in kept:
                shutil.rmtree(self.dir / name, ignore_errors=True)
        live: set[str] = set()
        for name in kept:
            try:
                live |= {s["name"] for s in self.read_manifest(name)["segments"]}
            except IndexStoreError:
                return  # an unreadable kept generation: collect nothing rather than guess
        for p in (self.dir / SEGMENTS).glob("seg-*"):
            if p.name not in live:
                shutil.rmtree(p, ignore_errors=True)
