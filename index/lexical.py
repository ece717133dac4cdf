"""Lexical side: an Indonesian-aware tokenizer and a BM25 index (bm25s) over passages."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

# Function words that carry no topic in Indonesian and English questions.
STOPWORDS = frozenset(
    """yang dan di ke dari untuk dengan pada adalah ini itu dalam tidak akan oleh sebagai atau
    juga telah sudah bisa dapat ada apa siapa kapan mana dimana berapa bagaimana mengapa kenapa
    apakah bila jika karena serta para sebuah seorang tersebut kami kita mereka ia dia nya
    hingga antara tentang saat bagi agar namun tetapi masih lebih sangat secara menjadi
    berapakah siapakah kapankah manakah yakni yaitu pun lah kah
    the of and to in is was were are for on with by from that this which who whom whose what
    when where why how did does do has have had be been being an a as at it its their there
    will would can could should many much about into than then those these""".split()
)
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_stemmer_local = threading.local()


def _stemmer() -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe; one per thread.
    st = getattr(_stemmer_local, "stemmer", None)
    if st is None:
        st = _stemmer_local.stemmer = Stemmer.Stemmer("indonesian")
    return st


@lru_cache(maxsize=200_000)
def _stem(word: str) -> str:
    return _stemmer().stemWord(word)


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop-worded, Indonesian-stemmed tokens; numbers kept whole (``7,6``)."""
    out = []
    for tok in _TOKEN.findall(text.lower()):
        if tok in STOPWORDS:
            continue
        out.append(tok if tok[0].isdigit() else _stem(tok))
    return out


class LexicalIndex:
    """BM25 over passage texts, in passage order (row i == passage i)."""

    def __init__(self, retriever: bm25s.BM25, n: int) -> None:
        self._bm25 = retriever
        self.n = n

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        corpus_tokens = [tokenize(t) or ["\u2205"] for t in texts]
        retriever.index(corpus_tokens, show_progress=False)
        return cls(retriever, len(texts))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no term matches)."""
        tokens = [t for t in tokenize(query) if t in self._bm25.vocab_dict]
        if not tokens or self.n == 0:
            return np.zeros(self.n, dtype=np.float32)
        return np.asarray(self._bm25.get_scores(tokens), dtype=np.float32)

    def idf(self, tokens: Sequence[str]) -> list[float]:
        """BM25 inverse document frequency of each token over passages (a token the index
        has never seen gets the highest)."""
        vocab, indptr = self._bm25.vocab_dict, self._bm25.scores["indptr"]
        n = self.n
        out = []
        for t in tokens:
            i = vocab.get(t)
            df = 0 if i is None else int(indptr[i + 1] - indptr[i])
            out.append(float(np.log(1.0 + (n - df + 0.5) / (df + 0.5))))
        return out

    def save(self, directory: Path) -> None:
        self._bm25.save(str(directory), show_progress=False)

    @classmethod
    def load(cls, directory: Path, n: int) -> LexicalIndex:
        retriever = bm25s.BM25.load(str(directory), mmap=False, show_progress=False)
        return cls(retriever, n)
