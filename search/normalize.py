"""Informal and misspelled questions made searchable, before anything else reads them.

* Chat spellings become the words articles use (``yg`` -> ``yang``, ``brp`` -> ``berapa``,
  ``gak`` -> ``tidak``; ``index/data/slang_id.tsv``), and discourse particles (``nih``,
  ``sih``, ``dong``) are dropped.
* A lower-case word that neither the corpus vocabulary, the Indonesian word list
  (``index/data/id_words.txt``) nor the English word list knows is taken for a typo and
  replaced by the most frequent corpus word within one edit (two for long words):
  ``pengungsin`` -> ``pengungsian``. Names, acronyms, numbers and known words are never
  touched; a word whose stem is a known word is only repaired to a word one edit away
  (``berasil`` -> ``berhasil``, but ``dijadikan`` is ``jadi`` with its affixes, not a
  misspelt ``diadakan``).

The result says what was changed, so the response can show what was searched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from index.english import common_words
from index.text import EN_FUNCTION_WORDS, ID_FUNCTION_WORDS, stem

DATA = Path(__file__).resolve().parents[1] / "index" / "data"
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MIN_REPAIR_CHARS = 4  # shorter words are too ambiguous to correct ("dan" vs "dam")
LONG_WORD_CHARS = 8  # from this length two edits are allowed


@dataclass(frozen=True)
class Repair:
    original: str
    replacement: str  # "" when the word was dropped
    reason: str  # "informal" or "spelling"


@dataclass(frozen=True)
class Normalized:
    text: str
    repairs: tuple[Repair, ...]


@lru_cache(maxsize=1)
def slang() -> dict[str, str]:
    """Informal word -> standard word(s); a key starting with ``^`` is for a first word."""
    out = {}
    for line in (DATA / "slang_id.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            informal, _, standard = line.partition("\t")
            out[informal.strip()] = standard.strip()
    return out


@lru_cache(maxsize=1)
def known_words() -> frozenset[str]:
    """Correctly spelled words, whether or not the corpus uses them."""
    indonesian = [ln.strip() for ln in (DATA / "id_words.txt").read_text("utf-8").splitlines()
                  if ln.strip() and not ln.startswith("#")]
    return frozenset(indonesian) | frozenset(common_words()) | ID_FUNCTION_WORDS | (
        EN_FUNCTION_WORDS)


class Speller:
    """Typo repair against one index generation's vocabulary (built once per generation)."""

    def __init__(self, vocabulary: dict[str, int]) -> None:
        self.vocabulary = vocabulary
        # Candidates by first letter: a typo seldom changes the first letter, and it keeps
        # each lookup to a small slice of a large vocabulary.
        self._by_initial: dict[str, list[str]] = {}
        for word in vocabulary:
            if len(word) >= MIN_REPAIR_CHARS - 1:
                self._by_initial.setdefault(word[0], []).append(word)

    def correct(self, word: str) -> str | None:
        if (len(word) < MIN_REPAIR_CHARS or word in self.vocabulary
                or word in known_words() or not word.isalpha()):
            return None
        limit = 2 if len(word) >= LONG_WORD_CHARS else 1
        if stem(word) in known_words():  # a known word with affixes, unless one slip away
            limit = 1
        pool = [w for w in self._by_initial.get(word[0], ()) if abs(len(w) - len(word)) <= limit]
        found = extract(word, pool, scorer=Levenshtein.distance, score_cutoff=limit, limit=None)
        if not found:
            return None
        best = min(found, key=lambda m: (m[1], -self.vocabulary[m[0]], m[0]))
        return str(best[0])


def normalize(text: str, speller: Speller | None) -> Normalized:
    """``text`` with informal words expanded, particles dropped and typos repaired."""
    repairs: list[Repair] = []
    pieces: list[str] = []
    pos = 0
    table = slang()
    for i, m in enumerate(_WORD.finditer(text)):
        word = m.group(0)
        low = word.lower()
        key = f"^{low}" if i == 0 and f"^{low}" in table else low  # first-word-only entries
        replacement: str | None = None
        if key in table and (word.islower() or len(word) <= 3 or key != low):
            replacement, reason = table[key], "informal"
        elif speller is not None and word.islower():
            replacement, reason = speller.correct(low), "spelling"
        if replacement is None or replacement == low:
            continue
        pieces.append(text[pos:m.start()])
        pieces.append(replacement)
        pos = m.end()
        repairs.append(Repair(word, replacement, reason))
    pieces.append(text[pos:])
    out = re.sub(r"\s{2,}", " ", "".join(pieces)).strip()
    return Normalized(out or text, tuple(repairs))
