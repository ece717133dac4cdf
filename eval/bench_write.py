"""What one write costs on a large index: add one document to an index of N passages.

The bulk index is embedded by ``HashEncoder`` (deterministic pseudo-random unit vectors, no
model), because what is measured is the store's work: the document's own embedding is timed
separately and reported apart, so "write cost" = total - own embedding.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from eval.bench_common import FACQA, load_average, pct

DIM = 384


class HashEncoder:
    """Unit vectors seeded by each text's hash: the shape of an encoder, none of its cost."""

    id = "bench:hash-384"
    dim = DIM

    def __init__(self) -> None:
        self.seconds = 0.0

    def _vec(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, DIM))

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        t = time.perf_counter()
        out = self.encode_queries(texts)
        self.seconds += time.perf_counter() - t
        return out


def corpus_texts(n: int) -> list[str]:
    """``n`` distinct news texts: FacQA passages, repeated with a numbered dateline."""
    base = [json.loads(line)["text"] for line in FACQA.open(encoding="utf-8") if line.strip()]
    return [f"Berita {i}. {base[i % len(base)]}" for i in range(n)]


def run_write(
    *, passages: int, adds: int = 5, log: Callable[[str], None] = print,
) -> dict[str, Any]:
    from index.builder import apply_changes
    from index.readers import document_from_text
    from index.store import IndexStore

    if not FACQA.exists():
        return {"skipped": f"{FACQA} not found"}
    enc = HashEncoder()
    with tempfile.TemporaryDirectory() as d:
        store = IndexStore(Path(d) / "idx")
        texts = corpus_texts(passages)
        log(f"write: building a {passages}-document index (load {load_average()})")
        t = time.perf_counter()
        docs = [document_from_text(doc_id=f"d{i}", raw=x, lang="id")
                for i, x in enumerate(texts)]
        # The bulk corpus repeats FacQA passages under new ids: kept apart on purpose.
        report = apply_changes(store, encoder=enc, upserts=docs, progress=False, dedupe=False)
        build_s = time.perf_counter() - t
        totals, own = [], []
        for i in range(adds):
            # A story the index does not hold (two passages joined), so the write's duplicate
            # check against every stored signature is timed too, and nothing is folded.
            doc = document_from_text(doc_id=f"new-{i}", raw=f"{texts[i]}\n\n{texts[i + 7]}",
                                     lang="id")
            enc.seconds = 0.0
            t = time.perf_counter()
            apply_changes(store, encoder=enc, upserts=[doc], progress=False)
            totals.append((time.perf_counter() - t) * 1000)
            own.append(enc.seconds * 1000)
        data = store.load()
        segments = len(store.read_manifest()["segments"])
    store_ms = [a - b for a, b in zip(totals, own, strict=True)]
    result: dict[str, Any] = {
        "passages": report.passages, "documents": data.n_documents, "adds": adds,
        "build_s": round(build_s, 1), "segments_after": segments,
        "add_one_total_ms": pct(totals), "add_one_store_ms": pct(store_ms),
        "target": "under 1 s plus the document's own embedding",
        "met": bool(pct(store_ms)["p50"] < 1000), "load_average": load_average(),
    }
    log(f"write: add one document p50 {result['add_one_store_ms']['p50']} ms (store only)")
    return result
