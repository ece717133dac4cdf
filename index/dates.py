"""Publication dates, normalised to ISO 8601 in one place, never invented.

Two ways a date reaches a document: a metadata value (an HTML page's ``article:published_time``
or JSON-LD ``datePublished``, a feed item's ``pubDate``) read by :func:`parse_date`, and the
article's own text ("Rabu (20/11/2024)", "Rabu , 17 Mei 2017") read by
:func:`extract_published`. Both give ``YYYY-MM-DD`` (or ``YYYY`` when only a year is stated).
A timestamp keeps the calendar date it was written with, in its own time zone: a Jakarta
article stamped ``2024-11-20T23:30:00+07:00`` was published on the 20th, not on the 20th's
UTC date, whatever that is.
"""

from __future__ import annotations

import datetime as dt
import re

from index.text import MONTH_PATTERN, MONTHS, WEEKDAY_PATTERN, WEEKDAYS, YEAR

_YEAR = r"(?:19|20)\d\d"
# "2024-11-20", "2024-11-20T10:30:00+07:00", "2024/11/20 10:30:00", "2024.11.20"
_ISO = re.compile(rf"(?P<y>{_YEAR})[-/.](?P<m>\d{{1,2}})[-/.](?P<d>\d{{1,2}})(?![\d])")
# "20241120" or "20241120T103000Z" (compact ISO)
_COMPACT = re.compile(rf"^(?P<y>{_YEAR})(?P<m>\d\d)(?P<d>\d\d)(?:T[\d:.]*(?:Z|[+-]\d{{2,4}})?)?$")
# "17 Mei 2017", "Rabu, 20 November 2024 10:30 WIB", "Wed, 20 Nov 2024 10:30:00 +0700"
_DAY_MONTH_YEAR = re.compile(
    rf"(?:(?P<wd>{WEEKDAY_PATTERN})\s*,?\s*)?(?P<d>\d{{1,2}})\s+(?P<m>{MONTH_PATTERN})\.?,?\s+"
    rf"(?P<y>{_YEAR})\b", re.IGNORECASE)
# "November 20, 2024", "Nov 20 2024"
_MONTH_DAY_YEAR = re.compile(
    rf"\b(?P<m>{MONTH_PATTERN})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>{_YEAR})\b",
    re.IGNORECASE)
# "20/11/2024", "20-11-2024" (day first, as Indonesian writes it)
_DMY = re.compile(rf"\b(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>{_YEAR})\b")
# The dateline "Rabu (20/11/2024)" or, without a year, "Kamis (4/12)"
_DATE_PAREN = re.compile(
    rf"(?P<wd>{WEEKDAY_PATTERN})\s*\(\s*(?P<d>\d{{1,2}})/(?P<m>\d{{1,2}})"
    rf"(?:/(?P<y>(?:19|20)?\d\d))?\s*\)", re.IGNORECASE)
# "Hak Cipta © ANTARA 2024": the outlet (``index.cleaning``) and a year
COPYRIGHT = re.compile(
    rf"(?:hak cipta|copyright)\s*(?:©|\(c\))?\s*(?P<outlet>[A-Za-z][\w .&-]*?)\s+"
    rf"(?P<year>{_YEAR})", re.IGNORECASE)


def make_date(year: int | str, month: int | str, day: int | str) -> str | None:
    """``YYYY-MM-DD`` of a real calendar date, else None (30 February is no date)."""
    try:
        return dt.date(int(year), int(month), int(day)).isoformat()
    except ValueError:
        return None


def _month(name: str) -> int:
    return MONTHS[name.lower().rstrip(".")]


def parse_date(value: str | None) -> str | None:
    """A metadata date value as ISO ``YYYY-MM-DD`` (``YYYY`` for a bare year); None when the
    value states no complete date. Day-first for numeric dates (``20/11/2024``)."""
    if not value:
        return None
    value = " ".join(value.split())
    m = _COMPACT.match(value)
    if m:
        return make_date(m["y"], m["m"], m["d"])
    for pattern in (_ISO, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _DMY):
        m = pattern.search(value)
        if m:
            month = m["m"] if m["m"].isdigit() else _month(m["m"])
            date = make_date(m["y"], month, m["d"])
            if date:
                return date
    if re.fullmatch(_YEAR, value):
        return value
    return None


def extract_published(raw: str) -> str | None:
    """Publication date the article's text states, as ISO ``YYYY-MM-DD`` (or ``YYYY`` when
    only a year is stated).

    Order: a date line near the top ("Rabu , 17 Mei 2017"), then the dateline's
    "Rabu (20/11/2024)", then a copyright year. A dateline without a year ("Kamis (4/12)")
    is completed only with a year the article itself mentions on which that date falls on
    that weekday; otherwise it is left out rather than guessed.
    """
    head = "\n".join(raw.strip().split("\n")[:6])
    for m in _DAY_MONTH_YEAR.finditer(head):
        date = make_date(m["y"], _month(m["m"]), m["d"])
        if date:
            return date
    years = [int(y) for y in YEAR.findall(raw)]
    for m in _DATE_PAREN.finditer(raw):
        weekday = WEEKDAYS[m["wd"].lower()]
        if m["y"]:
            year = int(m["y"])
            year = year + 2000 if year < 100 else year
            date = make_date(year, m["m"], m["d"])
            if date:
                return date
            continue
        for year in sorted(set(years), reverse=True):
            date = make_date(year, m["m"], m["d"])
            if date and dt.date.fromisoformat(date).weekday() == weekday:
                return date
    copyright_line = COPYRIGHT.search(raw)
    return copyright_line["year"] if copyright_line else None
