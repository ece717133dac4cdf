"""Bad queries are 422 naming the field; damaged index directories fail with a clear repair."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from api.cli import main as cli_main
from index.encoders import Encoder
from index.store import IndexStore, IndexStoreError


@pytest.mark.parametrize(("params", "field"), [
    ({"q": ""}, "q"), ({"q": "   \n "}, "q"), ({"q": "a" * 2001}, "q"),
    ({"q": "banjir", "k": 0}, "k"), ({"q": "banjir", "k": 51}, "k"),
    ({"q": "banjir", "k": "x"}, "k"), ({"q": "banjir", "mode": "magic"}, "mode"),
    ({"q": "banjir", "lang": "indonesian"}, "lang"), ({"q": "banjir", "lang": "id\n"}, "lang"),
    ({"q": "banjir\x00"}, "q"), ({"q": "ban\x07jir"}, "q"),
])
def test_bad_search_is_422_naming_field(client, params: dict, field: str) -> None:
    r = client.get("/search", params=params)
    assert r.status_code == 422, r.text
    assert field in json.dumps(r.json()["detail"])


def test_broken_utf8_in_query_string(client) -> None:
    r = client.get("/search?q=%FF%FEbanjir")
    assert r.status_code == 422 and "q" in str(r.json()["detail"])


@pytest.mark.parametrize(("body", "field"), [
    ({"question": ""}, "question"), ({"question": " "}, "question"),
    ({"question": "a" * 2001}, "question"), ({"question": "banjir", "k": 0}, "k"),
    ({"question": "banjir", "k": 99}, "k"), ({"question": "banjir", "mode": "x"}, "mode"),
    ({"question": "banjir", "lang": "ID!"}, "lang"), ({"question": "ban\x1bjir"}, "question"),
    ({}, "question"), ({"question": 5}, "question"),
])
def test_bad_ask_is_422_naming_field(client, body: dict, field: str) -> None:
    r = client.post("/ask", json=body)
    assert r.status_code == 422, r.text
    assert field in json.dumps(r.json()["detail"])


def test_every_422_is_one_line_naming_the_field(client) -> None:
    """Range rules (ours) and type rules (the framework's) answer in one shape: ``detail`` a
    string naming the field; an unknown body field also lists the fields there are."""
    for r in (client.get("/search", params={"q": "banjir", "k": "x"}),
              client.get("/search", params={"q": "banjir", "k": 99}),
              client.post("/ask", json={"question": 5})):
        assert r.status_code == 422 and isinstance(r.json()["detail"], str), r.text
    r = client.post("/ask", json={"question": "banjir", "top_k": 3})
    assert r.status_code == 422
    assert r.json()["detail"].startswith("top_k: unknown field; use ")
    assert {"question", "k"} <= set(r.json()["detail"].split("; use ")[1].split(", "))
    assert r.json()["errors"][0]["type"] == "extra_forbidden"
    r = client.post("/ask", content=b"{", headers={"Content-Type": "application/json"})
    assert r.json()["detail"].startswith("body: JSON decode error at character")
    # many wrong fields stay one short line; a key cannot break the line
    r = client.post("/ask", json={"question": "banjir", **{f"a{i}": 0 for i in range(300)},
                                  "x\ny": 1})
    detail = r.json()["detail"]
    assert r.status_code == 422 and "\n" not in detail and "and 296 more" in detail
    assert len(detail) < 400 and len(r.json()["errors"]) == 301


def test_what_a_new_user_gets_wrong_is_named(client) -> None:
    """A form body instead of JSON, a fraction for k, a parameter in /ask's URL."""
    r = client.post("/ask", content=b"question=banjir",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422 and "application/json" in r.json()["detail"], r.text
    r = client.get("/search", params={"q": "banjir", "k": "2.5"})
    assert r.json()["detail"] == "k: must be a whole number"
    r = client.post("/ask?foo=1", json={"question": "banjir"})
    assert r.status_code == 422 and "unknown parameter(s): foo;" in r.json()["detail"]
    r = client.get("/search?q=banjir&k=5&k=50")  # not silently the last one
    assert r.status_code == 422 and r.json()["detail"] == (
        "k: given 2 times; give it once (only doc, source take several)")
    r = client.get("/search?q=banjir&source=ANTARA&source=Kompas&k=5")
    assert r.status_code == 200, r.text


def test_openapi_documents_the_422_shape(client) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["HTTPValidationError"]
    assert schema["properties"]["detail"]["type"] == "string"


@pytest.mark.parametrize("raw", [b"\xff", b"{", b"[]", b'{"question": "\\ud800"}'])
def test_bad_ask_bodies(client, raw: bytes) -> None:
    r = client.post("/ask", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["detail"]  # FastAPI: 400 for bad bytes


@pytest.mark.parametrize("q", [
    "ما هو سعر الأرز", "大米价格上涨", "🌊🏠 banjir", "Ünïcödé ñ", "\u200b\u200dzwj", "𝔘𝔫𝔦",
    "a" * 2000, "'; DROP TABLE x; --", "../../etc/passwd",
])
def test_any_script_searches_and_asks(client, q: str) -> None:
    r = client.get("/search", params={"q": q, "k": 3})
    assert r.status_code == 200, r.text
    for mode in ("dense", "bm25"):
        assert client.get("/search", params={"q": q, "mode": mode}).status_code == 200
    assert client.post("/ask", json={"question": q}).status_code == 200


def test_unknown_document_is_404_json(client) -> None:
    r = client.get("/documents/%FF..%2F..")
    assert r.status_code == 404 and r.json()["detail"]


# ---- damaged or foreign index directories --------------------------------------------------
def _damage(d: Path, how: str) -> None:
    gen = d / (d / "CURRENT").read_text().strip()
    first = json.loads((gen / "manifest.json").read_text())["segments"][0]["name"]
    seg = d / "segments" / first
    if how == "missing-file":
        (seg / "passages.npy").unlink()
    elif how == "truncated-file":
        data = (seg / "dense.faiss").read_bytes()
        (seg / "dense.faiss").write_bytes(data[: len(data) // 2])
    elif how == "modified-file":
        with (seg / "docs.jsonl").open("a") as f:
            f.write("{}\n")
    elif how == "missing-manifest":
        (gen / "manifest.json").unlink()
    elif how == "garbage-manifest":
        (gen / "manifest.json").write_bytes(b"\x00\xffnot json")
    elif how in ("newer-format", "foreign", "no-encoder"):
        m = json.loads((gen / "manifest.json").read_text())
        if how == "newer-format":
            m["format_version"] = 99
        elif how == "foreign":
            m["format"] = "something-else"
        else:
            del m["encoder"]
        (gen / "manifest.json").write_text(json.dumps(m))
    elif how == "garbage-current":
        (d / "CURRENT").write_bytes(b"\xff\xfe../../etc\x00")
    elif how == "current-names-nothing":
        (d / "CURRENT").write_text("gen-999999\n")
    elif how == "missing-generation":
        shutil.rmtree(gen)
    else:
        raise AssertionError(how)


DAMAGES = {
    "missing-file": "passages.npy", "truncated-file": "dense.faiss",
    "modified-file": "docs.jsonl", "missing-manifest": "manifest.json",
    "garbage-manifest": "manifest.json", "newer-format": "format version 99",
    "foreign": "does not hold a Telusur index", "no-encoder": "manifest.json",
    "garbage-current": "CURRENT", "current-names-nothing": "gen-999999",
    "missing-generation": "manifest.json",
}


@pytest.mark.parametrize("how", sorted(DAMAGES))
def test_damaged_index_is_a_clear_error(
    how: str, tmp_path: Path, seed_index_dir: Path, encoder: Encoder, capsys,
) -> None:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    _damage(d, how)
    with pytest.raises(IndexStoreError) as info:
        IndexStore(d).load(expected_encoder=encoder.id)
    msg = str(info.value)
    assert DAMAGES[how] in msg and "telusur index" in msg and str(d) in msg
    # The CLI says the same in one line and exits 2 (no traceback).
    assert cli_main(["search", "banjir", "--index-dir", str(d)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("telusur: error:") and "\n" not in err and "Traceback" not in err
    assert "--rebuild" in err or "upgrade" in err


def test_other_encoder_is_a_clear_error(seed_index_dir: Path) -> None:
    with pytest.raises(IndexStoreError) as info:
        IndexStore(seed_index_dir).load(expected_encoder="st:some/other-model")
    msg = str(info.value)
    assert "st:some/other-model" in msg and "TELUSUR_ENCODER" in msg and "--rebuild" in msg


def test_damaged_index_is_503_json_not_500(
    tmp_path: Path, seed_index_dir: Path, encoder: Encoder,
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings
    from tests.conftest import UNHURRIED, services

    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    app = create_app(Settings(index_dir=d, **UNHURRIED), services=services(d, encoder))
    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/search", params={"q": "banjir"}).status_code == 200
        (d / "CURRENT").write_text("garbage\n")
        r = c.get("/search", params={"q": "banjir"})
        assert r.status_code == 503 and "CURRENT" in r.json()["detail"]


def test_rebuild_repairs_a_damaged_index(tmp_path: Path, seed_index_dir: Path, capsys) -> None:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    _damage(d, "garbage-current")
    seeds = Path(__file__).resolve().parents[1] / "seeds"
    assert cli_main(["index", str(seeds), "--index-dir", str(d), "--quiet"]) == 2
    assert "--rebuild" in capsys.readouterr().err
    assert cli_main(["index", str(seeds), "--rebuild", "--index-dir", str(d), "--quiet"]) == 0
    assert IndexStore(d).load().n_documents == 5
