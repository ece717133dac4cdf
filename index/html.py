"""Saved web pages (``.html``, ``.htm``): the article's main text and the page's metadata.

trafilatura finds the main text (navigation, menus, ads, share bars, related lists, comments
and footers left out) and reads the metadata a page states: title (``og:title``, JSON-LD
``headline``, ``<title>``), author, site name, canonical URL, and the publication date from
markup only (JSON-LD ``datePublished``, ``article:published_time``, ``<time datetime>``,
``publishdate`` meta tags) — never from the page's other text, where "today's date" in a
site's header would be taken for the article's. An article that states its date only in its
dateline ("Rabu (20/11/2024)") gets it from ``index.dates.extract_published`` later.
What trafilatura keeps inside the article ("Baca juga: …", "SCROLL TO CONTINUE WITH
CONTENT") is dropped by the line rules of ``index.cleaning``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from index.dates import parse_date
from index.documents import InputError
from index.records import Extracted

log = logging.getLogger(__name__)
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
# Dates from markup only: htmldate's extensive search would read dates out of any text.
_DATE_PARAMS = {"extensive_search": False, "original_date": True}
_BLOCKS = re.compile(
    r"^(?:address|article|aside|blockquote|dd|div|dl|dt|figcaption|figure|footer|h[1-6]"
    r"|header|hr|li|main|nav|ol|p|pre|section|table|tr|ul)$")


def _extract(data: bytes, *, precision: bool) -> Any:  # noqa: ANN401 - trafilatura's Document
    import trafilatura  # heavy: loaded when the first page is read

    return trafilatura.bare_extraction(
        data, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=False,
        date_extraction_params=_DATE_PARAMS, favor_precision=precision,
        favor_recall=not precision)


def read_html(name: str, data: bytes) -> list[Extracted]:
    """The article of a saved web page (precise extraction first; a page where that finds
    nothing is read again favouring recall)."""
    if not data.strip():
        raise InputError(f"{name}: empty file")
    try:
        found = _extract(data, precision=True)
        if found is None or not (found.text or "").strip():
            found = _extract(data, precision=False)
    except (ValueError, TypeError) as exc:  # lxml on bytes it cannot parse as a page
        raise InputError(f"{name}: not a readable HTML page ({exc})") from None
    if found is None or not (found.text or "").strip():
        raise InputError(f"{name}: no article text found in the page")
    title = _meta(found.title)
    text = found.text
    if title and not text.lstrip().startswith(title):
        text = f"{title}\n\n{text}"  # the headline opens the stored text, as in a .txt article
    hostname = _meta(found.hostname)
    return [Extracted(
        text=text, title=title,
        source=_meta(found.sitename) or (hostname.removeprefix("www.") if hostname else None),
        url=_meta(found.url), published=parse_date(_meta(found.date)),
        author=_meta(found.author),
    )]


def _meta(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def fragment_text(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed item's content): one line per block element,
    scripts and styles dropped. Entities decoded; plain text passes through unchanged."""
    if "<" not in fragment:
        import html

        return html.unescape(fragment)
    from lxml import etree
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//iframe|//form"):
        bad.drop_tree()
    parts: list[str] = []

    def walk(el: Any) -> None:  # noqa: ANN401 - an lxml element
        tag = el.tag if isinstance(el.tag, str) else ""
        block = bool(_BLOCKS.match(tag.lower())) or tag.lower() == "br"
        if block:
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(root)
    lines = (" ".join(line.split()) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)
