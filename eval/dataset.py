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


SPLITS = ("tune", "heldout")
CATEGORIES = ("natural", "keyword", "informal", "mixed", "unanswerable")


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    lang: str
    relevant: list[dict] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    # Our sets declare a tuning half (used to tune and calibrate) and a held-out half (the
    # one reported); other sets have no split.
    split: str | None = None
    category: str = "natural"

    @property
    def answerable(self) -> bool:
        return bool(self.relevant)


def load_questions(path: str | Path, *, split: str | None = None) -> list[Question]:
    """Questions of a labelled set; with ``split``, only that half (``tune`` or ``heldout``)."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    out = []
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            relevant = list(rec.get("relevant") or [])
            q = Question(
                id=str(rec["id"]), question=rec["question"], lang=rec.get("lang") or "id",
                relevant=relevant, answers=list(rec.get("answers") or []),
                split=rec.get("split"),
                category=rec.get("category") or ("natural" if relevant else "unanswerable"),
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"{path}:{lineno}: not a labelled question ({exc})") from None
        if split is None or q.split == split:
            out.append(q)
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
