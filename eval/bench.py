"""``telusur bench``: performance report (see issue on benchmarks)."""

from __future__ import annotations

import argparse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--out", default="eval/results/bench", help="output directory")


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError("telusur bench is being written")
