"""Read documents from files: ``.txt``/``.md`` articles, ``.jsonl`` corpora, saved web pages
(``index.html``), PDFs (``index.pdf``) and RSS/Atom feeds (``index.feeds``), and folders of
them (``index.walk``).

Every format reader turns a file's bytes into ``Extracted`` records; every record then goes
through :func:`document_from_text`, which applies the document rules (``index.documents``)
and the cleaning (``index.cleaning``), so the stored text is the cleaned text that citations
slice, whatever the format.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from index.cleaning import clean_article
from index.documents import (
    InputError,
    check_id,
    check_meta,
    check_published,
    check_text,
    check_url,
)
from index.feeds import FEED_SUFFIXES, is_feed, read_feed
from index.html import HTML_SUFFIXES, read_html
from index.langid import detect_language
from index.pdf import PDF_SUFFIXES, read_pdf
from index.records import Document, Extracted, ReadReport
from index.walk import walk

log = logging.getLogger(__name__)
TEXT_SUFFIXES = {".txt", ".md"}
FormatReader = Callable[[str, bytes], list[Extracted]]
READERS: dict[str, FormatReader] = {
    **{s: read_html for s in HTML_SUFFIXES},
    **{s: read_pdf for s in PDF_SUFFIXES},
    **{s: read_feed for s in FEED_SUFFIXES},
}
SUFFIXES = TEXT_SUFFIXES | {".jsonl"} | set(READERS)
SUPPORTED = ".txt, .md, .jsonl, .html, .htm, .pdf, .rss, .atom, .xml"


def sniff(data: bytes) -> FormatReader | None:
    """The reader a file's first bytes call for (a file without a telling suffix)."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf"):
        return read_pdf
    if is_feed(data):
        return read_feed
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]:
        return read_html
    return None


def document_from_text(
    *, doc_id: str, raw: str = "", title: str | None = None, source: str | None = None,
    url: str | None = None, published: str | None = None, lang: str | None = None,
    path: str | None = None, author: str | None = None, pages: Sequence[str] | None = None,
) -> Document:
    """Clean raw article text into a stored document; given metadata wins over extracted.

    With ``pages`` (a paged source) each page is cleaned on its own and the pages joined, so
    the document records where each page starts in the stored text. Every document rule
    (``index.documents``) is checked here, whatever the entry point."""
    doc_id = check_id(doc_id)
    if pages is not None:
        raw = "\n\n".join(pages)
    try:
        raw = check_text(raw)
        meta = {name: check_meta(name, value) for name, value in
                (("title", title), ("source", source), ("lang", lang), ("author", author))}
        meta["published"] = check_published(published)
        url = check_url(url)
    except InputError as exc:
        raise InputError(f"{doc_id}: {exc}") from None
    cleaned = clean_article(raw)
    text, starts = cleaned.text, None
    if pages is not None:
        text, starts = _join_pages([clean_article(check_text(p) if p.strip() else "").text
                                    for p in pages])
    if not text.strip():
        raise InputError(f"{doc_id}: no text left after cleaning")
    return Document(
        id=doc_id,
        text=text,
        title=meta["title"] or cleaned.title,
        source=meta["source"] or cleaned.source,
        url=url,
        published=meta["published"] or cleaned.published,
        lang=meta["lang"] or detect_language(text),
        path=path,
        author=meta["author"],
        pages=starts,
    )


def _join_pages(texts: list[str]) -> tuple[str, tuple[int, ...]]:
    """Cleaned pages joined by a blank line, and the offset where each page starts (an empty
    page starts where the next one does)."""
    parts: list[str] = []
    starts: list[int] = []
    pos = 0
    for t in texts:
        if parts and t:
            pos += 2  # the "\n\n" before this page
        starts.append(pos)
        if t:
            parts.append(t)
            pos += len(t)
    return "\n\n".join(parts), tuple(starts)


def read_text_bytes(name: str, data: bytes) -> str:
    """Decode a file's bytes as UTF-8 or raise a message naming the file."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name}: not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise InputError(f"{name}: empty file")
    return text


def documents_from_jsonl(
    name: str, text: str, skipped: list[tuple[str, str]] | None = None
) -> Iterator[Document]:
    """Documents of a JSON Lines corpus; with ``skipped``, bad lines are reported there and
    the rest still read, otherwise the first bad line raises."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield _jsonl_document(name, lineno, line)
        except InputError as exc:
            if skipped is None:
                raise
            skipped.append((f"{name}:{lineno}", str(exc)))


def _jsonl_document(name: str, lineno: int, line: str) -> Document:
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{lineno}: invalid JSON ({exc.msg})") from None
    if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
        raise InputError(f"{name}:{lineno}: each line needs an object with a 'text' string")
    doc_id = str(rec.get("id") or f"{Path(name).stem}-{lineno}")
    meta = {k: rec.get(k) or None for k in ("title", "source", "url", "published", "lang",
                                            "author")}
    try:
        return document_from_text(doc_id=doc_id, raw=rec["text"], path=name, **meta)
    except InputError as exc:
        raise InputError(f"{name}:{lineno}: {exc}") from None


def documents_from_bytes(
    name: str, data: bytes, *, path: str | None = None,
    skipped: list[tuple[str, str]] | None = None,
) -> list[Document]:
    """The documents of one file's bytes, by its suffix or, failing that, its content.
    ``name`` labels messages and gives the id of a one-document file (its stem)."""
    suffix = Path(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None and suffix not in TEXT_SUFFIXES | {".jsonl"}:
        reader = sniff(data)
        if reader is None:
            kind = f"({suffix})" if suffix else "(no file suffix)"
            raise InputError(f"{name}: unsupported file type {kind}; use {SUPPORTED}")
    if reader is None:
        text = read_text_bytes(name, data)
        if suffix == ".jsonl":
            return list(documents_from_jsonl(path or name, text, skipped))
        return [document_from_text(doc_id=Path(name).stem, raw=text, path=path)]
    docs = []
    for item in reader(name, data):
        doc_id = item.key or Path(name).stem
        try:
            docs.append(document_from_text(
                doc_id=doc_id, raw=item.text, pages=item.pages, title=item.title,
                source=item.source, url=_usable_url(item.url), published=item.published,
                author=item.author, path=path))
        except InputError as exc:
            if skipped is None or item.key is None:
                raise InputError(exc.args[0] if str(exc).startswith(name)
                                 else f"{name}: {exc}") from None
            skipped.append((f"{name}#{item.key}", str(exc)))  # one bad item of a feed
    return docs


def _usable_url(url: str | None) -> str | None:
    """A page's stated URL where it is a web address (a saved page may state a file path)."""
    try:
        return check_url(url)
    except InputError:
        return None


def read_file(path: Path, skipped: list[tuple[str, str]] | None = None) -> list[Document]:
    return documents_from_bytes(str(path), path.read_bytes(), path=str(path), skipped=skipped)


FileRead = tuple[list[Document], list[tuple[str, str]]]  # one file's documents, skips


def read_one(path: Path) -> FileRead:
    """One file's documents and what was skipped in it (the whole file, when unreadable)."""
    skipped: list[tuple[str, str]] = []
    try:
        return read_file(path, skipped), skipped
    except (InputError, OSError) as exc:
        log.info("skipped %s", exc)
        return [], [*skipped, (str(path), str(exc))]


def read_documents(
    paths: Iterable[str | Path], *, include: Sequence[str] = (), exclude: Sequence[str] = (),
    read_all: Callable[[list[Path]], list[FileRead]] | None = None,
) -> ReadReport:
    """Read every supported file; unreadable ones are reported by name and skipped. Two
    files whose names give the same id (``2024/11/index.html``, ``2024/12/index.html``): the
    later one's id gets a hash of its path. A feed item met again (another snapshot of the
    feed) is read once. ``read_all`` reads the files elsewhere (``index.bulk``: Ray tasks),
    returning ``read_one``'s result per file in order."""
    found = walk(paths, readable=frozenset(SUFFIXES), include=include, exclude=exclude)
    report = ReadReport(skipped=list(found.skipped))
    seen: dict[str, str] = {}
    # Feeds last: a feed repeats stories whose pages may be saved too, and of two copies
    # of a story the first read is kept (``index.dedupe``), so the page wins.
    files = sorted(found.files, key=lambda f: READERS.get(f.suffix.lower()) is read_feed)
    reads = read_all(files) if read_all is not None else [read_one(f) for f in files]
    for f, (docs, skipped) in zip(files, reads, strict=True):
        report.skipped.extend(skipped)
        for doc in docs:
            if doc.id in seen and seen[doc.id] != str(f) and doc.id == f.stem:
                digest = hashlib.sha1(str(f).encode("utf-8", "surrogatepass")).hexdigest()[:8]
                doc = replace(doc, id=f"{doc.id}-{digest}")
            if doc.id in seen:
                report.skipped.append((str(f), f"duplicate document id {doc.id!r}"))
                continue
            seen[doc.id] = str(f)
            report.documents.append(doc)
    return report
