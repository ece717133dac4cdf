"""A linear learning-to-rank model over candidate features (weights in ``ranker.json``).

Trained listwise (softmax over each query's candidates) on FacQA train only, by
``eval/train_ranker.py``. FacQA is Indonesian, so the model never sees a cross-lingual
query; for those, lexical features are damped by ``cross_lexical_scale`` (chosen by
measurement on our English questions) because an English query shares few terms with an
Indonesian passage beyond names, numbers and acronyms.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from index.store import IndexData
from search.candidates import Candidates
from search.features import FEATURES, LEXICAL, candidate_features, query_info
from search.fusion import ranks


@dataclass(frozen=True)
class LearnedRanker:
    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    cross_lexical_scale: float = 1.0
    # Across languages the dense retriever is the reliable recall source: cross-lingual
    # candidates stay in dense tiers (top 5, top 10, rest) and the model reorders within a
    # tier, so recall@5/@10 equal dense's while the top of the list improves.
    cross_dense_tiers: tuple[int, ...] = (5, 10)

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> LearnedRanker:
        if list(spec["features"]) != list(FEATURES):
            raise ValueError("ranker.json was trained on other features; retrain it with "
                             "python -m eval.train_ranker")
        return cls(
            weights=np.asarray(spec["weights"], np.float32),
            mean=np.asarray(spec["mean"], np.float32), std=np.asarray(spec["std"], np.float32),
            cross_lexical_scale=float(spec.get("cross_lexical_scale", 1.0)),
            cross_dense_tiers=tuple(int(t) for t in spec.get("cross_dense_tiers", (5, 10))),
        )

    def to_spec(self, **extra: Any) -> dict[str, Any]:
        return {
            "kind": "learned", "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in self.weights],
            "mean": [round(float(m), 6) for m in self.mean],
            "std": [round(float(s), 6) for s in self.std],
            "cross_lexical_scale": self.cross_lexical_scale,
            "cross_dense_tiers": list(self.cross_dense_tiers), **extra,
        }

    def features(
        self, cands: Candidates, *, data: IndexData, query: str, query_lang: str,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        x = candidate_features(cands, data=data, query=query_info(query), query_vector=query_vector)
        cross = data.passage_lang[cands.rows] != query_lang
        if cross.any() and self.cross_lexical_scale != 1.0:
            cols = [FEATURES.index(f) for f in LEXICAL]
            x[np.ix_(cross, cols)] *= self.cross_lexical_scale
        return x

    def score_matrix(self, x: np.ndarray) -> np.ndarray:
        return ((x - self.mean) / self.std) @ self.weights

    def score(
        self, cands: Candidates, *, data: IndexData, query: str, query_lang: str,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        if len(cands) == 0:
            return np.zeros(0, np.float32)
        x = self.features(
            cands, data=data, query=query, query_lang=query_lang, query_vector=query_vector
        )
        scores = self.score_matrix(x)
        cross = data.passage_lang[cands.rows] != query_lang
        if self.cross_dense_tiers and cross.any():
            dense_rank = ranks(cands.dense)
            tier = sum((dense_rank > t).astype(np.float64) for t in self.cross_dense_tiers)
            scores = np.where(cross, scores - 1e3 * tier, scores)
        return scores.astype(np.float32)
