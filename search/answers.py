"""Extractive answers: the best sentence of the top passages, quoted verbatim, or nothing.

The answer is a slice of one stored document (``document.text[char_start:char_end]``), one or
two sentences, at most ``MAX_ANSWER_CHARS``; ``highlight`` marks inside it the typed span
(amount, date, name, place) most likely to be the answer itself. When the best sentence is
not convincing the answer is withheld (``answer is None``) and the passages still return.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import numpy as np

from index.lexical import tokenize
from index.records import Document
from index.store import IndexData
from search.engine import Hit, Searcher
from search.spans import DATE, NUMBER, REASON, question_type, span_matches, typed_spans

MAX_ANSWER_CHARS = 300
# Sentences considered come from this many top passages.
ANSWER_PASSAGES = 5


@dataclass(frozen=True)
class AnswerConfig:
    """Weights of the sentence score and the abstention threshold (see eval/tune_answers.py)."""

    w_similarity: float = 1.0
    w_coverage: float = 0.35
    w_passage: float = 0.15
    w_type: float = 0.08
    abstain_below: float = 0.0


@dataclass(frozen=True)
class Answer:
    text: str
    char_start: int
    char_end: int
    document: Document
    passage_id: str
    highlight: tuple[int, int]
    sentence_similarity: float


@dataclass
class AskResult:
    question: str
    question_lang: str
    answer: Answer | None
    confidence: float
    no_answer_reason: str | None
    hits: list[Hit]
    took_ms: float


NO_PASSAGES = "No passage in the index matches this question."
LOW_CONFIDENCE = (
    "These articles do not appear to answer this question: the closest passages are shown, "
    "but none of their sentences states the answer."
)


def ask(
    searcher: Searcher, question: str, *, k: int = 5, lang: str | None = None,
    mode: str = "hybrid", config: AnswerConfig | None = None,
) -> AskResult:
    config = config or AnswerConfig()
    t0 = time.perf_counter()
    res = searcher.search(question, k=max(k, ANSWER_PASSAGES), mode=mode, lang=lang)
    data = res.data
    assert data is not None
    qvec = res.query_vector if res.query_vector is not None else searcher.embed_query(question)
    answer, confidence = _best_answer(data, res.hits[:ANSWER_PASSAGES], question, qvec, config)
    reason = None
    if not res.hits:
        reason, answer = NO_PASSAGES, None
    elif answer is None or confidence < config.abstain_below:
        reason, answer = LOW_CONFIDENCE, None
    return AskResult(
        question=question, question_lang=res.query_lang, answer=answer,
        confidence=round(float(confidence), 4), no_answer_reason=reason, hits=res.hits[:k],
        took_ms=(time.perf_counter() - t0) * 1000,
    )


def _best_answer(
    data: IndexData, hits: list[Hit], question: str, qvec: np.ndarray, config: AnswerConfig,
) -> tuple[Answer | None, float]:
    qtokens = set(tokenize(question))
    wanted = question_type(question)
    best: tuple[float, int, int, Hit] | None = None
    rows_by_pid = {p.id: i for i, p in enumerate(data.passages)} if hits else {}
    for rank, hit in enumerate(hits):
        prow = rows_by_pid[hit.passage.id]
        srows = data.sentence_rows(prow)
        if len(srows) == 0:
            continue
        sims = data.sentence_vectors[srows] @ qvec
        for srow, sim in zip(srows, sims, strict=True):
            _, start, end = (int(x) for x in data.sentence_spans[srow])
            text = hit.document.text[start:end]
            if len(text.split()) < 4:  # headings and datelines do not answer
                continue
            stoks = set(tokenize(text))
            coverage = len(qtokens & stoks) / len(qtokens) if qtokens else 0.0
            has_type = wanted == REASON or any(
                span_matches(s.kind, wanted) and not _inside_question(text[s.start:s.end], question)
                for s in typed_spans(text)
            )
            score = (
                config.w_similarity * float(sim) + config.w_coverage * coverage
                + config.w_passage / (1 + rank) + config.w_type * has_type
            )
            if best is None or score > best[0]:
                best = (score, start, end, hit)
    if best is None:
        return None, 0.0
    score, start, end, hit = best
    doc = hit.document
    start, end = _fit(doc.text, start, end)
    text = doc.text[start:end]
    answer = Answer(
        text=text, char_start=start, char_end=end, document=doc, passage_id=hit.passage.id,
        highlight=highlight(text, question), sentence_similarity=score,
    )
    return answer, score


def _fit(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim an over-long sentence to ``MAX_ANSWER_CHARS`` at word boundaries (still verbatim)."""
    if end - start <= MAX_ANSWER_CHARS:
        return start, end
    cut = text.rfind(" ", start, start + MAX_ANSWER_CHARS)
    end = cut if cut > start else start + MAX_ANSWER_CHARS
    while end > start and text[end - 1] in " ,;:":
        end -= 1
    return start, end


def _inside_question(span_text: str, question: str) -> bool:
    return span_text.lower() in question.lower()


_WORD = re.compile(r"\w+")
_UNIT = re.compile(r"[$€£%]|\b(rp|usd|juta|miliar|triliun|ribu|persen|million|billion)\b", re.I)


def highlight(text: str, question: str) -> tuple[int, int]:
    """``[start, end)`` inside ``text`` of the span most likely to be the answer."""
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
        novel = sum(w not in qwords for w in words) / len(words)
        score += novel
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
