"""File helpers of the index directory: arrays, checksums and durable writes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

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
