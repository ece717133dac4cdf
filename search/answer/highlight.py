"""The answer span inside a quoted sentence: a learned linear scorer over candidate spans.

``Highlighter.best(text, question)`` returns ``[start, end)`` of the span most likely to be
the answer itself (a name, date, amount, place or short phrase). Candidates and their
features come from ``search.answer.span_features``; the weights (named features -> weights,
``search/models/highlighter.json``, trained by ``eval/train_highlight.py``) are summed per
candidate and the best one wins.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache

import numpy as np

from index.text import CURRENCY_PREFIX, YEAR
from search.answer.span_features import TEMPLATES, Candidates, candidates
from search.models import ModelError, load_model, model_path
from search.question import QTYPES, WH_WORDS, Question
from search.spans import TypedSpan

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


def signature() -> list[str]:
    """The feature set in two strings (the full list has ~50k names): its size and hash."""
    names = feature_names()
    digest = hashlib.sha256("\n".join(names).encode()).hexdigest()
    return [f"n={len(names)}", f"sha256={digest}"]


class Highlighter:
    """Weights per template value, folded per (question type, wh-word) on first use."""

    def __init__(self, weights: dict[str, float]) -> None:
        names = feature_names()
        unknown = set(weights) - set(names)
        if unknown:
            raise ModelError(f"highlighter weights name {len(unknown)} unknown features; "
                             "rebuild the models with: make train")
        self.vector = np.array([weights.get(n, 0.0) for n in names])
        self._tables = lru_cache(maxsize=128)(self._build)

    @classmethod
    def load(cls) -> Highlighter:
        params = load_model(model_path("highlighter"), kind="highlighter",
                            features=signature(), encoder=None)
        return cls({k: float(v) for k, v in params["weights"].items()})

    def _build(self, qtype: str, wh: str) -> dict[str, np.ndarray]:
        qi, wi = QTYPES.index(qtype), WH_WORDS.index(wh)
        out = {}
        w = self.vector
        for t, values in TEMPLATES.items():
            off, size = _OFFSETS[t], len(values)
            out[t] = (w[off:off + size] + w[off + size * (1 + qi):off + size * (2 + qi)]
                      + w[off + size * (1 + len(QTYPES) + wi):off + size * (2 + len(QTYPES) + wi)])
        return out

    def scores(self, cands: Candidates, q: Question) -> np.ndarray:
        tables = self._tables(q.qtype, q.wh)
        total = np.zeros(len(cands.spans))
        for t, codes in cands.codes.items():
            total += tables[t][codes]
        return total

    def best_scored(
        self, text: str, q: Question, spans: tuple[TypedSpan, ...] | None = None,
    ) -> tuple[tuple[int, int], float] | None:
        """The best span (edges cleaned) and its score; scores of one question compare
        across sentences. ``spans``: the text's typed spans when already known."""
        cands = candidates(text, q, spans)
        if not len(cands.spans):
            return None
        scores = self.scores(cands, q)
        i = int(np.argmax(scores))
        s, e = cands.spans[i]
        return clean_edges(text, int(s), int(e)), float(scores[i])

    def best(self, text: str, q: Question) -> tuple[int, int]:
        """``[start, end)`` of the best span (the whole text when it has no candidate)."""
        scored = self.best_scored(text, q)
        return scored[0] if scored is not None else (0, len(text))


def clean_edges(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink ``[start, end)`` past surrounding spaces and punctuation (keeping ``$`` and a
    closing bracket whose opener is inside); the whole text if nothing would be left."""
    s, e = start, end
    while s < e and text[s] in _EDGE:
        s += 1
    while e > s and text[e - 1] in _EDGE and not (text[e - 1] == ")" and "(" in text[s:e - 1]):
        e -= 1
    return (s, e) if s < e else (0, len(text))


# Words that qualify an amount and belong to it when it is quoted ("sekitar 50.000 ekor",
# "lebih dari 20 jenis"): without them the highlight states more than the article does.
_QUALIFIER = re.compile(
    r"\b(?:lebih dari|kurang dari|sekitar|sedikitnya|setidaknya|paling sedikit|hampir"
    r"|kira-kira|more than|less than|about|around|nearly|almost|at least)\s+$", re.I)
_AMOUNT_START = re.compile(rf"(?:{CURRENCY_PREFIX}\s?)?\d")
_COUNT = re.compile(r"\d+(?:[.,]\d+)*")
_NEXT_WORD = re.compile(r"\s+([^\W\d_][\w-]*)")


def widen(text: str, start: int, end: int, q: Question) -> tuple[int, int]:
    """``[start, end)`` grown to the whole phrase of an amount: the qualifier before it
    ("sekitar", "lebih dari") and, after a bare number, the counted thing when the question
    names it ("berapa jumlah puisi" -> "47 puisi"). Tuned on FacQA train: highlight holding
    the answer 0.574 -> 0.582, exact match 0.498 -> 0.505 (416 questions, every sixth)."""
    if start >= end or not _AMOUNT_START.match(text, start, end):
        return start, end
    before = _QUALIFIER.search(text, 0, start)
    after = _NEXT_WORD.match(text, end)
    bare = bool(_COUNT.fullmatch(text, start, end)) and not YEAR.fullmatch(text, start, end)
    e = after.end() if bare and after and after.group(1).lower() in q.content else end
    return (before.start() if before else start), e
