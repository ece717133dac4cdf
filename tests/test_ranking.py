"""The ranking core on hand-made lists: fusion functions, rankers, features, model files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.candidates import Candidates
from search.features import _WINDOW, term_proximity
from search.fusion import convex, dbsf, max_scale, minmax, ranks, rrf
from search.models import ModelError, load_model, save_model


def test_minmax_and_max_scale() -> None:
    assert minmax(np.array([1.0, 3.0, 2.0])).tolist() == [0.0, 1.0, 0.5]
    assert minmax(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]
    assert max_scale(np.array([0.0, 2.0, 4.0])).tolist() == [0.0, 0.5, 1.0]
    assert max_scale(np.zeros(3)).tolist() == [0.0, 0.0, 0.0]


def test_ranks_break_ties_by_position() -> None:
    assert ranks(np.array([0.5, 0.9, 0.5, 0.1])).tolist() == [2, 1, 3, 4]


def test_rrf_by_hand() -> None:
    # a: rank 1 in list one, absent from list two -> 1/61; b: ranks 2 and 1 -> 1/62 + 1/61
    out = rrf([np.array([1, 2]), np.array([0, 1])], k=60)
    assert out.tolist() == pytest.approx([1 / 61, 1 / 62 + 1 / 61])


def test_convex_by_hand() -> None:
    dense, lex = np.array([0.2, 0.4]), np.array([4.0, 0.0])
    # w=0.5: minmax(dense)=[0, 1], max_scale(bm25)=[1, 0]
    assert convex(dense, lex, 0.5).tolist() == pytest.approx([0.5, 0.5])
    assert convex(dense, lex, np.array([0.9, 0.9])).tolist() == pytest.approx([0.1, 0.9])


def test_dbsf_by_hand() -> None:
    # One list [1, 2, 3]: mean 2, sd sqrt(2/3); scaled = (x - (2 - 3sd)) / 6sd.
    sd = (2 / 3) ** 0.5
    x = np.array([1.0, 2.0, 3.0])
    present = np.array([True, True, True])
    expected = (x - (2 - 3 * sd)) / (6 * sd)
    assert dbsf([(x, present)]).tolist() == pytest.approx(expected.tolist())
    # A second list that returned only the first candidate: max keeps the better scaled value,
    # sum adds; a list with one score scales it to 0.
    other = (np.array([9.0, 0.0, 0.0]), np.array([True, False, False]))
    assert dbsf([(x, present), other]).tolist() == pytest.approx(expected.tolist())
    assert dbsf([(x, present), other], combine="sum").tolist() == pytest.approx(expected.tolist())
    with pytest.raises(ValueError):
        dbsf([(x, present)], combine="avg")


def test_term_proximity_by_hand() -> None:
    assert term_proximity(("a", "b"), ["a", "x", "b"]) == (1.0, 1.0)
    far = ["a"] + ["x"] * 20 + ["b"]
    assert term_proximity(("a", "b"), far) == (1.0, 0.5)
    assert term_proximity(("a", "b", "c", "d"), ["d"]) == (0.25, 0.25)
    assert term_proximity((), ["a"]) == (0.0, 0.0)


@given(st.lists(st.sampled_from("abcdx"), max_size=40),
       st.lists(st.sampled_from("abcde"), min_size=1, max_size=5))
def test_term_proximity_is_the_best_window(passage: list[str], question: list[str]) -> None:
    """Against every ``_WINDOW``-term window, counted by brute force."""
    qset = set(question)
    best = max((len(qset & set(passage[s:s + _WINDOW])) for s in range(len(passage))),
               default=0)
    want = (len(qset & set(passage)) / len(qset), best / len(qset))
    assert term_proximity(tuple(question), passage) == pytest.approx(want)


def _cands(dense: list[float], lexical: list[float], in_dense: list[bool],
           in_lexical: list[bool]) -> Candidates:
    return Candidates(np.arange(len(dense)), np.array(dense, np.float32),
                      np.array(lexical, np.float32), np.array(in_dense), np.array(in_lexical))


def test_dbsf_and_rrf_rankers_use_list_membership() -> None:
    from search.rankers import make_ranker

    c = _cands([0.9, 0.8, 0.1], [0.0, 5.0, 9.0], [True, True, False], [False, True, True])
    no = {"ctx": None, "question": None, "query_vector": None}
    rrf_scores = make_ranker("rrf", encoder_id="x").score(c, **no)  # type: ignore[arg-type]
    # 1: dense rank 2 + bm25 rank 2 beats 0 (dense rank 1 only) and 2 (bm25 rank 1 only)
    assert int(np.argmax(rrf_scores)) == 1
    dbsf_scores = make_ranker("dbsf", encoder_id="x").score(c, **no)  # type: ignore[arg-type]
    assert dbsf_scores.shape == (3,) and np.all(np.isfinite(dbsf_scores))


def test_learned_ranker_keeps_dense_tiers_across_languages(searcher) -> None:  # noqa: ANN001
    """With dense tiers on (a trained choice), an English question over Indonesian passages
    is reordered only inside the dense top 5 / top 10 / rest tiers."""
    from search.question import parse_question
    from search.rankers import LearnedRanker

    assert isinstance(searcher.ranker, LearnedRanker)
    ranker = LearnedRanker(searcher.ranker.weights, searcher.ranker.mean, searcher.ranker.std,
                           dense_tiers=True)
    ctx = searcher.context
    n = 12
    rows = np.arange(n)
    dense = np.linspace(0.9, 0.3, n).astype(np.float32)
    lexical = np.linspace(0.0, 9.0, n).astype(np.float32)  # bm25 prefers the dense tail
    c = Candidates(rows, dense, lexical, np.ones(n, bool), np.ones(n, bool))
    q = parse_question("Who is the head of OIKN?", "en")
    scores = ranker.score(c, ctx=ctx, question=q, query_vector=None)
    order = np.argsort(-scores)
    assert set(order[:5].tolist()) == set(range(5))
    assert set(order[5:10].tolist()) == set(range(5, 10))


def test_model_files_are_refused_unless_they_fit(tmp_path: Path) -> None:
    path = tmp_path / "ranker.json"
    data = tmp_path / "train.jsonl"
    data.write_text("{}\n")
    save_model(path, kind="ranker", features=["a", "b"], encoder="enc-1", params={"w": [1, 2]},
               data=[data], command="test")
    spec = json.loads(path.read_text())
    assert spec["provenance"]["data_sha256"]["train.jsonl"]
    assert load_model(path, kind="ranker", features=["a", "b"], encoder="enc-1") == {"w": [1, 2]}
    with pytest.raises(ModelError, match="other features"):
        load_model(path, kind="ranker", features=["a", "c"], encoder="enc-1")
    with pytest.raises(ModelError, match="enc-1"):
        load_model(path, kind="ranker", features=["a", "b"], encoder="enc-2")
    with pytest.raises(ModelError, match="'ranker' model, not a 'answerer'"):
        load_model(path, kind="answerer", features=None, encoder=None)
    with pytest.raises(ModelError, match="missing"):
        load_model(tmp_path / "none.json", kind="ranker", features=None, encoder=None)


def test_unknown_ranker_name_is_a_clear_error() -> None:
    from search.rankers import make_ranker

    with pytest.raises(ModelError, match="dbsf"):
        make_ranker("magic", encoder_id="x")
