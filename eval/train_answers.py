"""Train the answer sentence scorer and the abstention model; choose the threshold.

    python -m eval.train_answers --index-dir .telusur/facqa \
        --train ../shared/benchmarks/facqa/train.jsonl --limit 1200 \
        --tune eval/data/telusur_qa.jsonl --tune-corpus seeds --out search/answerer.json

* Sentence scorer: listwise softmax over the sentences of the top 5 passages; a sentence is
  right when it contains a gold answer (FacQA train only).
* Abstention: logistic regression separating "the question's passage is in the index"
  (positives: runs whose chosen sentence holds the answer) from "it is not" (negatives: the
  same question with its gold document removed from the results) — FacQA train only.
* Threshold: the highest that withholds at most 5% of answerable questions, on FacQA train
  and on our labelled set; its abstain recall on our set's no-answer questions is recorded.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

from eval.dataset import load_questions
from eval.metrics import contains_answer
from eval.train_ranker import train
from index.builder import index_paths
from index.encoders import load_encoder
from index.store import IndexStore
from search.answers import (
    ABSTAIN_FEATURES,
    ANSWER_PASSAGES,
    ANSWERER_FILE,
    SENTENCE_FEATURES,
    AnswerConfig,
    abstain_features,
    ask,
    sentence_candidates,
)
from search.engine import Searcher


def _runs(searcher: Searcher, q, *, exclude_gold: bool):  # noqa: ANN001, ANN202
    gold = {r["doc_id"] for r in q.relevant}
    res = searcher.search(q.question, k=ANSWER_PASSAGES + 10)
    hits = [h for h in res.hits if not (exclude_gold and h.document.id in gold)]
    hits = hits[:ANSWER_PASSAGES]
    if not hits:
        return None
    return sentence_candidates(res.data, hits, q.question, res.query_lang, res.query_vector)


def _fold(weights: np.ndarray, mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, float]:
    """Turn weights over standardised features into weights (and bias) over raw ones."""
    w = weights / std
    return w, float(-(mean / std) @ weights)


def logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 2000) -> np.ndarray:
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    raw, bias = _fold(w[:-1], mean, std)
    return np.r_[raw, bias + w[-1]]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-dir", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--limit", type=int, default=1200, help="training questions used")
    p.add_argument("--tune", required=True)
    p.add_argument("--tune-corpus", nargs="+", required=True)
    p.add_argument("--max-abstained", type=float, default=0.05)
    p.add_argument("--out", default=str(ANSWERER_FILE))
    args = p.parse_args(argv)

    encoder = load_encoder()
    searcher = Searcher(IndexStore(args.index_dir), encoder)
    questions = [q for q in load_questions(args.train) if q.answers][: args.limit]
    xs, ys = [], []
    for q in questions:
        cands = _runs(searcher, q, exclude_gold=False)
        if cands is None:
            continue
        labels = np.array([contains_answer(cands.hits[i].document.text[s:e], q.answers)
                           for i, (s, e) in enumerate(cands.spans)], dtype=np.float32)
        if 0 < labels.sum() < len(labels):
            xs.append(cands.features)
            ys.append(labels / labels.sum())
    ranker = train(xs, ys, l2=1e-2)
    sw, _ = _fold(ranker.weights, ranker.mean, ranker.std)
    print(f"sentence scorer on {len(xs)} questions:",
          dict(zip(SENTENCE_FEATURES, np.round(sw, 3).tolist(), strict=True)), file=sys.stderr)

    ax, ay = [], []
    for q in questions:
        for exclude in (False, True):
            cands = _runs(searcher, q, exclude_gold=exclude)
            if cands is None:
                continue
            scores = cands.features @ sw
            best = int(np.argmax(scores))
            s, e = cands.spans[best]
            right = contains_answer(cands.hits[best].document.text[s:e], q.answers)
            if exclude or right:
                ax.append(abstain_features(cands, scores))
                ay.append(0.0 if exclude else 1.0)
    aw = logistic(np.array(ax), np.array(ay))
    config = AnswerConfig(sentence_weights=tuple(float(w) for w in sw),
                          abstain_weights=tuple(float(w) for w in aw[:-1]),
                          abstain_bias=float(aw[-1]), abstain_below=0.0)
    train_conf = np.array([config.confidence(f) for f, y in zip(ax, ay, strict=True) if y == 1])
    train_neg = np.array([config.confidence(f) for f, y in zip(ax, ay, strict=True) if y == 0])

    tune = load_questions(args.tune)
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(tmp)
        index_paths(store, args.tune_corpus, encoder=encoder, progress=False)
        tune_searcher = Searcher(store, encoder)
        conf = []
        for q in tune:
            r = ask(tune_searcher, q.question, config=config)
            cross = r.answer is not None and r.answer.document.lang != r.question_lang
            conf.append((r.confidence, q.answerable, cross))
    measured: dict[str, float | None] = {}
    thresholds = {}
    for cross in (False, True):
        ans = np.array([c for c, a, x in conf if a and x == cross])
        una = np.array([c for c, a, x in conf if not a and x == cross])
        quantiles = [np.quantile(ans, args.max_abstained)] if len(ans) else []
        if not cross:  # FacQA train is Indonesian: it speaks for same-language answers only
            quantiles.append(np.quantile(train_conf, args.max_abstained))
        t = float(np.floor(min(quantiles) * 1000) / 1000) if quantiles else 0.0
        thresholds[cross] = t
        tag = "cross" if cross else "same"
        measured |= {
            f"{tag}_threshold": t,
            f"ours_{tag}_answerable_abstained": float((ans < t).mean()) if len(ans) else None,
            f"ours_{tag}_unanswerable_abstained": float((una < t).mean()) if len(una) else None,
        }
    threshold = thresholds[False]
    measured |= {
        "facqa_train_answerable_abstained": float((train_conf < threshold).mean()),
        "facqa_train_gold_removed_abstained": float((train_neg < threshold).mean()),
    }
    print(json.dumps(measured, indent=1), file=sys.stderr)
    spec = {
        "sentence_features": list(SENTENCE_FEATURES),
        "sentence_weights": [round(float(w), 6) for w in sw],
        "abstain_features": list(ABSTAIN_FEATURES),
        "abstain_weights": [round(float(w), 6) for w in aw[:-1]],
        "abstain_bias": round(float(aw[-1]), 6), "abstain_below": threshold,
        "abstain_below_cross": thresholds[True],
        "trained_on": Path(args.train).name, "n_sentence_queries": len(xs),
        "n_abstain_examples": len(ax), "threshold_measurements": measured,
    }
    Path(args.out).write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
