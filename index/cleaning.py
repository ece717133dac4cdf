"""Turn raw news text into clean, indexable text plus the metadata the article states.

News pages arrive with navigation crumbs, photo credits, "read also" links and copyright
lines. Those are dropped line by line (never edited inside a line, so quotes stay verbatim);
the outlet and the publication date are extracted only where the article states them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from index.text import MONTH_PATTERN, MONTHS, WEEKDAY_PATTERN, WEEKDAYS, YEAR

# Whole lines that are page furniture rather than article text.
_BOILERPLATE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[|\-–—•*#=_~.]*$",  # separators, lone "|"
        r"^(by|oleh|share|bagikan|tag|tags|tagar)\s*:?\s*$",
        r"^(tag|tags|tagar)\s*:.*$",
        r"^(foto|photo|ilustrasi|sumber foto|image)\s*:.*$",
        r"^(membaca|baca juga|baca|read also|lihat juga|simak juga)\b\s*:?.*$",
        r"^berita terkait\s*:.*$",
        r"^(hak cipta|copyright)\b.*$",
        r"^.*©.*$",
        r"^(penerjemah|editor|penulis|pewarta|reporter|redaktur|translator)\s*:.*$",
        r"^(kontak|contact|email|e-mail)\s*:.*$",
        r"^(sumber|source)\s*:.*$",
        r"^(tinggalkan komentar|leave a comment|komentar|advertisement|iklan)$",
        r"^(biro komunikasi publik|humas(\s+[\w.&-]+){0,6})$",  # press-office signature
        r"^\(\*\)$",
    )
]

_COPYRIGHT = re.compile(
    r"(?:hak cipta|copyright)\s*(?:©|\(c\))?\s*"
    r"(?P<outlet>[A-Za-z][\w .&-]*?)\s+(?P<year>(?:19|20)\d\d)",
    re.IGNORECASE,
)
_DATELINE_OUTLET = re.compile(
    r"^(?P<outlet>[A-Za-z0-9-]+\.(?:com|co\.id|id|net|org|go\.id))\s*,\s*[^–—-]{1,40}\s*[–—-]"
)
_SOURCE_LINE = re.compile(r"^(?:sumber|source)\s*:\s*(?P<outlet>.+?)\s*$", re.IGNORECASE)
_PR_SIGNATURE = re.compile(
    r"^(?P<outlet>biro komunikasi publik|humas(?:\s+[\w.&-]+){0,6})$", re.IGNORECASE
)

_DATE_LONG = re.compile(
    rf"(?:(?P<wd>{WEEKDAY_PATTERN})\s*,?\s*)?(?P<d>\d{{1,2}})\s+(?P<m>{MONTH_PATTERN})\.?\s+(?P<y>(?:19|20)\d\d)",
    re.IGNORECASE,
)
_DATE_PAREN = re.compile(
    rf"(?P<wd>{WEEKDAY_PATTERN})\s*\(\s*(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})(?:/(?P<y>(?:19|20)?\d\d))?\s*\)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cleaned:
    text: str
    title: str | None
    source: str | None
    published: str | None


# A photo caption ends in its credit ("… di Multifunction Hall. Foto: IKN / TRT Indonesia").
# Captions state facts (venues, names) that readers ask about, so a caption with a few words
# of its own is kept, credit included; a bare credit line is furniture.
_CAPTION = re.compile(r"^(?P<caption>.*\S)\s*\b(foto|photo)\s*:\s*\S.*$", re.IGNORECASE)
_MIN_CAPTION_WORDS = 4


def is_boilerplate(line: str) -> bool:
    stripped = line.strip()
    if len(stripped) > 400:  # a long line is article text, whatever it starts with
        return False
    caption = _CAPTION.match(stripped)
    if caption and len(caption.group("caption").split()) < _MIN_CAPTION_WORDS:
        return True
    return any(p.match(stripped) for p in _BOILERPLATE)


def clean_article(raw: str) -> Cleaned:
    """Drop boilerplate lines, keep paragraphs (joined by a blank line), read title/source/date."""
    raw = raw.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [ln.rstrip() for ln in raw.split("\n")]
    kept = [ln.strip() for ln in lines if ln.strip() and not is_boilerplate(ln)]
    text = "\n\n".join(kept)
    title = _title(kept)
    return Cleaned(
        text=text,
        title=title,
        source=extract_source([ln.strip() for ln in lines if ln.strip()]),
        published=extract_published(raw),
    )


def _title(kept: list[str]) -> str | None:
    for line in kept:
        # The first meaningful line: has letters and is not a bare dateline like "NUSANTARA".
        if re.search(r"[^\W\d_]{2,}", line) and len(line.split()) >= 2:
            return _shorten(line, 160)
    return None


def _shorten(line: str, limit: int) -> str:
    """A lead sentence used as title is cut at a word boundary."""
    if len(line) <= limit:
        return line
    cut = line.rfind(" ", 0, limit)
    return line[: cut if cut > 0 else limit].rstrip(" ,;:") + "…"


def extract_source(lines: list[str]) -> str | None:
    """The outlet, only where the article names it (copyright line, dateline, source line)."""
    for line in lines:
        m = _COPYRIGHT.search(line)
        if m:
            return m.group("outlet").strip()
    for line in lines[:8]:
        m = _DATELINE_OUTLET.match(line)
        if m:
            return m.group("outlet")
    for line in lines:
        m = _SOURCE_LINE.match(line)
        if m:
            return m.group("outlet")
    for line in reversed(lines[-6:]):
        m = _PR_SIGNATURE.match(line)
        if m:
            return m.group("outlet")
    return None


def extract_published(raw: str) -> str | None:
    """Publication date as ISO ``YYYY-MM-DD`` (or ``YYYY`` when only a year is stated).

    Order: a date line near the top ("Rabu , 17 Mei 2017"), then the dateline's
    "Rabu (20/11/2024)", then a copyright year. A dateline without a year ("Kamis (4/12)")
    is completed only with a year the article itself mentions on which that date falls on
    that weekday; otherwise it is left out rather than guessed.
    """
    head = "\n".join(raw.strip().split("\n")[:6])
    for m in _DATE_LONG.finditer(head):
        date = _make_date(m.group("y"), MONTHS[m.group("m").lower()], m.group("d"))
        if date:
            return date
    years = [int(y) for y in YEAR.findall(raw)]
    for m in _DATE_PAREN.finditer(raw):
        weekday = WEEKDAYS[m.group("wd").lower()]
        if m.group("y"):
            year = int(m.group("y"))
            year = year + 2000 if year < 100 else year
            date = _make_date(year, int(m.group("m")), m.group("d"))
            if date:
                return date
            continue
        for year in sorted(set(years), reverse=True):
            date = _make_date(year, int(m.group("m")), m.group("d"))
            if date and dt.date.fromisoformat(date).weekday() == weekday:
                return date
    copyright_line = _COPYRIGHT.search(raw)
    return copyright_line.group("year") if copyright_line else None


def _make_date(year: int | str, month: int, day: int | str) -> str | None:
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None
