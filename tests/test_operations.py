"""Each finding of the abuse probe (issue 14), pinned: bounded cost, load shedding, size
limits, input hygiene, index faults, headers and what operators see."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main as cli_main
from api.settings import ConfigError, Settings
from index.budget import Budget, Stopped
from index.builder import apply_changes
from index.encoders import QUERY_MAX_TOKENS, Encoder
from index.readers import document_from_text
from index.store import CURRENT, IndexStore
from search.query import MAX_QUERY_WORDS, Query
from tests.conftest import ROOT, services

TOKEN = "ops-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
LONG_QUESTION = ("Berapa nilai hibah USTDA untuk pembangunan pusat komando di ibu kota "
                 "Nusantara yang diresmikan tahun lalu oleh pemerintah? " * 30)[:2000]


@pytest.fixture()
def index_copy(tmp_path: Path, seed_index_dir: Path) -> Path:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    return d


def _client(index_dir: Path, encoder: Encoder, **settings: object):  # noqa: ANN202
    from fastapi.testclient import TestClient

    from api.app import create_app

    settings.setdefault("admin_token", TOKEN)
    settings.setdefault("rate_limit", "")
    app = create_app(Settings(index_dir=index_dir, **settings),  # type: ignore[arg-type]
                     services=services(index_dir, encoder))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def ops(index_copy: Path, encoder: Encoder) -> Iterator:
    with _client(index_copy, encoder) as c:
        yield c


# ---- cost bounded per request --------------------------------------------------------------
def test_a_long_query_is_read_up_to_a_bound(searcher, encoder: Encoder) -> None:
    query = Query.parse(LONG_QUESTION, k=50)
    assert len(query.read_text.split()) == MAX_QUERY_WORDS < len(LONG_QUESTION.split())
    assert LONG_QUESTION.startswith(query.read_text)
    res = searcher.search(query)
    assert res.question.text == query.read_text
    assert len(res.hits) == min(50, res.ctx.data.n_passages)
    clipped = encoder.clip_query(LONG_QUESTION)  # type: ignore[attr-defined]
    assert LONG_QUESTION.startswith(clipped) and len(clipped) < len(LONG_QUESTION)
    assert encoder._model.token_count(clipped, True) <= QUERY_MAX_TOKENS  # type: ignore[attr-defined]
    short = "Siapa Kepala OIKN?"
    assert encoder.clip_query(short) == short  # type: ignore[attr-defined]


def test_a_spent_budget_stops_search_answer_and_write(
    searcher, answerer, index_copy: Path, encoder: Encoder,
) -> None:
    gone = Budget(60)
    gone.cancel("the client disconnected")
    with pytest.raises(Stopped, match="client disconnected"):
        searcher.search(Query.parse("banjir"), gone)
    with pytest.raises(Stopped, match="time budget") as info:
        answerer.ask(searcher, Query.parse("Siapa Kepala OIKN?"), Budget(0))
    assert info.value.timed_out
    store = IndexStore(index_copy)
    before = store.current_generation()
    doc = document_from_text(doc_id="late", raw="Banjir melanda Samarinda pekan ini.")
    with pytest.raises(Stopped):
        apply_changes(store, encoder=encoder, upserts=[doc], progress=False, budget=gone)
    assert store.current_generation() == before  # nothing committed
    assert "late" not in store.load().doc_rows


def test_out_of_time_is_503_with_retry_after(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, request_budget=0.0) as c:
        r = c.post("/ask", json={"question": "Siapa Kepala OIKN?"})
        assert r.status_code == 503 and "time budget" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/health").status_code == 200
        assert 'telusur_shed_total{reason="out_of_time"} 1.0' in c.get("/metrics").text


# ---- load shedding ---------------------------------------------------------------------------
def test_full_gate_answers_503_with_retry_after(index_copy: Path, encoder: Encoder) -> None:
    """One slot, no queue: while the encoder is held (as by a write's batch) a second
    search is turned away at once; when it is free again, searches go through."""
    with _client(index_copy, encoder, max_inflight=1, max_queue=0, queue_wait=0.1) as c:
        results: list[int] = []
        with encoder._lock.hold(query=False):  # type: ignore[attr-defined]
            first = threading.Thread(target=lambda: results.append(
                c.get("/search", params={"q": "gate test one"}).status_code))
            first.start()
            while c.app.state.guards.reads.busy < 1:  # type: ignore[attr-defined]
                threading.Event().wait(0.01)
            r = c.get("/search", params={"q": "gate test two"})
            assert r.status_code == 503 and "busy" in r.json()["detail"]
            assert int(r.headers["retry-after"]) >= 1
            assert c.get("/health/live").status_code == 200  # cheap routes are never gated
        first.join(timeout=60)
        assert results == [200]
        assert c.get("/search", params={"q": "gate test three"}).status_code == 200
        assert 'telusur_shed_total{reason="overloaded"} 1.0' in c.get("/metrics").text


def test_rate_limit_is_429_per_client(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, rate_limit="3/minute") as c:
        codes = [c.get("/search", params={"q": f"banjir {i}", "mode": "bm25"}).status_code
                 for i in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.post("/ask", json={"question": "Siapa Kepala OIKN?"})
        assert r.status_code == 429 and "3/minute" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1
        assert c.get("/health").status_code == 200 and c.get("/").status_code == 200


def test_a_waiting_writer_gets_503_not_a_hang(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, write_wait=0.3) as c:
        with IndexStore(index_copy).write_lock():  # another process's writer, say
            r = c.post("/documents", json={"id": "w", "text": "Banjir di Samarinda."},
                       headers=AUTH)
        assert r.status_code == 503 and "another writer" in r.json()["detail"]
        assert int(r.headers["retry-after"]) >= 1
        r = c.post("/documents", json={"id": "w", "text": "Banjir di Samarinda."}, headers=AUTH)
        assert r.status_code == 200 and r.json()["added"] == ["w"]


# ---- size limits -----------------------------------------------------------------------------
def test_big_bodies_are_413_naming_the_limit(ops) -> None:
    padded = json.dumps({"question": "Siapa Kepala OIKN?", "pad": "x" * 200_000})
    r = ops.post("/ask", content=padded, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "65536-byte" in r.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while it streams
        yield b'{"question": "Siapa Kepala OIKN?", "pad": "'
        for _ in range(100):
            yield b"x" * 1000
        yield b'"}'
    r = ops.post("/ask", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "TELUSUR_MAX_BODY_BYTES" in r.json()["detail"]
    r = ops.request("GET", "/search?q=banjir", content=b"x" * 70_000)
    assert r.status_code == 413


def test_uploads_are_capped_per_request(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, max_upload_bytes=20_000, max_upload_docs=3) as c:
        files = [("files", (f"f{i}.txt", b"Banjir melanda kota. " * 100, "text/plain"))
                 for i in range(12)]  # each file is small, together they are not
        r = c.post("/documents", files=files, headers=AUTH)
        assert r.status_code == 413 and "20000-byte" in r.json()["detail"]
        few = [("files", (f"g{i}.txt", f"Banjir ke-{i} melanda kota.".encode(), "text/plain"))
               for i in range(4)]
        r = c.post("/documents", files=few, headers=AUTH)
        assert r.status_code == 413 and "more than 3" in r.json()["detail"]
        lines = "".join(json.dumps({"id": f"j{i}", "text": f"Berita ke-{i} hari ini."}) + "\n"
                        for i in range(5)).encode()
        r = c.post("/documents", files=[("files", ("many.jsonl", lines, "text/plain"))],
                   headers=AUTH)
        assert r.status_code == 413 and "TELUSUR_MAX_UPLOAD_DOCS" in r.json()["detail"]
        assert "j0" not in c.get("/documents").text  # nothing of a refused write is kept


# ---- input hygiene ---------------------------------------------------------------------------
@pytest.mark.parametrize("raw", [
    b'{"id": "\\ud800", "text": "Banjir di Samarinda."}',
    b'{"id": "t1", "title": "Judul \\udc80", "text": "Banjir di Samarinda."}',
    b'{"id": "\\u200b", "text": "Banjir di Samarinda."}',
    b'{"id": "\\u202eabc", "text": "Banjir di Samarinda."}',
    b'{"id": "a\\u001b[31m", "text": "Banjir di Samarinda."}',
    b'{"id": "u1", "url": "javascript:alert(1)", "text": "Banjir di Samarinda."}',
    b'{"id": "u2", "url": " JaVaScRiPt:alert(1)", "text": "Banjir di Samarinda."}',
    b'{"id": "u3", "url": "data:text/html,x", "text": "Banjir di Samarinda."}',
])
def test_bad_documents_are_422_never_500(ops, raw: bytes) -> None:
    r = ops.post("/documents", content=raw,
                 headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


@pytest.mark.parametrize(("name", "data"), [
    ("\u202eabc.txt", b"Banjir di Samarinda."),
    ("\u200b.txt", b"Banjir di Samarinda."),
    ("ids.jsonl", b'{"id": "\\u202eabc", "text": "Banjir di Samarinda."}\n'),
    ("urls.jsonl", b'{"id": "ok", "url": "javascript:alert(1)", "text": "Banjir."}\n'),
])
def test_bad_uploads_are_422(ops, name: str, data: bytes) -> None:
    r = ops.post("/documents", files=[("files", (name, data, "text/plain"))], headers=AUTH)
    assert r.status_code == 422, r.text


def test_unknown_field_with_a_lone_surrogate_is_422(ops) -> None:
    r = ops.post("/ask", content=b'{"question": "banjir", "\\ud800": 1}',
                 headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["detail"]


@pytest.mark.parametrize("text", ["\u200b\u200b", "\u200b\u200d\u2060", "?!…", "\u202e"])
def test_nothing_to_search_for_is_refused(ops, text: str, capsys) -> None:
    assert ops.post("/ask", json={"question": text}).status_code == 422
    assert ops.get("/search", params={"q": text}).status_code == 422
    assert cli_main(["ask", text]) == 2
    assert "letter or a digit" in capsys.readouterr().err


def test_controls_are_stripped_and_never_printed_raw(
    index_copy: Path, ops, capsys,
) -> None:
    body = {"id": "ansi", "title": "Judul \x1b[31mmerah\x1b[0m\x07",
            "text": "Zamrud \x1b[2Jungu\x00 tumbuh di Wonosobo.\x1b]0;pwned\x07"}
    assert ops.post("/documents", json=body, headers=AUTH).status_code == 200
    doc = ops.get("/documents/ansi").json()
    assert "\x1b" not in doc["title"] + doc["text"] and "\x00" not in doc["text"]
    assert cli_main(["search", "zamrud ungu Wonosobo", "--index-dir", str(index_copy)]) == 0
    out = capsys.readouterr().out
    assert "Zamrud" in out and "\x1b" not in out and "\x07" not in out
    # a file name is printed too (skipped files): escaped, never acted on
    bad = index_copy.parent / "in"
    bad.mkdir()
    (bad / "\x1b[31mred.txt").write_text("Banjir di Samarinda.", encoding="utf-8")
    assert cli_main(["index", str(bad), "--index-dir", str(index_copy), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "\\x1b[31mred" in err and "\x1b" not in err


@pytest.mark.parametrize("token", ["   ", "tökén", "two words", "tab\tinside"])
def test_unusable_admin_token_refuses_to_start(
    token: str, monkeypatch, capsys, seed_index_dir: Path,
) -> None:
    with pytest.raises(ConfigError, match="TELUSUR_ADMIN_TOKEN"):
        Settings(admin_token=token)
    monkeypatch.setenv("TELUSUR_ADMIN_TOKEN", token)
    assert cli_main(["serve", "--index-dir", str(seed_index_dir), "--port", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("telusur: error: TELUSUR_ADMIN_TOKEN") and "\n" not in err


@pytest.mark.parametrize(("var", "value"), [
    ("TELUSUR_MAX_INFLIGHT", "0"), ("TELUSUR_RATE_LIMIT", "lots"),
    ("TELUSUR_MAX_BODY_BYTES", "big"), ("TELUSUR_METRICS", "maybe"),
])
def test_bad_limits_refuse_to_start(var: str, value: str) -> None:
    with pytest.raises(ConfigError, match=var):
        Settings.from_env({var: value})


# ---- index faults ----------------------------------------------------------------------------
def _freeze(d: Path, on: bool) -> bool:
    """Make a directory tree unwritable even for root (ext4's immutable flag)."""
    dirs = [d, *[p for p in d.rglob("*") if p.is_dir()]]
    flag = "+i" if on else "-i"
    ok = all(subprocess.run(["chattr", flag, str(p)], capture_output=True).returncode == 0
             for p in dirs)
    return ok


def test_read_only_index_is_503_naming_the_path(
    index_copy: Path, encoder: Encoder, caplog,
) -> None:
    if shutil.which("chattr") is None or not _freeze(index_copy, True):
        _freeze(index_copy, False)
        pytest.skip("cannot make a directory read-only here (chattr +i)")
    try:
        caplog.set_level(logging.WARNING)
        with _client(index_copy, encoder) as c:
            assert any("read-only" in r.getMessage() and str(index_copy) in r.getMessage()
                       for r in caplog.records), "no warning at start"
            r = c.post("/documents", json={"id": "ro", "text": "Banjir."}, headers=AUTH)
            assert r.status_code == 503 and "read-only" in r.json()["detail"]
            assert str(index_copy) in r.json()["detail"]
            assert c.get("/search", params={"q": "banjir"}).status_code == 200
    finally:
        _freeze(index_copy, False)


def test_damaged_index_stops_serve_with_one_line(index_copy: Path, capsys) -> None:
    gen = index_copy / (index_copy / CURRENT).read_text().strip()
    seg = json.loads((gen / "manifest.json").read_text())["segments"][0]["name"]
    with (index_copy / "segments" / seg / "docs.jsonl").open("a") as f:
        f.write("{}\n")  # a checksum no longer matches
    assert cli_main(["serve", "--index-dir", str(index_copy), "--port", "9"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("telusur: error:") and "checksum" in err and "\n" not in err
    assert "Traceback" not in err and "--rebuild" in err


def test_missing_current_recovers_the_newest_generation(
    index_copy: Path, encoder: Encoder, caplog, capsys,
) -> None:
    gen = (index_copy / CURRENT).read_text().strip()
    (index_copy / CURRENT).unlink()
    caplog.set_level(logging.WARNING)
    with _client(index_copy, encoder) as c:
        r = c.get("/health")
        assert r.status_code == 200 and r.json()["generation"] == gen
        assert c.get("/health/ready").json() == {"status": "ready", "generation": gen}
    assert any("CURRENT is missing" in r.getMessage() for r in caplog.records)
    assert cli_main(["search", "banjir", "--index-dir", str(index_copy)]) == 0
    assert "no index" not in capsys.readouterr().err


# ---- headers, docs, HEAD ---------------------------------------------------------------------
@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/"), ("GET", "/search?q=banjir"), ("GET", "/static/app.js"), ("GET", "/nope"),
    ("POST", "/ask"), ("GET", "/health"), ("GET", "/metrics"),
])
def test_every_response_has_security_headers(ops, method: str, path: str) -> None:
    r = ops.request(method, path)
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"


def test_docs_are_served_from_our_origin(ops) -> None:
    for path in ("/docs", "/redoc"):
        r = ops.get(path)
        assert r.status_code == 200
        assert "cdn." not in r.text and "https://" not in r.text.split("</head>")[0]
        assert "sha256-" in r.headers["content-security-policy"] or path == "/redoc"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        r = ops.get(f"/static/docs/{asset}")
        assert r.status_code == 200 and len(r.content) > 10_000


def test_head_answers_like_get(ops) -> None:
    for path in ("/", "/health", "/health/live", "/health/ready", "/doc/x"):
        r = ops.head(path)
        assert r.status_code == 200 and not r.content, path


# ---- observability ---------------------------------------------------------------------------
def test_request_id_is_kept_or_made_and_echoed(ops) -> None:
    r = ops.get("/health", headers={"X-Request-ID": "abc-123.def"})
    assert r.headers["x-request-id"] == "abc-123.def"
    bad = "bad id\u00e9".encode()
    made = ops.get("/health", headers={"X-Request-ID": bad}).headers["x-request-id"]
    assert len(made) == 32 and made.isalnum()
    assert ops.get("/health").headers["x-request-id"] != made


def test_json_logs_carry_the_request_id(ops, caplog) -> None:
    from api.observe import JsonFormatter

    caplog.set_level(logging.INFO, logger="telusur.access")
    ops.get("/search", params={"q": "banjir"}, headers={"X-Request-ID": "trace-42"})
    line = next(json.loads(JsonFormatter().format(r)) for r in caplog.records
                if r.name == "telusur.access" and "/search" in r.getMessage())
    assert line["request_id"] == "trace-42" and line["status"] == 200
    assert line["path"] == "/search" and line["ms"] > 0 and line["level"] == "INFO"


def test_metrics_tell_operators_what_is_happening(ops) -> None:
    ops.get("/search", params={"q": "banjir Samarinda"})
    ops.post("/ask", json={"question": "Siapa Kepala OIKN?"})
    ops.post("/ask", json={"question": "Siapa pemenang Piala Dunia 2022?"})
    ops.post("/ask", json={"question": "Who heads the capital authority?"})
    text = ops.get("/metrics").text
    for needle in (
        'telusur_request_duration_seconds_bucket{le="0.5",method="GET",route="/search"}',
        'telusur_request_duration_seconds_count{method="POST",route="/ask"} 3.0',
        'telusur_requests_total{method="GET",route="/search",status="200"} 1.0',
        "telusur_requests_in_flight 1.0",  # this very request
        'telusur_queries_total{lang="id",route="/ask"}',
        'telusur_queries_total{lang="en",route="/ask"} 1.0',
        'telusur_answers_total{outcome="answered"}', "telusur_answer_abstention_ratio",
        "telusur_index_documents 5.0", "telusur_index_passages", "telusur_index_generation",
        "telusur_search_slots_busy 0.0", "telusur_write_in_progress 0.0",
    ):
        assert needle in text, needle


def test_indexing_prints_no_debug_lines(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "api.cli", "index", str(ROOT / "seeds"), "--index-dir",
         str(tmp_path / "idx"), "--quiet"], cwd=ROOT, capture_output=True, text=True,
        timeout=600)
    assert out.returncode == 0, out.stderr
    assert "DEBUG" not in out.stderr and "bm25s" not in out.stderr
