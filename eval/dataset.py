"""Labelled question sets in JSON Lines (``id, question, lang, relevant, answers``)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

from eval.metrics import Item
from index.records import Document

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    relevant: list[dict] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def load_questions(path: str | Path) -> list[Question]:
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            out.append(Question(
                id=str(rec["id"]), question=rec["question"], lang=rec.get("lang") or "id",
                relevant=list(rec.get("relevant") or []), answers=list(rec.get("answers") or []),
            ))
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a labelled question ({exc})") from None
    return out


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """Span of ``quote`` in ``text``: exact first, then tolerant of whitespace differences."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    pattern = r"\s+".join(re.escape(w) for w in quote.split())
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


def relevant_items(q: Question, documents: dict[str, Document]) -> list[Item]:
    """Items with evidence spans resolved against the stored document text."""
    items = []
    for rel in q.relevant:
        doc = documents.get(rel["doc_id"])
        evidence = rel.get("evidence")
        if doc is None or not evidence:
            items.append(Item(rel["doc_id"]))
            continue
        span = locate(doc.text, evidence)
        if span is None:
            log.warning("%s: evidence not found in %s; counting the whole document",
                        q.id, rel["doc_id"])
            items.append(Item(rel["doc_id"]))
        else:
            items.append(Item(rel["doc_id"], *span))
    return items
