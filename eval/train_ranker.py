"""Train the hybrid ranker on FacQA train (only), tune its cross-lingual damping, save it.

    python -m eval.train_ranker --index-dir .telusur/facqa \
        --train ../shared/benchmarks/facqa/train.jsonl \
        --tune eval/data/telusur_qa.jsonl --tune-corpus seeds --out search/ranker.json

Listwise softmax loss over each query's candidates (dense top 50 ∪ BM25 top 50), L2
regularised, full-batch Adam. Queries whose relevant passage is not among the candidates
carry no signal and are left out.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from eval.dataset import load_questions, relevant_items
from eval.evaluate import evaluate
from index.builder import index_paths
from index.encoders import load_encoder
from index.langid import detect_language
from index.store import IndexStore
from search.candidates import gather
from search.features import FEATURES, candidate_features, query_info
from search.learned import LearnedRanker
from search.ranking import RANKER_FILE


def collect(searcher, questions) -> tuple[list[np.ndarray], list[np.ndarray]]:  # noqa: ANN001
    data = searcher.data
    docs = {d.id: d for d in data.documents}
    xs, ys = [], []
    for q in questions:
        items = relevant_items(q, docs)
        if not items:
            continue
        qvec = searcher.embed_query(q.question)
        cands = gather(data, query_vector=qvec, lexical_scores=data.lexical.scores(q.question),
                       allowed=None)
        labels = np.array([
            any(it.covered_by(p.doc_id, p.char_start, p.char_end) for it in items)
            for p in (data.passages[r] for r in cands.rows)
        ], dtype=np.float32)
        if labels.sum() == 0 or labels.sum() == len(labels):
            continue
        xs.append(candidate_features(cands, data=data, query=query_info(q.question),
                                     query_vector=qvec))
        ys.append(labels / labels.sum())
    return xs, ys


def train(
    xs: list[np.ndarray], ys: list[np.ndarray], *, l2: float = 1e-3, steps: int = 600,
    lr: float = 0.05,
) -> LearnedRanker:
    allx = np.vstack(xs)
    mean, std = allx.mean(0), allx.std(0) + 1e-6
    zs = [(x - mean) / std for x in xs]
    w = np.zeros(allx.shape[1], dtype=np.float64)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        grad = l2 * w
        for z, y in zip(zs, ys, strict=True):
            s = z @ w
            p = np.exp(s - s.max())
            p /= p.sum()
            grad += z.T @ (p - y) / len(zs)
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad**2
        w -= lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return LearnedRanker(weights=w.astype(np.float32), mean=mean.astype(np.float32),
                         std=std.astype(np.float32))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-dir", required=True, help="index of the training corpus")
    p.add_argument("--train", required=True, help="training questions (.jsonl)")
    p.add_argument("--tune", help="labelled set whose English questions tune the damping")
    p.add_argument("--tune-corpus", nargs="+", help="corpus of the tuning set")
    p.add_argument("--out", default=str(RANKER_FILE))
    args = p.parse_args(argv)

    from search.engine import Searcher

    encoder = load_encoder()
    searcher = Searcher(IndexStore(args.index_dir), encoder)
    questions = load_questions(args.train)
    xs, ys = collect(searcher, questions)
    print(f"training on {len(xs)} of {len(questions)} questions", file=sys.stderr)
    ranker = train(xs, ys)
    print("weights:", dict(zip(FEATURES, np.round(ranker.weights, 3).tolist(), strict=True)),
          file=sys.stderr)

    grid: dict[str, float] = {}
    best_scale = 1.0
    if args.tune:
        tune_q = [q for q in load_questions(args.tune)
                  if q.relevant and detect_language(q.question) != "id"]
        with tempfile.TemporaryDirectory() as tmp:
            store = IndexStore(tmp)
            index_paths(store, args.tune_corpus, encoder=encoder, progress=False)
            tune_searcher = Searcher(store, encoder)
            for scale in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
                tune_searcher.ranker = LearnedRanker(ranker.weights, ranker.mean, ranker.std,
                                                     cross_lexical_scale=scale)
                res = evaluate(tune_searcher, tune_q, modes=["hybrid"], answers=False)
                grid[str(scale)] = res["hybrid"]["all"]["mrr@10"]
                print(f"cross_lexical_scale={scale}: mrr@10={grid[str(scale)]:.4f}",
                      file=sys.stderr)
        best_scale = max(grid, key=lambda s: (grid[s], -abs(float(s) - 0.5)))
        best_scale = float(best_scale)
    final = LearnedRanker(ranker.weights, ranker.mean, ranker.std, cross_lexical_scale=best_scale)
    spec = final.to_spec(
        trained_on=Path(args.train).name, n_train_queries=len(xs),
        cross_lexical_scale_grid_mrr10=grid,
    )
    Path(args.out).write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
