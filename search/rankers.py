"""Hybrid rankers, chosen by name (``TELUSUR_RANKER``); every parameter is here, with why.

* ``learned`` (default): a linear model over ``search.features`` trained listwise on FacQA
  train (``eval/train_ranker.py``, ``make train``); weights in ``search/models/ranker.json``.
* ``dbsf``: distribution-based score fusion of the BM25 and dense lists — the training-free
  baseline the learned ranker must beat (and the choice for an encoder without a model).
* ``rrf``: reciprocal rank fusion of the two lists.
* ``convex``: ``w * minmax(dense) + (1 - w) * max_scale(bm25)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from search.candidates import Candidates
from search.context import SearchContext
from search.features import FEATURES, candidate_features, matrix, prepare
from search.fusion import convex, dbsf, ranks, rrf
from search.models import ModelError, load_model, model_path
from search.question import Question

DEFAULT_RANKER = "learned"

# Across languages the dense retriever's recall is the safer one: optionally (a trained
# choice, ``dense_tiers`` in the model file) cross-lingual candidates stay in dense tiers
# (top 5, top 10, rest) and the model reorders inside a tier, so recall@5/@10 equal dense's.
CROSS_DENSE_TIERS = (5, 10)
TIER_GAP = 1e3  # larger than any score difference the model produces: tiers never mix
# Convex fusion weights of the dense side: same-language 0.5 (no measured preference);
# cross-language 0.9 because BM25 on translated-away words matches only names.
CONVEX_SAME_LANG, CONVEX_CROSS_LANG = 0.5, 0.9
RRF_K = 60  # the constant of Cormack et al. (2009), also Elasticsearch's default


class Ranker(Protocol):
    @property
    def name(self) -> str: ...

    def score(
        self, cands: Candidates, *, ctx: SearchContext, question: Question,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        """One score per candidate; higher ranks first."""

    def prepare(self, rows: np.ndarray, *, ctx: SearchContext, question: Question,
                stop: Callable[[], bool] | None = None) -> None:
        """Compute ahead what scoring these passages will read (kept in ``ctx``), in order,
        until ``stop()`` says so; the searcher calls it for likely candidates while the
        query is being embedded."""


def _cross(cands: Candidates, ctx: SearchContext, question: Question) -> np.ndarray:
    """Per candidate: whether its passage is in another language than the question."""
    return np.asarray(ctx.data.passage_langs(cands.rows) != question.lang, dtype=bool)


@dataclass(frozen=True)
class LearnedRanker:
    weights: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    dense_tiers: bool = True
    name: str = "learned"

    @classmethod
    def load(cls, encoder_id: str) -> LearnedRanker:
        """The shipped ranker (``search/models/ranker.json``)."""
        return cls.from_file(model_path("ranker"), encoder_id=encoder_id)

    @classmethod
    def from_file(cls, path: Path, *, encoder_id: str) -> LearnedRanker:
        """A ranker file written by ``eval.train_ranker``, checked like the shipped one."""
        return cls.from_params(load_model(path, kind="ranker", features=FEATURES,
                                          encoder=encoder_id))

    @classmethod
    def from_params(cls, p: dict[str, Any]) -> LearnedRanker:
        return cls(weights=np.asarray(p["weights"], np.float32),
                   mean=np.asarray(p["mean"], np.float32), std=np.asarray(p["std"], np.float32),
                   dense_tiers=bool(p["dense_tiers"]))

    def params(self) -> dict[str, object]:
        return {"weights": [round(float(w), 6) for w in self.weights],
                "mean": [round(float(m), 6) for m in self.mean],
                "std": [round(float(s), 6) for s in self.std],
                "dense_tiers": self.dense_tiers}

    def features(
        self, cands: Candidates, *, ctx: SearchContext, question: Question,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        return matrix(candidate_features(cands, ctx=ctx, question=question,
                                         query_vector=query_vector), FEATURES)

    def prepare(self, rows: np.ndarray, *, ctx: SearchContext, question: Question,
                stop: Callable[[], bool] | None = None) -> None:
        prepare(ctx, rows, question, stop)

    def score_matrix(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(((x - self.mean) / self.std) @ self.weights, dtype=np.float32)

    def score(
        self, cands: Candidates, *, ctx: SearchContext, question: Question,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        if len(cands) == 0:
            return np.zeros(0, np.float32)
        scores = self.score_matrix(self.features(cands, ctx=ctx, question=question,
                                                 query_vector=query_vector))
        cross = _cross(cands, ctx, question)
        if self.dense_tiers and cross.any():
            dense_rank = ranks(cands.dense)
            tier = sum((dense_rank > t).astype(np.float64) for t in CROSS_DENSE_TIERS)
            scores = np.where(cross, scores - TIER_GAP * tier, scores)
        return np.asarray(scores, dtype=np.float32)


Fuse = Callable[[Candidates, SearchContext, Question], np.ndarray]


@dataclass(frozen=True)
class FusionRanker:
    """A ranker that needs no training: one fusion function of the two retrievers' lists."""

    name: str
    fuse: Fuse

    def score(
        self, cands: Candidates, *, ctx: SearchContext, question: Question,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        return np.asarray(self.fuse(cands, ctx, question), dtype=np.float32)

    def prepare(self, rows: np.ndarray, *, ctx: SearchContext, question: Question,
                stop: Callable[[], bool] | None = None) -> None:
        """Nothing: fusion reads only the two retrievers' scores."""


def _dbsf(c: Candidates, ctx: SearchContext, q: Question) -> np.ndarray:
    # Haystack's joiner keeps a candidate's best scaled score (combine="max").
    return dbsf([(c.dense, c.in_dense), (c.lexical, c.in_lexical)], combine="max")


def _list_ranks(scores: np.ndarray, present: np.ndarray) -> np.ndarray:
    """1-based ranks inside one retriever's list; 0 for candidates it did not return."""
    return np.where(present, ranks(np.where(present, scores, -np.inf)), 0)


def _rrf(c: Candidates, ctx: SearchContext, q: Question) -> np.ndarray:
    return rrf([_list_ranks(c.dense, c.in_dense), _list_ranks(c.lexical, c.in_lexical)],
               k=RRF_K)


def _convex(c: Candidates, ctx: SearchContext, q: Question) -> np.ndarray:
    w = np.where(_cross(c, ctx, q), CONVEX_CROSS_LANG, CONVEX_SAME_LANG)
    return convex(c.dense, c.lexical, w)


RANKERS: dict[str, Callable[[str], Ranker]] = {
    "learned": LearnedRanker.load,
    "dbsf": lambda _encoder: FusionRanker("dbsf", _dbsf),
    "rrf": lambda _encoder: FusionRanker("rrf", _rrf),
    "convex": lambda _encoder: FusionRanker("convex", _convex),
}


def make_ranker(name: str, *, encoder_id: str) -> Ranker:
    """The ranker called ``name`` for an index embedded by ``encoder_id``."""
    factory = RANKERS.get(name)
    if factory is None:
        raise ModelError(f"unknown ranker {name!r}: use one of {', '.join(RANKERS)}")
    return factory(encoder_id)
