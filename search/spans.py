"""What a question asks for, and the typed spans (amounts, dates, names) a sentence offers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.cleaning import MONTHS

NUMBER, DATE, PERSON, PLACE = "number", "date", "person", "place"
ENTITY, REASON = "entity", "reason"

_QTYPE_RULES: list[tuple[str, re.Pattern[str]]] = [
    (DATE, re.compile(
        r"\b(kapan|kapankah|when|what year|which year|what date|tahun berapa(kah)?"
        r"|tanggal berapa(kah)?|bulan apa|tahun apa|sejak kapan|hari apa|pada tanggal)\b", re.I)),
    (NUMBER, re.compile(
        r"\b(berapa|berapakah|how (much|many|large|big|long|far|old)|what (amount|number|value"
        r"|percentage|share|size))\b", re.I)),
    (PERSON, re.compile(r"\b(siapa|siapakah|who|whom|whose)\b", re.I)),
    (PLACE, re.compile(
        r"\b(di ?mana|dimanakah|ke ?mana|dari mana|where|in which (city|country|place)"
        r"|which (city|country|province|island|region)|kota apa|negara apa|kota mana"
        r"|negara mana)\b", re.I)),
    # Weaker cues: "jumlah", "nilai", "besar" also occur in names ("Duta Besar").
    (NUMBER, re.compile(r"\b(jumlah|nilai|besarnya)\b", re.I)),
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


@lru_cache(maxsize=8192)
def typed_spans(text: str) -> tuple[TypedSpan, ...]:
    """All candidate answer spans in ``text``; PERSON/ENTITY spans double as PLACE.

    Query-independent and asked for the same sentences by the ranker, the answer scorer and
    the highlighter, so kept per text."""
    return tuple(
        TypedSpan(kind, m.start(), m.end())
        for kind, pattern in _SPAN_PATTERNS
        for m in pattern.finditer(text)
        if m.end() > m.start() and m.group(0).strip()
    )


def span_matches(kind: str, wanted: str) -> bool:
    if wanted == kind:
        return True
    if wanted in (PLACE, ENTITY, PERSON):
        return kind in (PERSON, ENTITY)
    return False


# Questions about money or area want an amount with its unit, not any number.
_MONEY_Q = re.compile(
    r"\b(anggaran|investasi|nilai|dana|biaya|harga|hibah|modal|pendanaan|pinjaman|utang"
    r"|budget|funding|fund|cost|price|worth|value|grant|loan|invest\w*|how much|spend\w*)\b",
    re.I)
_AREA_Q = re.compile(r"\b(luas|luasnya|area|hektare|hektar|square)\b", re.I)
_MONEY = re.compile(
    r"(?:Rp\.?|US\$|\$|USD|€|£)\s?\d|\d\s?(?:juta|miliar|milyar|triliun|million|billion"
    r"|dolar|dollar|rupiah|won|yen)\b", re.I)
_AREA = re.compile(
    r"\d\s?(?:(?:ribu|juta|miliar|thousand|million)\s)?(?:ha|hektare|hektar|km2|km²|m2"
    r"|meter persegi|kilometer persegi|square)\b", re.I)
# A share or a head count is not an amount of money, whatever else the question says.
_NOT_MONEY_Q = re.compile(r"\b(persen\w*|percent\w*|orang\w*|people|%)", re.I)
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


def answer_type_present(text: str, question: str, wanted: str | None = None) -> bool:
    """Whether ``text`` offers an answer of the kind the question asks for that the question
    does not already contain: an amount with its unit for a money question, a date for
    "when", a name-like word for "who". Kinds this cannot judge count as present."""
    wanted = wanted or question_type(question)
    q = question.lower()

    def novel(piece: str) -> bool:
        return piece.strip().lower() not in q

    spans = typed_spans(text)
    if wanted == NUMBER:
        if money_question(question):
            return any(novel(m.group(0)) for m in _MONEY.finditer(text))
        if area_question(question):
            return any(novel(m.group(0)) for m in _AREA.finditer(text))
        dates = [(s.start, s.end) for s in spans if s.kind == DATE]
        return any(
            s.kind == NUMBER and novel(text[s.start:s.end])
            and not any(a < s.end and s.start < b for a, b in dates)
            for s in spans
        )
    if wanted == DATE:
        return any(s.kind == DATE and novel(text[s.start:s.end]) for s in spans)
    if wanted == PERSON:
        return any(_looks_like_a_name(text, m, q) for m in _CAP_RUN.finditer(text))
    if wanted == PLACE:
        return any(w.lower() not in _NOT_A_NAME and w.lower() not in q
                   for w in re.findall(r"\b[A-Z][a-z][\w'’-]+", text))
    return True


def money_question(question: str) -> bool:
    return question_type(question) == NUMBER and bool(
        _MONEY_Q.search(question) and not _NOT_MONEY_Q.search(question))


def area_question(question: str) -> bool:
    return question_type(question) == NUMBER and bool(_AREA_Q.search(question))
