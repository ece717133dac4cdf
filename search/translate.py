"""English (or mixed English–Indonesian) question → weighted Indonesian terms for BM25.

The dense side keeps the original question; only the lexical side needs Indonesian words.
``translate_query`` is a pure function of the question, a bilingual dictionary, an induced
lexicon and (optionally) the index vocabulary:

* names, acronyms, numbers and dates are kept verbatim (capitalised words that do not start a
  sentence, all-caps tokens, tokens with digits), and so is any non-function word the index
  already contains as written ("smart", "lab" in a corpus that quotes English);
* dictionary phrases are matched first, longest first ("capital city" → "ibu kota");
* then single words, through the dictionary (inflection undone: "grants" → "grant") and the
  induced lexicon ("grant" → "hibah");
* Indonesian words pass through unchanged, so mixed questions work;
* English function words and question words are dropped.

Weights: dictionary translations by sense order (first sense 1.0, then 0.8, 0.65, 0.5), induced
ones by their lexicon weight (an estimated probability that the pair is right), kept tokens and
Indonesian words 1.0.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from index.dictionary import word_forms
from index.english import FUNCTION_WORDS
from index.text import STOPWORDS
from index.text import terms as tokenize

# Dictionary senses beyond the fourth are mostly rare or archaic ("brother" → "bruder").
MAX_SENSES = 4
SENSE_WEIGHTS = (1.0, 0.8, 0.65, 0.5)
MAX_PHRASE_WORDS = 6

# Indonesian function words (those of the BM25 stop list that are not English).
INDONESIAN_STOPWORDS = frozenset(
    w for w in STOPWORDS if w not in FUNCTION_WORDS and w not in {
        "the", "of", "and", "to", "in", "is", "was", "were", "are", "for", "on", "with", "by",
        "from", "that", "this", "which", "who", "whom", "whose", "what", "when", "where",
        "why", "how", "did", "does", "do", "has", "have", "had", "be", "been", "being", "an",
        "a", "as", "at", "it", "its", "their", "there", "will", "would", "can", "could",
        "should", "many", "much", "about", "into", "than", "then", "those", "these",
    }
)

# A token: a word (letters, inner apostrophes), or anything with digits (7,6 | 20/11/2024 |
# GA-181 | $7.6), hyphens kept inside for now and split below.
_TOKEN = re.compile(r"[$€£]?\d[\w.,/:%-]*\w%?|[^\W\d_](?:[\w'’-]*[^\W_])?")
_SENTENCE_END = re.compile(r"[.!?]\s*$")


class Dictionary(Protocol):
    def lookup(self, english: str) -> list[str]: ...

    def base_form(self, english: str) -> str | None: ...

    def indonesian_words(self) -> Collection[str]: ...


class Lexicon(Protocol):
    def get(self, english: str) -> list[tuple[str, float]]: ...


@dataclass(frozen=True)
class Translation:
    terms: list[tuple[str, float]]  # Indonesian surface terms (and kept tokens), with weights
    kept: list[str]  # names, acronyms, numbers, dates, words the index has as written
    translated: dict[str, list[str]]  # English word or phrase → what it became
    searched: str  # what the lexical side searched, for people
    coverage: float  # share of content words translated, kept or already Indonesian
    # Content words that were neither translated, kept nor known to the index.
    unmatched: list[str] = field(default_factory=list)


@dataclass
class _Tok:
    text: str
    start: int
    initial: bool  # first word of a sentence
    joined: bool = False  # only spaces or a hyphen since the previous token

    @property
    def lower(self) -> str:
        return self.text.lower().replace("\u2019", "'")


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    end = 0
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        initial = not out or bool(_SENTENCE_END.search(text[out[-1].start:m.start()]))
        joined = bool(out) and text[end:m.start()].strip() in ("", "-")
        end = m.end()
        if any(c.isdigit() for c in raw):
            out.append(_Tok(raw.rstrip(".,"), m.start(), initial, joined))
            continue
        raw = re.sub(r"['’]s$", "", raw)  # possessive: capital's → capital
        pos = m.start()
        for i, part in enumerate(p for p in raw.split("-") if p):
            out.append(_Tok(part, pos, initial and i == 0, joined or i > 0))
            pos += len(part) + 1
    return out


def _stem(word: str) -> str:
    toks = tokenize(word)
    return toks[0] if toks else word


def _is_acronym(word: str) -> bool:
    # USTDA, IKN, MoU, PUPR-style: an upper-case letter after the first one.
    return len(word) >= 2 and any(c.isupper() for c in word[1:]) and word[0].isupper()


def _weighted_senses(translations: Sequence[str], *, proper: bool) -> list[tuple[str, float]]:
    """Dictionary translations with sense-order weights. For a capitalised English word
    (``Japan``, ``Turkey``) translations written with a capital (``Jepang``, ``Turki``) come
    first; for a lower-case one, lower-case translations do (``turkey`` → ``kalkun``)."""
    def capitalised(t: str) -> bool:  # "Jepang", not an acronym ("ASN" fits either case)
        return t[:1].isupper() and not t.isupper()

    ranked = sorted(enumerate(translations), key=lambda it: (capitalised(it[1]) != proper, it[0]))
    if proper:
        ranked = [it for it in ranked if it[1][:1].isupper()]
    return [(t, SENSE_WEIGHTS[i]) for i, (_, t) in enumerate(ranked[:MAX_SENSES])]


def _induced(lexicon: Lexicon, word: str) -> list[tuple[str, float]]:
    """The lexicon's pairs for ``word``, else for its base form, else for a regular inflection
    of it (the English list has "inaugurated" but not "inaugurate")."""
    for form in (*word_forms(word), word + "s", word + "d", word + "ed", word + "ing"):
        pairs = lexicon.get(form)
        if pairs:
            return pairs
    return []


def translate_query(
    text: str, *, dictionary: Dictionary, lexicon: Lexicon | None,
    lexicon_only_known: Collection[str] | None = None,
) -> Translation:
    """Translate the English words of ``text`` into weighted Indonesian terms.

    ``lexicon_only_known``: the index's vocabulary, when the caller has it: lower-cased
    surface words of its passages, or the BM25 side's stems (a word is looked up as written
    and as stemmed). A word found there is known to the index: an Indonesian word passes
    through, an English content word is translated and also kept verbatim (the corpus quotes
    it). Without it, a word that the dictionary does not know passes through when it is an
    Indonesian word of the dictionary's translations or when the lexicon does not know it
    either.
    """
    known = lexicon_only_known
    toks = _tokens(text)
    n = len(toks)
    terms: dict[str, tuple[str, float]] = {}  # lower-cased term → (surface, weight)
    kept: list[str] = []
    translated: dict[str, list[str]] = {}
    searched: list[str] = []
    unmatched: list[str] = []
    content = covered = 0

    def add_term(term: str, weight: float) -> None:
        key = term.lower()
        old = terms.get(key)
        if old is None or old[1] < weight:
            terms[key] = (term, round(weight, 3))

    def keep(word: str) -> None:
        if word not in kept:
            kept.append(word)
        add_term(word, 1.0)

    def is_known(word: str) -> bool:
        return known is not None and (word in known or _stem(word) in known)

    i = 0
    while i < n:
        tok = toks[i]
        word, low = tok.text, tok.lower
        has_digit = any(c.isdigit() for c in word)
        # 1. Dictionary phrases, longest first, not starting or ending on a function word.
        match = None
        if not has_digit and low not in FUNCTION_WORDS:
            for j in range(min(n, i + MAX_PHRASE_WORDS), i + 1, -1):
                span = toks[i:j]
                if span[-1].lower in FUNCTION_WORDS or any(
                    not t.joined or any(c.isdigit() for c in t.text) for t in span[1:]
                ):
                    continue  # a phrase never crosses punctuation or takes in a number
                phrase = " ".join(t.lower for t in span)
                if dictionary.base_form(phrase) is not None:
                    match = (j, phrase, span)
                    break
        if match is not None:
            j, phrase, span = match
            proper = all(t.text[:1].isupper() for t in span)
            senses = _weighted_senses(dictionary.lookup(phrase), proper=proper)
            if not senses:  # a capitalised phrase with only lower-case translations
                senses = _weighted_senses(dictionary.lookup(phrase), proper=False)
            for term, w in senses:
                add_term(term, w)
            translated[phrase] = [term for term, _ in senses]
            searched.append(f"{' / '.join(term for term, _ in senses)} ({phrase})")
            if proper:  # "South Korea", "United States": the names may also appear as written
                for tk in span:
                    keep(tk.text)
            content += len(span)
            covered += len(span)
            i = j
            continue
        i += 1
        # 2. Numbers, dates, codes; acronyms; names.
        if has_digit or _is_acronym(word):
            keep(word)
            searched.append(word)
            content += 1
            covered += 1
            continue
        if low in FUNCTION_WORDS or low in INDONESIAN_STOPWORDS:
            continue
        content += 1
        capital = word[:1].isupper()
        if capital and not tok.initial:
            # A name; a country or nationality also gets its Indonesian name (Japan → Jepang).
            keep(word)
            senses = _weighted_senses(dictionary.lookup(low), proper=True)
            senses = [(t, w) for t, w in senses if t.lower() != low]
            for t, w in senses:
                add_term(t, w)
            if senses:
                translated[low] = [t for t, _ in senses]
                searched.append(f"{word} {' / '.join(t for t, _ in senses)} ({word})")
            else:
                searched.append(word)
            covered += 1
            continue
        # 3. Lower-case word (or a capitalised sentence-initial one).
        in_index = is_known(low)
        in_dictionary = dictionary.base_form(low) is not None
        indonesian = not in_dictionary and (
            in_index or low in dictionary.indonesian_words()
            or (known is None and not (lexicon and _induced(lexicon, low)))
        )
        if indonesian:
            # Passes through as written (a sentence-initial capital may be a name as well).
            if in_index:
                keep(low)
            add_term(low, 1.0)
            searched.append(low)
            if in_index or low in dictionary.indonesian_words():
                covered += 1
            elif capital:
                keep(word)
                covered += 1
            else:
                unmatched.append(low)
            continue
        if not in_dictionary and not (lexicon and _induced(lexicon, low)):
            if capital:
                keep(word)
                searched.append(word)
                covered += 1
            else:
                unmatched.append(low)
            continue
        senses = _weighted_senses(dictionary.lookup(low), proper=False)
        induced = _induced(lexicon, low) if lexicon is not None else []
        out = list(senses)
        have = {t.lower() for t, _ in out}
        for t, w in induced:
            if t.lower() not in have:
                out.append((t, w))
                have.add(t.lower())
        if in_index:
            keep(low)  # the corpus quotes the English word itself
        for t, w in out:
            add_term(t, w)
        if out:
            translated[low] = [t for t, _ in out]
            searched.append(f"{' / '.join(t for t, _ in out)} ({low})")
            covered += 1
        elif in_index:
            searched.append(low)
            covered += 1
        else:
            unmatched.append(low)
    return Translation(
        terms=list(terms.values()), kept=kept, translated=translated,
        searched=" ".join(searched), coverage=round(covered / content, 3) if content else 1.0,
        unmatched=unmatched,
    )
