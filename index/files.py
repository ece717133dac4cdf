"""File helpers of the index directory: arrays, checksums and durable writes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np


def load_array(path: Path) -> np.ndarray:
    """A ``.npy`` array, memory-mapped (an empty one cannot be, so it is read). Returned as a
    plain ``ndarray`` view of the mapping: ``np.memmap``'s subclass hooks run on every slice
    and cost the query path ~1 µs per read of a row."""
    try:
        arr: np.ndarray = np.load(path, allow_pickle=False, mmap_mode="r").view(np.ndarray)
    except ValueError:
        arr = np.load(path, allow_pickle=False)
    return arr


class FileBytes:
    """A read-only file read by byte ranges with ``pread``, not memory-mapped.

    A mapping's page fault maps in the pages around it too (the kernel's fault-around, which
    ``MADV_RANDOM`` does not turn off): at a million passages, reading the texts and vectors of
    a query's ~100 candidates made ~13 MB of the files resident per query, 1.7 GB within a
    hundred queries. ``pread`` copies only what is asked; the page cache keeps the file warm
    without counting in the process's memory. The open descriptor keeps the file readable
    after a writer's garbage collection unlinks it."""

    def __init__(self, path: Path) -> None:
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._size = os.fstat(self._fd).st_size

    def __len__(self) -> int:
        return self._size

    def read(self, start: int, end: int) -> bytearray:
        """Bytes ``[start, end)`` (clipped to the size the file had when opened), read once
        into the buffer returned."""
        start, end = max(start, 0), min(end, self._size)
        out = bytearray(max(end - start, 0))
        if out:
            self.read_into(memoryview(out), start)
        return out

    def will_need(self, starts: Sequence[int], ends: Sequence[int]) -> None:
        """Tell the kernel these byte ranges are about to be read: pages not in the page
        cache are fetched side by side, not one read after another (the first query over
        files idle long enough for the kernel to drop them waits for one disk round trip,
        not one per candidate). About a microsecond per range when the pages are there."""
        if not hasattr(os, "posix_fadvise"):
            return
        for start, end in zip(starts, ends, strict=True):
            if end > start:
                os.posix_fadvise(self._fd, start, end - start, os.POSIX_FADV_WILLNEED)

    def read_into(self, buffer: memoryview, start: int) -> None:
        """Fill ``buffer`` with the bytes from ``start``, in as many reads as the kernel needs
        (one read returns at most ~2 GiB); a file cut short since it was opened is an
        ``OSError``, never short data."""
        done = 0
        while done < len(buffer):
            got = os.preadv(self._fd, [buffer[done:]], start + done)
            if got <= 0:
                raise OSError(f"short read at byte {start + done}: the file was truncated")
            done += got

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            os.close(fd)


class FileRows:
    """A 2-D ``.npy`` array on disk whose rows are read with ``pread`` (``FileBytes`` says
    why): what a large segment's float16 vectors are. Indexing by an int, a slice or an array
    of rows returns an ``ndarray``; ``np.asarray`` of it reads it all."""

    def __init__(self, path: Path) -> None:
        with path.open("rb") as f:
            version = np.lib.format.read_magic(f)
            read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                    else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read(f)
            offset = f.tell()
        if fortran or len(shape) != 2:
            raise ValueError(f"{path.name}: a C-ordered 2-D array is expected")
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._file, self._offset = FileBytes(path), offset
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        if offset + self.shape[0] * self._row_bytes > len(self._file):
            raise ValueError(f"{path.name}: shorter than its header says (truncated)")

    def __len__(self) -> int:
        return self.shape[0]

    def _run(self, lo: int, hi: int) -> np.ndarray:
        """Rows ``[lo, hi)``, read straight into a new (writable) array."""
        out = np.empty((hi - lo, self.shape[1]), dtype=self.dtype)
        if hi > lo:
            self._file.read_into(out.data.cast("B"), self._offset + lo * self._row_bytes)
        return out

    def __getitem__(self, key: Any) -> np.ndarray:
        n = self.shape[0]
        if isinstance(key, slice):
            lo, hi, step = key.indices(n)
            if step > 0:
                out = self._run(lo, max(hi, lo))
                return out[::step] if step != 1 else out
            key = np.arange(lo, hi, step)
        if isinstance(key, (bool, np.bool_)):
            raise TypeError("rows are selected by integers, slices or a boolean mask")
        if isinstance(key, (int, np.integer)):
            row = int(key) + n if int(key) < 0 else int(key)
            if not 0 <= row < n:
                raise IndexError(f"row {int(key)} is out of range for {n} rows")
            one: np.ndarray = self._run(row, row + 1)[0]
            return one
        rows = np.asarray(key)
        if rows.dtype == bool:
            if rows.shape != (n,):
                raise IndexError(f"a boolean mask must have {n} entries")
            rows = np.flatnonzero(rows)
        elif rows.size and rows.dtype.kind not in "iu":
            raise IndexError("rows must be integers")
        shape = rows.shape
        rows = rows.astype(np.int64).reshape(-1)
        rows = np.where(rows < 0, rows + n, rows)
        if len(rows) and (rows.min() < 0 or rows.max() >= n):
            raise IndexError(f"a row is out of range for {n} rows")
        wanted, back = np.unique(rows, return_inverse=True)
        out = np.empty((len(wanted), self.shape[1]), dtype=self.dtype)
        if len(wanted):
            buf = out.data.cast("B")
            # one read per run of consecutive rows (a document's sentences are stored
            # together), straight into the output's memory
            breaks = np.flatnonzero(np.diff(wanted) > 1) + 1
            size = self._row_bytes
            firsts, lasts = np.r_[0, breaks].tolist(), np.r_[breaks, len(wanted)].tolist()
            at = [self._offset + int(wanted[a]) * size for a in firsts]  # each run's offset
            if len(at) > 1:
                self._file.will_need(at, [o + (b - a) * size
                                          for o, a, b in zip(at, firsts, lasts, strict=True)])
            for o, a, b in zip(at, firsts, lasts, strict=True):
                self._file.read_into(buf[a * size:b * size], o)
        got: np.ndarray = out[back.reshape(-1)].reshape(*shape, self.shape[1])
        return got

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = self[:]
        return whole if dtype is None else np.asarray(whole, dtype=dtype)


# A 2-D array read by rows: in memory (or memory-mapped), or on disk (``FileRows``).
Rows = np.ndarray | FileRows


# Files up to this size are memory-mapped (a few hundred candidate rows of them are a small
# share of the file anyway); bigger ones are read by rows (``FileRows``).
MAP_MAX_BYTES = 64 * 1024 * 1024


def load_rows(path: Path) -> Rows:
    """A 2-D array read a few scattered rows at a time: memory-mapped when small, read with
    ``pread`` by rows when large (``FileRows``)."""
    if path.stat().st_size > MAP_MAX_BYTES:
        return FileRows(path)
    return load_array(path)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fsync_tree(root: Path) -> None:
    """Flush every file and directory under ``root`` (and ``root``) to disk."""
    for p in root.rglob("*"):
        if p.is_file():
            with p.open("rb") as f:
                os.fsync(f.fileno())
    for p in [root, *[d for d in root.rglob("*") if d.is_dir()]]:
        fsync_dir(p)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
