"""The question's subjects: the acronyms it names (SCCC, OIKN, G20, COP28).

A journalist asking when the SCCC opened must not be handed the ICCC's opening date from
another article. So among the articles found, the answer is read from those that name the
question's rarest subject (then the next rarest, and so on); a name written out counts
("Otorita Ibu Kota Nusantara" and "Otorita IKN" both name OIKN, "U.S. Trade and Development
Agency" names USTDA). A subject of ``UNNAMED_MIN_CHARS`` or more characters that none of the
articles names, nor any Indonesian form the dictionary gives for it (MSME: UMKM), withholds
the answer; a shorter one pins nothing (CEO, AS).

An acronym is a word the question writes in capitals, or a word it writes in lower case that
is no known word and that the articles write in capitals ("kapan sccc diresmikan"). A question
written all in capitals keeps only the latter; capitals on a headline line of an article
("PROYEK ICCC DIRESMIKAN", "JAKARTA, KOMPAS.com") do not count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from index.dictionary import load_dictionary
from index.text import WORD, lower_words, stem
from search.normalize import known_words
from search.question import QUESTION_STOP

UNNAMED_MIN_CHARS = 4
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{2,}")
_CONNECTORS = frozenset({"dan", "and", "of", "for", "the", "&", ",", "-", "."})
_NAME_TOKEN = re.compile(r"\w+|[^\w\s]")
_LONGEST_NAME = 8  # tokens of a name written out
_SHOUTING = 0.8  # share of capitalised words from which a text is shouted


def _is_acronym(word: str) -> bool:
    return _ACRONYM.fullmatch(word) is not None


def _shouted(words: Sequence[str]) -> bool:
    long = [w for w in words if len(w) > 1 and not w.isdigit()]
    return len(long) >= 3 and sum(w.isupper() for w in long) >= _SHOUTING * len(long)


@lru_cache(maxsize=512)
def written_acronyms(text: str) -> frozenset[str]:
    """The acronyms ``text`` writes, outside its shouted lines (headlines, datelines)."""
    out: set[str] = set()
    for line in text.splitlines():
        words = WORD.findall(line)
        if not _shouted(words):
            out.update(w for w in words if _is_acronym(w))
    return frozenset(out)


@lru_cache(maxsize=512)
def named(text: str) -> frozenset[str]:
    """What ``text`` names, lower-cased: its words, and the initials of each run of its
    capitalised words, an acronym or number among them counting whole ("Otorita IKN",
    "COP 28")."""
    out = set(lower_words(text))
    tokens = _NAME_TOKEN.findall(text)
    for i, first in enumerate(tokens):
        if not first[0].isupper():
            continue
        initials = ""
        for tok in tokens[i:i + _LONGEST_NAME]:
            if tok.lower() in _CONNECTORS:
                continue
            if tok.isdigit() and initials:
                initials += tok
            elif tok[0].isupper():
                initials += tok if _is_acronym(tok) else tok[0]
            else:
                break
            if len(initials) >= 3:
                out.add(initials.lower())
    return frozenset(out)


def _ordinary(word: str) -> bool:
    low = word.lower()
    return low in QUESTION_STOP or low in known_words() or stem(low) in known_words()


def subjects(question: str, texts: Sequence[str]) -> frozenset[str]:
    """The acronyms ``question`` names, lower-cased (see the module)."""
    words = WORD.findall(question)
    shouted = _shouted(words)
    out = {w.lower() for w in words if not shouted and _is_acronym(w)}
    unknown = [w for w in words if (shouted or w.islower()) and len(w) >= 3
               and not _ordinary(w)]
    if unknown:
        caps = frozenset().union(*(written_acronyms(t) for t in texts))
        out.update(w.lower() for w in unknown if w.upper() in caps)
    return frozenset(out)


def on_subject(names: frozenset[str], texts: Sequence[str]) -> list[bool]:
    """For each article, whether the answer may come from it: it names the rarest of the
    subjects any article names, then the next rarest, and so on (all True when none is
    named: nothing to go by)."""
    if not names:  # most questions: no article text is read
        return [True] * len(texts)
    sets = [named(t) for t in texts]
    present = [n for n in names if any(n in s for s in sets)]
    if not present:
        return [True] * len(texts)
    present.sort(key=lambda n: (sum(n in s for s in sets), n))
    keys = [tuple(n in s for n in present) for s in sets]
    best = max(keys)
    return [k == best for k in keys]


def unnamed(names: frozenset[str], texts: Sequence[str]) -> frozenset[str]:
    """The long subjects that no article names, in any of their dictionary forms."""
    long = [n for n in names if len(n) >= UNNAMED_MIN_CHARS]
    if not long:
        return frozenset()
    sets = [named(t) for t in texts]
    dictionary = load_dictionary()

    def said(form: str) -> bool:
        words = lower_words(form)
        return bool(words) and any(words <= s for s in sets)

    return frozenset(n for n in long
                     if not any(said(f) for f in (n, *dictionary.exact(n))))
