"""Text helpers shared by build time and query time: words, BM25 terms, function words,
calendar words and the number, date and money patterns.

Query code (``search/``) imports from here; nothing here imports ``search/`` or ``api/``.
Sentence splitting lives in ``index.chunking`` (it is part of how passages are cut).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache

import Stemmer

# ---- words -------------------------------------------------------------------------------
WORD = re.compile(r"\w+")
LETTER_RUN = re.compile(r"[^\W\d_]+", re.UNICODE)
# Tokens of a sentence for answer spans: words with inner punctuation stay whole ("$7,6" is
# "$" + "7,6", "20/11/2024", "Se-eun"), an initial before a name is one token ("M."), every
# other punctuation mark is a token of its own.
SPAN_TOKEN = re.compile(r"[A-Z]\.(?=\s+[A-Z])|\w+(?:[.,/:'’-]\w+)*|[^\w\s]")
# BM25 terms: numbers stay whole ("7,6", "1.000"), words are letter runs.
# Words first: most tokens are words, and the two alternatives never start on the same
# character, so the order changes only the speed (25 -> 22 us for a 600-character passage).
_TERM = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*", re.UNICODE)

# Function words: the strongest language signal a short question has (``index.langid``), and
# words that carry no topic (``STOPWORDS``).
ID_FUNCTION_WORDS = frozenset(
    """yang dan di ke dari untuk dengan pada adalah ini itu dalam tidak akan oleh sebagai atau
    juga telah sudah bisa dapat ada apa siapa kapan mana dimana di mana berapa bagaimana mengapa
    kenapa apakah bila jika karena serta para sebuah seorang tersebut kami kita mereka ia dia
    nya hingga antara tentang saat bagi agar namun tetapi masih lebih sangat secara menjadi
    berapakah siapakah apakah kapankah manakah""".split()
)
EN_FUNCTION_WORDS = frozenset(
    """the of and to in is was were are for on with by from that this which who whom whose what
    when where why how did does do has have had be been being an a as at it its their there
    will would can could should many much about into than then those these""".split()
)
STOPWORDS = ID_FUNCTION_WORDS | EN_FUNCTION_WORDS | frozenset(
    "yakni yaitu pun lah kah".split()
)

_stemmer_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; one per thread.
    st = getattr(_stemmer_local, "stemmer", None)
    if st is None:
        st = _stemmer_local.stemmer = Stemmer.Stemmer("indonesian")
    return st


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Indonesian Snowball stem of a lower-cased word."""
    return str(_stemmer().stemWord(word))


def terms(text: str) -> list[str]:
    """BM25 terms: lower-cased, stop words dropped, words stemmed, numbers kept whole."""
    out = []
    for tok in _TERM.findall(text.lower()):
        if tok in STOPWORDS:
            continue
        out.append(tok if tok[0].isdigit() else stem(tok))
    return out


def word_counts(texts: Iterable[str]) -> dict[str, list[int]]:
    """The corpus vocabulary that spelling repair and query translation look words up in:
    lower-cased word (letters only, 2+ characters) -> [occurrences, occurrences written with
    a capital] (a word nearly always capitalised is a name)."""
    counts: Counter[str] = Counter()
    capitals: Counter[str] = Counter()
    for text in texts:
        for w in LETTER_RUN.findall(text):
            if len(w) > 1:
                low = w.lower()
                counts[low] += 1
                if w[0].isupper():
                    capitals[low] += 1
    return {w: [n, capitals[w]] for w, n in counts.items()}


def lower_words(text: str) -> frozenset[str]:
    """The set of lower-cased ``\\w+`` words of ``text``."""
    return frozenset(w.lower() for w in WORD.findall(text))


# ---- calendar ----------------------------------------------------------------------------
MONTHS = {
    "januari": 1, "january": 1, "jan": 1,
    "februari": 2, "february": 2, "pebruari": 2, "feb": 2,
    "maret": 3, "march": 3, "mar": 3,
    "april": 4, "apr": 4,
    "mei": 5, "may": 5,
    "juni": 6, "june": 6, "jun": 6,
    "juli": 7, "july": 7, "jul": 7,
    "agustus": 8, "august": 8, "agu": 8, "aug": 8,
    "september": 9, "sep": 9, "sept": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10,
    "november": 11, "nopember": 11, "nov": 11,
    "desember": 12, "december": 12, "des": 12, "dec": 12,
}
WEEKDAYS = {  # Python's weekday(): Monday == 0
    "senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5,
    "minggu": 6, "ahad": 6, "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3,
    "friday": 4, "saturday": 5, "sunday": 6,
}
MONTH_PATTERN = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAY_PATTERN = "|".join(sorted((re.escape(w) for w in WEEKDAYS), key=len, reverse=True))
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")

# ---- amounts -----------------------------------------------------------------------------
CURRENCY_PREFIX = r"(?:Rp\.?|US\$|\$|USD|€|£)"
# Units an amount is counted in (money, shares, sizes, heads).
UNIT_PATTERN = (
    r"%|persen|juta|miliar|milyar|triliun|ribu|ratus|million|billion|thousand|km|kilometer"
    r"|meter|hektare|hektar|ha|orang|penumpang|unit|perusahaan|kota|negara|tahun|bulan|hari"
    r"|ton|kg|mw|megawatt|kali|korban|jiwa|rumah|buah|ekor|warga|siswa|peserta|anggota|kursi"
)
NUMBER_WORD_PATTERN = (
    r"satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|seratus|seribu"
    r"|puluhan|ratusan|ribuan|belasan|one|two|three|four|five|six|seven|eight|nine|ten|twelve"
)
# An amount of money: a currency sign before a number, or a money word after it.
MONEY_AMOUNT = re.compile(
    rf"{CURRENCY_PREFIX}\s?\d|\d\s?(?:juta|miliar|milyar|triliun|million|billion"
    r"|dolar|dollar|rupiah|won|yen)\b", re.I)
AREA_AMOUNT = re.compile(
    r"\d\s?(?:(?:ribu|juta|miliar|thousand|million)\s)?(?:ha|hektare|hektar|km2|km²|m2"
    r"|meter persegi|kilometer persegi|square)\b", re.I)
# Words a question about money uses ("Berapa nilai hibah …", "How much funding …").
MONEY_QUESTION_WORDS = re.compile(
    r"\b(anggaran|investasi|nilai|dana|biaya|harga|hibah|modal|pendanaan|pinjaman|utang"
    r"|kerugian|gaji|budget|funding|fund\w*|cost|price|worth|value|grant|loan|invest\w*"
    r"|how much|spen[dt]\w*)\b", re.I)
AREA_QUESTION_WORDS = re.compile(r"\b(luas|luasnya|area|hektare|hektar|square)\b", re.I)
# A share or a head count is not an amount of money, whatever else the question says.
NOT_MONEY_QUESTION_WORDS = re.compile(r"\b(persen\w*|percent\w*|orang\w*|people|%)", re.I)


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """``[start, end)`` narrowed to exclude the whitespace around ``text[start:end]``."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
