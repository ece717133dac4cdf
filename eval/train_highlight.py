"""Train the answer-span highlighter (``search/highlighter.json``) and compare it with the
old heuristic, given the sentence that holds the answer.

    python -m eval.train_highlight --corpus ../shared/benchmarks/facqa/corpus.jsonl \
        --train ../shared/benchmarks/facqa/train.jsonl \
        --valid ../shared/benchmarks/facqa/valid.jsonl  (part of ``make train``)

* Examples: each FacQA train question's answer-bearing sentence of its gold passage; the
  candidates of ``search.span_features``; gold = candidates holding an accepted answer and at
  most ``--slack`` characters longer than it (default 0: the answer itself).
* Model: softmax over a question's candidates (marginal likelihood of the gold ones), L2,
  full-batch Adam, pure numpy. L2 is chosen on a held-out slice of train, then the model is
  refitted on all of train.
* Report: FacQA valid (and its English questions, ``eval/data/facqa_valid_en.jsonl``) and the
  held-out half of our labelled set per language (sentences of the ``seeds/`` articles that
  hold the evidence).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from eval.dataset import load_questions
from eval.metrics import contains_answer, normalize_answer
from eval.qrels import locate
from index.chunking import sentence_spans
from index.readers import read_documents
from index.text import SPAN_TOKEN
from search.answer.highlight import Highlighter, feature_ids, feature_names, signature
from search.answer.span_features import candidates
from search.models import model_path, save_model
from search.question import parse_question

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Example:
    qid: str
    question: str
    sentence: str
    answers: tuple[str, ...]


def answer_sentence(text: str, answers: list[str], within: tuple[int, int] | None = None) -> str:
    """The sentence(s) of ``text`` holding an answer (or overlapping ``within``), else ''."""
    sents = sentence_spans(text)
    if within is not None:
        hit = [(s, e) for s, e in sents if s < within[1] and within[0] < e]
        return text[hit[0][0]:hit[-1][1]] if hit else ""
    for s, e in sents:
        if contains_answer(text[s:e], answers):
            return text[s:e]
    return text if contains_answer(text, answers) and len(text) <= 400 else ""


def facqa_examples(corpus: dict[str, str], path: Path) -> list[Example]:
    out = []
    for q in load_questions(path):
        text = corpus.get(q.relevant[0]["doc_id"], "") if q.relevant else ""
        sent = answer_sentence(text, q.answers)
        if sent:
            out.append(Example(q.id, q.question, sent, tuple(q.answers)))
    return out


def telusur_examples(path: Path, seeds: Path, split: str | None) -> list[Example]:
    docs = {d.id: d.text for d in read_documents([seeds]).documents}
    out = []
    for q in load_questions(path, split=split):
        if not q.relevant or not q.answers:
            continue
        rel = q.relevant[0]
        text = docs.get(rel["doc_id"], "")
        span = locate(text, rel.get("evidence") or "")
        sent = answer_sentence(text, q.answers, span) if span else ""
        if sent and not contains_answer(sent, q.answers):
            sent = answer_sentence(text, q.answers)  # evidence and answer in two sentences
        if sent:
            out.append(Example(f"{q.id}:{q.lang}", q.question, sent, tuple(q.answers)))
    return out


@dataclass
class Batch:
    ids: np.ndarray  # (n_candidates, n_slots) feature ids
    gold: np.ndarray  # (n_candidates,) bool
    starts: np.ndarray  # first candidate of each question (candidates grouped)


def build(examples: list[Example], slack: int) -> Batch:
    """Feature ids of every candidate, grouped by question, and which ones are gold."""
    ids, gold, starts, pos = [], [], [], 0
    for ex in examples:
        q = parse_question(ex.question, "en" if ex.qid.endswith(":en") else "id")
        cands = candidates(ex.sentence, q)
        wanted = [normalize_answer(a) for a in ex.answers if a.strip()]
        g = np.array([
            any(w in normalize_answer(ex.sentence[s:e]) and e - s <= len(w) + slack
                for w in wanted)
            for s, e in cands.spans.tolist()
        ], dtype=bool)
        if not g.any():
            continue
        ids.append(feature_ids(cands, q))
        gold.append(g)
        starts.append(pos)
        pos += len(g)
    return Batch(np.concatenate(ids).astype(np.int32), np.concatenate(gold), np.array(starts))


def _grad(w: np.ndarray, b: Batch, l2: float) -> tuple[float, np.ndarray]:
    s = w[b.ids].sum(1)
    m = np.maximum.reduceat(s, b.starts)
    sizes = np.diff(np.r_[b.starts, len(s)])
    e = np.exp(s - np.repeat(m, sizes))
    z = np.add.reduceat(e, b.starts)
    zg = np.add.reduceat(np.where(b.gold, e, 0.0), b.starts)
    loss = float(np.sum(np.log(z) - np.log(zg))) / len(b.starts)
    d = (e / np.repeat(z, sizes) - np.where(b.gold, e, 0.0) / np.repeat(zg, sizes))
    d /= len(b.starts)
    g = np.bincount(b.ids.ravel(), weights=np.repeat(d, b.ids.shape[1]), minlength=len(w))
    return loss + 0.5 * l2 * float(w @ w), g + l2 * w


def train(b: Batch, dim: int, *, l2: float, steps: int = 150, lr: float = 0.1) -> np.ndarray:
    w, m, v = np.zeros(dim), np.zeros(dim), np.zeros(dim)
    for t in range(1, steps + 1):
        _, g = _grad(w, b, l2)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w -= lr * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
    return w


Picker = Callable[[str, str], tuple[int, int]]


def evaluate(examples: list[Example], pick: Picker) -> dict[str, float]:
    hits, chars, words, exact = 0, 0, 0, 0
    for ex in examples:
        s, e = pick(ex.sentence, ex.question)
        piece = ex.sentence[s:e]
        hits += contains_answer(piece, ex.answers)
        exact += normalize_answer(piece) in {normalize_answer(a) for a in ex.answers}
        chars += len(piece)
        words += sum(1 for t in SPAN_TOKEN.findall(piece) if t[0].isalnum())
    n = max(len(examples), 1)
    return {"n": len(examples), "acc": hits / n, "exact": exact / n, "chars": chars / n,
            "words": words / n}


def model_picker(model: Highlighter) -> Picker:
    def pick(text: str, question: str) -> tuple[int, int]:
        return model.best(text, parse_question(question))
    return pick


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--train", required=True)
    p.add_argument("--valid", required=True)
    p.add_argument("--valid-en", default=str(REPO / "eval/data/facqa_valid_en.jsonl"))
    p.add_argument("--ours", default=str(REPO / "eval/data/telusur_qa.jsonl"))
    p.add_argument("--seeds", default=str(REPO / "seeds"))
    p.add_argument("--out", default=str(model_path("highlighter")))
    p.add_argument("--slack", type=int, default=0, help="extra chars a gold span may have")
    p.add_argument("--l2", type=float, nargs="+", default=[3e-4, 1e-3, 3e-3])
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--holdout", type=float, default=0.15)
    args = p.parse_args(argv)

    corpus = {}
    for line in Path(args.corpus).read_text(encoding="utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            corpus[rec["id"]] = rec["text"]
    train_ex = facqa_examples(corpus, Path(args.train))
    rng = np.random.default_rng(0)
    order = rng.permutation(len(train_ex))
    cut = int(len(order) * (1 - args.holdout))
    fit_ex = [train_ex[i] for i in order[:cut]]
    held_ex = [train_ex[i] for i in order[cut:]]
    names = feature_names()
    t0 = time.perf_counter()
    fit_b = build(fit_ex, args.slack)
    print(f"train: {len(train_ex)} answer sentences, {len(fit_b.starts)} with a gold span "
          f"in the fit slice, {len(fit_b.gold)} candidates ({time.perf_counter() - t0:.1f}s)")
    best_l2, best_acc = args.l2[0], -1.0
    for l2 in args.l2:
        w = train(fit_b, len(names), l2=l2, steps=args.steps, lr=args.lr)
        acc = evaluate(held_ex, model_picker(_model(names, w)))["acc"]
        print(f"  l2={l2:g}: held-out train acc {acc:.3f}")
        if acc > best_acc:
            best_l2, best_acc = l2, acc
    w = train(build(train_ex, args.slack), len(names), l2=best_l2, steps=args.steps,
              lr=args.lr)
    weights = {n: round(float(x), 4) for n, x in zip(names, w, strict=True) if abs(x) >= 1e-3}
    print(f"chose l2={best_l2:g}; {len(weights)} non-zero weights")

    model = _model(names, w)
    sets = {"facqa valid": facqa_examples(corpus, Path(args.valid))}
    if Path(args.valid_en).exists():
        sets["facqa valid-en"] = facqa_examples(corpus, Path(args.valid_en))
    if Path(args.ours).exists():
        ours = telusur_examples(Path(args.ours), Path(args.seeds), "heldout")
        sets["ours heldout id"] = [e for e in ours if e.qid.endswith(":id")]
        sets["ours heldout en"] = [e for e in ours if e.qid.endswith(":en")]
    print(f"\n{'set':<17} {'n':>4} {'acc':>6} {'exact':>6} {'chars':>6} {'words':>6}")
    measured = {}
    for name, exs in sets.items():
        r = evaluate(exs, model_picker(model))
        measured[name] = {k: round(v, 4) for k, v in r.items()}
        print(f"{name:<17} {r['n']:>4} {r['acc']:>6.3f} {r['exact']:>6.3f} "
              f"{r['chars']:>6.1f} {r['words']:>6.2f}")
    save_model(
        Path(args.out), kind="highlighter", features=signature(), encoder=None,
        params={"l2": best_l2, "slack": args.slack, "train_questions": len(train_ex),
                "weights": weights},
        data=[args.corpus, args.train], command="python -m eval.train_highlight (make train)",
        measurements={"given_the_answer_sentence": measured},
    )
    print(f"wrote {args.out}")
    _timing(sets["facqa valid"], model)
    return 0


def _model(names: list[str], w: np.ndarray) -> Highlighter:
    return Highlighter(dict(zip(names, w.tolist(), strict=True)))


def _timing(examples: list[Example], model: Highlighter) -> None:
    if not examples:
        return
    long = [ex for ex in examples if len(ex.sentence) >= 200] or examples
    questions = [parse_question(ex.question) for ex in long]
    model.best(long[0].sentence, questions[0])  # warm the tables
    t0 = time.perf_counter()
    for ex, q in zip(long, questions, strict=True):
        model.best(ex.sentence[:300], q)
    per = (time.perf_counter() - t0) * 1000 / len(long)
    print(f"best span {per:.3f} ms per sentence ({len(long)} sentences of 200-300 chars)")


if __name__ == "__main__":
    raise SystemExit(main())
