"""The answer step's trained parts: sentence scorers and abstention models with thresholds.

Trained by ``eval/train_answers.py`` (``make train``) on FacQA train, thresholds chosen on
the tuning half of our own set; saved in ``search/models/answerer.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from search.models import ModelError, load_model, model_path

SENTENCE_FEATURES = (
    "sim", "sim_gap", "sim_rr", "coverage", "cov_gap", "proximity", "entities", "type_match",
    "type_strict", "span", "span_gap", "passage_rrf", "passage_mm", "heading", "log_len",
)
# The cross-lingual scorer sees only these (the rest zeroed in training): term overlap is
# absent across languages, and the type and span detectors, which read the question's words,
# are unreliable on an English question over an Indonesian sentence. Measured on our English
# questions: the right sentence first for 19 of 39 with these, 15 with all.
CROSS_SENTENCE_FEATURES = (
    "sim", "sim_gap", "sim_rr", "passage_rrf", "passage_mm", "heading", "log_len",
)
# Mode-independent: nothing here depends on the scale of the retriever's scores.
ABSTAIN_FEATURES = (
    "best", "margin", "sim", "coverage", "entities", "entities_top", "type_match", "type_strict",
    "span", "passage_rrf",
)
# Abstention across languages keeps the question's names (language-independent) but not the
# term overlap, type or span evidence.
ABSTAIN_NOT_CROSS = ("coverage", "type_match", "type_strict", "span")
_FEATURES = tuple(f"sentence:{f}" for f in SENTENCE_FEATURES) + tuple(
    f"abstain:{f}" for f in ABSTAIN_FEATURES)


@dataclass(frozen=True)
class Head:
    """One linear model: ``weights @ features + bias``."""

    weights: tuple[float, ...]
    bias: float = 0.0

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x @ np.asarray(self.weights, dtype=np.float32) + np.float32(self.bias),
                          dtype=np.float32)

    @classmethod
    def from_params(cls, spec: dict[str, Any], size: int) -> Head:
        weights = tuple(float(w) for w in spec["weights"])
        if len(weights) != size:
            raise ModelError("answerer model: a head has the wrong number of weights; "
                             "rebuild the models with: make train")
        return cls(weights, float(spec.get("bias", 0.0)))

    def params(self) -> dict[str, Any]:
        return {"weights": [round(w, 6) for w in self.weights], "bias": round(self.bias, 6)}


@dataclass(frozen=True)
class AnswerModel:
    """One sentence scorer and one abstention model for sentences in the question's
    language, and one of each for the other language."""

    sentence: Head
    sentence_cross: Head
    abstain: Head
    abstain_cross: Head
    abstain_below: float
    # Cross-lingual confidences are not comparable between corpora (a threshold tuned on our
    # English questions withheld 23% of the English FacQA translations): 0 unless trained so.
    abstain_below_cross: float = 0.0

    @classmethod
    def load(cls, encoder_id: str) -> AnswerModel:
        p = load_model(model_path("answerer"), kind="answerer", features=_FEATURES,
                       encoder=encoder_id)
        ns, na = len(SENTENCE_FEATURES), len(ABSTAIN_FEATURES)
        return cls(
            sentence=Head.from_params(p["sentence"], ns),
            sentence_cross=Head.from_params(p["sentence_cross"], ns),
            abstain=Head.from_params(p["abstain"], na),
            abstain_cross=Head.from_params(p["abstain_cross"], na),
            abstain_below=float(p["abstain_below"]),
            abstain_below_cross=float(p["abstain_below_cross"]),
        )

    @staticmethod
    def feature_names() -> tuple[str, ...]:
        return _FEATURES

    def params(self) -> dict[str, Any]:
        return {
            "sentence": self.sentence.params(), "sentence_cross": self.sentence_cross.params(),
            "abstain": self.abstain.params(), "abstain_cross": self.abstain_cross.params(),
            "abstain_below": self.abstain_below,
            "abstain_below_cross": self.abstain_below_cross,
        }

    def threshold(self, cross_lingual: bool) -> float:
        return self.abstain_below_cross if cross_lingual else self.abstain_below

    def sentence_scores(self, features: np.ndarray, cross: np.ndarray) -> np.ndarray:
        return np.where(cross, self.sentence_cross(features), self.sentence(features))

    def confidence(self, features: np.ndarray, cross: bool) -> float:
        """Probability that the chosen sentence answers the question."""
        z = float((self.abstain_cross if cross else self.abstain)(features[None, :])[0])
        return logistic(z)


def logistic(z: float) -> float:
    """1 / (1 + e^-z), with ``z`` clamped to [-30, 30]."""
    return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
