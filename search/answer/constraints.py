"""What a question pins down that the answer must share: a year ("in 2019") or the edition of a
recurring event ("the third forum", "pertemuan ke-2"). A quote about another year or another
edition is the confident wrong answer a journalist would print; it is withheld.

A year is satisfied by the quoted passage or by the article's publication year ("the 2017
report"); an ordinal only counts as an edition next to an event word ("the second meeting",
"KTT ke-3"), not in "the second item" or "kedua belah pihak".

An acronym the question names ("When was the SCCC opened?") is its subject: when some of the
passages found belong to articles that name it, the answer comes from those articles only (a
journalist asking about the SCCC must not be handed the ICCC's opening date). An acronym of
four or more characters that none of the articles found names ("USAID" when they speak of
USTDA) withholds the answer; a shorter one pins nothing, as it may be the English form of an
Indonesian one (UN and PBB, GDP and PDB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import WORD, lower_words
from search.question import QUESTION_STOP

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
          r"|summit|festival|expo|edition|phase|stage|round|session|congress|term|wave")
_NEAR = r"(?:\W+\w+){0,4}?\W+"
_EDITION = re.compile(
    rf"\b(?:{_EVENT})\b{_NEAR}(?={_ORDINAL.pattern})|(?<=\b)(?={_ORDINAL.pattern}{_NEAR}"
    rf"(?:{_EVENT})\b)", re.I)


# Three or more capitals or digits, starting with a capital: SCCC, OIKN, G20, NSCF (not "AS",
# which is also a word, nor "MoU", which articles write several ways).
_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{2,}\b")


def subjects(question: str, texts: list[str]) -> frozenset[str]:
    """The acronyms ``question`` names, lower-cased: the words it writes in capitals (unless it
    is all capitals) and the words the ``texts`` write in capitals, however the question
    writes them ("kapan sccc diresmikan")."""
    caps = {w for t in texts for w in _ACRONYM.findall(t)}
    words = [w for w in WORD.findall(question) if w.lower() not in QUESTION_STOP]
    letters = [c for c in question if c.isalpha()]
    shouting = sum(c.isupper() for c in letters) > 0.6 * max(len(letters), 1)
    return frozenset(w.lower() for w in words
                     if (not shouting and _ACRONYM.fullmatch(w)) or w.upper() in caps)


# Inside a name written out: "Kementerian Pekerjaan Umum dan Perumahan Rakyat" is PUPR,
# "Minister for Land, Infrastructure and Transport" is MLIT.
_CONNECTORS = frozenset({"dan", "and", "of", "for", "the", "&", ",", "-"})
_NAME_TOKEN = re.compile(r"\w+|[^\w\s]")
_LONGEST_NAME = 8  # words


def named(text: str) -> frozenset[str]:
    """What ``text`` names, lower-cased: its words, and the initials of every run of its
    capitalised words, an acronym among them counting whole ("Otorita IKN" and "Otorita Ibu
    Kota Nusantara" both name OIKN)."""
    out = set(lower_words(text))
    tokens = _NAME_TOKEN.findall(text)
    for i, first in enumerate(tokens):
        if not first[0].isupper():
            continue
        initials = ""
        for tok in tokens[i:i + _LONGEST_NAME]:
            if tok.lower() in _CONNECTORS:
                continue
            if not tok[0].isupper():
                break
            initials += tok if _ACRONYM.fullmatch(tok) else tok[0]
            if len(initials) >= 3:
                out.add(initials.lower())
    return frozenset(out)


def unnamed(names: frozenset[str], texts: list[str]) -> frozenset[str]:
    """The subjects of four or more characters that no text names."""
    long = {n for n in names if len(n) >= 4}
    for t in texts:
        long -= named(t)
    return frozenset(long)


def on_subject(names: frozenset[str], texts: list[str]) -> list[bool]:
    """For each article text, whether it names as many of the subjects as the article that
    names most of them (all True when none names any: nothing to go by)."""
    if not names:
        return [True] * len(texts)
    found = [len(names & named(t)) for t in texts]
    most = max(found, default=0)
    return [n == most for n in found]


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
        if o is not None:
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
