"""The command line, run as a user would: a subprocess, exit codes, JSON on stdout."""

import json
import subprocess
import sys

from tests.conftest import SEEDS

CLI = [sys.executable, "-m", "api.cli"]


def run(*args, check=True):
    proc = subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_search_json_from_the_command_line(seed_index_dir):
    proc = run("search", "Which Korean city was a model for the new capital?", "--json",
               "--index-dir", str(seed_index_dir))
    body = json.loads(proc.stdout)
    assert body["query_lang"] == "en"
    assert body["results"][0]["doc_id"] == "001_35330518a0891c6f"


def test_ask_prints_answer_and_citation(seed_index_dir):
    proc = run("ask", "Berapa nilai hibah USTDA untuk IKN?", "--index-dir", str(seed_index_dir))
    assert "7,6 juta" in proc.stdout and "Gerbangkaltim.com" in proc.stdout


def test_index_a_jsonl_corpus_then_search_it(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(
        json.dumps({"id": "n1", "text": "Banjir melanda Kota Samarinda pada Senin pagi.",
                    "title": "Banjir Samarinda"}) + "\n"
        + json.dumps({"id": "n2", "text": "Harga cabai naik tajam di pasar Balikpapan."}) + "\n",
        encoding="utf-8",
    )
    idx = tmp_path / "idx"
    out = run("index", str(corpus), "--index-dir", str(idx), "--quiet").stdout
    assert "2 added" in out
    body = json.loads(run("search", "flood in Samarinda", "--json", "--index-dir", str(idx)).stdout)
    assert body["results"][0]["doc_id"] == "n1"
    again = run("index", str(corpus), "--index-dir", str(idx), "--quiet").stdout
    assert "0 added" in again and "2 unchanged" in again


def test_errors_exit_2_with_one_line(tmp_path):
    proc = run("search", "x", "--index-dir", str(tmp_path / "none"), check=False)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "telusur index" in proc.stderr
    proc = run("search", "   ", "--index-dir", str(tmp_path), check=False)
    assert proc.returncode == 2 and "empty" in proc.stderr
    proc = run("index", str(tmp_path / "missing.txt"), "--index-dir", str(tmp_path), check=False)
    assert proc.returncode == 2 and "no such file" in proc.stderr
    proc = run("search", "x", "--mode", "magic", "--index-dir", str(SEEDS), check=False)
    assert proc.returncode == 2
    proc = run("ask", "x", "--topk", "3", "--index-dir", str(SEEDS), check=False)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("telusur ask: error: unrecognized arguments: --topk 3")


def test_search_filters_sort_and_csv_export(seed_index_dir):
    import csv
    import io

    proc = run("search", "kota cerdas Korea", "--format", "csv", "--k", "100", "--sort", "date",
               "--date-from", "2020-01-01", "--source", "Gerbangkaltim.com", "--source",
               "ANTARA", "--index-dir", str(seed_index_dir))
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert rows and {r["source"] for r in rows} <= {"Gerbangkaltim.com", "ANTARA"}
    dates = [r["published"] for r in rows]
    assert dates == sorted(dates, reverse=True)
    proc = run("search", "kota cerdas", "--format", "jsonl", "--cite", "mla", "--k", "2",
               "--index-dir", str(seed_index_dir))
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert len(lines) == 2 and all(x["citation"].startswith("“") for x in lines)


def test_search_text_output_says_why_it_is_empty(seed_index_dir):
    proc = run("search", "kota cerdas", "--lang", "en", "--index-dir", str(seed_index_dir))
    assert "0 of 0" in proc.stdout and "no passage matches the filter lang=en" in proc.stdout
    proc = run("search", "kota cerdas", "--sort", "newest", "--index-dir", str(seed_index_dir),
               check=False)
    assert proc.returncode == 2 and "sort: unknown order" in proc.stderr


def test_cite_command(seed_index_dir):
    proc = run("cite", "003_d42ff7a54c18c015", "004_16f2d6b19bdc8fa8", "--style", "bibtex",
               "--index-dir", str(seed_index_dir))
    assert proc.stdout.count("@article{") == 2 and "journal = {ANTARA}" in proc.stdout
    proc = run("cite", "nope", "--index-dir", str(seed_index_dir), check=False)
    assert proc.returncode == 2 and "nope" in proc.stderr
    proc = run("cite", "nope", "--style", "harvard", "--index-dir", str(seed_index_dir),
               check=False)
    assert proc.returncode == 2 and "style" in proc.stderr
