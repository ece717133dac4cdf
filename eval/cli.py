"""``telusur eval`` and ``telusur bench``: registered through the ``telusur.commands`` entry
point (``pyproject.toml``), so the product's CLI finds them without importing ``eval``."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    from eval import bench, evaluate  # heavy: loaded only when the CLI starts

    p = sub.add_parser("eval", help="score retrieval (and answers) on a labelled set")
    evaluate.add_arguments(p)
    common(p)
    p.set_defaults(func=evaluate.run)

    p = sub.add_parser("bench", help="measure latency, throughput, indexing, scale, memory")
    bench.add_arguments(p)
    common(p)
    p.set_defaults(func=bench.run)
