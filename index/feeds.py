"""RSS and Atom feeds (``.rss``, ``.atom``, ``.xml``, or any file that sniffs as one): every
item becomes a document with its link, title, date, author and content (feedparser).

An item's id comes from its link (a readable slug) and its guid, not from the file's name,
so the same item saved in two snapshots of a feed is one document. Its text is the fullest
content the item carries (``content:encoded`` before ``description``), with the title as its
first line. The outlet is the item's ``<source>`` where it names one, else the feed's title.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import urlparse

from index.dates import parse_date
from index.documents import InputError
from index.html import fragment_text
from index.records import Extracted

FEED_SUFFIXES = {".rss", ".atom", ".xml"}
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.I)


def is_feed(data: bytes) -> bool:
    """Whether a file's first bytes open an RSS, Atom or RDF feed."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith(b"<") and bool(_FEED_ROOT.search(head))


def read_feed(name: str, data: bytes) -> list[Extracted]:
    import feedparser  # loaded when the first feed is read

    if not is_feed(data):
        raise InputError(f"{name}: not an RSS or Atom feed")
    parsed: Any = feedparser.parse(data)
    entries = list(parsed.entries)
    if not entries:
        why = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise InputError(f"{name}: no items in the feed{why}")
    feed_title = _clean(parsed.feed.get("title"))
    out = []
    for entry in entries:
        title = _clean(entry.get("title"))
        body = _body(entry)
        if not body.strip():
            continue
        if title and not body.startswith(title):
            body = f"{title}\n{body}"
        source = entry.get("source") or {}
        out.append(Extracted(
            text=body, key=_key(entry), title=title,
            source=_clean(source.get("title")) or feed_title, url=_clean(entry.get("link")),
            published=parse_date(entry.get("published") or entry.get("updated")
                                 or entry.get("created")),
            author=_clean(entry.get("author")),
        ))
    if not out:
        raise InputError(f"{name}: no item in the feed has any text")
    return out


def _body(entry: Any) -> str:  # noqa: ANN401 - a feedparser entry
    candidates = [c.get("value", "") for c in entry.get("content") or []]
    candidates.append(entry.get("summary") or "")
    texts = [fragment_text(c) for c in candidates if c]
    return max(texts, key=len, default="")


def _key(entry: Any) -> str:  # noqa: ANN401 - a feedparser entry
    """A stable, readable id: the link's last path segment and a hash of the item's guid."""
    ident = entry.get("id") or entry.get("link") or (
        f"{entry.get('title', '')}|{entry.get('published', '')}")
    digest = hashlib.sha1(str(ident).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    path = urlparse(str(entry.get("link") or "")).path
    segment = next((s for s in reversed(path.split("/")) if s), "")
    slug = re.sub(r"[^a-z0-9]+", "-", segment.lower().rsplit(".", 1)[0]).strip("-")[:60]
    return f"{slug or 'item'}-{digest}"


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(fragment_text(value).split()) if "<" in value else " ".join(value.split())
    return value or None
