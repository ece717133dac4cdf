"""The failure list: questions whose first relevant passage is below rank 5 (or missing from
the results), and questions whose answer is wrong — with what a reader needs to see why."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from eval.dataset import Question
from index.generation import IndexData

if TYPE_CHECKING:
    from eval.session import Scored

FAIL_RANK = 5  # the first relevant passage must be in the top 5
EVIDENCE_CHARS = 300


def gold_evidence(q: Question, data: IndexData | None = None) -> str:
    """The labelled evidence, readable: the quote (or judged passage's text), else the start
    of the relevant document as the index holds it."""
    parts = []
    for rel in q.relevant:
        if int(rel.get("grade", 1)) <= 0:
            continue
        text = rel.get("evidence")
        if not text and data is not None:
            doc = data.document(rel["doc_id"])
            text = doc.text if doc is not None else None
        parts.append(f"{rel['doc_id']}: “{text[:EVIDENCE_CHARS]}”" if text else rel["doc_id"])
    return " | ".join(parts) or "(no relevant passage: unanswerable)"


def failures(questions: Sequence[Question], scored: Scored,
             data: IndexData | None = None) -> list[dict[str, Any]]:
    out = []
    for q, run, row in zip(questions, scored.runs, scored.rows, strict=True):
        rank = row["first_relevant_rank"]
        retrieval_miss = q.answerable and (rank is None or rank > FAIL_RANK)
        # wrong: an answer without the gold answer, a withheld answerable one, or any
        # answer to an unanswerable question
        wrong_answer = (row.get("answer_ok") is False) or (
            "correct" in row and not row["correct"])
        if not (retrieval_miss or wrong_answer):
            continue
        top = run.top or {}
        out.append({
            "id": q.id, "lang": q.lang, "category": q.category, "question": q.question,
            "gold": gold_evidence(q, data), "gold_answers": q.answers,
            "first_relevant_rank": rank,
            "top_doc": top.get("doc_id"), "top_title": top.get("title"),
            "top_text": top.get("text"),
            "answer": run.answer,
            "highlight": run.highlight,
            "no_answer_reason": run.no_answer_reason,
            "why": ", ".join(w for w, on in (
                ("retrieval", retrieval_miss), ("answer", wrong_answer)) if on),
        })
    return out
