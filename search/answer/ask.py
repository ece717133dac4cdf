"""``/ask``: the question parsed once, then candidates -> scoring -> choose or withhold ->
highlight -> quote.

The answer is a slice of one stored document (``document.text[char_start:char_end]``), one or
two sentences, at most ``MAX_ANSWER_CHARS``; ``highlight`` marks inside it the span most
likely to be the answer itself. When the best sentence is not convincing the answer is
withheld (``answer is None``, with the reason) and the passages still return.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from index.budget import Budget, checkpoint
from index.records import Document
from search.answer.choose import (
    LOW_CONFIDENCE,
    NO_PASSAGES,
    Choice,
    choose,
    fit_window,
    with_neighbour,
    withheld_because,
)
from search.answer.highlight import Highlighter, widen
from search.answer.model import AnswerModel
from search.answer.read import SentenceReader
from search.answer.sentences import ANSWER_PASSAGES, SentenceCandidates, sentence_candidates
from search.answer.subjects import on_subject, subjects, unnamed
from search.engine import Hit, Searcher
from search.query import Query
from search.question import Question
from search.understand import Understood


@dataclass(frozen=True)
class Answer:
    text: str
    char_start: int
    char_end: int
    document: Document
    passage_id: str
    highlight: tuple[int, int]  # [start, end) inside ``text``
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
    # per stage: the search's (encode, retrieve, fuse; search = all of it) and the answer's
    timings_ms: dict[str, float] = field(default_factory=dict)
    understood: Understood | None = None  # what was searched (repairs, translation)


# The answer's passages are chosen among this many (whatever ``k`` the user asked for), so
# that the question's subjects (``subjects``) are looked for in the same articles every time.
SUBJECT_PASSAGES = 10


def answer_hits(hits: list[Hit], question: str) -> tuple[list[Hit], frozenset[str]]:
    """The passages the answer is read from: the best ``ANSWER_PASSAGES`` of the first
    ``SUBJECT_PASSAGES`` whose article names the question's subjects, in rank order; and the
    subjects no article names."""
    hits = hits[:SUBJECT_PASSAGES]
    docs = list({h.document.id: h.document for h in hits}.values())
    texts = [f"{d.title or ''}\n{d.text}" for d in docs]
    names = subjects(question, texts)
    keep = dict(zip((d.id for d in docs), on_subject(names, texts), strict=True))
    return [h for h in hits if keep[h.document.id]][:ANSWER_PASSAGES], unnamed(names, texts)


class Answerer:
    """The answer step's models, loaded once (for the index's encoder). Without a
    ``reader`` the feature scorer alone chooses, scores and highlights the sentence."""

    def __init__(self, model: AnswerModel, highlighter: Highlighter,
                 reader: SentenceReader | None = None) -> None:
        self.model = model
        self.highlighter = highlighter
        self.reader = reader

    @classmethod
    def load(cls, encoder_id: str, *, reader: bool = True) -> Answerer:
        """The shipped models (``search/models``), checked against the index's encoder."""
        return cls(AnswerModel.load(encoder_id), Highlighter.load(),
                   SentenceReader.load() if reader else None)

    def ask(self, searcher: Searcher, query: Query, budget: Budget | None = None) -> AskResult:
        """The answer to ``query`` or none; with a ``budget``, stops between steps once it is
        spent. Its cost is bounded whatever ``k`` is: sentences come from the top
        ANSWER_PASSAGES passages, and the question is read up to ``Query.read_text``."""
        t0 = time.perf_counter()
        # The answer's passages come from the first SUBJECT_PASSAGES, whatever k the user asked.
        res = searcher.search(replace(query, k=max(query.k, SUBJECT_PASSAGES), sort="relevance",
                                      offset=0), budget)
        t_answer = time.perf_counter()
        q = res.question
        checkpoint(budget, "choosing the answer")
        qvec = (res.query_vector if res.query_vector is not None
                else searcher.embed_query(res.understood.text))
        read, missing = answer_hits(res.hits, q.text)
        cands = (sentence_candidates(res.ctx, read, q, qvec, self.highlighter)
                 if read and not missing else None)
        choice = choose(cands, q, self.model) if cands is not None else None
        if self.reader is not None and cands is not None and choice is not None:
            checkpoint(budget, "reading the best sentences")
            choice = self.reader.reread(cands, choice, q)
        reason = withheld_because(cands, choice, q, any_passages=bool(res.hits),
                                  unnamed=missing)
        if not res.hits and res.empty_reason:
            reason = f"{NO_PASSAGES[:-1]}: {res.empty_reason}."
        answer = None
        if reason is None and cands is not None and choice is not None:
            answer = self.quote(cands, choice, q)
        # A rule that withholds (an amount, a subject, an edition missing) leaves no
        # confidence to report: the model's would read as trust in a withheld quote.
        confidence = (choice.confidence if choice is not None and reason in (None, LOW_CONFIDENCE)
                      else 0.0)
        hits = res.hits
        if answer is not None:  # the passage quoted comes first, the others keep their order
            first = sorted(hits, key=lambda h: h.passage.id != answer.passage_id)
            hits = [replace(h, rank=i + 1) for i, h in enumerate(first)]
        return AskResult(
            question=query.text, question_lang=q.lang, answer=answer,
            confidence=round(float(confidence), 4), no_answer_reason=reason,
            hits=hits[:query.k], took_ms=(time.perf_counter() - t0) * 1000,
            understood=res.understood,
            timings_ms=res.timings_ms | {"search": res.took_ms,
                                         "answer": (time.perf_counter() - t_answer) * 1000},
        )

    def quote(self, cands: SentenceCandidates, choice: Choice, q: Question) -> Answer:
        """The chosen sentence (with a neighbour when it helps), its highlight, cut to fit."""
        best = choice.best
        hit = cands.hits[best]
        doc = hit.document
        sent = cands.sentences[best]
        s0, e0 = with_neighbour(cands, choice.scores, best)
        kept = cands.answer_spans[best]
        if choice.span is not None:  # the reader's span, inside the sentence
            hs, he = sent.start - s0 + choice.span[0], sent.start - s0 + choice.span[1]
        elif kept is not None and (s0, e0) == (sent.start, sent.end):  # scored already
            hs, he = kept
        else:
            hs, he = self.highlighter.best(doc.text[s0:e0], q)
        hs, he = widen(doc.text[s0:e0], hs, he, q)
        start, end = fit_window(doc.text, s0, e0, s0 + hs, s0 + he)
        text = doc.text[start:end]
        return Answer(
            text=text, char_start=start, char_end=end, document=doc, passage_id=hit.passage.id,
            highlight=(max(s0 + hs - start, 0), min(s0 + he - start, len(text))),
            sentence_similarity=float(cands.column("sim")[best]),
        )
