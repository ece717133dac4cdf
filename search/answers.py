"""Extractive answers: the best sentence of the top passages, quoted verbatim, or nothing.

The answer is a slice of one stored document (``document.text[char_start:char_end]``), one or
two sentences, at most ``MAX_ANSWER_CHARS``; ``highlight`` marks inside it the typed span
(amount, date, name, place) most likely to be the answer itself. When the best sentence is
not convincing the answer is withheld (``answer is None``) and the passages still return.
"""

from __future__ import annotations

import json
import math
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.lexical import tokenize
from index.records import Document
from index.store import IndexData
from search.engine import Hit, Searcher
from search.features import query_info, term_proximity
from search.fusion import minmax
from search.spans import DATE, NUMBER, REASON, question_type, span_matches, typed_spans

MAX_ANSWER_CHARS = 300
# Sentences considered come from this many top passages.
ANSWER_PASSAGES = 5


ANSWERER_FILE = Path(__file__).with_name("answerer.json")
SENTENCE_FEATURES = (
    "sim", "sim_gap", "coverage", "proximity", "type_match", "passage_rrf", "passage_mm",
    "heading", "log_len",
)
# Mode-independent: nothing here depends on the scale of the retriever's scores.
ABSTAIN_FEATURES = ("best", "margin", "sim", "coverage", "passage_rrf")


@dataclass(frozen=True)
class AnswerConfig:
    """Linear sentence scorer and abstention model, trained by ``eval/train_answers.py``.

    Without a trained file, similarity plus term coverage picks the sentence and nothing is
    withheld.
    """

    sentence_weights: tuple[float, ...] = (1.0, 0.0, 0.35, 0.0, 0.08, 0.15, 0.0, 0.0, 0.0)
    abstain_weights: tuple[float, ...] = (0.0,) * len(ABSTAIN_FEATURES)
    abstain_bias: float = 10.0
    abstain_below: float = 0.0
    # Cross-lingual answers score lower (no shared terms), so they get their own threshold.
    abstain_below_cross: float = 0.0

    def threshold(self, cross_lingual: bool) -> float:
        return self.abstain_below_cross if cross_lingual else self.abstain_below

    @classmethod
    def load(cls, path: Path = ANSWERER_FILE) -> AnswerConfig:
        if not path.is_file():
            return cls()
        spec = json.loads(path.read_text(encoding="utf-8"))
        if list(spec["sentence_features"]) != list(SENTENCE_FEATURES) or list(
            spec["abstain_features"]
        ) != list(ABSTAIN_FEATURES):
            raise ValueError("answerer.json was trained on other features; retrain it with "
                             "python -m eval.train_answers")
        return cls(
            sentence_weights=tuple(spec["sentence_weights"]),
            abstain_weights=tuple(spec["abstain_weights"]), abstain_bias=spec["abstain_bias"],
            abstain_below=spec["abstain_below"],
            abstain_below_cross=spec.get("abstain_below_cross", spec["abstain_below"]),
        )

    def confidence(self, features: np.ndarray) -> float:
        """Probability that the chosen sentence answers the question."""
        z = float(np.dot(self.abstain_weights, features) + self.abstain_bias)
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))


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


_DEFAULT_CONFIG: AnswerConfig | None = None


def default_config() -> AnswerConfig:
    global _DEFAULT_CONFIG
    if _DEFAULT_CONFIG is None:
        _DEFAULT_CONFIG = AnswerConfig.load()
    return _DEFAULT_CONFIG


def ask(
    searcher: Searcher, question: str, *, k: int = 5, lang: str | None = None,
    mode: str = "hybrid", config: AnswerConfig | None = None,
) -> AskResult:
    config = config or default_config()
    t0 = time.perf_counter()
    res = searcher.search(question, k=max(k, ANSWER_PASSAGES), mode=mode, lang=lang)
    data = res.data
    assert data is not None
    qvec = res.query_vector if res.query_vector is not None else searcher.embed_query(question)
    cands = sentence_candidates(data, res.hits[:ANSWER_PASSAGES], question, res.query_lang, qvec)
    answer, confidence = None, 0.0
    if cands is not None:
        answer, confidence = _choose(cands, question, config)
    reason = None
    if not res.hits:
        reason, answer = NO_PASSAGES, None
    elif answer is None or confidence < config.threshold(
        (answer.document.lang or res.query_lang) != res.query_lang
    ):
        reason, answer = LOW_CONFIDENCE, None
    return AskResult(
        question=question, question_lang=res.query_lang, answer=answer,
        confidence=round(float(confidence), 4), no_answer_reason=reason, hits=res.hits[:k],
        took_ms=(time.perf_counter() - t0) * 1000,
    )


@dataclass
class SentenceCandidates:
    """Sentences of the top passages with their features (row-aligned)."""

    spans: list[tuple[int, int]]
    hits: list[Hit]
    features: np.ndarray


def sentence_candidates(
    data: IndexData, hits: list[Hit], question: str, question_lang: str, qvec: np.ndarray,
) -> SentenceCandidates | None:
    info = query_info(question)
    hit_scores = np.array([h.score for h in hits], dtype=np.float32)
    passage_mm = minmax(hit_scores) if len(hits) else hit_scores
    spans: list[tuple[int, int]] = []
    owners: list[Hit] = []
    feats: list[list[float]] = []
    seen: set[tuple[str, int]] = set()
    for rank, hit in enumerate(hits):
        srows = data.sentence_rows(hit.row)
        if len(srows) == 0:
            continue
        sims = data.sentence_vectors[srows] @ qvec
        cross = (hit.passage.lang or question_lang) != question_lang
        for srow, sim in zip(srows, sims, strict=True):
            _, start, end = (int(x) for x in data.sentence_spans[srow])
            if (hit.document.id, start) in seen:
                continue  # overlapping passages share sentences
            seen.add((hit.document.id, start))
            text = hit.document.text[start:end]
            cov, prox = term_proximity(info.tokens, tokenize(text))
            if cross:
                cov, prox = cov * 0.3, prox * 0.3
            type_match = info.wanted == REASON or any(
                span_matches(sp.kind, info.wanted)
                and not _inside_question(text[sp.start:sp.end], question)
                for sp in typed_spans(text)
            )
            heading = len(text.split()) < 5 or not re.search(r"[.!?…\"”]$", text)
            spans.append((start, end))
            owners.append(hit)
            feats.append([
                float(sim), 0.0, cov, prox, float(type_match), 1.0 / (1 + rank),
                float(passage_mm[rank]), float(heading), math.log1p(len(text)),
            ])
    if not spans:
        return None
    x = np.asarray(feats, dtype=np.float32)
    x[:, 1] = x[:, 0] - x[:, 0].max()
    return SentenceCandidates(spans=spans, hits=owners, features=x)


def abstain_features(cands: SentenceCandidates, scores: np.ndarray) -> np.ndarray:
    order = np.argsort(-scores)
    best = order[0]
    margin = scores[best] - scores[order[1]] if len(order) > 1 else 1.0
    return np.array([
        scores[best], margin, cands.features[best, 0], cands.features[best, 2],
        cands.features[best, 5],
    ], dtype=np.float64)


def _choose(
    cands: SentenceCandidates, question: str, config: AnswerConfig,
) -> tuple[Answer | None, float]:
    scores = cands.features @ np.asarray(config.sentence_weights, dtype=np.float32)
    best = int(np.argmax(scores))
    confidence = config.confidence(abstain_features(cands, scores))
    hit = cands.hits[best]
    doc = hit.document
    s0, e0 = _with_neighbour(cands, scores, best)
    hs, he = highlight(doc.text[s0:e0], question)
    start, end = fit_window(doc.text, s0, e0, s0 + hs, s0 + he)
    text = doc.text[start:end]
    answer = Answer(
        text=text, char_start=start, char_end=end, document=doc, passage_id=hit.passage.id,
        highlight=(max(s0 + hs - start, 0), min(s0 + he - start, len(text))),
        sentence_similarity=float(cands.features[best, 0]),
    )
    return answer, confidence


def _with_neighbour(cands: SentenceCandidates, scores: np.ndarray, best: int) -> tuple[int, int]:
    """The best sentence, joined with its better-scoring adjacent sentence when both fit in
    ``MAX_ANSWER_CHARS`` (an answer may be one or two sentences)."""
    doc = cands.hits[best].document
    s0, e0 = cands.spans[best]
    pick: tuple[float, int, int] | None = None
    for j, (sj, ej) in enumerate(cands.spans):
        if j == best or cands.hits[j].document.id != doc.id:
            continue
        after = sj >= e0 and not doc.text[e0:sj].strip()
        before = ej <= s0 and not doc.text[ej:s0].strip()
        if (after or before) and (pick is None or scores[j] > pick[0]):
            pick = (float(scores[j]), min(s0, sj), max(e0, ej))
    if pick is not None and pick[2] - pick[1] <= MAX_ANSWER_CHARS and "\n\n" not in (
        doc.text[pick[1]:pick[2]]
    ):
        return pick[1], pick[2]
    return s0, e0


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
