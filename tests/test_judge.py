"""The judging view's server side: the append-only judgements file and the /judge routes."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.formats import load_set
from index.encoders import Encoder
from index.judgements import (
    Judgement,
    JudgementStore,
    merged,
    query_id,
    read_judgements,
    to_trec_qrels,
)
from search.engine import Searcher
from search.query import MODES, Query
from tests.conftest import services

TOKEN = "judge-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Q = "Berapa nilai hibah USTDA untuk IKN?"


def _record(evaluator: str = "ana", pid: str = "d#0", grade: int = 2,
            time: str = "2025-01-01T00:00:00Z") -> Judgement:
    return Judgement(evaluator=evaluator, query=Q, query_id=query_id(Q), passage_id=pid,
                     doc_id=pid.split("#")[0], char_start=0, char_end=10, grade=grade, time=time,
                     text="teks")


# ---- the file ----------------------------------------------------------------------------------
def test_appends_are_whole_lines_even_from_many_threads(tmp_path: Path) -> None:
    store = JudgementStore(tmp_path / "j.jsonl")

    def work(n: int) -> None:
        for i in range(25):
            store.append(_record(evaluator=f"e{n}", pid=f"d#{i}", grade=i % 3))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    records = store.read()
    assert len(records) == 200
    assert {(r.evaluator, r.passage_id) for r in records} == {
        (f"e{n}", f"d#{i}") for n in range(8) for i in range(25)}


def test_a_torn_last_line_is_skipped_then_cut(tmp_path: Path, caplog) -> None:  # noqa: ANN001
    path = tmp_path / "j.jsonl"
    store = JudgementStore(path)
    store.append(_record(pid="d#0"))
    with path.open("ab") as f:  # a crash in the middle of writing the second record
        f.write(json.dumps(_record(pid="d#1").__dict__).encode()[:40])
    assert [r.passage_id for r in store.read()] == ["d#0"]
    assert "torn last line" in caplog.text
    store.append(_record(pid="d#2"))
    assert [r.passage_id for r in store.read()] == ["d#0", "d#2"]
    assert path.read_bytes().count(b"\n") == 2


def test_a_malformed_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    path.write_text(json.dumps(_record().__dict__) + "\n{oops\n"
                    + json.dumps(_record().__dict__) + "\n")
    with pytest.raises(ValueError, match=r"j.jsonl:2: not a judgement"):
        read_judgements(path)


def test_merging_keeps_the_latest_per_evaluator_and_the_lower_grade_across() -> None:
    records = [
        _record("ana", "d#0", 2, "2025-01-01T00:00:00Z"),
        _record("ana", "d#0", 1, "2025-01-02T00:00:00Z"),  # ana changed her mind
        _record("budi", "d#0", 2, "2025-01-03T00:00:00Z"),
        _record("budi", "d#1", 0, "2025-01-03T00:00:01Z"),
    ]
    got = merged(records)[query_id(Q)]
    assert {pid: j.grade for pid, j in got.items()} == {"d#0": 1, "d#1": 0}
    assert to_trec_qrels(records) == f"{query_id(Q)} 0 d#0 1\n{query_id(Q)} 0 d#1 0\n"


# ---- the routes --------------------------------------------------------------------------------
@pytest.fixture()
def judge_client(tmp_path: Path, seed_index_dir: Path, encoder: Encoder) -> Iterator:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    app = create_app(Settings(index_dir=index, admin_token=TOKEN),
                     services=services(index, encoder))
    with TestClient(app) as c:
        c.index_dir = index  # type: ignore[attr-defined]
        yield c


def test_judging_needs_the_write_token(client, judge_client) -> None:  # noqa: ANN001
    assert client.get("/judge/pool", params={"q": Q, "evaluator": "ana"}).status_code == 403
    r = judge_client.get("/judge/pool", params={"q": Q, "evaluator": "ana"},
                         headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    r = judge_client.post("/judge/judgements", json={"evaluator": "a", "query": Q,
                                                      "passage_id": "x#0", "grade": 1})
    assert r.status_code == 401
    assert judge_client.get("/judge/export").status_code == 401
    assert judge_client.get("/judge").status_code == 200  # the page itself holds no data


def test_the_pool_is_blind_shuffled_and_covers_every_mode(judge_client,  # noqa: ANN001
                                                          searcher: Searcher) -> None:
    def pool(evaluator: str) -> list[dict]:
        r = judge_client.get("/judge/pool", params={"q": Q, "evaluator": evaluator, "depth": 5},
                             headers=AUTH)
        assert r.status_code == 200, r.text
        return r.json()["passages"]

    ana, budi = pool("ana"), pool("budi")
    expected = {h.passage.id for mode in MODES
                for h in searcher.search(Query(text=Q, k=5, mode=mode)).hits}
    assert {p["passage_id"] for p in ana} == expected
    assert set(ana[0]) == {"passage_id", "doc_id", "title", "source", "published", "lang",
                           "text", "char_start", "char_end", "grade"}  # no mode, rank, score
    assert [p["passage_id"] for p in ana] == [p["passage_id"] for p in pool("ana")]  # stable
    assert [p["passage_id"] for p in ana] != [p["passage_id"] for p in budi]
    hybrid = [h.passage.id for h in searcher.search(Query(text=Q, k=5)).hits]
    assert [p["passage_id"] for p in ana][:len(hybrid)] != hybrid


def test_judge_store_export_and_evaluate(judge_client, tmp_path: Path) -> None:  # noqa: ANN001
    passages = judge_client.get("/judge/pool", params={"q": Q, "evaluator": "ana"},
                                headers=AUTH).json()["passages"]
    p0, p1 = passages[0]["passage_id"], passages[1]["passage_id"]
    for evaluator, pid, grade in (("ana", p0, 2), ("ana", p1, 0), ("budi", p0, 1),
                                  ("budi", p1, 0)):
        r = judge_client.post("/judge/judgements", headers=AUTH, json={
            "evaluator": evaluator, "query": Q, "passage_id": pid, "grade": grade})
        assert r.status_code == 200, r.text
    body = r.json()
    assert body["query_id"] == query_id(Q) and body["doc_id"] == p1.split("#")[0]
    again = judge_client.get("/judge/pool", params={"q": Q, "evaluator": "ana"},
                             headers=AUTH).json()["passages"]
    assert {p["passage_id"]: p["grade"] for p in again if p["grade"] is not None} == {
        p0: 2, p1: 0}
    (queried,) = judge_client.get("/judge/queries", params={"evaluator": "ana"},
                                  headers=AUTH).json()
    assert queried["judged"] == 2 and queried["evaluators"] == ["ana", "budi"]

    qrels = judge_client.get("/judge/export", params={"format": "qrels"}, headers=AUTH).text
    assert qrels == f"{query_id(Q)} 0 {p0} 1\n{query_id(Q)} 0 {p1} 0\n"  # the lower grade
    files = {}
    for fmt in ("queries", "eval", "records"):
        r = judge_client.get("/judge/export", params={"format": fmt}, headers=AUTH)
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
        files[fmt] = tmp_path / f"{fmt}.jsonl"
        files[fmt].write_text(r.text, encoding="utf-8")
    (tmp_path / "qrels.trec").write_text(qrels, encoding="utf-8")
    from_trec = load_set(tmp_path / "qrels.trec", queries=files["queries"]).questions
    from_eval = load_set(files["eval"]).questions
    raw = load_set(files["records"])
    assert raw.format == "judgements" and len(raw.judgements) == 4
    assert [q.question for q in from_trec] == [q.question for q in from_eval] == [Q]
    assert from_eval[0].relevant[0]["passage_id"] == p0 and from_eval[0].relevant[0]["grade"] == 1
    assert JudgementStore(judge_client.index_dir / "judgements.jsonl").read()[-1].grade == 0


@pytest.mark.parametrize(("body", "status", "field"), [
    ({"evaluator": "", "query": Q, "passage_id": "P", "grade": 1}, 422, "evaluator"),
    ({"evaluator": "a\ud800", "query": Q, "passage_id": "P", "grade": 1}, 422, "evaluator"),
    ({"evaluator": "x" * 101, "query": Q, "passage_id": "P", "grade": 1}, 422, "evaluator"),
    ({"evaluator": "ana", "query": " ", "passage_id": "P", "grade": 1}, 422, "query"),
    ({"evaluator": "ana", "query": Q, "passage_id": "P", "grade": 5}, 422, "grade"),
    ({"evaluator": "ana", "query": Q, "passage_id": "nope#0", "grade": 1}, 404, "passage_id"),
])
def test_bad_judgements_name_the_field(judge_client, body: dict, status: int,  # noqa: ANN001
                                       field: str) -> None:
    if body["passage_id"] == "P":
        body = body | {"passage_id": judge_client.get(
            "/judge/pool", params={"q": Q, "evaluator": "x"}, headers=AUTH
        ).json()["passages"][0]["passage_id"]}
    r = judge_client.post("/judge/judgements", content=json.dumps(body),  # \ud800 as escape
                          headers=AUTH | {"Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert field in str(r.json()["detail"])
    assert not (judge_client.index_dir / "judgements.jsonl").exists()
