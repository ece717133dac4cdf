"""The store contract, run against both backends: the local store (segments + FAISS + our
BM25) and Milvus (Milvus Lite, in-process, a file inside the index directory).

Both indexes hold the seed articles; the Milvus one is embedded by the same encoder through a
memo filled from the local index (the same vectors, without paying for the embedding twice).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.builder import apply_changes
from index.encoders import Encoder
from index.ingest import index_paths
from index.milvus import close_clients, expression
from index.readers import document_from_text
from index.retrieval import RowFilter
from index.store import IndexStore, IndexStoreError
from search.engine import Searcher
from tests.conftest import SEEDS, search

BACKENDS = ("local", "milvus")
QUERIES = (
    "Berapa nilai hibah USTDA untuk IKN?", "Siapa Kepala OIKN?", "kota cerdas Korea Selatan",
    "Who funded the command center in Nusantara?", "Which Korean city was a model?",
    "When was the SCCC inaugurated?", "pembangunan ibu kota baru", "smart city forum",
)


class MemoEncoder:
    """The session's encoder, with passage vectors looked up by text first."""

    def __init__(self, encoder: Encoder, memo: dict[str, np.ndarray]) -> None:
        self.id, self.dim, self._encoder, self._memo = encoder.id, encoder.dim, encoder, memo

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encoder.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            for t, v in zip(missing, self._encoder.encode_passages(missing), strict=True):
                self._memo[t] = v
        return np.array([self._memo[t] for t in texts], dtype=np.float32).reshape(-1, self.dim)


@pytest.fixture(scope="module")
def memo_encoder(seed_index_dir: Path, encoder: Encoder) -> MemoEncoder:
    data = IndexStore(seed_index_dir).load()
    memo = {data.passage(r).text: data.passage_vectors(np.array([r]))[0]
            for r in range(data.n_rows)}
    for r, (d, s, e) in enumerate(np.asarray(data.sentences)):
        memo[data.document_at(int(d)).text[int(s):int(e)]] = data.sentence_vectors(
            np.array([r]))[0]
    return MemoEncoder(encoder, memo)


@pytest.fixture(scope="module")
def milvus_seed_dir(tmp_path_factory: pytest.TempPathFactory,
                    memo_encoder: MemoEncoder) -> Iterator[Path]:
    d = tmp_path_factory.mktemp("milvus-seed")
    index_paths(IndexStore(d, backend="milvus"), [SEEDS], encoder=memo_encoder, progress=False)
    yield d
    close_clients()


def _index_dir(backend: str, tmp: Path, seed_index_dir: Path, milvus_seed_dir: Path) -> Path:
    """A private copy of the seed index of ``backend`` (a test may write to it)."""
    src = seed_index_dir if backend == "local" else milvus_seed_dir
    close_clients()  # a Milvus Lite file is copied closed, then reopened
    shutil.copytree(src, tmp / "idx")
    return tmp / "idx"


@pytest.fixture(params=BACKENDS)
def backend_dir(request: pytest.FixtureRequest, tmp_path: Path, seed_index_dir: Path,
                milvus_seed_dir: Path) -> Iterator[Path]:
    yield _index_dir(request.param, tmp_path, seed_index_dir, milvus_seed_dir)
    close_clients()


def _ids(searcher: Searcher, text: str, **options: object) -> list[str]:
    return [h.passage.id for h in search(searcher, text, **options).hits]


def test_the_manifest_names_the_backend(backend_dir: Path) -> None:
    manifest = IndexStore(backend_dir).read_manifest()
    data = IndexStore(backend_dir).load()
    assert data.retriever.name == manifest["store"]["kind"]
    assert data.n_documents == 5
    if data.retriever.name == "milvus":
        assert (backend_dir / "milvus.db").exists()
        assert {s.vectors.kind for s in data.segments} == {"external"}  # no FAISS copy


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_search_finds_the_passage_in_every_mode(backend_dir: Path, encoder: Encoder,
                                                mode: str) -> None:
    searcher = Searcher(IndexStore(backend_dir), encoder)
    hits = search(searcher, "Berapa nilai hibah USTDA untuk IKN?", k=5, mode=mode).hits
    assert hits and any("USTDA" in h.passage.text for h in hits[:2])
    for h in hits:
        assert h.document.text[h.passage.char_start:h.passage.char_end] == h.passage.text


def test_add_and_delete(backend_dir: Path, encoder: Encoder, memo_encoder: MemoEncoder) -> None:
    store = IndexStore(backend_dir)
    doc = document_from_text(doc_id="banjir-1", raw=(
        "Banjir bandang melanda Kecamatan Sangatta di Kutai Timur pada Senin pagi. Ketinggian "
        "air mencapai dua meter dan 300 warga mengungsi ke masjid terdekat."))
    apply_changes(store, encoder=memo_encoder, upserts=[doc], progress=False)
    searcher = Searcher(store, encoder)
    for mode in ("hybrid", "dense", "bm25"):
        assert _ids(searcher, "banjir bandang Sangatta Kutai Timur", k=3,
                    mode=mode)[0] == "banjir-1#0"
    apply_changes(store, encoder=memo_encoder, removals=["banjir-1", "003_d42ff7a54c18c015"],
                  progress=False)
    for mode in ("hybrid", "dense", "bm25"):
        got = _ids(searcher, "banjir bandang Sangatta Kutai Timur hibah USTDA", k=50, mode=mode)
        assert got and not any(g.startswith(("banjir-1#", "003_d42ff7a54c18c015#"))
                               for g in got)
    if store.read_manifest()["store"]["kind"] == "milvus":  # deleted from Milvus, not hidden
        ext = store.external(store.read_manifest())
        assert ext is not None and ext.count() == store.load().n_passages


def test_filters(backend_dir: Path, encoder: Encoder) -> None:
    searcher = Searcher(IndexStore(backend_dir), encoder)
    data = searcher.context.data
    doc = "001_35330518a0891c6f"
    meta = data.doc_meta(data.doc_rows[doc])
    hits = search(searcher, "kota cerdas", k=20, docs=[doc]).hits
    assert hits and {h.document.id for h in hits} == {doc}
    hits = search(searcher, "kota cerdas", k=20, lang="en").hits
    assert all(h.passage.lang == "en" for h in hits)
    if meta.get("source"):
        hits = search(searcher, "kota cerdas", k=20, sources=[meta["source"].upper()]).hits
        assert hits and all(h.document.source == meta["source"] for h in hits)
    if meta.get("published"):
        day = meta["published"][:10]
        hits = search(searcher, "kota cerdas", k=50, date_from=day, date_to=day).hits
        assert hits and all(h.document.published[:10] == day for h in hits)  # type: ignore[index]
    assert search(searcher, "kota cerdas", k=5, docs=["no-such-doc"]).hits == []


def test_restart_gives_the_same_results(backend_dir: Path, encoder: Encoder) -> None:
    before = [_ids(Searcher(IndexStore(backend_dir), encoder), q, k=5) for q in QUERIES[:3]]
    close_clients()  # the process lets go of Milvus Lite; a new searcher reopens the file
    after = [_ids(Searcher(IndexStore(backend_dir), encoder), q, k=5) for q in QUERIES[:3]]
    assert before == after and all(before)


def test_hybrid_top_results_match_the_local_store(seed_index_dir: Path,
                                                  milvus_seed_dir: Path,
                                                  encoder: Encoder) -> None:
    """Same ranker, same candidates up to BM25 statistics: Milvus' scores differ from ours
    by a few percent (its token counts), which may swap near-ties lower down."""
    local = Searcher(IndexStore(seed_index_dir), encoder)
    milvus = Searcher(IndexStore(milvus_seed_dir), encoder)
    top1 = top3 = 0
    for q in QUERIES:
        a, b = _ids(local, q, k=3), _ids(milvus, q, k=3)
        top1 += a[0] == b[0]
        top3 += set(a) == set(b)
    assert top1 == len(QUERIES)
    assert top3 >= len(QUERIES) - 1


def test_a_missing_collection_says_how_to_repair(tmp_path: Path, milvus_seed_dir: Path) -> None:
    d = _index_dir("milvus", tmp_path, tmp_path, milvus_seed_dir)
    shutil.rmtree(d / "milvus.db")  # Milvus Lite keeps a directory
    with pytest.raises(IndexStoreError, match="--rebuild"):
        IndexStore(d).load()


def test_filter_expressions() -> None:
    assert expression(None) == ""
    where = RowFilter(lang="id", sources=("Kompas",), doc_ids=('a"b',), day_from=10, day_to=20)
    assert expression(where) == (
        'doc_id in ["a\\"b"] and source in ["kompas"] and lang == "id" and last_day >= 10 '
        "and (first_day >= 0 and first_day <= 20)")
