"""The reader's pass over the best candidate sentences: rerank, confidence, answer span.

The feature scorer (``choose``) orders every candidate sentence cheaply; the trained reader
(``search.reader``, a fine-tuned e5 cross-encoder) then reads the question with each of the
``READ_SENTENCES`` best of them. The answer is the sentence with the highest reader logit
plus ``feature_weight`` times its feature score; the logistic of that score is the
confidence that abstention compares with the thresholds; across languages the reader's span
is the highlight (within one, the highlighter's).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from search.answer.choose import Choice
from search.answer.model import logistic
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
        scores = choice.scores.astype(np.float32) - np.float32(1e4)  # unread keep their order
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
                      confidence=logistic(float(combined[j])),
                      span=readings[j].span if cross else None,
                      threshold=self.thresholds.of(cross))


@lru_cache(maxsize=1)
def _load() -> SentenceReader:
    path = model_path(READER_KIND)
    params = load_model(path, kind=READER_KIND, features=[], encoder=None)
    try:
        check_weights(weights_path(path), str(params["weights_sha256"]))
        config = ReaderConfig(**params["config"])
        t = params["thresholds"]
        thresholds = ReaderThresholds(float(t["same"]), float(t["cross"]))
        feature_weight = float(params["feature_weight"])
    except (KeyError, TypeError, ValueError):
        raise ModelError(f"{path} lacks the weights' checksum, the configuration, the "
                         f"abstention thresholds or the feature weight; {REBUILD}") from None
    return SentenceReader(Reader.from_file(path, config), thresholds, feature_weight)
