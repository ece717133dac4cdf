"""Growing and editing the index: CLI and HTTP writes, auth, deletes that really delete."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.cli import main as cli_main
from index.encoders import Encoder
from index.store import IndexStore
from search.engine import Searcher
from tests.conftest import UNHURRIED, search, services

TOKEN = "s3cret-token-for-tests"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_TEXT = (
    "Kementerian Pertanian meluncurkan program benih zamrud ungu di Kabupaten Wonosobo. "
    "Program itu menargetkan sepuluh ribu petani kentang pada tahun depan. "
    "Menteri mengatakan benih zamrud ungu tahan terhadap penyakit layu."
)
NEW_QUERY = "benih zamrud ungu Wonosobo"


@pytest.fixture()
def index_copy(tmp_path: Path, seed_index_dir: Path) -> Path:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    return d


def _client(index_dir: Path, encoder: Encoder, token: str | None = TOKEN, **settings) -> Iterator:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    app = create_app(
        Settings(index_dir=index_dir, admin_token=token, **{**UNHURRIED, **settings}),
        services=services(index_dir, encoder),
    )
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture()
def admin(index_copy: Path, encoder: Encoder) -> Iterator:
    with _client(index_copy, encoder) as c:
        yield c


def _doc_ids_in_results(client, q: str, mode: str = "hybrid", k: int = 50) -> set[str]:
    r = client.get("/search", params={"q": q, "k": k, "mode": mode})
    assert r.status_code == 200, r.text
    return {h["doc_id"] for h in r.json()["results"]}


# ---- auth -----------------------------------------------------------------------------------
def test_writes_disabled_without_token(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, token=None) as c:
        r = c.post("/documents", json={"text": NEW_TEXT}, headers=AUTH)
        assert r.status_code == 403
        assert "TELUSUR_ADMIN_TOKEN" in r.json()["detail"]
        assert c.delete("/documents/x").status_code == 403
        assert c.get("/search", params={"q": "banjir"}).status_code == 200  # reads stay open


@pytest.mark.parametrize("header", [
    None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, f"Bearer {TOKEN}x", "Bearer ",
    "Bearer ümlaut",
])
def test_wrong_or_missing_token_is_401(admin, header: str | None, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {} if header is None else {"Authorization": header.encode("utf-8")}
    r = admin.post("/documents", json={"text": NEW_TEXT}, headers=headers)
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["detail"]
    assert TOKEN not in caplog.text


def test_token_never_logged(admin, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    r = admin.post("/documents", json={"id": "log-check", "text": NEW_TEXT}, headers=AUTH)
    assert r.status_code == 200
    assert TOKEN not in caplog.text


# ---- HTTP writes ----------------------------------------------------------------------------
def test_add_replace_delete_over_http(admin) -> None:
    before = admin.get("/health").json()
    hits = admin.get("/search", params={"q": NEW_QUERY}).json()["results"]
    assert not any("zamrud" in h["text"] for h in hits)

    r = admin.post("/documents", json={"id": "tani-1", "title": "Benih", "text": NEW_TEXT,
                                        "source": "Uji", "published": "2024-05-01"},
                   headers=AUTH)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["added"] == ["tani-1"] and out["documents"] == before["documents"] + 1
    assert admin.get("/health").json()["generation"] == out["generation"]
    for mode in ("hybrid", "dense", "bm25"):
        assert "tani-1" in _doc_ids_in_results(admin, NEW_QUERY, mode)
    doc = admin.get("/documents/tani-1").json()
    assert doc["title"] == "Benih" and "zamrud ungu" in doc["text"]

    # Same content again: no change, no new generation.
    r = admin.post("/documents", json={"id": "tani-1", "title": "Benih", "text": NEW_TEXT,
                                        "source": "Uji", "published": "2024-05-01"},
                   headers=AUTH)
    assert r.json()["unchanged"] == ["tani-1"] and r.json()["generation"] == out["generation"]

    # Same id, new content: replaced; the old text is gone everywhere.
    new_text = "Harga cabai rawit di Pasar Kramat Jati naik menjadi seratus ribu rupiah per kilo."
    r = admin.post("/documents", json={"id": "tani-1", "text": new_text}, headers=AUTH)
    assert r.json()["updated"] == ["tani-1"]
    assert r.json()["documents"] == before["documents"] + 1
    texts = [h["text"] for h in admin.get(
        "/search", params={"q": NEW_QUERY, "k": 50, "mode": "bm25"}).json()["results"]]
    assert not any("zamrud" in t for t in texts)
    assert "cabai" in admin.get("/documents/tani-1").json()["text"]

    # Delete: gone from vectors, BM25 and metadata.
    r = admin.delete("/documents/tani-1", headers=AUTH)
    assert r.status_code == 200 and r.json()["removed"] == ["tani-1"]
    for mode in ("hybrid", "dense", "bm25"):
        assert "tani-1" not in _doc_ids_in_results(admin, "cabai rawit Kramat Jati", mode)
    assert admin.get("/documents/tani-1").status_code == 404
    assert "tani-1" not in {d["id"] for d in admin.get("/documents").json()}
    assert admin.get("/health").json()["documents"] == before["documents"]
    assert admin.delete("/documents/tani-1", headers=AUTH).status_code == 404


def test_delete_seed_document_removes_every_passage(admin) -> None:
    docs = admin.get("/documents").json()
    victim = docs[0]["id"]
    title = docs[0]["title"] or victim
    assert victim in _doc_ids_in_results(admin, title)
    assert admin.delete(f"/documents/{victim}", headers=AUTH).status_code == 200
    for mode in ("hybrid", "dense", "bm25"):
        assert victim not in _doc_ids_in_results(admin, title, mode)
    r = admin.post("/ask", json={"question": title, "k": 50})
    assert r.status_code == 200
    assert victim not in {p["doc_id"] for p in r.json()["passages"]}


def test_multipart_upload(admin) -> None:
    jsonl = (
        '{"id": "j-1", "text": "Gunung Merapi kembali erupsi pada Selasa pagi di Yogyakarta."}\n'
        '{"id": "j-2", "title": "Kereta", "text": "Kereta cepat Whoosh melayani penumpang."}\n'
    )
    files = [
        ("files", ("../../etc/passwd.txt", NEW_TEXT.encode(), "text/plain")),
        ("files", ("corpus.jsonl", jsonl.encode(), "application/x-ndjson")),
    ]
    r = admin.post("/documents", files=files, headers=AUTH)
    assert r.status_code == 200, r.text
    assert sorted(r.json()["added"]) == ["j-1", "j-2", "passwd"]
    assert "passwd" in _doc_ids_in_results(admin, NEW_QUERY)
    assert "j-1" in _doc_ids_in_results(admin, "erupsi Gunung Merapi")


def test_upload_too_large_is_413(index_copy: Path, encoder: Encoder) -> None:
    with _client(index_copy, encoder, max_upload_bytes=1000) as c:
        big = ("Kalimat berita yang panjang. " * 100).encode()
        r = c.post("/documents", files=[("files", ("big.txt", big, "text/plain"))],
                   headers=AUTH)
        assert r.status_code == 413 and "1000-byte" in r.json()["detail"]
        r = c.post("/documents", json={"text": "x" * 2000}, headers=AUTH)
        assert r.status_code == 413


@pytest.mark.parametrize(("name", "data", "needle"), [
    ("latin1.txt", "Berita café".encode("latin-1"), "latin1.txt"),
    ("empty.txt", b"", "empty.txt"),
    ("blank.md", b"  \n\n ", "blank.md"),
    ("bad.jsonl", b'{"text": 5}\n', "bad.jsonl"),
    ("broken.jsonl", b'{"text": \n', "broken.jsonl"),
    ("nested.jsonl", b"[" * 100000, "nested.jsonl"),
    ("title.jsonl", b'{"id": "t", "text": "Berita hari ini.", "title": 7}\n', "title"),
    ("surrogate.jsonl", b'{"id": "s", "text": "Berita \\ud800 hari ini."}\n', "surrogate"),
    ("evil.exe", b"MZ", "evil.exe"),
])
def test_bad_uploads_are_422_naming_the_file(admin, name: str, data: bytes, needle: str) -> None:
    r = admin.post("/documents", files=[("files", (name, data, "text/plain"))], headers=AUTH)
    assert r.status_code == 422, r.text
    assert needle in str(r.json()["detail"])


@pytest.mark.parametrize(("body", "needle"), [
    ({"text": ""}, "text"),
    ({"text": "   "}, "text"),
    ({"id": "a/b", "text": NEW_TEXT}, "id"),
    ({"title": "no text"}, "text"),
    ({"text": 5}, "text"),
])
def test_bad_json_documents_are_422(admin, body: dict, needle: str) -> None:
    r = admin.post("/documents", json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    assert needle in str(r.json()["detail"])


def test_a_json_document_422_names_its_fields_in_one_line(admin) -> None:
    r = admin.post("/documents", json={"txt": NEW_TEXT}, headers=AUTH)
    detail = r.json()["detail"]
    assert r.status_code == 422 and isinstance(detail, str), r.text
    assert "txt: unknown field" in detail and "text" in detail.split("; use ")[1].split(", ")
    assert {e["type"] for e in r.json()["errors"]} >= {"extra_forbidden"}


@pytest.mark.parametrize("raw", [
    b"\xff\xfe", b"not json", b"[]", b"[" * 100000, b'{"text": "Berita \\udc00 hari ini."}',
])
def test_bad_raw_bodies_are_422(admin, raw: bytes) -> None:
    r = admin.post("/documents", content=raw,
                   headers={**AUTH, "Content-Type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_no_tmp_leftovers_after_writes(admin, index_copy: Path) -> None:
    for i in range(3):
        r = admin.post("/documents", json={"id": f"n{i}", "text": f"{NEW_TEXT} Nomor {i}."},
                       headers=AUTH)
        assert r.status_code == 200
    names = sorted(p.name for p in index_copy.iterdir())
    assert not [n for n in names if n.startswith(".tmp")]
    assert len([n for n in names if n.startswith("gen-")]) <= 2


# ---- CLI ------------------------------------------------------------------------------------
def _cli(*args: str) -> int:
    return cli_main(list(args))


def test_cli_index_is_incremental_and_remove_deletes(
    index_copy: Path, tmp_path: Path, encoder: Encoder, capsys,
) -> None:
    store = IndexStore(index_copy)
    gen0 = store.current_generation()
    seeds = Path(__file__).resolve().parents[1] / "seeds"

    assert _cli("index", str(seeds), "--index-dir", str(index_copy), "--quiet") == 0
    assert "0 added, 0 updated, 5 unchanged" in capsys.readouterr().out
    assert store.current_generation() == gen0  # nothing changed, nothing written

    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "tani.txt").write_text(NEW_TEXT, encoding="utf-8")
    assert _cli("index", str(seeds), str(extra), "--index-dir", str(index_copy), "--quiet") == 0
    assert "1 added, 0 updated, 5 unchanged" in capsys.readouterr().out
    searcher = Searcher(store, encoder)
    assert "tani" in {h.document.id for h in search(searcher, NEW_QUERY, k=5).hits}

    (extra / "tani.txt").write_text(NEW_TEXT + " Program dimulai bulan Juli.", encoding="utf-8")
    assert _cli("index", str(extra), "--index-dir", str(index_copy), "--quiet") == 0
    assert "0 added, 1 updated, 0 unchanged" in capsys.readouterr().out

    assert _cli("remove", "tani", "--index-dir", str(index_copy)) == 0
    assert "1 removed" in capsys.readouterr().out
    for mode in ("hybrid", "dense", "bm25"):
        res = search(searcher, NEW_QUERY, k=50, mode=mode)
        assert "tani" not in {h.document.id for h in res.hits}
    assert searcher.context.data.document("tani") is None
    assert "tani" not in searcher.context.data.doc_rows
    assert _cli("remove", "tani", "--index-dir", str(index_copy)) == 1
    assert "not in the index: tani" in capsys.readouterr().err

    assert _cli("index", str(extra), "--rebuild", "--index-dir", str(index_copy), "--quiet") == 0
    assert "index holds 1 documents" in capsys.readouterr().out
    assert list(searcher.context.data.doc_rows) == ["tani"]


def test_cli_remove_without_index_is_one_line(tmp_path: Path, capsys) -> None:
    assert _cli("remove", "x", "--index-dir", str(tmp_path / "none")) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("telusur: error:") and "\n" not in err and "telusur index" in err


def test_dates_are_stored_as_iso_and_a_non_date_is_refused(admin) -> None:
    r = admin.post("/documents", json={"id": "tgl-1", "text": NEW_TEXT,
                                        "published": "Rabu (20/11/2024)"}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert admin.get("/documents/tgl-1").json()["published"] == "2024-11-20"
    r = admin.post("/documents", json={"id": "tgl-2", "text": NEW_TEXT + " Lagi.",
                                        "published": "kemarin"}, headers=AUTH)
    assert r.status_code == 422 and "published" in r.text and "kemarin" in r.text
    assert admin.get("/documents/tgl-2").status_code == 404


def test_a_copy_under_another_id_is_reported_as_a_duplicate(admin) -> None:
    r = admin.post("/documents", json={"id": "asli", "text": NEW_TEXT, "source": "A"},
                   headers=AUTH)
    assert r.json()["added"] == ["asli"]
    r = admin.post("/documents", json={"id": "salinan", "text": NEW_TEXT, "source": "B"},
                   headers=AUTH)
    assert r.status_code == 200
    assert r.json()["duplicates"] == [{"id": "salinan", "kept_as": "asli"}]
