"""Choose the answer sentence or withhold it, and cut the quote: small pure functions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.text import lower_words
from search.answer.constraints import pins, satisfied
from search.answer.model import ABSTAIN_FEATURES, SENTENCE_FEATURES, AnswerModel
from search.answer.sentences import SentenceCandidates
from search.question import Question

MAX_ANSWER_CHARS = 300

NO_PASSAGES = "No passage in the index matches this question."
LOW_CONFIDENCE = (
    "These articles do not appear to answer this question: the closest passages are shown, "
    "but none of their sentences states the answer."
)
NO_AMOUNT = (
    "These articles do not appear to answer this question: it asks for an amount, and none "
    "of the closest passages states one."
)
OTHER_EDITION = (
    "These articles do not appear to answer this question: the closest passage is about "
    "another year or another edition than the one asked about."
)

UNNAMED = "These articles do not appear to answer this question: none of them names {}."


@dataclass(frozen=True)
class Choice:
    """The best sentence (an index into the candidates), every sentence's score, and the
    confidence that the best one answers the question (withheld below ``threshold``)."""

    best: int
    scores: np.ndarray
    confidence: float
    cross: bool  # the chosen sentence is in another language than the question
    threshold: float  # withheld below this confidence
    span: tuple[int, int] | None = None  # the answer inside the best sentence, when read


def abstain_features(cands: SentenceCandidates, scores: np.ndarray, q: Question) -> np.ndarray:
    order = np.argsort(-scores)
    best = order[0]
    margin = scores[best] - scores[order[1]] if len(order) > 1 else 1.0
    found: set[str] = set()
    for hit in dict.fromkeys(cands.hits):  # the passages, in rank order
        found |= q.entities & lower_words(hit.passage.text)
    f = dict(zip(SENTENCE_FEATURES, cands.features[best], strict=True))
    values = {
        "best": scores[best], "margin": margin, "sim": f["sim"], "coverage": f["coverage"],
        "entities": f["entities"],
        "entities_top": len(found) / len(q.entities) if q.entities else 1.0,
        "type_match": f["type_match"], "type_strict": f["type_strict"], "span": f["span"],
        "passage_rrf": f["passage_rrf"],
    }
    return np.array([values[name] for name in ABSTAIN_FEATURES], dtype=np.float32)


def choose(cands: SentenceCandidates, q: Question, model: AnswerModel) -> Choice:
    scores = model.sentence_scores(cands.features, cands.cross)
    best = int(np.argmax(scores))
    cross = bool(cands.cross[best])
    return Choice(best=best, scores=scores, cross=cross,
                  confidence=model.confidence(abstain_features(cands, scores, q), cross),
                  threshold=model.threshold(cross))


def withheld_because(
    cands: SentenceCandidates | None, choice: Choice | None, q: Question, *, any_passages: bool,
    unnamed: frozenset[str] = frozenset(),
) -> str | None:
    """Why no answer is given (None: answer). A question about money or area that no
    candidate answers with an amount and its unit is withheld whatever the confidence (on
    FacQA train this withholds 1 of the 58 such questions whose answer is among the
    candidates; ``eval/train_answers.py`` prints the count)."""
    if not any_passages:
        return NO_PASSAGES
    if unnamed:  # subjects.unnamed: a long acronym the question names, no article does
        return UNNAMED.format(", ".join(sorted(n.upper() for n in unnamed)))
    if cands is not None and (q.asks_money or q.asks_area) and not cands.column(
            "type_strict").any():
        return NO_AMOUNT
    if choice is None or choice.confidence < choice.threshold:
        return LOW_CONFIDENCE
    hit = cands.hits[choice.best] if cands else None
    if hit is not None and not satisfied(pins(q.text), hit.passage.text, hit.document.published):
        return OTHER_EDITION
    return None


def with_neighbour(cands: SentenceCandidates, scores: np.ndarray, best: int) -> tuple[int, int]:
    """The best sentence, joined with its better-scoring adjacent sentence when both fit in
    ``MAX_ANSWER_CHARS`` (an answer may be one or two sentences)."""
    s = cands.sentences[best]
    text = cands.hits[best].document.text
    pick: tuple[float, int, int] | None = None
    for j, other in enumerate(cands.sentences):
        if j == best or other.doc_row != s.doc_row:
            continue
        after = other.start >= s.end and not text[s.end:other.start].strip()
        before = other.end <= s.start and not text[other.end:s.start].strip()
        if (after or before) and (pick is None or scores[j] > pick[0]):
            pick = (float(scores[j]), min(s.start, other.start), max(s.end, other.end))
    if pick is not None and pick[2] - pick[1] <= MAX_ANSWER_CHARS and "\n\n" not in (
        text[pick[1]:pick[2]]
    ):
        return pick[1], pick[2]
    return s.start, s.end


def fit_window(text: str, start: int, end: int, hl_start: int, hl_end: int) -> tuple[int, int]:
    """At most ``MAX_ANSWER_CHARS`` of ``text[start:end]`` around the highlight, cut at word
    boundaries (still a verbatim slice of the document)."""
    if end - start <= MAX_ANSWER_CHARS:
        return start, end
    hl_end = min(hl_end, hl_start + MAX_ANSWER_CHARS)
    slack = MAX_ANSWER_CHARS - (hl_end - hl_start)
    lo = max(start, hl_start - slack // 2)
    hi = min(end, lo + MAX_ANSWER_CHARS)
    lo = max(start, hi - MAX_ANSWER_CHARS)
    if lo > start:  # begin at a word
        nxt = text.find(" ", lo, hl_start)
        lo = nxt + 1 if nxt >= 0 else lo
    if hi < end:  # end at a word
        cut = text.rfind(" ", hl_end, hi)
        hi = cut if cut > 0 else hi
    while hi > lo and text[hi - 1] in " ,;:":
        hi -= 1
    while lo < hi and text[lo] in " ,;:":
        lo += 1
    return lo, hi
