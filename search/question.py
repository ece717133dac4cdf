"""A question parsed once: what it asks for, its terms, names and head noun.

Every query-time step (ranking features, answer sentence choice, highlighting, abstention)
reads this one record; nothing else parses the question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.lexical import query_weights
from index.text import (
    AREA_QUESTION_WORDS,
    MONEY_QUESTION_WORDS,
    NOT_MONEY_QUESTION_WORDS,
    SPAN_TOKEN,
    WORD,
    lower_words,
    terms,
)

# What a question asks for.
NUMBER, DATE, PERSON, PLACE = "number", "date", "person", "place"
ENTITY, REASON = "entity", "reason"
QTYPES = (DATE, NUMBER, PERSON, PLACE, ENTITY, REASON)

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

# The wh-word, language-neutral: English wh-words share the Indonesian ones' names, so
# English questions use what the Indonesian training questions taught.
_WH_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("dimana", re.compile(r"\b(di ?mana(kah)?|where|in which)\b", re.I)),
    ("kemana", re.compile(r"\b(ke ?mana(kah)?|to where)\b", re.I)),
    ("darimana", re.compile(r"\b(dari ?mana(kah)?|where from)\b", re.I)),
    ("siapa", re.compile(r"\b(siapa(kah)?|who|whom|whose)\b", re.I)),
    ("kapan", re.compile(r"\b(kapan(kah)?|when)\b", re.I)),
    ("berapa", re.compile(r"\b(berapa(kah)?|how (much|many|large|big|long|far|old))\b", re.I)),
    ("mengapa", re.compile(r"\b(mengapa|kenapa|why)\b", re.I)),
    ("bagaimana", re.compile(r"\b(bagaimana(kah)?|how)\b", re.I)),
    ("mana", re.compile(r"\b(mana(kah)?|which)\b", re.I)),
    ("apa", re.compile(r"\b(apa(kah)?|what)\b", re.I)),
]
WH_WORDS = tuple(name for name, _ in _WH_RULES) + ("none",)
WH_SET = frozenset("""what which who whom whose when where why how apa siapa kapan mana berapa
    mengapa kenapa bagaimana apakah siapakah""".split())

# The noun a question asks about ("Apa nama ...", "kota mana", "which agency"), if common.
FOCUS = tuple("""nama tahun tanggal bulan hari kota negara provinsi pulau kabupaten daerah
wilayah perusahaan partai organisasi lembaga badan kelompok tim jabatan profesi julukan
singkatan kepanjangan jenis gelar nomor jumlah harga nilai usia umur penyakit
name year date month day city country province island region company party organization
agency group team position title job kind type number percentage price age disease
event ministry official""".split()) + ("<other>", "<none>")

# Words of a question that say nothing about its answer's content.
QUESTION_STOP = frozenset("""yang dan di ke dari pada untuk dengan dalam ini itu the of in on at
    to a an and is was are were did does do for by as adalah oleh nama name tersebut apa apakah
    siapa siapakah kapan kapankah berapa berapakah mana manakah dimana dimanakah mengapa kenapa
    bagaimana saja what which who whom whose when where why how kah""".split())


@dataclass(frozen=True)
class Question:
    text: str
    lang: str
    qtype: str  # what is asked for: one of QTYPES
    wh: str  # the wh-word, one of WH_WORDS
    terms: tuple[str, ...]  # BM25 terms, each once, in order
    weights: dict[str, float]  # BM25 query: term -> weight
    words: frozenset[str]  # every lower-cased word ("does the question already say this")
    content: frozenset[str]  # lower-cased content words (acronyms kept)
    head: frozenset[str]  # the words next to the wh-word
    focus: str  # one of FOCUS
    mentions_money: bool  # a money word anywhere ("hibah", "cost")
    asks_money: bool  # asks for an amount of money (not a share or a head count)
    asks_area: bool
    entities: frozenset[str]  # acronyms, numbers, capitalised words after the first
    # Share of the question's content words that reached the lexical side translated from
    # English (0 for a question searched as written).
    translated: float = 0.0

    def already_says(self, piece: str) -> bool:
        return piece.strip().lower() in self.text.lower()


def question_type(text: str) -> str:
    for kind, pattern in _QTYPE_RULES:
        if pattern.search(text):
            return kind
    return ENTITY


def _wh(text: str) -> tuple[str, int, int]:
    best: tuple[int, str, int] | None = None
    for name, pattern in _WH_RULES:
        m = pattern.search(text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), name, m.end())
    if best is None:
        return "none", -1, -1
    return best[1], best[0], best[2]


def _head_and_focus(text: str, ws: int, we: int) -> tuple[frozenset[str], str]:
    """The word just before the wh-word ("Pulau manakah") and just after it ("Apa nama
    latin", "which agency"), and which common noun among them the question asks about."""
    if ws < 0:
        return frozenset(), "<none>"
    before = [t.lower() for t in SPAN_TOKEN.findall(text[:ws]) if t[0].isalnum()]
    raw_after = [t.lower() for t in SPAN_TOKEN.findall(text[we:]) if t[0].isalnum()]
    after = [t for t in raw_after if t not in QUESTION_STOP and t != "jumlah"]
    head: set[str] = set()
    if before and before[-1] not in QUESTION_STOP:
        head.add(before[-1])
    if after:
        head.add(after[0])
    near = [t for t in raw_after[:2] if t not in ("kah", "yang", "the", "a", "an")][:1]
    near += before[-1:]
    focus = next((w for w in near if w in FOCUS), "<other>" if near else "<none>")
    return frozenset(head), focus


def entities(text: str) -> frozenset[str]:
    """Words that name something in any language: acronyms, numbers and capitalised words
    after the first (``SCCC``, ``2017``, ``Basuki``, ``Nairobi``)."""
    words = WORD.findall(text)
    out = set()
    for i, w in enumerate(words):
        if any(c.isdigit() for c in w) or (len(w) > 1 and w.isupper()) or (
            i > 0 and w[0].isupper() and len(w) > 2 and w.lower() not in WH_SET
        ):
            out.add(w.lower())
    return frozenset(out)


def parse_question(
    text: str, lang: str = "id", *, weights: dict[str, float] | None = None,
    translated: float = 0.0,
) -> Question:
    """Parse ``text``; ``weights``: the lexical side's terms when they are not the text's
    own (a translated question)."""
    wh, ws, we = _wh(text)
    tokens = [t for t in SPAN_TOKEN.findall(text) if t[0].isalnum()]
    # An all-capitals word is an acronym ("AS" = Amerika Serikat), never a stop word.
    content = frozenset(t.lower() for t in tokens
                        if t.lower() not in QUESTION_STOP or (t.isupper() and len(t) > 1))
    head, focus = _head_and_focus(text, ws, we)
    qtype = question_type(text)
    if weights is None:
        weights = query_weights(terms(text))
    money_words = bool(MONEY_QUESTION_WORDS.search(text))
    return Question(
        text=text, lang=lang, qtype=qtype, wh=wh, terms=tuple(weights), weights=weights,
        words=lower_words(text), content=content, translated=translated,
        head=head, focus=focus, mentions_money=money_words,
        asks_money=qtype == NUMBER and money_words and not NOT_MONEY_QUESTION_WORDS.search(text),
        asks_area=qtype == NUMBER and bool(AREA_QUESTION_WORDS.search(text)),
        entities=entities(text),
    )
