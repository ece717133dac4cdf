"""The index store: segments written once, generations listing them, BM25 with live-row
statistics, and the vector-store contract."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from index.builder import MERGE_FACTOR, apply_changes
from index.encoders import Encoder
from index.files import FileRows
from index.lexical import LexicalIndex, Postings, query_weights
from index.readers import document_from_text, read_documents
from index.store import CURRENT, IndexStore
from index.text import terms
from index.vectors import EXACT_BELOW, FaissVectorIndex, ivf_lists
from tests.conftest import SEEDS


def _news(i: int) -> str:
    return (f"Banjir melanda Kecamatan Nomor{i} di Samarinda pada pekan ini. Warga "
            f"mengungsi ke balai desa dan air mencapai {i} meter.")


def _segments(store: IndexStore) -> list[tuple[str, list[int]]]:
    return [(s["name"], s["deleted"]) for s in store.read_manifest()["segments"]]


def test_a_write_adds_one_segment_and_rewrites_nothing(tmp_path: Path, seed_index_dir: Path,
                                                        encoder: Encoder) -> None:
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    store = IndexStore(d)
    before = _segments(store)
    seg_dir = d / "segments" / before[0][0]
    stamp = {p.name: p.stat().st_mtime_ns for p in seg_dir.iterdir()}
    apply_changes(store, encoder=encoder,
                  upserts=[document_from_text(doc_id="b0", raw=_news(0))], progress=False)
    after = _segments(store)
    assert after[0] == before[0] and len(after) == 2
    assert {p.name: p.stat().st_mtime_ns for p in seg_dir.iterdir()} == stamp


def test_small_segments_merge_by_tier_and_deletes_are_purged(tmp_path: Path,
                                                             encoder: Encoder) -> None:
    store = IndexStore(tmp_path / "idx")
    for i in range(MERGE_FACTOR):
        apply_changes(store, encoder=encoder,
                      upserts=[document_from_text(doc_id=f"b{i}", raw=_news(i))], progress=False)
    # four one-document segments became one four-document segment
    assert len(_segments(store)) == 1
    apply_changes(store, encoder=encoder, removals=["b0", "b1"], progress=False)
    segs = _segments(store)
    assert len(segs) == 1 and segs[0][1] == []  # half deleted: rewritten without them
    data = store.load()
    assert sorted(data.doc_rows) == ["b2", "b3"] and data.n_passages == 2
    live = {p.name for p in (tmp_path / "idx" / "segments").iterdir()}
    listed = {name for gen in sorted((tmp_path / "idx").glob("gen-*"))
              for name, _ in _segments_of(store, gen.name)}
    assert live == listed  # no segment is kept that no generation lists


def _segments_of(store: IndexStore, gen: str) -> list[tuple[str, list[int]]]:
    return [(s["name"], s["deleted"]) for s in store.read_manifest(gen)["segments"]]


def test_grown_and_rebuilt_indexes_score_alike(tmp_path: Path, encoder: Encoder) -> None:
    """BM25 statistics come from live rows, so an index grown by small writes and deletes
    scores exactly like one built in one go from the same documents."""
    docs = read_documents([SEEDS]).documents
    grown = IndexStore(tmp_path / "grown")
    for doc in docs:
        apply_changes(grown, encoder=encoder, upserts=[doc], progress=False)
    extra = document_from_text(doc_id="extra", raw=_news(3))
    apply_changes(grown, encoder=encoder, upserts=[extra], progress=False)
    apply_changes(grown, encoder=encoder, removals=["extra"], progress=False)
    built = IndexStore(tmp_path / "built")
    apply_changes(built, encoder=encoder, upserts=docs, progress=False)
    a, b = grown.load(), built.load()
    for q in ("hibah USTDA IKN", "kota cerdas Korea Selatan", "Basuki"):
        w = query_weights(terms(q))
        sa = {a.passage(int(r)).id: round(float(a.lexical.scores(w)[r]), 4)
              for r in np.flatnonzero(a.live)}
        sb = {b.passage(int(r)).id: round(float(b.lexical.scores(w)[r]), 4)
              for r in np.flatnonzero(b.live)}
        assert sa == sb


def test_bm25_matches_bm25s() -> None:
    """Reference check: the same scores as bm25s (its default: Lucene idf, k1=1.2, b=0.75)."""
    bm25s = pytest.importorskip("bm25s")
    texts = [d.text[:600] for d in read_documents([SEEDS]).documents] + ["", "IKN IKN IKN"]
    toks = [terms(t) or ["\u2205"] for t in texts]
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index(toks, show_progress=False)
    ours = LexicalIndex([Postings.build([terms(t) for t in texts])],
                        np.ones(len(texts), dtype=bool))
    for q in ("hibah USTDA IKN", "kota cerdas", "IKN IKN", "Korea Selatan smart city"):
        qt = [t for t in terms(q) if t in ref.vocab_dict]
        expected = ref.get_scores(qt) if qt else np.zeros(len(texts))
        np.testing.assert_allclose(ours.scores(query_weights(terms(q))), expected, rtol=1e-5,
                                   atol=1e-6)


def test_missing_current_recovers_the_newest_generation(tmp_path: Path,
                                                        seed_index_dir: Path) -> None:
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    gen = IndexStore(d).current_generation()
    (d / CURRENT).unlink()
    assert IndexStore(d).current_generation() == gen
    assert IndexStore(d).load().n_documents == 5


@pytest.mark.parametrize("kind", ["flat", "hnsw", "hnsw_sq8", "ivf_sq8"])
def test_vector_index_contract(tmp_path: Path, kind: str) -> None:
    """What any vector store must do: add, search (also inside an allowed set), vectors of
    rows, remove, save and load."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((300, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    index = FaissVectorIndex.create(16, kind=kind, expected_rows=300)
    index.add(x[:200])
    index.add(x[200:])
    assert len(index) == 300
    scores, rows = index.search(x[7], 5)
    assert rows[0] == 7 and scores[0] == pytest.approx(1.0, abs=1e-3)  # float16: 1e-4
    assert np.all(np.diff(scores) <= 1e-6)
    np.testing.assert_allclose(index.vectors(np.array([3, 250])), x[[3, 250]], atol=1e-3)
    allowed = np.zeros(300, dtype=bool)
    allowed[::3] = True
    _, rows = index.search(x[7], 10, allowed)
    assert len(rows) == 10 and all(r % 3 == 0 for r in rows)
    truth = np.argsort(-(x[::3] @ x[7]))[:10] * 3
    assert set(rows.tolist()) == set(truth.tolist())  # exact inside a selective filter
    index.remove(np.array([7]))
    _, rows = index.search(x[7], 5)
    assert 7 not in rows.tolist()
    index.save(tmp_path / "v.faiss")
    again = FaissVectorIndex.load(tmp_path / "v.faiss")
    assert again.kind == kind and len(again) == 300
    assert 7 not in again.search(x[7], 5)[1].tolist()


def test_an_inverted_file_searches_inside_a_filter_by_probing_more_lists() -> None:
    """``ivf_sq8`` under a filter keeping more rows than are scored exactly: only kept rows come
    back, and probing 1/share more lists keeps them close to the exact top 10."""
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((60, 32)).astype(np.float32)
    x = centres[rng.integers(0, 60, 12_000)] + 0.3 * rng.standard_normal((12_000, 32))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    index = FaissVectorIndex.create(32, kind="ivf_sq8", expected_rows=len(x))
    index.add(x)
    assert index.raw.nlist == ivf_lists(len(x)) and 0 < index.effort < index.raw.nlist
    index.effort = 3  # of 307 lists: without the widening to 6, recall here is 0.86
    allowed = rng.random(len(x)) < 0.5  # ~6,000 rows: more than EXACT_BELOW
    assert allowed.sum() > EXACT_BELOW
    hits = 0
    for q in x[:30]:
        _, rows = index.search(q, 10, allowed)
        assert len(rows) == 10 and allowed[rows].all()
        kept = np.flatnonzero(allowed)
        hits += len(set(rows.tolist()) & set(kept[np.argsort(-(x[kept] @ q))[:10]].tolist()))
    assert hits / 300 >= 0.97


def test_rows_read_from_disk_are_the_arrays_rows(tmp_path: Path) -> None:
    """``FileRows`` (large vector files, read with pread) indexes like the array it stores,
    and stays readable after the file is unlinked (a writer's garbage collection)."""
    a = np.random.default_rng(2).standard_normal((500, 6)).astype(np.float16)
    np.save(tmp_path / "a.npy", a)
    rows = FileRows(tmp_path / "a.npy")
    (tmp_path / "a.npy").unlink()
    assert rows.shape == a.shape and len(rows) == 500 and rows.dtype == a.dtype
    for key in (np.array([7, 3, 4, 499, 0, 3, 3]), np.array([], dtype=np.int64),
                np.arange(500) % 3 == 0, slice(10, 40), slice(5, 90, 7), -1, 17,
                slice(None, None, -1), slice(40, 10, -3), np.array([[1, 2], [3, 499]])):
        np.testing.assert_array_equal(rows[key], a[key])
    np.testing.assert_array_equal(np.asarray(rows, dtype=np.float32), a.astype(np.float32))
    rows._file.will_need([0, 50, 10**9], [100, 50, 10**9 + 5])  # a hint only: past the end too
    np.testing.assert_array_equal(rows[np.array([1, 5, 400])], a[[1, 5, 400]])
    for bad in (np.array([500]), np.array([1.5]), np.ones(3, dtype=bool)):
        with pytest.raises(IndexError):
            rows[bad]
    with pytest.raises(TypeError):
        rows[True]
    np.save(tmp_path / "b.npy", a)
    with (tmp_path / "b.npy").open("r+b") as f:  # cut short: refused on open
        f.truncate((tmp_path / "b.npy").stat().st_size - 10)
    with pytest.raises(ValueError, match="truncated"):
        FileRows(tmp_path / "b.npy")


def test_a_segment_read_by_rows_searches_as_a_mapped_one(
        tmp_path: Path, seed_index_dir: Path, encoder: Encoder,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Vectors read with pread (files over ``MAP_MAX_BYTES``) give the same search."""
    import index.files
    from search.engine import Searcher
    from search.query import Query

    def top(store: IndexStore) -> list[tuple[str, float]]:
        s = Searcher(store, encoder)
        return [(h.passage.id, round(h.score, 5))
                for q in ("hibah USTDA", "When was ICCC launched?")
                for h in s.search(Query.parse(q, k=5)).hits]

    mapped = top(IndexStore(seed_index_dir))
    monkeypatch.setattr(index.files, "MAP_MAX_BYTES", 0)
    data = IndexStore(seed_index_dir).load()
    assert isinstance(data.segments[0].sentence_vectors, FileRows)
    assert top(IndexStore(seed_index_dir)) == mapped
