"""English → Indonesian lookups over the shipped FreeDict TSV and the phrase supplement.

``load_dictionary()`` reads ``data/en_id_dictionary.tsv`` (see ``index/freedict.py``) and
``data/en_id_phrases.tsv`` once per process. ``lookup`` takes an English word or phrase as
written in a question and undoes light inflection (``grants``, ``funded``, ``built``,
``capital cities``) before giving up.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DICTIONARY_TSV = DATA_DIR / "en_id_dictionary.tsv"
PHRASES_TSV = DATA_DIR / "en_id_phrases.tsv"
NEWS_TSV = DATA_DIR / "en_id_news.tsv"  # news senses of single words the dictionary misses

# Irregular forms that a news question uses; the regular ones are undone by rule.
IRREGULAR = {
    "was": "be", "were": "be", "been": "be", "is": "be", "are": "be", "am": "be",
    "had": "have", "has": "have", "did": "do", "does": "do", "done": "do",
    "built": "build", "held": "hold", "met": "meet", "paid": "pay", "won": "win",
    "sold": "sell", "spent": "spend", "led": "lead", "gave": "give", "given": "give",
    "made": "make", "took": "take", "taken": "take", "came": "come", "went": "go", "gone": "go",
    "said": "say", "told": "tell", "found": "find", "brought": "bring", "bought": "buy",
    "thought": "think", "began": "begin", "begun": "begin", "chose": "choose",
    "chosen": "choose", "became": "become", "left": "leave", "kept": "keep", "sent": "send",
    "felt": "feel", "got": "get", "gotten": "get", "ran": "run", "saw": "see", "seen": "see",
    "wrote": "write", "written": "write", "grew": "grow", "grown": "grow", "fell": "fall",
    "fallen": "fall", "struck": "strike", "rose": "rise", "risen": "rise", "shot": "shoot",
    "lost": "lose", "taught": "teach", "fought": "fight", "caught": "catch", "stood": "stand",
    "understood": "understand", "drew": "draw", "drawn": "draw", "drove": "drive",
    "driven": "drive", "flew": "fly", "flown": "fly", "spoke": "speak", "spoken": "speak",
    "broke": "break", "broken": "break", "stole": "steal", "stolen": "steal", "sat": "sit",
    "meant": "mean", "heard": "hear", "sought": "seek", "dealt": "deal", "laid": "lay",
    "hung": "hang", "withdrew": "withdraw", "withdrawn": "withdraw", "forgot": "forget",
    "forgotten": "forget", "knew": "know", "known": "know", "threw": "throw",
    "thrown": "throw", "wore": "wear", "worn": "wear", "hid": "hide", "hidden": "hide",
    "bore": "bear", "born": "bear", "fled": "flee", "fed": "feed", "bled": "bleed",
    "slept": "sleep", "swept": "sweep", "wept": "weep", "lent": "lend", "bent": "bend",
    "arose": "arise", "arisen": "arise", "ate": "eat", "eaten": "eat", "sank": "sink",
    "sunk": "sink", "sang": "sing", "sung": "sing", "swam": "swim", "rang": "ring",
    "shook": "shake", "shaken": "shake", "woke": "wake", "woken": "wake", "froze": "freeze",
    "frozen": "freeze", "overtook": "overtake", "undertook": "undertake",
    "undertaken": "undertake", "oversaw": "oversee", "overseen": "oversee",
    "better": "good", "best": "good", "worse": "bad", "worst": "bad", "more": "many",
    "most": "many", "less": "little", "least": "little",
    "children": "child", "men": "man", "women": "woman", "people": "person", "feet": "foot",
    "teeth": "tooth", "mice": "mouse", "geese": "goose", "lives": "life", "wives": "wife",
    "knives": "knife", "leaves": "leaf", "thieves": "thief", "halves": "half",
    "wolves": "wolf", "shelves": "shelf", "criteria": "criterion", "phenomena": "phenomenon",
    "memoranda": "memorandum", "crises": "crisis", "analyses": "analysis", "bases": "base",
}
# British spellings that the (mostly American) Wiktionary headwords lack.
_BRITISH = [
    (re.compile(r"tre$"), "ter"), (re.compile(r"tres$"), "ters"),
    (re.compile(r"programme(s?)$"), r"program\1"), (re.compile(r"our(s?)$"), r"or\1"),
    (re.compile(r"ise(s|d)?$"), r"ize\1"), (re.compile(r"ising$"), "izing"),
    (re.compile(r"isation(s?)$"), r"ization\1"), (re.compile(r"yse(s|d)?$"), r"yze\1"),
    (re.compile(r"ll(ed|ing|er)$"), r"l\1"), (re.compile(r"ence$"), "ense"),
    (re.compile(r"ogue$"), "og"), (re.compile(r"oea"), "ea"), (re.compile(r"ae"), "e"),
]
_VOWELS = set("aeiou")


def _inflection_candidates(word: str) -> Iterator[str]:
    """Base forms a regular English inflection of ``word`` may come from, likeliest first."""
    w = word
    n = len(w)
    if n > 4 and w.endswith("ies"):
        yield w[:-3] + "y"
    if n > 4 and w.endswith("ves"):
        yield w[:-3] + "f"
        yield w[:-3] + "fe"
    if n > 3 and w.endswith("es"):
        yield w[:-1]  # "taxes"→"taxe" is not a word; try "-e" first for "centres"→"centre"
        yield w[:-2]
    if n > 3 and w.endswith("s") and not w.endswith("ss"):
        yield w[:-1]
    if n > 4 and w.endswith("ied"):
        yield w[:-3] + "y"
    if n > 3 and w.endswith("ed"):
        yield w[:-1]  # inaugurated → inaugurate
        yield w[:-2]  # funded → fund
        if n > 5 and w[-3] == w[-4] and w[-3] not in _VOWELS:
            yield w[:-3]  # planned → plan
    if n > 5 and w.endswith("ying"):
        yield w[:-4] + "ie"  # dying → die
    if n > 4 and w.endswith("ing"):
        yield w[:-3]
        yield w[:-3] + "e"
        if n > 6 and w[-4] == w[-5] and w[-4] not in _VOWELS:
            yield w[:-4]  # running → run
    if n > 4 and w.endswith("ier"):
        yield w[:-3] + "y"
    if n > 5 and w.endswith("iest"):
        yield w[:-4] + "y"
    if n > 4 and w.endswith("er"):
        yield w[:-2]
        yield w[:-1]  # larger → large
        if n > 5 and w[-3] == w[-4] and w[-3] not in _VOWELS:
            yield w[:-3]  # bigger → big
    if n > 5 and w.endswith("est"):
        yield w[:-3]
        yield w[:-2]
        if n > 6 and w[-4] == w[-5] and w[-4] not in _VOWELS:
            yield w[:-4]
    if n > 5 and w.endswith("ily"):
        yield w[:-3] + "y"
    if n > 4 and w.endswith("ly"):
        yield w[:-2]  # officially → official


@lru_cache(maxsize=8192)
def word_forms(word: str) -> tuple[str, ...]:
    """``word`` itself, then its irregular base, British→American spellings and the bases of
    regular inflections (each at least 3 letters), without repeats. Cached: a query's words
    are looked up several times, and its ~40 spelling rules are the cost."""
    word = word.lower().replace("\u2019", "'")
    out = [word]
    if word in IRREGULAR:
        out.append(IRREGULAR[word])
    spellings = [word]
    for pat, rep in _BRITISH:
        alt = pat.sub(rep, word)
        if alt != word:
            spellings.append(alt)
    out.extend(spellings[1:])
    for sp in spellings:
        out.extend(c for c in _inflection_candidates(sp) if len(c) >= 3)
    return tuple(dict.fromkeys(out))


def _read_tsv(path: Path) -> Iterator[tuple[str, str]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            head, _, rest = line.rstrip("\n").partition("\t")
            if rest:
                yield " ".join(head.lower().split()), rest.strip()


class BilingualDictionary:
    """English headword (lower-cased, single word or phrase) → ordered Indonesian translations.

    Values are kept as the TSV's ``a|b|c`` strings and split on lookup: a few MB for ~10k
    headwords instead of one list object per entry.
    """

    def __init__(self, table: dict[str, str]) -> None:
        self._table = table
        self.max_phrase_words = max((k.count(" ") + 1 for k in table), default=1)
        self._indonesian: frozenset[str] | None = None

    @classmethod
    def from_files(
        cls, dictionary: Path = DICTIONARY_TSV,
        curated: tuple[Path, ...] = (PHRASES_TSV, NEWS_TSV),
    ) -> BilingualDictionary:
        table: dict[str, str] = {}
        for head, value in _read_tsv(dictionary):
            table[head] = value
        for path in curated:
            # Curated entries first: they name the news sense the dictionary lacks.
            for head, value in _read_tsv(path):
                old = table.get(head)
                table[head] = value if old is None else _merge(value, old)
        for head in list(table):
            # "cease-fire" is also asked as "ceasefire" or "cease fire".
            if "-" in head:
                for alt in (head.replace("-", ""), head.replace("-", " ")):
                    table.setdefault(alt, table[head])
        return cls(table)

    def __len__(self) -> int:
        return len(self._table)

    def __contains__(self, english: str) -> bool:
        return english in self._table

    def headwords(self) -> list[str]:
        return list(self._table)

    def exact(self, english: str) -> list[str]:
        value = self._table.get(" ".join(english.lower().split()))
        return value.split("|") if value else []

    def lookup(self, english: str) -> list[str]:
        """Translations of a word or phrase, undoing light inflection; ``[]`` when unknown.

        A phrase is tried as written, then with its last word's and then its first word's
        base forms (``capital cities`` → ``capital city``)."""
        key = self.base_form(english)
        if key is None:
            return []
        value = self._table[key]
        base = IRREGULAR.get(key)
        if base is not None and base in self._table:
            # A past form that is a headword of its own ("won" the currency, "paid" →
            # berbayar) is far likelier the verb in a question: the verb's senses come first.
            value = _merge(self._table[base], value)
        return value.split("|")

    def base_form(self, english: str) -> str | None:
        """The headword ``lookup`` would use for ``english`` (``None``: not in the dictionary)."""
        words = english.lower().replace("\u2019", "'").split()
        if not words:
            return None
        key = " ".join(words)
        if key in self._table:
            return key
        if len(words) == 1:
            return next((f for f in word_forms(words[0]) if f in self._table), None)
        for form in word_forms(words[-1])[1:]:
            cand = " ".join(words[:-1] + [form])
            if cand in self._table:
                return cand
        for form in word_forms(words[0])[1:]:
            cand = " ".join([form] + words[1:])
            if cand in self._table:
                return cand
        return None

    def indonesian_words(self) -> frozenset[str]:
        """Every lower-cased single word found in the translations (an Indonesian word list),
        computed once."""
        if self._indonesian is None:
            out: set[str] = set()
            for value in self._table.values():
                out.update(re.findall(r"[^\W\d_]+", value.lower()))
            self._indonesian = frozenset(out)
        return self._indonesian


def _merge(first: str, second: str) -> str:
    seen: set[str] = set()
    out = []
    for t in first.split("|") + second.split("|"):
        if t.lower() not in seen:
            seen.add(t.lower())
            out.append(t)
    return "|".join(out)


_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _cached() -> BilingualDictionary:
    return BilingualDictionary.from_files()


def load_dictionary() -> BilingualDictionary:
    """The shipped dictionary plus the curated phrases and news senses, read once per
    process."""
    with _LOCK:
        return _cached()
