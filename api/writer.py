"""The write lane: one write at a time, in a child process of lower priority.

Reading, cleaning and language detection of uploaded files and the bookkeeping of a write
are Python work; in the server's process they would hold the GIL against every query (a
1,000-file upload on a thread took /search from 44 ms to 787 ms p50 on a loaded machine).
In a child process (``spawn``, niced, with its own encoder) they cost the queries only CPU,
which the OS gives the queries first. The child commits a new generation (atomically, as
every write does); the server then opens it before answering, so the next search sees it.

A write whose client disconnects is stopped at its next checkpoint through a shared flag:
it commits nothing. A write that cannot start within ``wait`` seconds gets 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from fastapi import Request

from api.errors import Overloaded, TooLarge
from index.budget import Budget, Stopped, checkpoint
from index.builder import BuildReport, apply_changes
from index.documents import InputError
from index.readers import (
    TEXT_SUFFIXES,
    document_from_text,
    documents_from_jsonl,
    read_text_bytes,
)
from index.records import Document

WRITE_NICE = 10  # the writer's niceness: the OS runs the server's query threads first
# Texts per encoder call in a write: the write process and the server share 2 cores, and
# a smaller batch ends sooner. Throughput does not suffer (150 FacQA documents: 10.3
# passages/s at batch 8, 9.6 at 32).
WRITE_BATCH = 8
_child: dict[str, Any] = {}  # in the write process: its encoder, store and cancel flag


@dataclass
class WriteJob:
    """What one write request asks for, as plain picklable data."""

    files: list[tuple[str, bytes]] = field(default_factory=list)  # uploaded (label, bytes)
    documents: list[dict[str, Any]] = field(default_factory=list)  # JSON documents' fields
    removals: list[str] = field(default_factory=list)
    max_docs: int = 1000
    lock_timeout: float | None = None


def parse_files(files: list[tuple[str, bytes]], *, max_docs: int,
                budget: Budget | None = None) -> list[Document]:
    """Documents of uploaded files; the first bad file raises ``InputError`` naming it."""
    docs: list[Document] = []
    for name, data in files:
        checkpoint(budget, f"reading {name}")
        suffix = PurePath(name).suffix.lower()
        if suffix not in TEXT_SUFFIXES | {".jsonl"}:
            raise InputError(f"{name}: unsupported file type (use .txt, .md or .jsonl)")
        try:
            text = read_text_bytes(name, data)
            if suffix == ".jsonl":
                new = list(documents_from_jsonl(name, text))
            else:
                new = [document_from_text(doc_id=PurePath(name).stem, raw=text)]
        except InputError as exc:
            raise InputError(str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
                             ) from None
        except RecursionError:
            raise InputError(f"{name}: JSON nested too deeply") from None
        if not new:
            raise InputError(f"{name}: no documents in the file")
        docs.extend(new)
        if len(docs) > max_docs:
            raise TooLarge(f"documents: more than {max_docs} in one write "
                           "(TELUSUR_MAX_UPLOAD_DOCS); send them in several requests")
    return docs


def _start(encoder_name: str, index_dir: str, backend: str, milvus_uri: str | None,
           cancel: Any) -> None:
    """The write process's start: lower priority, its own encoder and store."""
    from index.encoders import load_encoder
    from index.store import IndexStore

    with contextlib.suppress(OSError):  # not allowed: still correct, only less polite
        os.nice(WRITE_NICE)
    _child.update(encoder=load_encoder(encoder_name),
                  store=IndexStore(index_dir, backend=backend, milvus_uri=milvus_uri),
                  cancel=cancel)


def run_job(job: WriteJob) -> BuildReport:
    """(In the write process.) Parse, then apply the write."""
    budget = Budget(None, flag=_child["cancel"])
    docs = parse_files(job.files, max_docs=job.max_docs, budget=budget)
    docs += [document_from_text(**fields) for fields in job.documents]
    return apply_changes(_child["store"], encoder=_child["encoder"], upserts=docs,
                         removals=job.removals, progress=False, batch_size=WRITE_BATCH,
                         budget=budget, lock_timeout=job.lock_timeout)


class WriteLane:
    """One write at a time, in one child process started on the first write."""

    def __init__(self, *, wait: float, encoder: str, index_dir: Path, backend: str = "local",
                 milvus_uri: str | None = None) -> None:
        self.wait = wait
        self.busy = False
        self._encoder, self._index_dir = encoder, str(index_dir)
        self._backend, self._milvus_uri = backend, milvus_uri
        self._lock = asyncio.Lock()
        self._mp = multiprocessing.get_context("spawn")
        self._cancel = self._mp.Event()
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                1, mp_context=self._mp, initializer=_start,
                initargs=(self._encoder, self._index_dir, self._backend, self._milvus_uri,
                          self._cancel))
        return self._pool

    async def run(self, request: Request, job: WriteJob) -> BuildReport:
        try:
            async with asyncio.timeout(self.wait):
                await self._lock.acquire()
        except TimeoutError:
            raise Overloaded(f"another write is in progress (waited {self.wait:g} s); try "
                             "again later", retry_after=max(self.wait, 1.0)) from None
        self.busy = True
        self._cancel.clear()
        try:
            fut = asyncio.get_running_loop().run_in_executor(self._executor(), run_job, job)
            while True:
                done, _ = await asyncio.wait({fut}, timeout=0.05)
                if done:
                    return fut.result()
                if await request.is_disconnected():
                    self._cancel.set()  # the write stops at its next checkpoint
                    with contextlib.suppress(Exception):  # nobody is waiting for it
                        await fut  # the lane is free only once it has stopped
                    raise Stopped("the client disconnected; the write was stopped before "
                                  "it committed, or finished", timed_out=False)
        finally:
            self.busy = False
            self._lock.release()

    def close(self, timeout: float = 10.0) -> None:
        """Stop the write process: a running write stops at its next checkpoint (nothing
        committed); one that does not within ``timeout`` is terminated (still atomic)."""
        if self._pool is None:
            return
        self._cancel.set()
        processes = list(getattr(self._pool, "_processes", {}).values())  # no public handle
        self._pool.shutdown(wait=False, cancel_futures=True)
        for proc in processes:
            proc.join(timeout)
            if proc.is_alive():
                proc.terminate()
        self._pool = None
