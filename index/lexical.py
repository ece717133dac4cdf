"""The lexical side: BM25 over passages, kept as one inverted index (``Postings``) per segment.

A segment's postings never change once written; ``LexicalIndex`` scores the live rows of all
segments with statistics (document count, document frequency, average length) of the live
rows only, so an index built in one go and one grown by small writes score alike. The scores
are those of bm25s' default ("lucene" idf, Robertson term saturation; ``tests`` check it
against bm25s): ``idf(t) * tf / (tf + K1 * (1 - B + B * len / avg_len))`` with
``idf(t) = log(1 + (N - df + 0.5) / (df + 0.5))``.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.files import load_array

# The usual BM25 settings (Robertson; also bm25s' and Lucene's defaults).
K1 = 1.2
B = 0.75
# A passage without a single term still counts one (placeholder) term, as bm25s does, so
# that passage lengths and the average match an index built with it.
EMPTY_TERM = "\u2205"


@dataclass(frozen=True)
class Postings:
    """Term -> (rows, term frequencies), in compressed-column layout, and each row's length."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, len(vocab) + 1
    rows: np.ndarray  # int32, row of each posting, ascending within a term
    tf: np.ndarray  # float32, term frequency of each posting
    lengths: np.ndarray  # int32, terms per row

    @property
    def n_rows(self) -> int:
        return len(self.lengths)

    @classmethod
    def build(cls, term_lists: Sequence[Sequence[str]]) -> Postings:
        vocab: dict[str, int] = {}
        term_ids: list[int] = []
        row_ids: list[int] = []
        counts: list[int] = []
        lengths = np.zeros(len(term_lists), dtype=np.int32)
        for row, toks in enumerate(term_lists):
            toks = list(toks) or [EMPTY_TERM]
            lengths[row] = len(toks)
            for term, n in Counter(toks).items():
                term_ids.append(vocab.setdefault(term, len(vocab)))
                row_ids.append(row)
                counts.append(n)
        return cls.from_triples(vocab, np.asarray(term_ids, np.int64),
                                np.asarray(row_ids, np.int32), np.asarray(counts, np.float32),
                                lengths)

    @classmethod
    def from_triples(
        cls, vocab: dict[str, int], term_ids: np.ndarray, rows: np.ndarray, tf: np.ndarray,
        lengths: np.ndarray,
    ) -> Postings:
        order = np.lexsort((rows, term_ids))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ids, minlength=len(vocab)), out=indptr[1:])
        return cls(vocab, indptr, rows[order].astype(np.int32), tf[order].astype(np.float32),
                   lengths.astype(np.int32))

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        i = self.vocab.get(term)
        if i is None:
            return None
        lo, hi = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.rows[lo:hi], self.tf[lo:hi]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        terms = [""] * len(self.vocab)
        for term, i in self.vocab.items():
            terms[i] = term
        (directory / "terms.json").write_text(json.dumps(terms, ensure_ascii=False),
                                              encoding="utf-8")
        for name in ("indptr", "rows", "tf", "lengths"):
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> Postings:
        terms = json.loads((directory / "terms.json").read_text(encoding="utf-8"))
        arrays = {name: load_array(directory / f"{name}.npy")
                  for name in ("indptr", "rows", "tf", "lengths")}
        if len(arrays["indptr"]) != len(terms) + 1 or len(arrays["rows"]) != len(arrays["tf"]):
            raise ValueError(f"{directory}: postings arrays do not match their vocabulary")
        return cls(vocab={t: i for i, t in enumerate(terms)}, **arrays)

    @staticmethod
    def merge(parts: Sequence[tuple[Postings, np.ndarray]]) -> Postings:
        """One ``Postings`` of the kept rows of several (``keep`` masks), rows renumbered in
        order — what a segment merge needs, without re-reading any text."""
        vocab: dict[str, int] = {}
        term_ids, rows, tfs, lengths = [], [], [], []
        offset = 0
        for part, keep in parts:
            new_row = np.cumsum(keep) - 1 + offset
            terms = [""] * len(part.vocab)
            for term, i in part.vocab.items():
                terms[i] = term
            remap = np.array([vocab.setdefault(t, len(vocab)) for t in terms], dtype=np.int64)
            per_term = np.diff(np.asarray(part.indptr))
            tid = np.repeat(remap, per_term)
            r = np.asarray(part.rows)
            mask = keep[r]
            term_ids.append(tid[mask])
            rows.append(new_row[r[mask]].astype(np.int32))
            tfs.append(np.asarray(part.tf)[mask])
            lengths.append(np.asarray(part.lengths)[keep])
            offset += int(keep.sum())
        return Postings.from_triples(
            vocab, np.concatenate(term_ids) if term_ids else np.zeros(0, np.int64),
            np.concatenate(rows) if rows else np.zeros(0, np.int32),
            np.concatenate(tfs) if tfs else np.zeros(0, np.float32),
            np.concatenate(lengths) if lengths else np.zeros(0, np.int32),
        )


class LexicalIndex:
    """BM25 over the live rows of several segments' postings (rows numbered across them)."""

    def __init__(self, parts: Sequence[Postings], live: np.ndarray) -> None:
        self.parts = list(parts)
        self.offsets = np.cumsum([0] + [p.n_rows for p in self.parts])
        self.n = int(self.offsets[-1])
        if len(live) != self.n:
            raise ValueError("live mask does not cover every row")
        self.live = live
        self.n_live = int(live.sum())
        lengths = (np.concatenate([np.asarray(p.lengths) for p in self.parts])
                   if self.parts else np.zeros(0, np.int32))
        self.avg_len = float(lengths[live].mean()) if self.n_live else 1.0
        self._norm = (K1 * (1 - B + B * lengths / self.avg_len)).astype(np.float32)

    def _live_postings(self, term: str) -> list[tuple[np.ndarray, np.ndarray]]:
        out = []
        for part, off in zip(self.parts, self.offsets[:-1], strict=False):
            got = part.postings(term)
            if got is None:
                continue
            rows = got[0].astype(np.int64) + off
            keep = self.live[rows]
            if keep.any():
                out.append((rows[keep], np.asarray(got[1])[keep]))
        return out

    def _idf(self, df: int) -> float:
        return math.log(1.0 + (self.n_live - df + 0.5) / (df + 0.5))

    def scores(self, weighted_terms: Mapping[str, float]) -> np.ndarray:
        """BM25 score of every row (zeros when no term matches): the sum over terms of
        ``weight * bm25(term)``; a term given twice in a query has weight 2."""
        out = np.zeros(self.n, dtype=np.float32)
        for term, weight in weighted_terms.items():
            lists = self._live_postings(term)
            if not lists or weight == 0:
                continue
            idf = self._idf(sum(len(r) for r, _ in lists))
            for rows, tf in lists:
                out[rows] += np.float32(weight * idf) * tf / (tf + self._norm[rows])
        return out

    def idf(self, terms: Sequence[str]) -> list[float]:
        """BM25 idf of each term over live rows (a term never seen gets the highest)."""
        return [self._idf(sum(len(r) for r, _ in self._live_postings(t))) for t in terms]

    def contains(self, term: str) -> bool:
        """Whether any segment's vocabulary has ``term`` (deleted rows included)."""
        return any(term in p.vocab for p in self.parts)


def query_weights(terms: Sequence[str]) -> dict[str, float]:
    """Weights of a plain query's terms: how many times each occurs."""
    return {t: float(n) for t, n in Counter(terms).items()}
