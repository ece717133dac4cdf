"""Fold a write's near-duplicate documents into one copy of each story (``index.duplicates``
says what counts as the same story).

A new document that repeats a stored story is not stored: its id, outlet, URL, title and date
are recorded on the stored copy (``Document.duplicates``), which is rewritten with the new
record and without being embedded again. Two copies new in the same write: the fuller text
is kept (the first read on a tie). A document that is already recorded on its stored copy
changes nothing, so re-indexing the same files is a no-op; a changed document keeps the
copies recorded on its previous version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from index.duplicates import THRESHOLD, same_numbers, signatures, similarity
from index.records import Document, Source
from index.segments import read_document, read_signatures

# A later copy replaces the first one read only when it has this many times its words (the
# first read is a page or a PDF: ``index.readers`` reads feeds last; a feed's item may be a
# shortened version). Layout alone (paragraph breaks) never decides.
FULLER = 1.1


def _words(text: str) -> int:
    return len(text.split())


@dataclass(frozen=True)
class StoredSegment:
    name: str
    path: Path
    deleted: set[int]  # rows not live in the next generation


@dataclass
class Folded:
    todo: list[Document]  # what to embed: one copy of each story, with its other sources
    signatures: np.ndarray  # of ``todo``, row by row
    # Stored documents that gained sources: (segment name, row) -> the new version.
    carried: dict[tuple[str, int], Document] = field(default_factory=dict)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (folded id, kept id)
    recorded: list[tuple[str, str]] = field(default_factory=list)  # already on the kept copy


def source_of(doc: Document) -> Source:
    return Source(doc_id=doc.id, source=doc.source, url=doc.url, title=doc.title,
                  published=doc.published)


def _with_sources(doc: Document, *sources: Source) -> Document:
    known = {s.doc_id for s in doc.duplicates} | {doc.id}
    added = []
    for s in sources:
        if s.doc_id not in known:
            known.add(s.doc_id)
            added.append(s)
    return replace(doc, duplicates=doc.duplicates + tuple(added)) if added else doc


def fold_duplicates(
    todo: Sequence[Document], *, stored: Sequence[StoredSegment],
    previous: dict[str, tuple[Path, int]],
) -> Folded:
    """``todo`` without the documents that repeat a stored or an earlier story.
    ``previous`` locates the stored version of each document ``todo`` replaces."""
    todo = list(todo)
    for i, doc in enumerate(todo):  # a changed document keeps the sources recorded on it
        if doc.id in previous:
            old = read_document(*previous[doc.id])
            todo[i] = _with_sources(doc, *old.duplicates)
    sigs = signatures([d.text for d in todo])
    where: list[tuple[StoredSegment, int]] = []
    parts = []
    for seg in stored:
        matrix = read_signatures(seg.path)
        live = np.ones(len(matrix), dtype=bool)
        live[list(seg.deleted)] = False
        rows = np.flatnonzero(live)
        where.extend((seg, int(r)) for r in rows)
        parts.append(np.asarray(matrix)[rows])
    stored_sigs = np.vstack(parts) if parts else np.zeros((0, sigs.shape[1]), np.uint32)
    out = Folded(todo=[], signatures=sigs[:0])
    kept: list[int] = []  # rows of ``todo`` kept so far
    renamed: dict[str, str] = {}
    for i, doc in enumerate(todo):
        hit = _stored_match(doc, sigs[i], stored_sigs, where, out.carried)
        if hit is not None:
            key, copy = hit
            if doc.id in {s.doc_id for s in copy.duplicates} and not doc.duplicates:
                out.recorded.append((doc.id, copy.id))
                continue
            out.carried[key] = _with_sources(copy, source_of(doc), *doc.duplicates)
            out.duplicates.append((doc.id, copy.id))
            continue
        j = _new_match(doc, sigs[i], [todo[k] for k in kept], sigs[kept])
        if j is None:
            kept.append(i)
            continue
        k = kept[j]
        first = todo[k]
        if _words(doc.text) > FULLER * _words(first.text):  # a fuller copy wins
            todo[i] = _with_sources(doc, source_of(first), *first.duplicates)
            kept[j] = i
            renamed[first.id] = doc.id
            out.duplicates.append((first.id, doc.id))
        else:
            todo[k] = _with_sources(first, source_of(doc), *doc.duplicates)
            out.duplicates.append((doc.id, first.id))
    final = {d: renamed.get(k, k) for d, k in out.duplicates}
    for d in list(final):
        while final[d] in renamed:
            final[d] = renamed[final[d]]
    out.duplicates = list(final.items())
    out.todo = [todo[k] for k in kept]
    out.signatures = sigs[kept]
    return out


def _stored_match(
    doc: Document, sig: np.ndarray, stored_sigs: np.ndarray,
    where: list[tuple[StoredSegment, int]], carried: dict[tuple[str, int], Document],
) -> tuple[tuple[str, int], Document] | None:
    sims = similarity(sig, stored_sigs)
    for r in np.argsort(-sims, kind="stable"):
        if sims[r] < THRESHOLD:
            break
        seg, row = where[int(r)]
        key = (seg.name, row)
        copy = carried.get(key) or read_document(seg.path, row)
        if same_numbers(doc.text, copy.text):
            return key, copy
    return None


def _new_match(
    doc: Document, sig: np.ndarray, kept: list[Document], kept_sigs: np.ndarray,
) -> int | None:
    sims = similarity(sig, kept_sigs)
    for r in np.argsort(-sims, kind="stable"):
        if sims[r] < THRESHOLD:
            break
        if same_numbers(doc.text, kept[int(r)].text):
            return int(r)
    return None
