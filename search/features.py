"""Features of (query, candidate passage) pairs for the learned hybrid ranker.

Every feature is cheap at query time: vectors and tokens are precomputed at index time, so a
query costs one embedding plus arithmetic over ~100 candidates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from index.lexical import tokenize
from index.store import IndexData
from search.candidates import Candidates
from search.fusion import max_scale, minmax, ranks
from search.spans import REASON, question_type, span_matches, typed_spans

FEATURES = (
    "dense", "dense_mm", "dense_gap", "dense_rrf",
    "bm25_ms", "bm25_log", "bm25_rrf",
    "sent_max", "sent_mm", "sent_gap",
    "coverage", "proximity", "type_match",
)
# Features whose meaning depends on the query and passage sharing a language.
LEXICAL = ("bm25_ms", "bm25_log", "bm25_rrf", "coverage", "proximity")

_WINDOW = 12


@dataclass(frozen=True)
class QueryInfo:
    text: str
    tokens: tuple[str, ...]
    wanted: str
    words: frozenset[str]


def query_info(query: str) -> QueryInfo:
    return QueryInfo(
        text=query, tokens=tuple(dict.fromkeys(tokenize(query))), wanted=question_type(query),
        words=frozenset(w.lower() for w in re.findall(r"\w+", query)),
    )


def term_proximity(qtokens: tuple[str, ...], ptokens: list[str]) -> tuple[float, float]:
    """(coverage, best window coverage): share of query terms in the passage, and in any
    ``_WINDOW``-token window of it."""
    if not qtokens:
        return 0.0, 0.0
    qset = set(qtokens)
    hits = [(i, t) for i, t in enumerate(ptokens) if t in qset]
    coverage = len({t for _, t in hits}) / len(qset)
    best, lo = 0, 0
    for hi in range(len(hits)):
        while hits[hi][0] - hits[lo][0] >= _WINDOW:
            lo += 1
        best = max(best, len({t for _, t in hits[lo:hi + 1]}))
    return coverage, best / len(qset)


def passage_spans(data: IndexData, row: int) -> list[tuple[str, frozenset[str]]]:
    """Typed spans of a passage as (kind, lower-cased words); query-independent, so memoised."""
    memo = data.memo.setdefault("typed_spans", {})
    spans = memo.get(row)
    if spans is None:
        text = data.passages[row].text
        spans = memo[row] = [
            (s.kind, frozenset(re.findall(r"\w+", text[s.start:s.end].lower())))
            for s in typed_spans(text)
        ]
    return spans


def candidate_features(
    cands: Candidates, *, data: IndexData, query: QueryInfo, query_vector: np.ndarray | None,
) -> np.ndarray:
    """``(len(cands), len(FEATURES))`` float32 matrix."""
    n = len(cands)
    x = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if n == 0:
        return x
    dense, lex = cands.dense, cands.lexical
    x[:, 0] = dense
    x[:, 1] = minmax(dense)
    x[:, 2] = dense - dense.max()
    x[:, 3] = 1.0 / (ranks(dense) + 1.0)
    x[:, 4] = max_scale(lex)
    x[:, 5] = np.log1p(lex)
    x[:, 6] = np.where(lex > 0, 1.0 / (ranks(lex) + 1.0), 0.0)
    sent = np.zeros(n, dtype=np.float32)
    for i, row in enumerate(cands.rows):
        srows = data.sentence_rows(int(row))
        if query_vector is not None and len(srows):
            sent[i] = float((data.sentence_vectors[srows] @ query_vector).max())
        else:
            sent[i] = dense[i]
        cov, prox = term_proximity(query.tokens, data.passage_tokens(int(row)))
        x[i, 10] = cov
        x[i, 11] = prox
        x[i, 12] = float(query.wanted == REASON or any(
            span_matches(kind, query.wanted) and not words <= query.words
            for kind, words in passage_spans(data, int(row))
        ))
    x[:, 7] = sent
    x[:, 8] = minmax(sent)
    x[:, 9] = sent - sent.max()
    return x
