"""Labelled questions, and our own format: JSON Lines of
``{id, question, lang, category, split, relevant, answers}``.

``relevant`` holds items as ``eval.qrels`` reads them (a document, an evidence quote in it,
or a judged passage, each with an optional ``grade``). Other formats (BEIR, TREC qrels,
judgements) are read into the same ``Question`` by ``eval.formats``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPLITS = ("tune", "heldout")
CATEGORIES = ("natural", "keyword", "informal", "mixed", "unanswerable")
GRADES = (0, 1, 2)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    relevant: list[dict[str, Any]] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    # Our sets declare a tuning half (used to tune and calibrate) and a held-out half (the
    # one reported); other sets have no split.
    split: str | None = None
    category: str = "natural"

    @property
    def answerable(self) -> bool:
        return any(int(r.get("grade", 1)) > 0 for r in self.relevant)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "question": self.question, "lang": self.lang,
                               "category": self.category}
        if self.split is not None:
            out["split"] = self.split
        return out | {"relevant": self.relevant, "answers": self.answers}


def check_item(rel: object) -> dict[str, Any]:
    """One ``relevant`` item, or a ValueError saying what is wrong with it."""
    if not isinstance(rel, dict):
        raise ValueError("each 'relevant' item must be an object")
    if not isinstance(rel.get("doc_id"), str) or not rel["doc_id"]:
        raise ValueError("a 'relevant' item needs a 'doc_id' string")
    grade = rel.get("grade", 1)
    if not isinstance(grade, int) or isinstance(grade, bool) or grade not in GRADES:
        raise ValueError(f"'grade' must be one of {', '.join(map(str, GRADES))}, not {grade!r}")
    if rel.get("evidence") is not None and not isinstance(rel["evidence"], str):
        raise ValueError("'evidence' must be a string (a verbatim quote)")
    span = (rel.get("char_start"), rel.get("char_end"))
    if span != (None, None) and not (
        all(isinstance(x, int) and not isinstance(x, bool) for x in span)
        and 0 <= span[0] < span[1]  # type: ignore[operator]
    ):
        raise ValueError("'char_start' and 'char_end' must be integers with start < end")
    return rel


def question_from_record(rec: object) -> Question:
    """A question of our format, or a ValueError naming the bad field."""
    if not isinstance(rec, dict):
        raise ValueError("each line must be a JSON object")
    for name in ("id", "question"):
        if not isinstance(rec.get(name), str | int) or not str(rec[name]).strip():
            raise ValueError(f"'{name}' is missing or empty")
    if not isinstance(rec["question"], str):
        raise ValueError("'question' must be a string")
    relevant = rec.get("relevant") or []
    answers = rec.get("answers") or []
    if not isinstance(relevant, list):
        raise ValueError("'relevant' must be a list")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise ValueError("'answers' must be a list of strings")
    relevant = [check_item(r) for r in relevant]
    positive = any(int(r.get("grade", 1)) > 0 for r in relevant)
    return Question(
        id=str(rec["id"]), question=rec["question"], lang=str(rec.get("lang") or "id"),
        relevant=relevant, answers=answers, split=rec.get("split"),
        category=str(rec.get("category") or ("natural" if positive else "unanswerable")),
    )


def load_questions(path: str | Path, *, split: str | None = None) -> list[Question]:
    """Questions of a labelled set; with ``split``, only that half (``tune`` or ``heldout``).
    A malformed line raises a ValueError naming the file and line."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            q = question_from_record(json.loads(line))
        except RecursionError:
            raise ValueError(f"{path}:{lineno}: JSON nested too deeply") from None
        except ValueError as exc:  # JSONDecodeError is one too
            raise ValueError(f"{path}:{lineno}: not a labelled question ({exc})") from None
        if split is None or q.split == split:
            out.append(q)
    return out
