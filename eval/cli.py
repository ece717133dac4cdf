"""``telusur eval`` and ``telusur bench`` subcommands (registered by ``api.cli``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def register(
    sub: argparse._SubParsersAction, common: Callable[[argparse.ArgumentParser], None]
) -> None:
    from eval import bench, evaluate

    p = sub.add_parser("eval", help="score retrieval (and answers) on a labelled set")
    evaluate.add_arguments(p)
    common(p)
    p.set_defaults(func=evaluate.run)

    p = sub.add_parser("bench", help="measure latency, throughput, indexing, scale, memory")
    bench.add_arguments(p)
    common(p)
    p.set_defaults(func=bench.run)
