"""``telusur eval`` with standard formats: BEIR in, TREC runs out, rescored by ranx; the ranx
figures against the item-based definitions Telusur reported before; compare; bad files."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from eval.dataset import load_questions
from eval.qrels import RETRIEVAL_METRICS, locate, passage_qrels, score_run
from eval.runner import run_questions
from eval.scoring import qrels_of
from tests.conftest import ROOT, SHARED

CLI = [sys.executable, "-m", "api.cli"]
OUR_SET = ROOT / "eval" / "data" / "telusur_qa.jsonl"
FACQA = SHARED / "benchmarks" / "facqa"
N_FACQA = 16  # questions of FacQA valid in the subset (their passages + as many others)


def cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=900, cwd=ROOT)
    if check:
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


# ---- the item-based definitions of the figures reported before ranx (reference) -------------
def _reference(retrieved: list[tuple[str, int, int]], items: list[tuple[str, int | None,
               int | None]]) -> dict[str, float]:
    """recall@k = items covered / items; mrr@10; nDCG@10 with gain 1 per newly covered item
    over min(items, 10) ideal gains — the definitions of the old ``eval/metrics.py``."""
    def covers(r: tuple[str, int, int], it: tuple[str, int | None, int | None]) -> bool:
        return r[0] == it[0] and (it[1] is None or (r[1] < it[2] and it[1] < r[2]))  # type: ignore[operator]

    cov = [{i for i, it in enumerate(items) if covers(r, it)} for r in retrieved[:10]]
    out = {f"recall@{k}": len(set().union(*cov[:k])) / len(items) for k in (1, 5, 10)}
    out["mrr@10"] = next((1 / rank for rank, c in enumerate(cov, 1) if c), 0.0)
    seen: set[int] = set()
    dcg = 0.0
    for rank, c in enumerate(cov, 1):
        if c - seen:
            dcg += 1 / math.log2(rank + 1)
            seen |= c
    out["ndcg@10"] = dcg / sum(1 / math.log2(r + 1) for r in range(1, min(len(items), 10) + 1))
    return out


def test_ranx_figures_agree_with_the_item_metrics_on_our_set(searcher) -> None:  # noqa: ANN001
    data = searcher.context.data
    questions = [q for q in load_questions(OUR_SET) if q.answerable]
    runs = run_questions(searcher, questions, mode="hybrid", k=10)
    qrels = qrels_of(questions, data)
    got = score_run(qrels, {r.qid: r.ranked for r in runs})
    spans = {}
    for row in data.doc_rows.values():
        for r in data.document_passage_rows(row):
            p = data.passage(int(r))
            spans[p.id] = (p.doc_id, p.char_start, p.char_end)
    same = differ = 0
    for q, run in zip(questions, runs, strict=True):
        items = []
        for rel in q.relevant:
            doc = data.document(rel["doc_id"])
            span = locate(doc.text, rel["evidence"]) if doc and rel.get("evidence") else None
            items.append((rel["doc_id"], *(span or (None, None))))
        ref = _reference([spans[pid] for pid, _ in run.ranked], items)
        # the item-based and passage-based definitions coincide when each item lies in
        # exactly one passage of its own
        covering = [[pid for pid, s in spans.items() if s[0] == it[0] and (
            it[1] is None or (s[1] < it[2] and it[1] < s[2]))] for it in items]
        one_each = all(len(c) == 1 for c in covering) and len(
            {c[0] for c in covering}) == len(items)
        assert got[q.id]["mrr@10"] == pytest.approx(ref["mrr@10"]), q.id
        if one_each:
            same += 1
            for m in RETRIEVAL_METRICS:
                assert got[q.id][m] == pytest.approx(ref[m]), (q.id, m)
        else:
            differ += 1
    assert same >= 0.95 * len(questions), (same, differ)


def test_passage_qrels_rule(searcher) -> None:  # noqa: ANN001
    data = searcher.context.data
    doc_id = "003_d42ff7a54c18c015"
    rows = data.document_passage_rows(data.doc_rows[doc_id])
    passages = [data.passage(int(r)) for r in rows]
    p1 = passages[1]
    quote = p1.text[5:60]
    assert set(passage_qrels("q", [{"doc_id": doc_id}], data)) == {p.id for p in passages}
    got = passage_qrels("q", [{"doc_id": doc_id, "evidence": quote}], data)
    assert p1.id in got and all(v == 1 for v in got.values())
    judged = {"doc_id": doc_id, "char_start": p1.char_start, "char_end": p1.char_end, "grade": 2}
    assert passage_qrels("q", [judged], data) == {p1.id: 2}  # exactly that passage
    assert passage_qrels("q", [{"doc_id": p1.id}], data) == {p1.id: 1}  # a passage id
    assert passage_qrels("q", [{"doc_id": doc_id, "grade": 0}], data) == {}
    assert passage_qrels("q", [{"doc_id": "not-indexed"}], data) == {}


# ---- FacQA as BEIR and as our format -----------------------------------------------------------
@pytest.fixture(scope="module")
def facqa_copies(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    if not (FACQA / "valid.jsonl").is_file():
        pytest.skip(f"FacQA is not at {FACQA} (../shared is absent)")
    d = tmp_path_factory.mktemp("facqa")
    valid = [json.loads(x) for x in (FACQA / "valid.jsonl").read_text().splitlines()[:N_FACQA]]
    corpus = [json.loads(x) for x in (FACQA / "corpus.jsonl").read_text().splitlines()]
    wanted = {r["doc_id"] for q in valid for r in q["relevant"]}
    others = [c for c in corpus if c["id"] not in wanted][:N_FACQA]
    docs = [c for c in corpus if c["id"] in wanted] + others
    ours = d / "ours"
    ours.mkdir()
    (ours / "valid.jsonl").write_text("".join(json.dumps(q) + "\n" for q in valid))
    (ours / "corpus.jsonl").write_text("".join(json.dumps(c) + "\n" for c in docs))
    beir = d / "beir"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text("".join(json.dumps(
        {"_id": c["id"], "title": c["title"], "text": c["text"],
         "metadata": {"lang": c["lang"]}}) + "\n" for c in docs))
    (beir / "queries.jsonl").write_text("".join(json.dumps(
        {"_id": q["id"], "text": q["question"],
         "metadata": {"lang": q["lang"], "answers": q["answers"]}}) + "\n" for q in valid))
    (beir / "qrels" / "valid.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q['id']}\t{r['doc_id']}\t1\n" for q in valid for r in q["relevant"]))
    return {"dir": d, "ours": ours, "beir": beir, "n_docs": len(docs)}


@pytest.fixture(scope="module")
def facqa_results(facqa_copies: dict[str, Any]) -> dict[str, dict]:
    d = facqa_copies["dir"]
    out = {}
    for name, args in (
        ("ours", [str(facqa_copies["ours"] / "valid.jsonl"), "--corpus",
                  str(facqa_copies["ours"] / "corpus.jsonl")]),
        ("beir", [str(facqa_copies["beir"])]),
    ):
        # one index: the BEIR corpus must read as the very documents of ours (unchanged)
        proc = cli("eval", *args, "--index-dir", str(d / "index"), "--json",
                   "--run-dir", str(d / f"runs-{name}"), "--quiet")
        out[name] = json.loads(proc.stdout)  # --json alone: the JSON only, on stdout
    return out


def _without_latency(modes: dict) -> dict:
    return {mode: {g: {k: v for k, v in m.items() if not k.endswith("_ms")}
                   for g, m in groups.items()} for mode, groups in modes.items()}


def test_beir_copy_of_facqa_scores_the_same_as_our_format(facqa_results, facqa_copies) -> None:  # noqa: ANN001
    ours, beir = facqa_results["ours"], facqa_results["beir"]
    assert ours["n"] == beir["n"] == N_FACQA and beir["format"] == "beir"
    n_docs = facqa_copies["n_docs"]
    assert f"{n_docs} added" in ours["indexed"][0]
    assert f"0 added, 0 updated, {n_docs} unchanged" in beir["indexed"][0]
    assert _without_latency(ours["modes"]) == _without_latency(beir["modes"])
    assert ours["modes"]["hybrid"]["all"]["mrr@10"] > 0.5  # a real run, not empty lists
    d = facqa_copies["dir"]
    for mode in ("hybrid", "dense", "bm25"):
        a = (d / "runs-ours" / f"valid.{mode}.trec").read_text()
        b = (d / "runs-beir" / f"valid.{mode}.trec").read_text()
        assert a == b and len(a.splitlines()) >= N_FACQA * 5  # bm25 lists can be shorter


def test_trec_run_files_rescored_with_ranx_give_the_same_figures(facqa_results,  # noqa: ANN001
                                                                 facqa_copies) -> None:
    from ranx import Qrels, Run, evaluate

    runs = facqa_copies["dir"] / "runs-beir"
    qrels = Qrels.from_file(str(runs / "valid.qrels.trec"), kind="trec")
    for mode in ("hybrid", "dense", "bm25"):
        run = Run.from_file(str(runs / f"valid.{mode}.trec"), kind="trec")
        got = evaluate(qrels, run, list(RETRIEVAL_METRICS), make_comparable=True)
        reported = facqa_results["beir"]["modes"][mode]["all"]
        for m in RETRIEVAL_METRICS:
            assert got[m] == pytest.approx(reported[m], abs=5e-5), (mode, m)


# ---- compare and the report --------------------------------------------------------------------
def test_compare_reports_p_values_and_win_tie_loss(tmp_path: Path, seed_index_dir: Path) -> None:
    lines = OUR_SET.read_text(encoding="utf-8").splitlines()[:40]
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "report" / "compare.md"
    proc = cli("eval", "compare", str(subset), "--index-dir", str(seed_index_dir), "--json",
               "--no-answers", "--permutations", "2000", "--quiet", "--report", str(report),
               "--config", "hybrid", "--config", "bm25", "--config", "rrf mode=hybrid ranker=rrf")
    body = json.loads(proc.stdout)
    cmp = body["comparison"]
    assert set(cmp["groups"]) >= {"all", "id", "en"}
    mrr = cmp["groups"]["all"]["mrr@10"]
    assert set(mrr["means"]) == {"hybrid", "bm25", "rrf"} and len(mrr["pairs"]) == 3
    for pair in mrr["pairs"]:
        assert 0 < pair["p"] <= 1 and pair["p_bonferroni"] == pytest.approx(
            min(1.0, 3 * pair["p"]), abs=1e-3)
        assert pair["diff"] == pytest.approx(mrr["means"][pair["a"]] - mrr["means"][pair["b"]],
                                             abs=2e-4)
    n = mrr["n"]
    for wtl in cmp["win_tie_loss"]["all"]:
        assert wtl["wins"] + wtl["ties"] + wtl["losses"] == n
    assert body["configurations"]["rrf"] == "mode=hybrid ranker=rrf translate=on reader=on"
    html = report.with_suffix(".html").read_text(encoding="utf-8")
    assert "<svg" in html and "Paired comparison" in html and "win / tie / loss" in html
    assert "src=\"http" not in html and "href=\"http" not in html and "@import" not in html
    assert report.with_suffix(".png").is_file() and "## Failures" in report.read_text()


def test_configuration_errors_exit_2(tmp_path: Path, seed_index_dir: Path) -> None:
    args = ["eval", "compare", str(OUR_SET), "--index-dir", str(seed_index_dir), "--quiet"]
    proc = cli(*args, "--config", "hybrid", "--config", "tr mode=hybrid translate=maybe",
               check=False)
    assert proc.returncode == 2 and "translate=on or translate=off" in proc.stderr
    proc = cli(*args, "--config", "hybrid", "--config", "x colour=red", check=False)
    assert proc.returncode == 2 and "'colour=red'" in proc.stderr
    proc = cli(*args, "--config", "hybrid", check=False)
    assert proc.returncode == 2 and "two or more" in proc.stderr


# ---- malformed files: exit 2, one line, naming the line ---------------------------------------
@pytest.mark.parametrize(("name", "content", "extra", "expected"), [
    ("set.jsonl", '{"id": "a", "question": "x"}\n{"id": "b", "question": "y"}\n{"id": "c"\n',
     [], "set.jsonl:3"),
    ("set.jsonl", '{"id": "a", "question": "x", "relevant": [{"evidence": "y"}]}\n', [],
     "set.jsonl:1: not a labelled question (a 'relevant' item needs a 'doc_id'"),
    ("qrels.txt", "q1 0 d1 1\nq2 d2 1\n", ["--queries", "QUERIES"], "qrels.txt:2: a TREC"),
    ("qrels.txt", "q1 0 d1 1\n", [], "--queries"),
    ("qrels.txt", "q1 0 d1 yes\n", ["--queries", "QUERIES"], "qrels.txt:1: the grade"),
    ("judgements.jsonl", '{"evaluator": "a", "grade": 1}\n', [], "judgements.jsonl:1:"),
])
def test_malformed_files_exit_2_naming_the_line(tmp_path: Path, seed_index_dir: Path, name: str,
                                               content: str, extra: list[str],
                                               expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    queries = tmp_path / "queries.tsv"
    queries.write_text("q1\tsiapa\nq2\tkapan\n", encoding="utf-8")
    extra = [str(queries) if x == "QUERIES" else x for x in extra]
    proc = cli("eval", str(path), *extra, "--index-dir", str(seed_index_dir), "--quiet",
               check=False)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().count("\n") == 0, proc.stderr
    assert expected in proc.stderr


def test_beir_folder_errors_name_the_line(tmp_path: Path, seed_index_dir: Path) -> None:
    beir = tmp_path / "b"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "text": "Banjir di Samarinda."}\n')
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "banjir"}\n')
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n")
    proc = cli("eval", str(beir), "--index-dir", str(tmp_path / "i"), "--quiet", check=False)
    assert proc.returncode == 2 and "test.tsv:2: a BEIR qrels line has 3" in proc.stderr
    (beir / "qrels" / "test.tsv").write_text("q9\td1\t1\n")
    proc = cli("eval", str(beir), "--index-dir", str(tmp_path / "i"), "--quiet", check=False)
    assert proc.returncode == 2 and "'q9' has judgements but no text" in proc.stderr
    (beir / "qrels" / "test.tsv").write_text("q1\td1\t1\n")  # now right: indexed, scored
    body = json.loads(cli("eval", str(beir), "--index-dir", str(tmp_path / "i"), "--quiet",
                          "--json", "--no-answers").stdout)
    assert "1 added" in body["indexed"][0] and body["modes"]["bm25"]["all"]["mrr@10"] == 1.0
