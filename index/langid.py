"""Language identification that is deterministic and sensible on short questions.

langdetect alone is unreliable on a five-word question ("Siapa Kepala OIKN?" often comes
back as Tagalog or Malay), so short texts are first judged by function words, the
strongest signal a question has; langdetect (seeded) decides the rest.
"""

from __future__ import annotations

import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.detector_factory import init_factory
from langdetect.lang_detect_exception import LangDetectException

from index.text import EN_FUNCTION_WORDS, ID_FUNCTION_WORDS, LETTER_RUN

DetectorFactory.seed = 0
_LOCK = threading.Lock()  # langdetect's factory is a module-level singleton

_LANG_ALIASES = {"ms": "id", "tl": "id", "jw": "id", "su": "id"}
# langdetect's cost grows with the text, and a news article's language is settled well
# within its first thousand characters (same answers on every FacQA passage, seed article
# and eval question); on whole articles it was most of the time spent reading a web page.
LANGDETECT_CHARS = 1000


def load_profiles() -> None:
    """Read langdetect's language profiles now. The first text it judges otherwise reads
    them: about a quarter of a second of pure Python (holding the GIL) inside a request."""
    with _LOCK:
        init_factory()


def detect_language(text: str, *, default: str = "id") -> str:
    """ISO 639-1 code of ``text``; Malay-family guesses map to ``id``; ``default`` if unsure."""
    words = [w.lower() for w in LETTER_RUN.findall(text)]
    if not words:
        return default
    id_hits = sum(w in ID_FUNCTION_WORDS for w in words)
    en_hits = sum(w in EN_FUNCTION_WORDS for w in words)
    if len(words) <= 25 and id_hits != en_hits and max(id_hits, en_hits) >= 1:
        return "id" if id_hits > en_hits else "en"
    try:
        with _LOCK:
            guesses = detect_langs(text[:LANGDETECT_CHARS])
    except LangDetectException:
        return default
    if len(words) <= 8:
        # Too short for langdetect's full profile set: only decide between our two languages.
        scores: dict[str, float] = {}
        for g in guesses:
            lang = _LANG_ALIASES.get(g.lang, g.lang)
            if lang in ("id", "en"):
                scores[lang] = scores.get(lang, 0.0) + g.prob
        return max(scores, key=scores.__getitem__) if scores else default
    best = str(guesses[0].lang)
    return _LANG_ALIASES.get(best, best)
