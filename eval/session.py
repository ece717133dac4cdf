"""What ``telusur eval`` and ``telusur eval compare`` share: the labelled set, the indexes
its configurations need (indexed from the corpus when missing or out of date), and one run
per configuration, scored."""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api.settings import Settings
from eval.formats import LabelledSet, beir_documents, load_set
from eval.runner import Config, QuestionRun, run_questions, searcher_for
from eval.scoring import aggregate_groups, qrels_of, score_questions
from index.chunking import ChunkerConfig
from index.encoders import Encoder, load_encoder
from index.store import IndexStore
from search.answer.ask import Answerer
from search.engine import Searcher


def add_set_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("ours", "beir", "trec", "judgements"),
                   help="format of PATH (default: recognised from its content)")
    p.add_argument("--queries", help="query texts for TREC qrels (queries.jsonl or qid<TAB>text)")
    p.add_argument("--split", help="our sets: tune or heldout; BEIR: the qrels file "
                                   "(qrels/NAME.tsv)")
    p.add_argument("--corpus", nargs="+", help="index this corpus first (folder or .jsonl)")
    p.add_argument("--k", type=int, default=10, help="passages retrieved per question")
    p.add_argument("--no-answers", action="store_true", help="skip answer metrics")
    p.add_argument("--run-dir", help="write a TREC run file per mode/configuration here, "
                                     "with the qrels they are scored against")
    p.add_argument("--json", dest="json_out", nargs="?", const="-", metavar="FILE",
                   help="metrics as JSON: to FILE, or alone to stdout instead of the table")
    p.add_argument("--report", help="write a Markdown report here, and a standalone HTML "
                                    "report (charts, failure browser) beside it")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


@dataclass
class Scored:
    """One configuration's run over the set: per-question rows and per-group aggregates."""

    config: Config
    runs: list[QuestionRun]
    rows: list[dict[str, Any]]
    groups: dict[str, dict[str, Any]]


@dataclass
class Session:
    args: argparse.Namespace
    settings: Settings
    labelled: LabelledSet
    progress: bool
    _tmp: list[tempfile.TemporaryDirectory[str]] = field(default_factory=list)
    _searchers: dict[tuple[Any, ...], Searcher] = field(default_factory=dict)
    _answerers: dict[tuple[str, bool], Answerer] = field(default_factory=dict)
    indexed: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, args: argparse.Namespace, path: str) -> Session:
        if not 1 <= args.k <= 100:
            raise ValueError("--k: must be between 1 and 100")
        labelled = load_set(path, fmt=args.format, queries=args.queries, split=args.split)
        if not labelled.questions:
            raise ValueError(f"{path}: no questions" + (
                f" in split {args.split!r}" if args.split else ""))
        progress = not args.quiet and args.json_out != "-"
        return cls(args, Settings.from_args(args), labelled, progress)

    def close(self) -> None:
        for t in self._tmp:
            t.cleanup()

    def _index_dir(self, key: tuple[Any, ...], default: bool) -> Path:
        base = self.settings.index_dir if self.args.index_dir else None
        if base is not None and default:
            return base
        if base is not None:
            slug = "-".join(str(x) for x in key if x is not None).replace("/", "_")
            return base.with_name(f"{base.name}.{slug.replace(':', '_')}")
        if not self.args.corpus and self.labelled.corpus is None and default:
            return self.settings.index_dir
        tmp = tempfile.TemporaryDirectory(prefix="telusur-eval-")
        self._tmp.append(tmp)
        return Path(tmp.name)

    def searcher(self, config: Config) -> Searcher:
        """The searcher for a configuration; its index is built or brought up to date from
        the corpus (``--corpus`` or the BEIR corpus) when there is one."""
        key = (config.encoder or self.settings.encoder, config.max_chars, config.overlap)
        if key not in self._searchers:
            default = config.max_chars is None and config.overlap is None and (
                config.encoder is None)
            index_dir = self._index_dir(key, default)
            encoder = load_encoder(key[0])
            self._build(IndexStore(index_dir), encoder, config, needed=not default)
            self._searchers[key] = Searcher(IndexStore(index_dir), encoder,
                                            ranker=self.settings.ranker)
        return searcher_for(self._searchers[key], config)

    def _build(self, store: IndexStore, encoder: Encoder, config: Config, *,
               needed: bool) -> None:
        from index.builder import apply_changes
        from index.ingest import index_paths

        chunker = None
        if config.max_chars is not None or config.overlap is not None:
            base = ChunkerConfig()
            chunker = ChunkerConfig(
                max_chars=config.max_chars or base.max_chars,
                overlap_sentences=base.overlap_sentences if config.overlap is None
                else config.overlap)
        # Labelled sets name their relevant documents by id, and a corpus may hold copies of
        # one passage under two ids (FacQA does): every id is indexed, as the labels expect.
        if self.args.corpus:
            report = index_paths(store, self.args.corpus, encoder=encoder, chunker=chunker,
                                 progress=self.progress, dedupe=False)
        elif self.labelled.corpus is not None:
            report = apply_changes(store, encoder=encoder, chunker=chunker,
                                   upserts=beir_documents(self.labelled.corpus),
                                   progress=self.progress, dedupe=False)
        elif needed:
            raise ValueError(f"configuration {config.label} needs its own index "
                             f"({config.describe()}): give the corpus with --corpus")
        else:
            return
        self.indexed.append(f"{store.dir}: {report.summary()}")
        if self.progress:
            print(f"{store.dir}: {report.summary()}", file=sys.stderr)

    def answerer(self, searcher: Searcher, config: Config) -> Answerer | None:
        if self.args.no_answers:
            return None
        key = (searcher.encoder.id, config.reader)
        if key not in self._answerers:
            self._answerers[key] = Answerer.load(key[0], reader=config.reader)
        return self._answerers[key]

    def score(self, config: Config) -> Scored:
        searcher = self.searcher(config)
        questions = self.labelled.questions
        runs = run_questions(searcher, questions, mode=config.mode, k=self.args.k,
                             answerer=self.answerer(searcher, config), progress=self.progress,
                             label=config.label)
        rows = score_questions(questions, runs, qrels_of(questions, searcher.context.data))
        return Scored(config, runs, rows, aggregate_groups(rows))

    def qrels(self, config: Config) -> dict[str, dict[str, int]]:
        return qrels_of(self.labelled.questions, self.searcher(config).context.data)


def each_config(session: Session, configs: list[Config],
                on_done: Callable[[Scored], None] | None = None) -> list[Scored]:
    out = []
    for c in configs:
        s = session.score(c)
        if on_done:
            on_done(s)
        out.append(s)
    return out
