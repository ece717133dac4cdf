"""Read documents from ``.txt``/``.md`` files, folders of them, and ``.jsonl`` corpora."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from index.cleaning import clean_article
from index.documents import InputError, check_id, check_meta, check_text, check_url
from index.langid import detect_language
from index.records import Document, ReadReport

log = logging.getLogger(__name__)
TEXT_SUFFIXES = {".txt", ".md"}
SUFFIXES = TEXT_SUFFIXES | {".jsonl"}


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files to read, in a stable order; folders are walked for supported suffixes."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix in SUFFIXES))
        elif p.is_file():
            if p.suffix not in SUFFIXES:
                raise InputError(f"{p}: unsupported file type (use .txt, .md or .jsonl)")
            files.append(p)
        else:
            raise InputError(f"{p}: no such file or directory")
    return files


def document_from_text(
    *, doc_id: str, raw: str, title: str | None = None, source: str | None = None,
    url: str | None = None, published: str | None = None, lang: str | None = None,
    path: str | None = None,
) -> Document:
    """Clean raw article text into a stored document; given metadata wins over extracted.

    Every document rule (``index.documents``) is checked here, whatever the entry point."""
    doc_id = check_id(doc_id)
    try:
        raw = check_text(raw)
        meta = {name: check_meta(name, value) for name, value in
                (("title", title), ("source", source), ("published", published), ("lang", lang))}
        url = check_url(url)
    except InputError as exc:
        raise InputError(f"{doc_id}: {exc}") from None
    cleaned = clean_article(raw)
    if not cleaned.text.strip():
        raise InputError(f"{doc_id}: no text left after cleaning")
    return Document(
        id=doc_id,
        text=cleaned.text,
        title=meta["title"] or cleaned.title,
        source=meta["source"] or cleaned.source,
        url=url,
        published=meta["published"] or cleaned.published,
        lang=meta["lang"] or detect_language(cleaned.text),
        path=path,
    )


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
    meta = {k: rec.get(k) or None for k in ("title", "source", "url", "published", "lang")}
    try:
        return document_from_text(doc_id=doc_id, raw=rec["text"], path=name, **meta)
    except InputError as exc:
        raise InputError(f"{name}:{lineno}: {exc}") from None


def read_file(path: Path, skipped: list[tuple[str, str]] | None = None) -> list[Document]:
    text = read_text_bytes(path.name, path.read_bytes())
    if path.suffix == ".jsonl":
        return list(documents_from_jsonl(str(path), text, skipped))
    return [document_from_text(doc_id=path.stem, raw=text, path=str(path))]


def read_documents(paths: Iterable[str | Path]) -> ReadReport:
    """Read every supported file; unreadable ones are reported by name and skipped."""
    report = ReadReport()
    seen: set[str] = set()
    for f in expand_paths(paths):
        try:
            docs = read_file(f, report.skipped)
        except (InputError, OSError) as exc:
            log.warning("skipped %s", exc)
            report.skipped.append((str(f), str(exc)))
            continue
        for doc in docs:
            if doc.id in seen:
                report.skipped.append((str(f), f"duplicate document id {doc.id!r}"))
                continue
            seen.add(doc.id)
            report.documents.append(doc)
    return report
