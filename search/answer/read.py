"""The reader's pass over the best candidate sentences: rerank, confidence, answer span.

The feature scorer (``choose``) orders every candidate sentence cheaply; the trained reader
(``eval.reader_net``, a fine-tuned e5 cross-encoder) then reads the question with each
of the ``READ_SENTENCES`` best of them. The sentence it finds most relevant is the answer,
its relevance probability is the confidence that abstention compares with the reader's
thresholds, and its span head gives the highlight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from search.answer.choose import Choice
from search.answer.sentences import SentenceCandidates
from search.models import REBUILD, ModelError, load_model, model_path
from search.question import Question
from search.reader.reading import Reader, ReaderConfig, Reading, check_weights, weights_path

# Sentences read per question: the right sentence is among the feature scorer's best 6 for
# 94% of FacQA train questions whose candidates hold it, and each costs a forward pass
# (about 15 ms on 2 cores).
READ_SENTENCES = 6
READER_KIND = "reader"


@dataclass(frozen=True)
class ReaderThresholds:
    """Withhold below these confidences (same language as the question, and across)."""

    same: float
    cross: float

    def of(self, cross: bool) -> float:
        return self.cross if cross else self.same


class SentenceReader:
    """The trained reader, its abstention thresholds and the weight of the feature scorer
    in the final sentence score, from ``search/models/reader.*``."""

    def __init__(self, reader: Reader, thresholds: ReaderThresholds,
                 feature_weight: float) -> None:
        self.reader = reader
        self.thresholds = thresholds
        self.feature_weight = feature_weight

    @classmethod
    def load(cls) -> SentenceReader:
        return _load()

    def reread(self, cands: SentenceCandidates, choice: Choice, q: Question) -> Choice:
        """``choice`` with the reader's pick, confidence and span among the best sentences."""
        top = np.argsort(-choice.scores, kind="stable")[:READ_SENTENCES]
        readings: list[Reading] = self.reader.read(q.text, [cands.sentences[i].text for i in top])
        logits = np.array([r.relevance for r in readings], dtype=np.float32)
        # Sentences read rank by the reader's logit plus the weighted feature score, above
        # every sentence it did not read.
        combined = logits + np.float32(self.feature_weight) * choice.scores[top]
        scores = np.full(len(choice.scores), -1e4, dtype=np.float32)
        scores[top] = combined
        j = int(np.argmax(combined))
        best = int(top[j])
        cross = bool(cands.cross[best])
        # The span: the reader's across languages, the highlighter's (kept in the
        # candidates) within one, where it matched the reader's on our tuning sets.
        # Confidence: the logistic of that final score. On our tuning half it separates
        # answerable from unanswerable questions better than the reader's probability alone
        # (same threshold rule: 53% against 41% of unanswerable ones withheld).
        return Choice(best=best, scores=scores, cross=cross,
                      confidence=1.0 / (1.0 + math.exp(-max(min(float(combined[j]), 30.0),
                                                                -30.0))),
                      span=readings[j].span if cross else None,
                      threshold=self.thresholds.of(cross))


@lru_cache(maxsize=1)
def _load() -> SentenceReader:
    path = model_path(READER_KIND)
    params = load_model(path, kind=READER_KIND, features=[], encoder=None)
    check_weights(weights_path(path), params["weights_sha256"])
    reader = Reader.from_file(path, ReaderConfig(**params["config"]))
    try:
        t = params["thresholds"]
        thresholds = ReaderThresholds(float(t["same"]), float(t["cross"]))
        feature_weight = float(params["feature_weight"])
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"{path} has no abstention thresholds or feature weight; {REBUILD}"
                         ) from None
    return SentenceReader(reader, thresholds, feature_weight)
