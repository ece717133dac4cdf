"""Which passages a query matches, how many, and in which order they are listed.

A passage *matches* a query when it passes the filters and either shares a search term with
the query (a BM25 match) or is among the ``CANDIDATES_PER_RETRIEVER`` passages closest to it
in meaning (the dense top list; not in ``bm25`` mode, which embeds nothing). ``total`` is the
number of matching passages; ``offset`` pages through them.

Relevance order comes in *tiers* so that a page never depends on how deep the user paged:
tier 0 is the first stage's candidates (dense top 50 ∪ BM25 top 50) ranked by the mode's
scorer — exactly the list a first page always showed; tier ``c`` ≥ 1 holds the BM25 ranks
``50c+1 … 50c+50`` not listed before, ranked by the same scorer among themselves. Date order
lists every match newest first (a year-only date counts as 1 January; undated last), equal
dates in relevance order (tier 0 position, then BM25 rank). A hit's score is always its
relevance score within its tier, whichever the order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from index.generation import IndexData
from index.vectors import top_k
from search.candidates import CANDIDATES_PER_RETRIEVER, Candidates, scored

TIER = CANDIDATES_PER_RETRIEVER

Scorer = Callable[[Candidates], np.ndarray]


@dataclass(frozen=True)
class LexicalMatches:
    """The passages a query's BM25 terms match inside the filters: what ``Matches`` needs
    before the dense list is known (the searcher builds it while the query is embedded)."""

    pool: np.ndarray  # BM25 score of every row, 0 outside the filters and on deleted rows
    rows: np.ndarray  # the rows of positive score, ascending

    @classmethod
    def of(cls, data: IndexData, lexical: np.ndarray, allowed: np.ndarray | None
           ) -> LexicalMatches:
        if allowed is None and data.lexical.n_live == len(lexical):
            pool = lexical  # every row live, none filtered out: nothing to mask
        else:
            mask = data.live if allowed is None else (data.live & allowed)
            pool = np.where(mask, lexical, np.float32(0))  # as ``gather`` ranks it
        return cls(pool, np.flatnonzero(pool > 0))


class Matches:
    """The matching passages of one query, ranked lazily (only the tiers a page needs)."""

    def __init__(
        self, data: IndexData, *, first: Candidates, lexical: np.ndarray,
        matched: LexicalMatches, query_vector: np.ndarray | None, score: Scorer,
    ) -> None:
        self.data = data
        self.first = first
        self._lexical = lexical
        self._qvec = query_vector
        self._score = score
        self._pool = matched.pool
        self.n_lexical = len(matched.rows)
        dense = first.rows[first.in_dense]  # ascending, as the candidates' rows
        self.dense_only: np.ndarray = dense[self._pool[dense] <= 0]  # matched by meaning alone
        self.rows: np.ndarray = np.insert(  # every matching row, ascending
            matched.rows, np.searchsorted(matched.rows, self.dense_only), self.dense_only)
        self._tiers: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._lex_order = np.zeros(0, np.int64)

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def n_tiers(self) -> int:
        rest = max(self.n_lexical - TIER, 0)
        return 1 + -(-rest // TIER)

    # ---- relevance ---------------------------------------------------------------------------
    def _lex_ranked(self, n: int) -> np.ndarray:
        """The ``n`` best BM25 matches, best first (ties: lower row first)."""
        n = min(n, self.n_lexical)
        if len(self._lex_order) < n:
            self._lex_order = top_k(self._pool, n).astype(np.int64)
        return self._lex_order[:n]

    def tier(self, c: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) of tier ``c``, best first."""
        got = self._tiers.get(c)
        if got is not None:
            return got
        if c == 0:
            cands = self.first
        else:
            rows = self._lex_ranked(TIER * (c + 1))[TIER * c:]
            rows = rows[~np.isin(rows, self.first.rows)]
            cands = scored(self.data, rows, query_vector=self._qvec,
                           lexical_scores=self._lexical, in_dense=np.zeros(len(rows), bool),
                           in_lexical=np.ones(len(rows), bool))
        scores = self._score(cands) if len(cands) else np.zeros(0, np.float32)
        order = np.lexsort((cands.rows, -scores))
        got = self._tiers[c] = (cands.rows[order], np.asarray(scores, np.float32)[order])
        return got

    def by_relevance(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) at positions ``start:stop`` of the relevance order."""
        rows, scores, have = [], [], 0
        for c in range(self.n_tiers):
            if have >= stop:
                break
            r, s = self.tier(c)
            rows.append(r)
            scores.append(s)
            have += len(r)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        return np.concatenate(rows)[start:stop], np.concatenate(scores)[start:stop]

    # ---- date --------------------------------------------------------------------------------
    def by_date(
        self, start: int, stop: int, doc_day: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(rows, scores) at positions ``start:stop`` of the date order (``doc_day``: the
        publication day of each document row, -1 when unknown)."""
        rows = self.rows
        day = doc_day[self.data.passage_doc_rows[rows]]
        rank = self._relevance_rank(rows)
        order = np.lexsort((rows, rank, -day, day < 0))
        page = rows[order[start:stop]]
        return page, self._scores_of(page)

    def _relevance_rank(self, rows: np.ndarray) -> np.ndarray:
        """A relevance key per row: its position in tier 0, else 1e9 + its BM25 rank."""
        rank = np.full(self.data.n_rows, np.iinfo(np.int64).max, dtype=np.int64)
        lex = self._lex_ranked(self.n_lexical)
        rank[lex] = 1_000_000_000 + np.arange(len(lex))
        first_rows, _ = self.tier(0)
        rank[first_rows] = np.arange(len(first_rows))
        out: np.ndarray = rank[rows]
        return out

    def _scores_of(self, rows: np.ndarray) -> np.ndarray:
        """Each row's relevance score within its tier (scoring only the tiers needed)."""
        lex = self._lex_ranked(self.n_lexical)
        lex_rank = {int(lex[p]): int(p) for p in np.flatnonzero(np.isin(lex, rows))}
        first = {int(r) for r in self.first.rows}
        out = np.zeros(len(rows), np.float32)
        for i, row in enumerate(int(r) for r in rows):
            c = 0 if row in first else max(1, lex_rank[row] // TIER)
            tier_rows, tier_scores = self.tier(c)
            out[i] = tier_scores[int(np.flatnonzero(tier_rows == row)[0])]
        return out
