"""From what the user typed to what each retriever searches.

1. ``search.normalize``: chat spellings expanded, particles dropped, typos repaired.
2. The language of the repaired text (``index.langid``).
3. Questions with English words (English or mixed) get their content words translated into
   weighted Indonesian terms for the BM25 side (``search.translate``: the shipped dictionary
   and the index's induced lexicon); names, acronyms and numbers are kept as written.
4. The question is parsed once (``search.question``) with those terms.

The dense side embeds the repaired text in its own language (the encoder is multilingual).
"""

from __future__ import annotations

from dataclasses import dataclass

from index.dictionary import load_dictionary
from index.english import FUNCTION_WORDS
from index.langid import detect_language
from index.lexicon import default_not_indonesian
from index.text import ID_FUNCTION_WORDS, LETTER_RUN, terms
from search.context import SearchContext
from search.normalize import Repair, normalize
from search.question import Question, parse_question
from search.translate import Translation, translate_query


@dataclass(frozen=True)
class Understood:
    question: Question  # parsed from the repaired text, with the lexical side's terms
    repairs: tuple[Repair, ...]
    translation: Translation | None

    @property
    def text(self) -> str:
        """The repaired text: what the dense side embeds."""
        return self.question.text

    @property
    def searched(self) -> str:
        """What the lexical side searched, for people."""
        return self.translation.searched if self.translation else self.question.text


# English function words that are not also Indonesian ones.
_ENGLISH_FUNCTION_WORDS = FUNCTION_WORDS - ID_FUNCTION_WORDS


def has_english(text: str) -> bool:
    """Whether ``text`` holds an English word that is not also Indonesian (an English or a
    mixed question). Two lookups per word: no union of the two sets is built per query."""
    not_indonesian = default_not_indonesian()
    return any((w := word.lower()) in not_indonesian or w in _ENGLISH_FUNCTION_WORDS
               for word in LETTER_RUN.findall(text))


def translated_weights(translation: Translation) -> dict[str, float]:
    """BM25 query weights of a translation: each term's stems take its weight (the highest
    when two senses share a stem)."""
    out: dict[str, float] = {}
    for term, weight in translation.terms:
        for t in terms(term):
            out[t] = max(out.get(t, 0.0), float(weight))
    return out


def understand(text: str, ctx: SearchContext, *, translate: bool = True) -> Understood:
    """Repair, detect the language and (``translate``) translate English words for BM25."""
    repaired = normalize(text, ctx.speller)
    lang = detect_language(repaired.text)
    translation = None
    weights = None
    if translate and (lang != "id" or has_english(repaired.text)):
        translation = translate_query(repaired.text, dictionary=load_dictionary(),
                                      lexicon=ctx.lexicon, lexicon_only_known=ctx.data.words)
        weights = translated_weights(translation) or None
    question = parse_question(repaired.text, lang, weights=weights,
                              translated=translation.coverage if translation else 0.0)
    return Understood(question=question, repairs=repaired.repairs, translation=translation)
