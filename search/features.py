"""Features of (question, candidate passage) pairs for the learned ranker, built by name.

Every feature is cheap at query time: vectors are stored at index time and terms and typed
spans are kept per generation (``search.context``), so a query costs one embedding plus
arithmetic over ~100 candidates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from search.candidates import Candidates
from search.context import SearchContext
from search.fusion import max_scale, minmax, ranks
from search.question import REASON, Question
from search.spans import kinds_for

BASE_FEATURES = (
    "dense", "dense_mm", "dense_gap", "dense_rrf",
    "bm25_ms", "bm25_log", "bm25_rrf",
    "sent_max", "sent_mm", "sent_gap",
    "coverage", "proximity", "type_match",
)
# Across languages the lexical side searches translated terms and the dense side compares
# across languages, so how much each is worth differs: these features get a second copy that
# is zero unless the passage is in another language than the question ("_x"), and the
# lexical ones a copy scaled by how much of the question was translated ("_t"). Trained on
# Indonesian and English questions, the model learns the weights of each case.
CROSS_FEATURES = ("dense_mm", "dense_gap", "bm25_ms", "bm25_rrf", "sent_gap", "coverage",
                  "proximity", "type_match")
TRANSLATED_FEATURES = ("bm25_ms", "coverage")
FEATURES = (
    *BASE_FEATURES, "cross",
    *(f"{f}_x" for f in CROSS_FEATURES), *(f"{f}_t" for f in TRANSLATED_FEATURES),
)

_WINDOW = 12  # tokens: "the question's terms close together" means within this window


def term_proximity(qterms: tuple[str, ...], pterms: Sequence[str]) -> tuple[float, float]:
    """(coverage, best window coverage): share of the question's terms in the passage, and
    in any ``_WINDOW``-term window of it; ``pterms``, the passage's terms in order."""
    if not qterms:
        return 0.0, 0.0
    qset = set(qterms)
    hits = [(i, t) for i, t in enumerate(pterms) if t in qset]
    found = len({t for _, t in hits})
    best, lo = 0, 0
    inside: dict[str, int] = {}  # the window's terms, counted
    for pos, t in hits:
        inside[t] = inside.get(t, 0) + 1
        while pos - hits[lo][0] >= _WINDOW:
            gone = hits[lo][1]
            inside[gone] -= 1
            if not inside[gone]:
                del inside[gone]
            lo += 1
        best = max(best, len(inside))
        if best == found:  # every term found is inside one window: none can hold more
            break
    return found / len(qset), best / len(qset)


def _sentence_vectors(
    ctx: SearchContext, rows: list[int], query_vector: np.ndarray | None,
) -> tuple[np.ndarray, list[int]]:
    """The sentence vectors of every candidate, read in one gather (not one per candidate),
    and where each candidate's run of them starts and ends; none without a query vector."""
    if query_vector is None:
        return np.zeros((0, 0), np.float32), [0] * (len(rows) + 1)
    runs = [ctx.sentence_rows(row) for row in rows]
    bounds = [0]
    for run in runs:
        bounds.append(bounds[-1] + len(run))
    flat = np.concatenate(runs) if runs else np.zeros(0, np.int64)
    return ctx.data.sentence_vectors(flat), bounds


def prepare(ctx: SearchContext, rows: np.ndarray, question: Question,
            stop: Callable[[], bool] | None = None) -> None:
    """Compute ahead, into ``ctx``'s caches, the per-passage values ``candidate_features``
    reads for ``rows`` (terms, typed spans of the asked kinds, sentence rows), in order,
    until ``stop()``: the searcher does it for BM25's best while the query is embedded."""
    kinds = kinds_for(question.qtype)
    for row in rows.tolist():
        if stop is not None and stop():
            return
        ctx.passage_terms(row)
        ctx.sentence_rows(row)
        if kinds:
            ctx.passage_spans(row, kinds)


def candidate_features(
    cands: Candidates, *, ctx: SearchContext, question: Question,
    query_vector: np.ndarray | None,
) -> dict[str, np.ndarray]:
    """Feature name -> one float32 value per candidate."""
    n = len(cands)
    dense, lex = cands.dense, cands.lexical
    sent = np.zeros(n, dtype=np.float32)
    cov = np.zeros(n, dtype=np.float32)
    prox = np.zeros(n, dtype=np.float32)
    kind = np.zeros(n, dtype=np.float32)
    rows = [int(r) for r in cands.rows]
    vectors, bounds = _sentence_vectors(ctx, rows, query_vector)
    starts = np.asarray(bounds[:-1], dtype=np.int64)
    has = np.diff(np.asarray(bounds, dtype=np.int64)) > 0  # a passage with sentence vectors
    sent[:] = dense
    if query_vector is not None and has.any():  # each passage's best sentence, in one product
        sent[has] = np.maximum.reduceat(vectors @ query_vector, starts[has])
    kinds = kinds_for(question.qtype)
    for i, row in enumerate(rows):
        cov[i], prox[i] = term_proximity(question.terms, ctx.passage_terms(row))
        kind[i] = float(question.qtype == REASON or bool(kinds) and any(
            not words <= question.words for words in ctx.passage_spans(row, kinds)))
    cross = np.asarray(ctx.data.passage_langs(cands.rows) != question.lang, dtype=np.float32)
    f = {
        "dense": dense, "dense_mm": minmax(dense),
        "dense_gap": dense - dense.max() if n else dense,
        "dense_rrf": 1.0 / (ranks(dense) + 1.0),
        "bm25_ms": max_scale(lex), "bm25_log": np.log1p(lex),
        "bm25_rrf": np.where(lex > 0, 1.0 / (ranks(lex) + 1.0), 0.0),
        "sent_max": sent, "sent_mm": minmax(sent),
        "sent_gap": sent - sent.max() if n else sent,
        "coverage": cov, "proximity": prox, "type_match": kind, "cross": cross,
    }
    f |= {f"{name}_x": f[name] * cross for name in CROSS_FEATURES}
    f |= {f"{name}_t": f[name] * np.float32(question.translated) for name in TRANSLATED_FEATURES}
    return {name: np.asarray(v, dtype=np.float32) for name, v in f.items()}


def matrix(features: dict[str, np.ndarray], names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Stack named feature columns in the order ``names`` gives."""
    if not names:
        return np.zeros((0, 0), dtype=np.float32)
    return np.column_stack([features[name] for name in names]).astype(np.float32)
