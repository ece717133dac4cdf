"""A reference to a stored article in APA, Chicago, MLA or BibTeX, from its real metadata.

Pure functions of a ``Document``: nothing is looked up, and a field the record does not hold
(author, date, outlet, URL) is left out of the reference rather than guessed — no "n.d.", no
"Anonymous", no access date. The author is cited as the article states it: Indonesian names
are often a single name or do not split into family and given names, so they are never
inverted or cut to initials. The styles are those of a newspaper or news-site article:

* APA (7th ed.): ``Author. (2024, November 20). Title. Outlet. URL`` (no author: the title
  moves to the front).
* Chicago (17th ed., bibliography entry): ``Author. "Title." Outlet, November 20, 2024. URL.``
* MLA (9th ed.): ``Author. "Title." Outlet, 20 Nov. 2024, URL.`` (the URL without http(s)://).
* BibTeX: ``@article`` with ``journal`` = the outlet, ``date`` in ISO form.

Why not citeproc-py with the CSL styles: with citeproc-py 0.11.1 and the CSL repository's
``apa.csl``/``modern-language-association.csl``/``chicago-author-date.csl`` an article without
an author came out with its title twice, and Chicago added an "Edition." the record never
had (citeproc-py does not implement CSL's substitute suppression), i.e. the made-up fields
this module must not produce.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.records import Document
from search.query import QueryError

STYLES = ("apa", "chicago", "mla", "bibtex")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.",
              "Nov.", "Dec.")
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                 "dec")
BABEL_LANGUAGES = {"id": "indonesian", "en": "english"}  # biblatex ``langid`` names
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


@dataclass(frozen=True)
class PubDate:
    """As much of the publication date as the record states."""

    year: int
    month: int | None = None
    day: int | None = None

    @classmethod
    def of(cls, published: str | None) -> PubDate | None:
        m = _DATE.match(published or "")
        if not m:
            return None
        year, month, day = (int(g) if g else None for g in m.groups())
        if month is not None and not 1 <= month <= 12:
            return cls(int(m.group(1)))
        if day is not None and not 1 <= day <= 31:
            day = None
        return cls(int(m.group(1)), month, day)


def check_style(style: str) -> str:
    if style not in STYLES:
        raise QueryError("style", f"style: unknown citation style {style!r}; "
                         f"use one of {', '.join(STYLES)}")
    return style


def cite(doc: Document, style: str) -> str:
    """The reference to ``doc`` in ``style`` (one of ``STYLES``)."""
    check_style(style)
    return {"apa": apa, "chicago": chicago, "mla": mla, "bibtex": bibtex}[style](doc)


def _clean(value: str | None) -> str | None:
    value = " ".join((value or "").split())
    return value or None


def _end(text: str, mark: str = ".") -> str:
    """``text`` closed by ``mark`` unless it already ends in punctuation (an ellipsis too:
    a title made from the text's first line ends in one)."""
    return text if text[-1] in ".?!…" else text + mark


def _sentences(*parts: str | None) -> str:
    return " ".join(_end(p) for p in parts if p)


def apa(doc: Document) -> str:
    author, title, outlet = _clean(doc.author), _clean(doc.title), _clean(doc.source)
    d = PubDate.of(doc.published)
    date = None
    if d is not None:
        date = str(d.year)
        if d.month:
            date += f", {MONTHS[d.month - 1]}" + (f" {d.day}" if d.day else "")
        date = f"({date})"
    lead = [author, date, title] if author else [title, date]
    text = _sentences(*lead, outlet)
    url = _clean(doc.url)
    return f"{text} {url}".strip() if url else text


def _quoted(title: str | None) -> str | None:
    """A title in double quotes with the closing period inside (none after ? or !)."""
    return f"\u201c{_end(title)}\u201d" if title else None


def chicago(doc: Document) -> str:
    author, title, outlet = _clean(doc.author), _clean(doc.title), _clean(doc.source)
    d = PubDate.of(doc.published)
    date = None
    if d is not None:
        date = (f"{MONTHS[d.month - 1]} " + (f"{d.day}, " if d.day else "") if d.month
                else "") + str(d.year)
    where = ", ".join(x for x in (outlet, date) if x) or None
    parts = [_end(author) if author else None, _quoted(title), _end(where) if where else None]
    url = _clean(doc.url)
    if url:
        parts.append(_end(url))
    return " ".join(p for p in parts if p)


def mla(doc: Document) -> str:
    author, title, outlet = _clean(doc.author), _clean(doc.title), _clean(doc.source)
    d = PubDate.of(doc.published)
    date = None
    if d is not None:
        date = ((f"{d.day} " if d.day else "") + f"{MLA_MONTHS[d.month - 1]} " if d.month
                else "") + str(d.year)
    url = _clean(doc.url)
    if url:
        url = re.sub(r"^https?://", "", url)
    container = ", ".join(x for x in (outlet, date, url) if x) or None
    parts = [_end(author) if author else None, _quoted(title),
             _end(container) if container else None]
    return " ".join(p for p in parts if p)


_TEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


def _tex(text: str) -> str:
    return "".join(_TEX_SPECIAL.get(c, c) for c in text)


def bibtex_key(doc: Document) -> str:
    return "telusur:" + (re.sub(r"[^A-Za-z0-9_.:-]+", "-", doc.id).strip("-") or "doc")


def bibtex(doc: Document) -> str:
    fields: list[tuple[str, str]] = []
    author, title, outlet = _clean(doc.author), _clean(doc.title), _clean(doc.source)
    if author:  # double braces: cited as written, never split into family, given
        fields.append(("author", "{{" + _tex(author) + "}}"))
    if title:
        fields.append(("title", "{{" + _tex(title) + "}}"))
    if outlet:
        fields.append(("journal", "{" + _tex(outlet) + "}"))
    d = PubDate.of(doc.published)
    if d is not None:
        fields.append(("year", "{" + str(d.year) + "}"))
        if d.month:
            fields.append(("month", BIBTEX_MONTHS[d.month - 1]))
            iso = f"{d.year:04d}-{d.month:02d}" + (f"-{d.day:02d}" if d.day else "")
            fields.append(("date", "{" + iso + "}"))
    url = _clean(doc.url)
    if url:
        fields.append(("url", "{" + url.replace("}", "%7D").replace("{", "%7B") + "}"))
    if doc.lang in BABEL_LANGUAGES:
        fields.append(("langid", "{" + BABEL_LANGUAGES[doc.lang] + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@article{{{bibtex_key(doc)},\n{body}\n}}" if body else f"@article{{{bibtex_key(doc)}}}"
