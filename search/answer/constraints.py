"""What a question pins down that the answer must share: a year ("in 2019") or the edition of a
recurring event ("the third forum", "pertemuan ke-2"). A quote about another year or another
edition is the confident wrong answer a journalist would print; it is withheld.

A year is satisfied by the quoted passage or by the article's publication year ("the 2017
report"); an ordinal only counts as an edition next to an event word ("the second meeting",
"KTT ke-3"), not in "the second item" or "kedua belah pihak".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_ORDINAL_WORDS = {
    "pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4, "kelima": 5, "keenam": 6,
    "ketujuh": 7, "kedelapan": 8, "kesembilan": 9, "kesepuluh": 10,
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10,
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9,
          "x": 10}
_ORDINAL = re.compile(
    r"\b(?:ke-?\s?(\d{1,2})|(\d{1,2})(?:st|nd|rd|th)|(" + "|".join(_ORDINAL_WORDS) + r"))\b",
    re.I)
# Words that name an occurrence of something that recurs.
_EVENT = (r"pertemuan|rapat|forum|konferensi|ktt|festival|pameran|edisi|tahap|fase|periode"
          r"|putaran|gelombang|sidang|kongres|munas|pekan|week|meeting|forum|conference"
          r"|summit|festival|expo|edition|phase|stage|round|session|congress|term|wave"
          r"|dewan|council")
# "kedua" meaning "both": kedua negara, kedua belah pihak.
_BOTH = re.compile(r"kedua\s+(?:belah|negara|pihak|kota|delegasi|lembaga|kementerian"
                   r"|pemerintah|tim|pemimpin|menteri|perusahaan)\b", re.I)
# Up to 8 words apart: "Pertemuan Tingkat Tinggi Jaringan Smart Cities ASEAN-Jepang yang kelima".
_NEAR = r"(?:\W+\w+){0,8}?\W+"
_EDITION = re.compile(
    rf"\b(?:{_EVENT})\b{_NEAR}(?={_ORDINAL.pattern})|(?<=\b)(?={_ORDINAL.pattern}{_NEAR}"
    rf"(?:{_EVENT})\b)", re.I)


@dataclass(frozen=True)
class Pins:
    years: frozenset[str]
    ordinals: frozenset[int]

    @property
    def empty(self) -> bool:
        return not (self.years or self.ordinals)


def _value(m: re.Match[str]) -> int:
    n = m.group(1) or m.group(2)
    return int(n) if n else _ORDINAL_WORDS[m.group(3).lower()]


def ordinals(text: str) -> frozenset[int]:
    """Every ordinal in ``text`` (an answer may state the edition anywhere)."""
    return frozenset(_value(m) for m in _ORDINAL.finditer(text))


def editions(text: str) -> frozenset[int]:
    """Ordinals that number an event in ``text`` ("the second meeting", "KTT ke-3")."""
    out = set()
    for m in _EDITION.finditer(text):
        o = _ORDINAL.search(text, m.end())
        if o is not None and not _BOTH.match(text, o.start()):
            out.add(_value(o))
    return frozenset(out)


def pins(question: str) -> Pins:
    return Pins(frozenset(YEAR.findall(question)), editions(question))


def satisfied(p: Pins, text: str, published: str | None = None) -> bool:
    """Whether ``text`` (the passage of the quote) mentions every year and edition the
    question pins; a year may also be the article's publication year, an edition may be
    written as a word, ``ke-2`` or ``II``."""
    if p.empty:
        return True
    years = set(YEAR.findall(text)) | ({published[:4]} if published else set())
    if not p.years <= years:
        return False
    found = set(ordinals(text)) | {
        _ROMAN[w.lower()] for w in re.findall(r"\b([IVX]{1,4})\b", text) if w.lower() in _ROMAN}
    return p.ordinals <= found
