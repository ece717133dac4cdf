"""English word lists for the cross-language lexical side: function words to drop from a
question, and the common English words the induced lexicon (``index/lexicon.py``) covers.

``data/en_common_words.txt`` holds the whole-word entries (letters only, 3 or more) of the
BERT uncased WordPiece vocabulary, in vocabulary order, which is roughly frequency order; the
file's header names its source and licence (Apache-2.0, ``data/APACHE-2.0.txt``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

COMMON_WORDS_FILE = Path(__file__).resolve().parent / "data" / "en_common_words.txt"

# Dropped from English questions: articles, pronouns, auxiliaries, prepositions, conjunctions,
# question words and question frames ("how many", "what kind of") that name no topic.
FUNCTION_WORDS = frozenset(
    """a an the this that these those there here it its itself they them their theirs
    themselves he him his himself she her hers herself we us our ours you your yours i me my
    mine who whom whose what which when where why how whether whatever whoever
    is are was were be been being am do does did done doing have has had having
    will would shall should can could may might must ought
    of to in on at by for from with without within into onto upon about above below over
    under between among through during before after since until till against toward towards
    across along around behind beyond besides near off out up down via per than as like unlike
    and or but nor so yet if then else because although though while whereas unless
    not no yes also too very just only even still already ever never again
    all any some each every both either neither many much more most few less least several
    such same other another own one ones something anything nothing someone anyone
    kind type sort way ways thing things name named called
    according regarding concerning
    say said says tell told ask asked""".split()
)


@lru_cache(maxsize=4)
def common_words(limit: int | None = None) -> tuple[str, ...]:
    """The shipped common English words, most frequent first (``limit``: the first n)."""
    words = [
        ln.strip() for ln in COMMON_WORDS_FILE.read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    return tuple(words[:limit] if limit else words)
