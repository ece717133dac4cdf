"""Second stage for hybrid mode: score candidates from dense, BM25 and query-language signals.

Two rankers share one interface:

* ``ConvexRanker``: ``w * minmax(dense) + (1 - w) * max_scale(bm25)`` where ``w`` depends on
  whether the query and the passage share a language (lexical matching is weak across
  languages, so it gets less weight there).
* ``LearnedRanker``: a linear model over candidate features (``search/features.py``) trained
  listwise on FacQA train (``eval/train_ranker.py``); weights live in ``search/ranker.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from index.store import IndexData
from search.candidates import Candidates
from search.fusion import convex

RANKER_FILE = Path(__file__).with_name("ranker.json")


class HybridRanker(Protocol):
    def score(
        self, cands: Candidates, *, data: IndexData, query: str, query_lang: str,
        query_vector: np.ndarray | None,
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class ConvexRanker:
    same_lang_dense_weight: float = 0.5
    cross_lang_dense_weight: float = 0.9

    def score(
        self, cands: Candidates, *, data: IndexData, query: str, query_lang: str,
        query_vector: np.ndarray | None,
    ) -> np.ndarray:
        same = np.array(
            [data.passages[r].lang == query_lang for r in cands.rows], dtype=bool
        )
        w = np.where(same, self.same_lang_dense_weight, self.cross_lang_dense_weight)
        return convex(cands.dense, cands.lexical, w).astype(np.float32)


def load_ranker(path: Path = RANKER_FILE) -> HybridRanker:
    """The measured-best ranker: the learned one if its weights ship, else convex fusion."""
    if path.is_file():
        spec = json.loads(path.read_text(encoding="utf-8"))
        if spec.get("kind") == "convex":
            return ConvexRanker(**spec["params"])
        if spec.get("kind") == "learned":
            from search.learned import LearnedRanker

            return LearnedRanker.from_spec(spec)
    return ConvexRanker()
