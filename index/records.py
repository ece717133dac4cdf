"""Typed records passed between the index and search layers."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Source:
    """Another outlet's copy of a story that is kept once (under the first copy)."""

    doc_id: str
    source: str | None = None
    url: str | None = None
    title: str | None = None
    published: str | None = None


@dataclass(frozen=True)
class Document:
    """A cleaned document as stored in the index: offsets of passages point into ``text``."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None  # the outlet
    url: str | None = None
    published: str | None = None  # ISO 8601 date (or a year), only as the article states it
    lang: str | None = None
    path: str | None = None
    author: str | None = None
    # Paged sources (PDF): offset in ``text`` where page 1, 2, … starts.
    pages: tuple[int, ...] | None = None
    # The same story from other outlets, kept once.
    duplicates: tuple[Source, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Document:
        """The inverse of ``to_dict`` (JSON gives lists where the record holds tuples)."""
        d = dict(d)
        if d.get("pages") is not None:
            d["pages"] = tuple(int(p) for p in d["pages"])
        d["duplicates"] = tuple(Source(**s) for s in d.get("duplicates") or ())
        return cls(**d)

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding character ``offset`` (None when not paged)."""
        if not self.pages:
            return None
        return max(bisect_right(self.pages, offset), 1)


@dataclass(frozen=True)
class Span:
    """A character span ``[start, end)`` of a document's stored text."""

    doc_id: str
    start: int
    end: int


@dataclass(frozen=True)
class Passage:
    """A chunk of a document: ``document.text[char_start:char_end] == text``."""

    id: str
    doc_id: str
    text: str
    char_start: int
    char_end: int
    lang: str | None = None
    page: int | None = None  # the page it starts on, for paged sources

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Extracted:
    """What a format reader (``index.html``, ``index.pdf``, ``index.feeds``) found in a file,
    before the document rules and cleaning (``index.readers.document_from_text``) apply.

    ``pages`` holds a paged source's text page by page (``text`` is then their join);
    ``key`` tells apart several documents of one file (a feed's items) and becomes their id.
    Metadata is what the file states, None where it states nothing."""

    text: str
    pages: tuple[str, ...] | None = None
    key: str | None = None
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class FileResult:
    """What a run made of one file (``index.ingest``)."""

    path: str
    status: str  # indexed | updated | unchanged | duplicate | skipped
    detail: str = ""

    def line(self) -> str:
        return f"{self.status:<10} {self.path}" + (f"  ({self.detail})" if self.detail else "")


@dataclass
class ReadReport:
    """What a reader produced: documents, and files it had to skip with the reason."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
