"""One writer at a time, and the errors a write can meet: another writer holding the lock,
a read-only index directory, a failed write that leaves the current generation unchanged."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

SEGMENTS = "segments"  # the segment folder inside an index directory (``index.store``)
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)
_LOCK_POLL_S = 0.05


class IndexStoreError(RuntimeError):
    """The index directory is missing, damaged, foreign or from another encoder."""


class IndexReadOnlyError(IndexStoreError):
    """The index directory cannot be written (read-only mount, permissions)."""


class IndexBusyError(IndexStoreError):
    """Another writer held the index's lock for longer than this writer would wait."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[Any, ...]:  # crosses from a write process intact
        return _busy, (str(self), self.retry_after)


def _busy(message: str, retry_after: float) -> IndexBusyError:
    return IndexBusyError(message, retry_after=retry_after)


def repair_hint(index_dir: Path) -> str:
    return f"rebuild it with: telusur index PATH... --rebuild --index-dir {index_dir}"


def write_problem(index_dir: Path) -> str | None:
    """Why a write to this index would fail before it starts (``None``: it would not).
    Probed by creating and removing a file where a write creates files (as root,
    permission bits say nothing, so they are not asked)."""
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        for where in (index_dir, index_dir / SEGMENTS):
            if where.is_dir():
                probe = where / f".tmp-probe-{os.getpid()}"
                probe.touch()
                probe.unlink()
    except OSError as exc:
        return f"{exc.strerror or exc} ({exc.filename or index_dir})"
    return None


def read_only(index_dir: Path, problem: str) -> IndexReadOnlyError:
    return IndexReadOnlyError(
        f"index at {index_dir} is read-only: {problem}; writes are refused until it is "
        "writable (reads go on)")


@contextlib.contextmanager
def write_lock(index_dir: Path, timeout: float | None = None) -> Iterator[None]:
    """Exclusive lock for one writer at a time (across processes); waits at most
    ``timeout`` seconds for another writer (``None``: as long as it takes)."""
    problem = write_problem(index_dir)
    if problem is not None:
        raise read_only(index_dir, problem)
    try:
        f = (index_dir / ".lock").open("a")
    except OSError as exc:
        raise read_only(index_dir, exc.strerror or str(exc)) from None
    with f:
        waited = 0.0
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | (fcntl.LOCK_NB if timeout is not None else 0))
                break
            except BlockingIOError:
                if timeout is None or waited >= timeout:
                    raise IndexBusyError(
                        f"index at {index_dir} is being written by another writer (waited "
                        f"{waited:.0f} s for {index_dir / '.lock'}); try again later",
                        retry_after=max(timeout or 0.0, 1.0)) from None
                time.sleep(_LOCK_POLL_S)
                waited += _LOCK_POLL_S
        try:
            yield
        except OSError as exc:
            if exc.errno in _NOT_WRITABLE:
                raise read_only(index_dir, exc.strerror or str(exc)) from None
            raise IndexStoreError(
                f"index at {index_dir} could not be written ({exc.strerror or exc}); the "
                "current generation is unchanged") from None
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)
