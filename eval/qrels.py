"""Relevance as passage-level qrels, and retrieval metrics computed from them by ranx.

A question's ``relevant`` items say what is relevant in one of three ways; ``passage_qrels``
turns them into ``{passage_id: grade}`` for the index being evaluated — the one rule every
number in ``telusur eval`` rests on:

* ``{"doc_id"}`` — the whole document: every passage of it is relevant;
* ``{"doc_id", "evidence"}`` — a verbatim quote: a passage is relevant when its span overlaps
  the quote's span in the stored text (half-open ``[start, end)``; a quote that is not found
  falls back to the whole document, with a warning);
* ``{"doc_id", "passage_id", "char_start", "char_end"}`` — a judged passage (judging view,
  TREC qrels): the passage with exactly that span, or, in an index chunked otherwise, every
  passage overlapping the span.

A qrels entry (TREC, BEIR) becomes ``{"doc_id": ID}``; an ID that names no document of the
index but one of its passages (``doc#n``, as Telusur's run files and judgements write them)
counts as that passage alone.

An item may carry ``"grade"``: 1 (relevant, the default) or 2 (highly relevant); 0 means
judged not relevant and makes nothing relevant. A passage relevant through several items
keeps the highest grade. Recall and MRR count any grade ≥ 1; nDCG uses the grade as gain.

Metrics are ranx's (trec_eval's definitions): ``recall@k`` = relevant passages in the top k /
relevant passages, ``mrr@10`` = 1 / rank of the first relevant passage, ``ndcg@10`` with
linear gain. Where every relevant item lies in exactly one passage (all of FacQA, every
located quote of our seed set) these equal the item-based figures Telusur reported before.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from index.generation import IndexData

log = logging.getLogger(__name__)

RETRIEVAL_METRICS = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
RECALL_CURVE = (1, 2, 3, 5, 10)


@dataclass(frozen=True)
class Span:
    """Where an item points: a document, optionally narrowed to ``[start, end)``."""

    doc_id: str
    start: int | None = None
    end: int | None = None
    grade: int = 1
    exact_passage: bool = False  # a judged passage: prefer the passage with exactly this span

    def overlaps(self, start: int, end: int) -> bool:
        if self.start is None or self.end is None:
            return True
        return start < self.end and self.start < end


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Span of ``quote`` in ``text``: exact first, then tolerant of whitespace differences."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text) if pattern else None
    return (m.start(), m.end()) if m else None


def item_spans(qid: str, relevant: Sequence[Mapping[str, Any]], data: IndexData) -> list[Span]:
    """The spans of a question's relevant items in the index's stored text."""
    spans = []
    for rel in relevant:
        doc_id, grade = str(rel["doc_id"]), int(rel.get("grade", 1))
        if rel.get("char_start") is not None and rel.get("char_end") is not None:
            spans.append(Span(doc_id, int(rel["char_start"]), int(rel["char_end"]), grade,
                              exact_passage=True))
            continue
        evidence = rel.get("evidence")
        doc = data.document(doc_id) if evidence else None
        span = locate(doc.text, evidence) if doc is not None and evidence else None
        if evidence and doc is not None and span is None:
            log.warning("%s: evidence not found in %s; counting the whole document", qid, doc_id)
        spans.append(Span(doc_id, *span, grade) if span else Span(doc_id, grade=grade))
    return spans


def passage_qrels(
    qid: str, relevant: Sequence[Mapping[str, Any]], data: IndexData,
) -> dict[str, int]:
    """``{passage_id: grade}`` of one question in this index (the rule in the module doc)."""
    out: dict[str, int] = {}
    for span in item_spans(qid, relevant, data):
        if span.grade <= 0:
            continue
        row = data.doc_rows.get(span.doc_id)
        if row is None:
            p = data.passage_by_id(span.doc_id)
            if p is not None:
                out[p.id] = max(out.get(p.id, 0), span.grade)
            continue  # otherwise not in this index: nothing can be retrieved for it
        passages = [data.passage(int(r)) for r in data.document_passage_rows(row)]
        exact = [p for p in passages if span.exact_passage
                 and (p.char_start, p.char_end) == (span.start, span.end)]
        for p in exact or [p for p in passages if span.overlaps(p.char_start, p.char_end)]:
            out[p.id] = max(out.get(p.id, 0), span.grade)
    return out


def rank_faithful(scores: Iterable[float]) -> list[float]:
    """Scores (rounded to 6 decimals) made strictly decreasing by nudges of 1e-6, so that a
    rescorer that sorts by score (trec_eval, ranx) sees exactly Telusur's ranking."""
    out: list[float] = []
    for s in scores:
        v = round(float(s), 6)
        if out and v >= out[-1]:
            v = round(out[-1] - 1e-6, 6)
        out.append(v)
    return out


def score_run(
    qrels: Mapping[str, Mapping[str, int]], run: Mapping[str, Sequence[tuple[str, float]]],
    metrics: Sequence[str] = RETRIEVAL_METRICS,
) -> dict[str, dict[str, float]]:
    """Per question with at least one relevant passage: ``{metric: value}`` computed by ranx.

    ``run`` holds each question's ranked ``(passage_id, score)``; scores are made
    rank-faithful first (``rank_faithful``), as in the TREC run files."""
    judged = {q: {p: int(g) for p, g in rels.items()} for q, rels in qrels.items()
              if any(g > 0 for g in rels.values())}
    if not judged:
        return {}
    from ranx import Qrels, Run, evaluate  # heavy (numba): only when scoring

    ranked = {q: dict(zip([p for p, _ in run.get(q, ())],
                          rank_faithful(s for _, s in run.get(q, ())), strict=True))
              for q in judged}
    r = Run(ranked)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's uint64 cast notices
        evaluate(Qrels(judged), r, list(metrics), make_comparable=True)
    return {q: {m: float(r.scores[m][q]) for m in metrics} for q in judged}
