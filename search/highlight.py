"""The answer span inside a quoted sentence: a learned linear scorer over candidate spans.

``best_span(text, question)`` returns ``[start, end)`` of the span most likely to be the
answer itself (a name, date, amount, place or short phrase). Candidates and their features
come from ``search.span_features``; the weights (``highlighter.json``, named features →
weights, trained by ``eval/train_highlight.py``) are summed per candidate and the best one
wins. Without the file, ``heuristic_span`` (the typed-span heuristic) is used.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

import numpy as np

from search.span_features import (
    QTYPES,
    TEMPLATES,
    WH_WORDS,
    Candidates,
    Question,
    candidates,
    parse_question,
)
from search.spans import DATE, NUMBER, question_type, span_matches, typed_spans

HIGHLIGHTER_FILE = Path(__file__).with_name("highlighter.json")
_EDGE = " \t\n\r.,;:!?\"'“”‘’-–—()[]{}"


def feature_names() -> list[str]:
    """All feature names, in the order of the ids ``feature_ids`` gives."""
    names: list[str] = []
    for t, values in TEMPLATES.items():
        names += [f"{t}={v}" for v in values]
        for qt in QTYPES:
            names += [f"{t}={v}|q={qt}" for v in values]
        for wh in WH_WORDS:
            names += [f"{t}={v}|w={wh}" for v in values]
    return names


def _offsets() -> dict[str, int]:
    out, off = {}, 0
    for t, values in TEMPLATES.items():
        out[t] = off
        off += len(values) * (1 + len(QTYPES) + len(WH_WORDS))
    return out


_OFFSETS = _offsets()


def feature_ids(cands: Candidates, q: Question) -> np.ndarray:
    """``(n_candidates, 3 * n_templates)`` ids into ``feature_names()``."""
    qi, wi = QTYPES.index(q.qtype), WH_WORDS.index(q.wh)
    cols = []
    for t, values in TEMPLATES.items():
        v, off, size = cands.codes[t], _OFFSETS[t], len(values)
        cols += [off + v, off + size * (1 + qi) + v, off + size * (1 + len(QTYPES) + wi) + v]
    return np.stack(cols, axis=1)


class Highlighter:
    """Weights per template value, folded per (question type, wh-word) on first use."""

    def __init__(self, weights: dict[str, float]) -> None:
        names = feature_names()
        self.vector = np.array([weights.get(n, 0.0) for n in names])
        self._tables = lru_cache(maxsize=128)(self._build)

    def _build(self, qtype: str, wh: str) -> dict[str, np.ndarray]:
        qi, wi = QTYPES.index(qtype), WH_WORDS.index(wh)
        out = {}
        for t, values in TEMPLATES.items():
            off, size = _OFFSETS[t], len(values)
            w = self.vector
            out[t] = (w[off:off + size] + w[off + size * (1 + qi):off + size * (2 + qi)]
                      + w[off + size * (1 + len(QTYPES) + wi):off + size * (2 + len(QTYPES) + wi)])
        return out

    def scores(self, cands: Candidates, q: Question) -> np.ndarray:
        tables = self._tables(q.qtype, q.wh)
        total = np.zeros(len(cands.spans))
        for t, codes in cands.codes.items():
            total += tables[t][codes]
        return total

    def best(self, text: str, question: str) -> tuple[int, int] | None:
        scored = self.best_scored(text, parse_question(question))
        return None if scored is None else scored[0]

    def best_scored(self, text: str, q: Question) -> tuple[tuple[int, int], float] | None:
        """The best span and its score for a parsed question (``parse_question``, once per
        question); scores of one question compare across sentences."""
        cands = candidates(text, q)
        if not len(cands.spans):
            return None
        scores = self.scores(cands, q)
        i = int(np.argmax(scores))
        s, e = cands.spans[i]
        return (int(s), int(e)), float(scores[i])

    @classmethod
    def load(cls, path: Path = HIGHLIGHTER_FILE) -> Highlighter | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return cls({k: float(v) for k, v in data.get("weights", {}).items()})


_LOADED: dict[Path, Highlighter | None] = {}


def load_highlighter(path: Path = HIGHLIGHTER_FILE) -> Highlighter | None:
    """The model in ``path`` (cached per path), or None when it is missing or unreadable."""
    if path not in _LOADED:
        _LOADED[path] = Highlighter.load(path)
    return _LOADED[path]


def clean_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding spaces and punctuation (keeping ``$`` and a
    closing bracket whose opener is inside); the whole text if nothing would be left."""
    s, e = start, end
    while s < e and text[s] in _EDGE:
        s += 1
    while e > s and text[e - 1] in _EDGE and not (text[e - 1] == ")" and "(" in text[s:e - 1]):
        e -= 1
    return (s, e) if s < e else (0, len(text))


def best_span(
    text: str, question: str | Question, *, model_path: Path = HIGHLIGHTER_FILE,
) -> tuple[int, int]:
    """``[start, end)`` inside ``text`` of the span most likely to answer ``question`` (its
    text, or already parsed by ``parse_question``)."""
    model = load_highlighter(model_path)
    parsed = question if isinstance(question, Question) else parse_question(question)
    scored = model.best_scored(text, parsed) if model is not None else None
    span = scored[0] if scored is not None else None
    if span is None:
        span = heuristic_span(text, parsed.text)
    return clean_edges(text, *span)


# The former hand-written highlighter (``search.answers.highlight``), kept as the fallback.
_WORD = re.compile(r"\w+")
_UNIT = re.compile(r"[$€£%]|\b(rp|usd|juta|miliar|triliun|ribu|persen|million|billion)\b", re.I)


def heuristic_span(text: str, question: str) -> tuple[int, int]:
    """Typed span of the wanted kind, novel to the question and near its words."""
    wanted = question_type(question)
    qwords = {w.lower() for w in _WORD.findall(question) if len(w) > 2}
    anchors = [m.start() for m in _WORD.finditer(text) if m.group(0).lower() in qwords]
    best: tuple[float, int, int] | None = None
    spans = typed_spans(text)
    dates = [(s.start, s.end) for s in spans if s.kind == DATE]
    for span in spans:
        piece = text[span.start:span.end]
        words = [w.lower() for w in _WORD.findall(piece)]
        if not words or all(w in qwords for w in words):
            continue  # the question already says this
        score = 0.0
        if span_matches(span.kind, wanted):
            score += 2.0
        score += sum(w not in qwords for w in words) / len(words)
        if anchors:
            dist = min(abs(span.start - a) for a in anchors)
            score += 1.0 / (1.0 + dist / 40.0)
        if wanted == NUMBER and span.kind == NUMBER:
            if any(a < span.end and span.start < b for a, b in dates):
                score -= 1.0  # the day of a date is not an amount
            if _UNIT.search(piece):
                score += 0.5
        if span.start == 0 and span.kind != wanted:
            score -= 0.3  # sentence-initial capital is weak evidence of a name
        if best is None or score > best[0]:
            best = (score, span.start, span.end)
    if best is None:
        return 0, len(text)
    return best[1], best[2]
