"""What a question asks for, and the typed spans (amounts, dates, names) a sentence offers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.cleaning import MONTHS

NUMBER, DATE, PERSON, PLACE = "number", "date", "person", "place"
ENTITY, REASON = "entity", "reason"

_QTYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    (DATE, re.compile(
        r"\b(kapan|kapankah|when|what year|which year|what date|tahun berapa|tanggal berapa"
        r"|bulan apa|tahun apa|sejak kapan|hari apa|pada tanggal)\b", re.I)),
    (NUMBER, re.compile(
        r"\b(berapa|berapakah|how (much|many|large|big|long|far|old)|what (amount|number|value"
        r"|percentage|share|size)|jumlah|nilai|besar(nya)?)\b", re.I)),
    (PERSON, re.compile(r"\b(siapa|siapakah|who|whom|whose)\b", re.I)),
    (PLACE, re.compile(
        r"\b(di ?mana|dimanakah|ke ?mana|dari mana|where|in which (city|country|place)"
        r"|which (city|country|province|island|region)|kota apa|negara apa|kota mana"
        r"|negara mana)\b", re.I)),
    (REASON, re.compile(r"\b(mengapa|kenapa|why|bagaimana|how)\b", re.I)),
]

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_NUMBER_WORDS = (
    r"satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus|seribu"
    r"|puluhan|ratusan|ribuan|belasan|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
)
_UNITS = (
    r"%|persen|juta|miliar|milyar|triliun|ribu|ratus|million|billion|thousand|km|kilometer"
    r"|meter|hektare|hektar|ha|orang|penumpang|unit|perusahaan|kota|negara|tahun|bulan|hari"
    r"|ton|kg|mw|megawatt|kali|korban|jiwa|rumah|buah|ekor|warga|siswa|peserta|anggota|kursi"
)
_SPAN_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (DATE, re.compile(
        rf"\b\d{{1,2}}(?:\s*[-–]\s*\d{{1,2}})?\s+(?:{_MONTH})\.?\s+\d{{4}}\b"
        rf"|\b(?:{_MONTH})\s+\d{{4}}\b|\b\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?\b"
        rf"|\b(?:tahun\s+)?(?:19|20)\d\d\b|\b\d{{1,2}}\s+(?:{_MONTH})\b", re.I)),
    (NUMBER, re.compile(
        rf"(?:(?:Rp\.?|US\$|\$|USD|€|£)\s?)?\b\d+(?:[.,]\d+)*(?:\s?(?:{_UNITS})\b)?"
        rf"(?:\s(?:{_UNITS})\b)?"
        rf"|\b(?:{_NUMBER_WORDS})(?:\s+(?:{_UNITS}|[a-z]+))?\b", re.I)),
    (PERSON, re.compile(
        r"\b(?:(?:Prof|Dr|Ir|Drs|H|Hj|M)\.\s+)*[A-Z][\w'’-]*(?:\s+(?:[A-Z]\.|[A-Z][\w'’-]*))+"
        r"(?:\s+\([A-Z][\w-]*\))?")),
    (ENTITY, re.compile(
        r"\b[A-Z][\w'’-]*(?:\s+(?:(?:dan|of|and|de|van|bin|binti|untuk|for)\s+)?[A-Z][\w'’-]*)*"
        r"(?:\s+\([A-Z][\w-]*\))?")),
]


@dataclass(frozen=True)
class TypedSpan:
    kind: str
    start: int
    end: int


def question_type(question: str) -> str:
    for kind, pattern in _QTYPE_RULES:
        if pattern.search(question):
            return kind
    return ENTITY


def typed_spans(text: str) -> list[TypedSpan]:
    """All candidate answer spans in ``text``; PERSON/ENTITY spans double as PLACE."""
    out: list[TypedSpan] = []
    for kind, pattern in _SPAN_PATTERNS:
        for m in pattern.finditer(text):
            if m.end() > m.start() and m.group(0).strip():
                out.append(TypedSpan(kind, m.start(), m.end()))
    return out


def span_matches(kind: str, wanted: str) -> bool:
    if wanted == kind:
        return True
    if wanted in (PLACE, ENTITY, PERSON):
        return kind in (PERSON, ENTITY)
    return False
