"""Index files and folders, and say what became of each file.

A run reads every file (``index.readers``), writes what is new or changed in one generation
(``index.builder``) and ends with one line per file: indexed, updated, unchanged, duplicate
(the same story is in the index under another id, and this copy is recorded on it) or
skipped, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from index.builder import BuildReport, apply_changes
from index.chunking import ChunkerConfig
from index.encoders import Encoder
from index.readers import SUPPORTED, read_documents
from index.records import Document, FileResult
from index.store import IndexStore, IndexStoreError

# A file's status when its documents fared differently (a feed): the first that applies.
_ORDER = ("updated", "indexed", "duplicate", "unchanged")


def index_paths(
    store: IndexStore, paths: Iterable[str | Path], *, encoder: Encoder, rebuild: bool = False,
    chunker: ChunkerConfig | None = None, batch_size: int = 32, progress: bool = True,
    include: Sequence[str] = (), exclude: Sequence[str] = (), dedupe: bool = True,
) -> BuildReport:
    """Read files and folders and add/replace their documents in the index; the report's
    ``files`` tells what became of each file."""
    paths = list(paths)
    read = read_documents(paths, include=include, exclude=exclude)
    if not read.documents and not store.exists():
        reasons = "; ".join(f"{p}: {r}" for p, r in read.skipped[:3])
        raise IndexStoreError(
            f"nothing to index: no readable documents ({SUPPORTED}) in "
            + ", ".join(map(str, paths)) + (f" ({reasons})" if reasons else ""))
    report = apply_changes(
        store, encoder=encoder, upserts=read.documents, rebuild=rebuild, chunker=chunker,
        batch_size=batch_size, progress=progress, dedupe=dedupe,
    )
    report.skipped = read.skipped
    report.files = file_results(read.documents, report)
    return report


def file_results(documents: Sequence[Document], report: BuildReport) -> list[FileResult]:
    """One result per file read, then one per file (or item) skipped."""
    status = {i: "indexed" for i in report.added}
    status.update({i: "updated" for i in report.updated})
    status.update({i: "unchanged" for i in report.unchanged})
    kept_as = dict(report.duplicates)
    status.update({i: "duplicate" for i in kept_as if status.get(i) != "unchanged"})
    by_file: dict[str, list[str]] = {}
    for doc in documents:
        by_file.setdefault(doc.path or doc.id, []).append(doc.id)
    out = []
    for path, ids in by_file.items():
        states = [status.get(i, "unchanged") for i in ids]
        first = next(s for s in _ORDER if s in states)
        if len(ids) == 1:
            detail = f"same story as {kept_as[ids[0]]}" if ids[0] in kept_as else ""
        else:
            counts = {s: states.count(s) for s in _ORDER if s in states}
            detail = f"{len(ids)} documents: " + ", ".join(
                f"{n} {s}{'s' if s == 'duplicate' and n > 1 else ''}" for s, n in counts.items())
        out.append(FileResult(path, first, detail))
    out.extend(FileResult(path, "skipped", reason.removeprefix(f"{path}: "))
               for path, reason in report.skipped)
    return out
