"""The typed spans (amounts, dates, names, places) a text offers, and whether a text offers
the kind of answer a question asks for."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.text import (
    AREA_AMOUNT,
    CURRENCY_PREFIX,
    MONEY_AMOUNT,
    MONTH_PATTERN,
    NUMBER_WORD_PATTERN,
    UNIT_PATTERN,
)
from search.question import DATE, ENTITY, NUMBER, PERSON, PLACE, REASON, Question


def _words(alternatives: str) -> str:
    """``(?:a|b|…)`` behind a look-ahead at the words' first letters: the same matches, but
    ``re`` skips most positions at one character instead of trying every word (typed spans
    of a 300-character passage: 0.13 -> 0.09 ms; ``tests/test_spans.py`` pins the matches)."""
    words = alternatives.split("|")
    assert all(re.fullmatch(r"[\w%]+", w) for w in words), "plain words only"
    first = "".join(sorted({w[0].lower() for w in words}))
    return rf"(?=[{re.escape(first)}])(?:{alternatives})"


# Names and entities start with a capital letter (their titles too): behind this look-ahead
# ``re`` passes every other position at one character (person and entity spans of a
# 300-character passage: 23 -> 14 us; ``tests/test_spans.py`` pins the matches).
_CAPITAL = r"(?=[A-Z])"
_MONTH, _UNIT, _NUMBER_WORD = (_words(p) for p in (MONTH_PATTERN, UNIT_PATTERN,
                                                  NUMBER_WORD_PATTERN))
_SPAN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (DATE, re.compile(
        rf"\b\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+{_MONTH}\.?\s+\d{{4}}\b"
        rf"|\b{_MONTH}\s+\d{{4}}\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b"
        rf"|\b(?:tahun\s+)?(?:19|20)\d\d\b|\b\d{{1,2}}\s+{_MONTH}\b", re.I)),
    (NUMBER, re.compile(
        rf"(?:{CURRENCY_PREFIX}\s?)?\b\d+(?:[.,]\d+)*(?:\s?{_UNIT}\b)?"
        rf"(?:\s{_UNIT}\b)?"
        rf"|\b{_NUMBER_WORD}(?:\s+(?:{_UNIT}|[a-z]+))?\b", re.I)),
    (PERSON, re.compile(
        _CAPITAL + r"\b(?:(?:Prof|Dr|Ir|Drs|H|Hj|M)\.\s+)*[A-Z][\w'’-]*"
        r"(?:\s+(?:[A-Z]\.|[A-Z][\w'’-]*))+"
        r"(?:\s+\([A-Z][\w-]*\))?")),
    (ENTITY, re.compile(
        _CAPITAL + r"\b[A-Z][\w'’-]*"
        r"(?:\s+(?:(?:dan|of|and|de|van|bin|binti|untuk|for)\s+)?[A-Z][\w'’-]*)*"
        r"(?:\s+\([A-Z][\w-]*\))?")),
]


@dataclass(frozen=True)
class TypedSpan:
    kind: str
    start: int
    end: int


def typed_spans(text: str, kinds: tuple[str, ...] | None = None) -> tuple[TypedSpan, ...]:
    """All candidate answer spans in ``text`` (only those of ``kinds`` when given: the
    other patterns are not run); PERSON/ENTITY spans double as PLACE (stored texts' spans
    are kept per generation by ``search.context``)."""
    return tuple(
        TypedSpan(kind, m.start(), m.end())
        for kind, pattern in _SPAN_PATTERNS
        if kinds is None or kind in kinds
        for m in pattern.finditer(text)
        if m.end() > m.start() and m.group(0).strip()
    )


def span_matches(kind: str, wanted: str) -> bool:
    if wanted == kind:
        return True
    if wanted in (PLACE, ENTITY, PERSON):
        return kind in (PERSON, ENTITY)
    return False


SPAN_KINDS = tuple(kind for kind, _ in _SPAN_PATTERNS)


def kinds_for(wanted: str) -> tuple[str, ...]:
    """The span kinds that answer a question of type ``wanted`` (``span_matches``): the
    typed spans a ranker feature has to look for, and no other."""
    return tuple(kind for kind in SPAN_KINDS if span_matches(kind, wanted))


# Capitalised words that name institutions, places, roles or titles rather than people.
_NOT_A_NAME = frozenset("""
    kementerian menteri wakil kepala ketua direktur deputi sekjen sekretaris jenderal presiden
    gubernur bupati wali walikota duta besar dubes otorita badan dinas lembaga komisi dewan
    kantor pusat kota kabupaten provinsi negara republik ibu pulau selatan utara timur barat
    tengah jaya raya indonesia korea jepang amerika serikat asean smart city center centre
    forum network jaringan under secretary of the and for minister ministry agency department
    united states national international pt tbk universitas bank nusantara ikn trade
    development commerce services web company corporation group institute university council
    conference habitat program programme urban policy division director deputy general economy
    cooperation integrated command control week summit high level meeting pertemuan tingkat
    tinggi konferensi peraturan pemerintah nomor tahun undang kepolisian polisi tentara
    partai mahkamah pengadilan rumah sakit sekolah masjid gereja jalan gedung bandara
    pelabuhan stasiun sungai gunung danau laut selat teluk
    senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
    agustus september oktober november desember""".split()) | frozenset("""
    salah satu sementara setelah sebelumnya seperti menurut dalam pada namun selain ia kami
    kita mereka tempat proyek peluncuran kunjungan hibah kota-kota beberapa
    """.split())


_CAP = r"(?:[A-Z]\.\s+)*[A-Z][a-z][\w'’-]*"
_CAP_RUN = re.compile(rf"\b{_CAP}(?:\s+{_CAP})*")
_SAYS = re.compile(r",?\s*(?:mengatakan|menyebut|menjelaskan|menegaskan|ujar|kata|said|says)\b")
_SAID_BY = re.compile(r"\b(?:ujar|kata|tutur|jelas|said|says|menurut|oleh)\s+$", re.I)
_SPEECH = re.compile(rf"\s*,|{_SAYS.pattern}")


def _looks_like_a_name(text: str, m: re.Match[str], q: str) -> bool:
    """A run of capitalised words with no institution, place or title word in it, that the
    question does not already say; a single word only before a verb of saying, or opening
    the sentence before a comma ("Amran, Wakil Nasional …")."""
    words = [w.lower().rstrip(".") for w in m.group(0).split()]
    if any(w in _NOT_A_NAME for w in words) or m.group(0).lower() in q:
        return False
    if len([w for w in words if len(w) > 1]) >= 2:
        return m.start() > 0 or bool(_SPEECH.match(text, m.end()))
    if len(words[0]) < 3:
        return False
    return (bool(_SAYS.match(text, m.end())) or bool(_SAID_BY.search(text, 0, m.start()))
            or (m.start() == 0 and text[m.end():m.end() + 1] == ","))


def answer_type_present(text: str, q: Question) -> bool:
    """Whether ``text`` offers an answer of the kind the question asks for that the question
    does not already contain: an amount with its unit for a money question, a date for
    "when", a name-like word for "who". Kinds this cannot judge count as present."""
    low = q.text.lower()

    def novel(piece: str) -> bool:
        return piece.strip().lower() not in low

    spans = typed_spans(text)
    if q.qtype == NUMBER:
        if q.asks_money:
            return any(novel(m.group(0)) for m in MONEY_AMOUNT.finditer(text))
        if q.asks_area:
            return any(novel(m.group(0)) for m in AREA_AMOUNT.finditer(text))
        dates = [(s.start, s.end) for s in spans if s.kind == DATE]
        return any(
            s.kind == NUMBER and novel(text[s.start:s.end])
            and not any(a < s.end and s.start < b for a, b in dates)
            for s in spans
        )
    if q.qtype == DATE:
        return any(s.kind == DATE and novel(text[s.start:s.end]) for s in spans)
    if q.qtype == PERSON:
        return any(_looks_like_a_name(text, m, low) for m in _CAP_RUN.finditer(text))
    if q.qtype == PLACE:
        return any(w.lower() not in _NOT_A_NAME and w.lower() not in low
                   for w in re.findall(r"\b[A-Z][a-z][\w'’-]+", text))
    return True


def offers_kind(text: str, spans: tuple[TypedSpan, ...], q: Question) -> bool:
    """Whether a typed span of the asked kind, that the question does not already say,
    is in ``text`` (a reason question is always offered something)."""
    return q.qtype == REASON or any(
        span_matches(sp.kind, q.qtype) and not q.already_says(text[sp.start:sp.end])
        for sp in spans
    )
