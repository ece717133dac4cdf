"""Typed records passed between the index and search layers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Document:
    """A cleaned document as stored in the index: offsets of passages point into ``text``."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None
    lang: str | None = None
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ReadReport:
    """What a reader produced: documents, and files it had to skip with the reason."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
