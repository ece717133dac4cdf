"""One generation opened for search: its segments numbered across as one index.

Rows are global: passage ``r`` of the whole index is a row of one segment, after the rows of
the segments listed before it; documents and sentences likewise. Deleted documents keep their
rows (their passages are simply not ``live``), so nothing is renumbered by a delete.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import numpy as np

from index.columns import DocColumns
from index.lexical import LexicalIndex
from index.records import Document, Passage
from index.retrieval import LocalRetriever, Retriever, RowMasks
from index.segments import Segment

DOCUMENT_CACHE = 4096  # parsed documents kept per generation (texts are read on demand)


def _offsets(counts: list[int]) -> np.ndarray:
    return np.cumsum([0, *counts]).astype(np.int64)


def _globalise(tables: list[np.ndarray], doc_offsets: np.ndarray) -> np.ndarray:
    """Stack (doc row, start, end) tables with each segment's doc rows made global (one
    segment's table is used as it is: memory-mapped, not copied)."""
    if not tables:
        return np.zeros((0, 3), dtype=np.int32)
    if len(tables) == 1:
        return tables[0]
    out = np.vstack([np.asarray(t, dtype=np.int32).reshape(-1, 3) for t in tables])
    out[:, 0] += np.repeat(doc_offsets[:-1], [len(t) for t in tables])
    return out


class IndexData:
    """Everything search needs from one generation; arrays are indexed by global rows."""

    def __init__(
        self, *, manifest: dict[str, Any], generation: str, segments: list[Segment],
        deleted: list[np.ndarray],
    ) -> None:
        self.manifest = manifest
        self.generation = generation
        self.segments = segments
        self.doc_offsets = _offsets([s.n_documents for s in segments])
        self.passage_offsets = _offsets([s.n_passages for s in segments])
        self.sentence_offsets = _offsets([len(s.sentences) for s in segments])
        self.doc_ids: list[str] = [i for s in segments for i in s.doc_ids]
        self.columns = DocColumns.concat([s.columns for s in segments])
        self.doc_live = (~np.concatenate(deleted)) if deleted else np.zeros(0, dtype=bool)
        self.doc_rows = {self.doc_ids[r]: int(r) for r in np.flatnonzero(self.doc_live)}
        self.passages = _globalise([s.passages for s in segments], self.doc_offsets)
        self.passage_doc_rows = self.passages[:, 0]
        self.live = self.doc_live[self.passage_doc_rows]
        # Passages are stored grouped by document, in text order: a passage's ordinal in its
        # document (its id "doc#i") is its distance from the document's first passage.
        first = np.searchsorted(self.passage_doc_rows, self.passage_doc_rows, side="left")
        self.passage_ordinals = np.arange(len(self.passages)) - first
        self.sentences = _globalise([s.sentences for s in segments], self.doc_offsets)
        doc_col = self.sentences[:, 0]
        rows = np.arange(len(self.doc_ids))
        self._sent_lo = np.searchsorted(doc_col, rows, side="left")
        self._sent_hi = np.searchsorted(doc_col, rows, side="right")
        self.passage_lang_code = self.columns.lang[self.passage_doc_rows]
        self.lexical = LexicalIndex([s.postings for s in segments], self.live)
        # The corpus vocabulary: word -> [occurrences, capitalised] (words of deleted
        # documents count until their segment is merged or purged).
        self.words: dict[str, list[int]] = {}
        for s in segments:
            for word, (n, caps) in s.words.items():
                got = self.words.setdefault(word, [0, 0])
                got[0] += n
                got[1] += caps
        self.document_at = lru_cache(maxsize=DOCUMENT_CACHE)(self._read_document)
        # A document's text alone, for ranking (its metadata is only parsed for the hits):
        # 3.6 us a read at a million passages, against 15 us for the whole ``Document``.
        self.text_at = lru_cache(maxsize=DOCUMENT_CACHE)(self._read_text)
        # The store backend that answers first-stage retrieval (``index.store`` swaps in the
        # Milvus one for an index whose manifest names it).
        self.masks = RowMasks(self)
        self.retriever: Retriever = LocalRetriever(self)

    # ---- sizes and identity ----------------------------------------------------------------
    @property
    def n_rows(self) -> int:
        """Passage rows, deleted ones included (the length of every per-passage array)."""
        return len(self.passages)

    @property
    def n_passages(self) -> int:
        return int(self.live.sum())

    @property
    def n_documents(self) -> int:
        return len(self.doc_rows)

    @property
    def encoder_id(self) -> str:
        return str(self.manifest["encoder"]["id"])

    @property
    def vector_index(self) -> str:
        kinds = sorted({s.vectors.kind for s in self.segments})
        return "+".join(kinds) if kinds else "none"

    def _segment_of(self, offsets: np.ndarray, row: int) -> tuple[Segment, int]:
        i = int(np.searchsorted(offsets, row, side="right")) - 1
        return self.segments[i], row - int(offsets[i])

    # ---- documents and passages -------------------------------------------------------------
    def _read_document(self, doc_row: int) -> Document:
        seg, local = self._segment_of(self.doc_offsets, doc_row)  # the text shared with text_at
        return Document.from_dict({**seg.doc_meta(local), "text": self.text_at(doc_row)})

    def _read_text(self, doc_row: int) -> str:
        seg, local = self._segment_of(self.doc_offsets, doc_row)
        return seg.text(local)

    def document(self, doc_id: str) -> Document | None:
        row = self.doc_rows.get(doc_id)
        return None if row is None else self.document_at(row)

    def doc_meta(self, doc_row: int) -> dict[str, Any]:
        """A document's metadata without its text."""
        seg, local = self._segment_of(self.doc_offsets, doc_row)
        return seg.doc_meta(local)

    def live_documents(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(document row, metadata without text) of every live document, in index order."""
        for row in np.flatnonzero(self.doc_live):
            yield int(row), self.doc_meta(int(row))

    def passage_langs(self, rows: np.ndarray) -> np.ndarray:
        """The language of each passage row ("" when unknown), as strings."""
        langs = np.array(self.columns.langs, dtype=object)
        out: np.ndarray = langs[self.passage_lang_code[np.asarray(rows, dtype=np.int64)]]
        return out

    def passage_counts(self) -> np.ndarray:
        """Passages per document row."""
        return np.bincount(self.passage_doc_rows, minlength=len(self.doc_ids))

    def document_passage_rows(self, doc_row: int) -> np.ndarray:
        lo = np.searchsorted(self.passage_doc_rows, doc_row, side="left")
        hi = np.searchsorted(self.passage_doc_rows, doc_row, side="right")
        return np.arange(lo, hi)

    def passage_by_id(self, passage_id: str) -> Passage | None:
        """The passage ``doc_id#n`` of a live document, or None."""
        doc_id, sep, n = passage_id.rpartition("#")
        row = self.doc_rows.get(doc_id) if sep and n.isascii() and n.isdigit() else None
        if row is None:
            return None
        for r in self.document_passage_rows(row):
            if int(self.passage_ordinals[r]) == int(n):
                return self.passage(int(r))
        return None

    def passage(self, row: int) -> Passage:
        doc_row, start, end = (int(x) for x in self.passages[row])
        doc = self.document_at(doc_row)
        return Passage(id=f"{doc.id}#{int(self.passage_ordinals[row])}", doc_id=doc.id,
                       text=doc.text[start:end], char_start=start, char_end=end, lang=doc.lang,
                       page=doc.page_at(start))

    def will_read(self, passage_rows: np.ndarray) -> None:
        """Hint that these passages' documents are about to be read, so that texts the page
        cache lost are fetched together rather than one candidate at a time."""
        docs = np.unique(self.passage_doc_rows[np.asarray(passage_rows, dtype=np.int64)])
        seg_of = np.searchsorted(self.doc_offsets, docs, side="right") - 1
        for i in np.unique(seg_of):
            self.segments[int(i)].will_read(docs[seg_of == i] - self.doc_offsets[int(i)])

    def passage_text(self, row: int) -> str:
        """A passage's text alone (what ranking features read), from its document's text
        (``text_at``), without building the ``Passage`` or reading the document's metadata."""
        doc_row, start, end = (int(x) for x in self.passages[row])
        return self.text_at(doc_row)[start:end]

    # ---- vectors --------------------------------------------------------------------------
    def _gather(self, rows: np.ndarray, offsets: np.ndarray, kind: str) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        dim = int(self.manifest["encoder"]["dim"])
        out = np.zeros((len(rows), dim), dtype=np.float32)
        seg_of = np.searchsorted(offsets, rows, side="right") - 1
        for i in np.unique(seg_of):
            at = np.flatnonzero(seg_of == i)
            local = rows[at] - offsets[i]
            seg = self.segments[int(i)]
            out[at] = (seg.vectors.vectors(local) if kind == "passage"
                       else np.asarray(seg.sentence_vectors[local], dtype=np.float32))
        return out

    def passage_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._gather(rows, self.passage_offsets, "passage")

    def sentence_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self._gather(rows, self.sentence_offsets, "sentence")

    def sentence_rows(self, passage_row: int) -> np.ndarray:
        """Rows of ``sentences`` that lie inside passage ``passage_row``."""
        doc_row, start, end = self.passages[passage_row]
        lo, hi = self._sent_lo[doc_row], self._sent_hi[doc_row]
        spans = self.sentences[lo:hi]
        inside = (spans[:, 1] >= start) & (spans[:, 2] <= end)
        rows: np.ndarray = np.arange(lo, hi)[inside]
        return rows

    def dense_search(
        self, query: np.ndarray, k: int, allowed: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (scores, global rows) among live rows (and ``allowed``, a row mask)."""
        mask = self.live if allowed is None else (self.live & allowed)
        scores, rows = [], []
        for seg, lo, hi in zip(self.segments, self.passage_offsets[:-1],
                               self.passage_offsets[1:], strict=True):
            part = mask[lo:hi]
            if not part.any():
                continue
            s, r = seg.vectors.search(query, k, None if part.all() else part)
            scores.append(s)
            rows.append(r + lo)
        if not scores:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        all_s, all_r = np.concatenate(scores), np.concatenate(rows)
        order = np.lexsort((all_r, -all_s))[:k]
        return all_s[order], all_r[order]
