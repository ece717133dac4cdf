"""Run one configuration over a labelled set: per question, the ranked passages, the stage
timings and (with an answerer) the answer given.

A *configuration* is what ``telusur eval compare`` varies: retrieval mode, ranker (a name or
a trained ranker file), encoder, chunker settings, and query translation (a flag kept for the
translation step being built elsewhere: turning it on is refused until it exists).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from eval.dataset import Question
from search.answer.ask import Answerer
from search.engine import Hit, Searcher
from search.query import MODES, Query

SNIPPET_CHARS = 300


_SWITCHES = ("translate", "reader")  # on/off settings of a configuration


@dataclass(frozen=True)
class Config:
    label: str
    mode: str = "hybrid"
    ranker: str | None = None  # a ranker name (learned, dbsf, rrf, convex) or a ranker file
    encoder: str | None = None
    max_chars: int | None = None
    overlap: int | None = None
    translate: bool = True  # English query words translated for BM25, as the product does
    reader: bool = True  # the trained reader rereads the best sentences, as the product does

    @classmethod
    def parse(cls, spec: str) -> Config:
        """``LABEL [key=value ...]`` with keys mode, ranker, encoder, max_chars, overlap,
        translate and reader (on/off). A bare mode name is that mode: ``--config bm25``."""
        words = spec.split()
        if not words or "=" in words[0]:
            raise ValueError(f"--config {spec!r}: start with a label, e.g. 'rrf mode=hybrid "
                             "ranker=rrf'")
        known = {f.name for f in fields(cls)} - {"label"}
        values: dict[str, Any] = {"label": words[0]}
        if words[0] in MODES:
            values["mode"] = words[0]
        for word in words[1:]:
            key, sep, value = word.partition("=")
            key = key.replace("-", "_")
            if not sep or key not in known or not value:
                raise ValueError(f"--config {spec!r}: {word!r} is not one of "
                                 f"{', '.join(sorted(known))}=VALUE")
            values[key] = value
        try:
            for key in ("max_chars", "overlap"):
                if key in values:
                    values[key] = int(values[key])
        except ValueError:
            raise ValueError(f"--config {spec!r}: max_chars and overlap are whole numbers"
                             ) from None
        for key in _SWITCHES:
            if key in values:
                flag = str(values[key]).lower()
                if flag not in ("on", "off", "true", "false", "1", "0"):
                    raise ValueError(f"--config {spec!r}: {key}=on or {key}=off")
                values[key] = flag in ("on", "true", "1")
        config = cls(**values)
        config.check()
        return config

    def check(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"configuration {self.label}: unknown mode {self.mode!r}; use "
                             f"{', '.join(MODES)}")

    @property
    def index_key(self) -> tuple[str | None, int | None, int | None]:
        """Configurations with the same key share one index."""
        return self.encoder, self.max_chars, self.overlap

    def describe(self) -> str:
        parts = [f"mode={self.mode}"]
        parts += [f"{f.name}={getattr(self, f.name)}" for f in fields(self)
                  if f.name not in ("label", "mode", *_SWITCHES) and getattr(self, f.name)]
        return " ".join(parts + [f"{k}={'on' if getattr(self, k) else 'off'}" for k in _SWITCHES])


def load_ranker(spec: str, *, encoder_id: str) -> Any:
    """A ranker by name, or a trained ranker file (``*.json``) checked like the shipped one."""
    from search.rankers import RANKERS, LearnedRanker, make_ranker

    if spec in RANKERS:
        return make_ranker(spec, encoder_id=encoder_id)
    path = Path(spec)
    if not path.is_file():
        raise ValueError(f"ranker {spec!r}: neither a ranker name ({', '.join(RANKERS)}) nor a "
                         "ranker file")
    return LearnedRanker.from_file(path, encoder_id=encoder_id)


@dataclass
class QuestionRun:
    """What one configuration did with one question."""

    qid: str
    ranked: list[tuple[str, float]]  # (passage_id, score), best first
    top: dict[str, Any] | None  # the first-ranked passage, for the failure list
    timings_ms: dict[str, float] = field(default_factory=dict)
    answer: str | None = None
    highlight: str | None = None
    confidence: float | None = None
    no_answer_reason: str | None = None
    answered: bool = False  # an answerer ran


def _top(hits: Sequence[Hit]) -> dict[str, Any] | None:
    if not hits:
        return None
    h = hits[0]
    return {"passage_id": h.passage.id, "doc_id": h.document.id, "title": h.document.title,
            "text": h.passage.text[:SNIPPET_CHARS]}


def run_one(searcher: Searcher, answerer: Answerer | None, q: Question, *, mode: str,
            k: int) -> QuestionRun:
    query = Query(text=q.question, k=k, mode=mode)
    t0 = time.perf_counter()
    if answerer is None:
        res = searcher.search(query)
        hits, timings = res.hits, dict(res.timings_ms) | {"search": res.took_ms}
        timings["total"] = (time.perf_counter() - t0) * 1000
        return QuestionRun(q.id, [(h.passage.id, h.score) for h in hits], _top(hits), timings)
    result = answerer.ask(searcher, query)
    timings = dict(result.timings_ms) | {"total": result.took_ms}
    a = result.answer
    return QuestionRun(
        q.id, [(h.passage.id, h.score) for h in result.hits], _top(result.hits), timings,
        answer=a.text if a else None,
        highlight=a.text[a.highlight[0]:a.highlight[1]] if a else None,
        confidence=result.confidence, no_answer_reason=result.no_answer_reason, answered=True,
    )


def run_questions(
    searcher: Searcher, questions: Sequence[Question], *, mode: str, k: int = 10,
    answerer: Answerer | None = None, progress: bool = False, label: str | None = None,
) -> list[QuestionRun]:
    """Every question through one searcher (its query cache cleared first, so the encode
    latency is honest)."""
    searcher.cache.clear()
    items: Sequence[Question] = questions
    if progress:
        from tqdm import tqdm

        items = tqdm(questions, desc=label or mode, unit="q", file=sys.stderr, leave=False)
    return [run_one(searcher, answerer, q, mode=mode, k=k) for q in items]


def searcher_for(base: Searcher, config: Config) -> Searcher:
    """``base`` with the configuration's ranker (same index, encoder and query cache)."""
    if config.ranker is None and config.translate:
        return base
    ranker = (base.ranker if config.ranker is None
              else load_ranker(config.ranker, encoder_id=base.encoder.id))
    s = Searcher(base.store, base.encoder, ranker=ranker, translate=config.translate)
    s.cache = base.cache
    return s

