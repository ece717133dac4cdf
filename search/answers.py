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
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.lexical import tokenize
from index.records import Document
from index.store import IndexData
from search.engine import Hit, Searcher
from search.features import query_info, term_proximity
from search.fusion import minmax
from search.highlight import best_span, clean_edges, load_highlighter
from search.span_features import Question, parse_question
from search.spans import (
    REASON,
    answer_type_present,
    area_question,
    money_question,
    span_matches,
    typed_spans,
)

MAX_ANSWER_CHARS = 300
# Sentences considered come from this many top passages.
ANSWER_PASSAGES = 5


ANSWERER_FILE = Path(__file__).with_name("answerer.json")
SENTENCE_FEATURES = (
    "sim", "sim_gap", "sim_rr", "coverage", "cov_gap", "proximity", "entities", "type_match",
    "type_strict", "span", "span_gap", "passage_rrf", "passage_mm", "heading", "log_len",
)
# The cross-lingual scorer sees only these (the rest zeroed in training): term overlap is
# absent across languages, and the type and span detectors, which read the question's words,
# are unreliable on an English question over an Indonesian sentence (the highlighter finds
# the answer for 31% of our English questions against 69% of the Indonesian ones). Measured
# on our English questions: the right sentence first for 19 of 39 with these, 15 with all.
CROSS_SENTENCE_FEATURES = (
    "sim", "sim_gap", "sim_rr", "passage_rrf", "passage_mm", "heading", "log_len",
)
# Mode-independent: nothing here depends on the scale of the retriever's scores.
ABSTAIN_FEATURES = (
    "best", "margin", "sim", "coverage", "entities", "entities_top", "type_match", "type_strict",
    "span", "passage_rrf",
)


@dataclass(frozen=True)
class Head:
    """One linear model: ``weights @ features + bias``."""

    weights: tuple[float, ...]
    bias: float = 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return x @ np.asarray(self.weights, dtype=np.float32) + np.float32(self.bias)

    @classmethod
    def from_spec(cls, spec: dict) -> Head:
        return cls(tuple(float(w) for w in spec["weights"]), float(spec.get("bias", 0.0)))

    def spec(self) -> dict:
        return {"weights": [round(w, 6) for w in self.weights], "bias": round(self.bias, 6)}


_DEFAULT_SENTENCE = Head(tuple(
    {"sim": 1.0, "coverage": 0.35, "proximity": 0.08, "passage_rrf": 0.15,
     "entities": 0.2}.get(f, 0.0) for f in SENTENCE_FEATURES
))
_NEVER_ABSTAIN = Head((0.0,) * len(ABSTAIN_FEATURES), 10.0)


@dataclass(frozen=True)
class AnswerConfig:
    """Sentence scorers and abstention models, trained by ``eval/train_answers.py``: one of
    each for sentences in the question's language and one for the other language (trained
    without the lexical features, which a cross-lingual pair does not have).

    Without a trained file, similarity plus term coverage picks the sentence and nothing is
    withheld.
    """

    sentence: Head = _DEFAULT_SENTENCE
    sentence_cross: Head = _DEFAULT_SENTENCE
    abstain: Head = _NEVER_ABSTAIN
    abstain_cross: Head = _NEVER_ABSTAIN
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
        heads = {k: Head.from_spec(spec[k])
                 for k in ("sentence", "sentence_cross", "abstain", "abstain_cross")}
        return cls(**heads, abstain_below=spec["abstain_below"],
                   abstain_below_cross=spec["abstain_below_cross"])

    def sentence_scores(self, features: np.ndarray, cross: np.ndarray) -> np.ndarray:
        return np.where(cross, self.sentence_cross(features), self.sentence(features))

    def confidence(self, features: np.ndarray, cross: bool) -> float:
        """Probability that the chosen sentence answers the question."""
        z = float((self.abstain_cross if cross else self.abstain)(features[None, :])[0])
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


NO_AMOUNT = (
    "These articles do not appear to answer this question: it asks for an amount, and none "
    "of the closest passages states one."
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
    answer, confidence, cross = None, 0.0, False
    if cands is not None:
        answer, confidence, cross = _choose(cands, question, config)
    reason = None
    if not res.hits:
        reason, answer = NO_PASSAGES, None
    elif cands is not None and lacks_asked_amount(cands, question):
        reason, answer, confidence = NO_AMOUNT, None, 0.0
    elif answer is None or confidence < config.threshold(cross):
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
    cross: np.ndarray  # per sentence: not in the question's language
    # Per sentence: the highlighter's best span (offsets inside the sentence), when scored.
    answer_spans: list[tuple[int, int] | None] = field(default_factory=list)
    question: Question | None = None  # parsed once for the highlighter


def _sentence_terms(data: IndexData, srow: int, text: str) -> tuple[list[str], frozenset[str]]:
    """BM25 tokens and lower-cased words of a stored sentence; query-independent, so kept per
    index generation like the passages' tokens."""
    memo = data.memo.setdefault("sentence_terms", {})
    terms = memo.get(srow)
    if terms is None:
        terms = memo[srow] = (tokenize(text), frozenset(w.lower() for w in _WORD.findall(text)))
    return terms


def question_entities(question: str) -> frozenset[str]:
    """Words of the question that name something in any language: acronyms, numbers and
    capitalised words after the first (``SCCC``, ``2017``, ``Basuki``, ``Nairobi``)."""
    words = _WORD.findall(question)
    out = set()
    for i, w in enumerate(words):
        if any(c.isdigit() for c in w) or (len(w) > 1 and w.isupper()) or (
            i > 0 and w[0].isupper() and len(w) > 2 and w.lower() not in _WH_WORDS
        ):
            out.add(w.lower())
    return frozenset(out)


_WH_WORDS = frozenset({
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "apa", "siapa",
    "kapan", "mana", "berapa", "mengapa", "kenapa", "bagaimana", "apakah", "siapakah",
})


def sentence_candidates(
    data: IndexData, hits: list[Hit], question: str, question_lang: str, qvec: np.ndarray,
) -> SentenceCandidates | None:
    info = query_info(question)
    entities = question_entities(question)
    idf = data.lexical.idf(info.tokens)
    model = load_highlighter()
    parsed = parse_question(question)
    idf_sum = sum(idf) or 1.0
    hit_scores = np.array([h.score for h in hits], dtype=np.float32)
    passage_mm = minmax(hit_scores) if len(hits) else hit_scores
    spans: list[tuple[int, int]] = []
    owners: list[Hit] = []
    feats: list[list[float]] = []
    seen: set[tuple[str, int]] = set()
    cross_flags: list[bool] = []
    answer_spans: list[tuple[int, int] | None] = []
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
            cov, prox = 0.0, 0.0
            toks, words = _sentence_terms(data, int(srow), text)
            if not cross:  # idf-weighted share of the question's terms, and their closeness
                present = set(toks)
                cov = sum(w for t, w in zip(info.tokens, idf, strict=True) if t in present)
                cov /= idf_sum
                prox = term_proximity(info.tokens, toks)[1]
            ent = len(entities & words) / len(entities) if entities else 0.0
            type_match = info.wanted == REASON or any(
                span_matches(sp.kind, info.wanted)
                and not _inside_question(text[sp.start:sp.end], question)
                for sp in typed_spans(text)
            )
            # Across languages the scorer gives the span no weight: not computed there.
            scored = None if cross or model is None else model.best_scored(text, parsed)
            span, span_score = scored if scored is not None else (None, 0.0)
            heading = len(text.split()) < 5 or not re.search(r"[.!?…\"”]$", text)
            spans.append((start, end))
            answer_spans.append(span)
            owners.append(hit)
            cross_flags.append(cross)
            feats.append([
                float(sim), 0.0, 0.0, cov, 0.0, prox, ent, float(type_match),
                float(answer_type_present(text, question, info.wanted)),
                span_score, 0.0, 1.0 / (1 + rank),
                float(passage_mm[rank]), float(heading), math.log1p(len(text)),
            ])
    if not spans:
        return None
    x = relative_features(np.asarray(feats, dtype=np.float32))
    return SentenceCandidates(spans=spans, hits=owners, features=x, answer_spans=answer_spans,
                              question=parsed,
                              cross=np.array(cross_flags, dtype=bool))


def lacks_asked_amount(cands: SentenceCandidates, question: str) -> bool:
    """A question about money or area that no candidate sentence answers with an amount and
    its unit. On FacQA train this withholds 1 of the 58 such questions whose answer is among
    the candidates (``eval/train_answers.py`` prints the count)."""
    if not (money_question(question) or area_question(question)):
        return False
    return not cands.features[:, SENTENCE_FEATURES.index("type_strict")].any()


_COL = {f: i for i, f in enumerate(SENTENCE_FEATURES)}


def relative_features(x: np.ndarray) -> np.ndarray:
    """Fill the columns that compare a sentence with the other candidates (in place)."""
    sim, cov, span = x[:, _COL["sim"]], x[:, _COL["coverage"]], x[:, _COL["span"]]
    x[:, _COL["sim_gap"]] = sim - sim.max()
    x[:, _COL["sim_rr"]] = 1.0 / (1.0 + np.argsort(np.argsort(-sim, kind="stable"),
                                                    kind="stable"))
    x[:, _COL["cov_gap"]] = cov - cov.max()
    x[:, _COL["span_gap"]] = span - span.max()
    return x


def abstain_features(
    cands: SentenceCandidates, scores: np.ndarray, question: str,
) -> np.ndarray:
    order = np.argsort(-scores)
    best = order[0]
    margin = scores[best] - scores[order[1]] if len(order) > 1 else 1.0
    entities = question_entities(question)
    found: set[str] = set()
    for hit in dict.fromkeys(cands.hits):  # the passages, in rank order
        found |= entities & {w.lower() for w in _WORD.findall(hit.passage.text)}
    f = dict(zip(SENTENCE_FEATURES, cands.features[best], strict=True))
    return np.array([
        scores[best], margin, f["sim"], f["coverage"], f["entities"],
        len(found) / len(entities) if entities else 1.0, f["type_match"], f["type_strict"],
        f["span"], f["passage_rrf"],
    ], dtype=np.float32)


def _choose(
    cands: SentenceCandidates, question: str, config: AnswerConfig,
) -> tuple[Answer, float, bool]:
    """The answer, its confidence, and whether it is in another language than the question."""
    scores = config.sentence_scores(cands.features, cands.cross)
    best = int(np.argmax(scores))
    confidence = config.confidence(abstain_features(cands, scores, question),
                                   bool(cands.cross[best]))
    hit = cands.hits[best]
    doc = hit.document
    s0, e0 = _with_neighbour(cands, scores, best)
    kept = cands.answer_spans[best] if best < len(cands.answer_spans) else None
    if kept is not None and (s0, e0) == cands.spans[best]:  # scored already
        hs, he = clean_edges(doc.text[s0:e0], *kept)
    else:
        hs, he = best_span(doc.text[s0:e0], cands.question or question)
    start, end = fit_window(doc.text, s0, e0, s0 + hs, s0 + he)
    text = doc.text[start:end]
    answer = Answer(
        text=text, char_start=start, char_end=end, document=doc, passage_id=hit.passage.id,
        highlight=(max(s0 + hs - start, 0), min(s0 + he - start, len(text))),
        sentence_similarity=float(cands.features[best, 0]),
    )
    return answer, confidence, bool(cands.cross[best])


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


def highlight(text: str, question: str) -> tuple[int, int]:
    """``[start, end)`` inside ``text`` of the span most likely to be the answer."""
    return best_span(text, question)
