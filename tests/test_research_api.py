"""Researcher tools over HTTP: filters on /search and /ask, unknown parameters, sort, paging,
total and facets, CSV / JSON Lines export, similar articles and citations."""

from __future__ import annotations

import csv
import io
import json

from api.export import CSV_FIELDS

ICCC = "003_d42ff7a54c18c015"
KOREA = "001_35330518a0891c6f"
Q = "kerja sama kota cerdas Korea Selatan"


def test_search_reports_total_facets_sort_and_offset(client) -> None:
    body = client.get("/search", params={"q": Q}).json()
    assert body["sort"] == "relevance" and body["offset"] == 0
    assert body["total"] >= len(body["results"]) == 10 and body["empty_reason"] is None
    facets = body["facets"]
    assert {f["value"]: f["count"] for f in facets["lang"]} == {"id": 5}
    assert {"value": "ANTARA", "count": 1} in facets["source"]
    assert sum(f["count"] for f in facets["year"]) == 5
    assert all("page" in r for r in body["results"])


def test_offset_pages_through_the_same_list(client) -> None:
    whole = client.get("/search", params={"q": Q, "k": 12}).json()["results"]
    page2 = client.get("/search", params={"q": Q, "k": 6, "offset": 6}).json()["results"]
    assert [r["passage_id"] for r in page2] == [r["passage_id"] for r in whole[6:]]
    assert [r["rank"] for r in page2] == list(range(7, 13))


def test_source_and_date_filters_and_date_sort(client) -> None:
    body = client.get("/search", params=[("q", Q), ("source", "antara"), ("source", "Tempo"),
                                         ("k", 50)]).json()
    assert body["results"] and {r["source"] for r in body["results"]} == {"ANTARA"}
    assert body["total"] == len(body["results"])
    body = client.get("/search", params={"q": Q, "date_from": "2022-01-01", "sort": "date",
                                         "k": 50}).json()
    dates = [r["published"] for r in body["results"]]
    assert dates and all(d >= "2022" for d in dates) and dates == sorted(dates, reverse=True)
    assert {f["value"] for f in body["facets"]["year"]} == {"2022", "2024", "2025"}


def test_empty_results_say_which_filter_emptied_them(client) -> None:
    body = client.get("/search", params={"q": "smart city", "lang": "en"}).json()
    assert body["results"] == [] and body["total"] == 0
    assert "lang=en" in body["empty_reason"]
    body = client.get("/search", params={"q": "smart city", "source": "Kompas"}).json()
    assert "source=Kompas" in body["empty_reason"]


def test_unknown_and_bad_parameters_are_422_naming_them(client) -> None:
    for params, field in [
        ({"q": "x", "sourc": "ANTARA"}, "sourc"), ({"q": "x", "page": "2"}, "page"),
        ({"q": "x", "sort": "newest"}, "sort"), ({"q": "x", "offset": -1}, "offset"),
        ({"q": "x", "offset": 995}, "offset"), ({"q": "x", "format": "xml"}, "format"),
        ({"q": "x", "date_to": "20-11-2024"}, "date_to"), ({"q": "x", "k": 100}, "k"),
    ]:
        r = client.get("/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert field in str(r.json()["detail"]), (params, r.text)


def test_csv_export(client) -> None:
    r = client.get("/search", params={"q": Q, "format": "csv", "k": 100})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"] == (
        'attachment; filename="telusur-kerja-sama-kota-cerdas-korea-selatan.csv"')
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8"))))
    assert tuple(rows[0]) == CSV_FIELDS
    assert len(rows) - 1 == int(r.headers["x-total-count"]) > 10  # k up to 1000 in an export
    texts = {}
    for row in rows[1:]:
        rec = dict(zip(CSV_FIELDS, row, strict=True))
        if rec["doc_id"] not in texts:
            texts[rec["doc_id"]] = client.get(f"/documents/{rec['doc_id']}").json()["text"]
        assert texts[rec["doc_id"]][int(rec["char_start"]):int(rec["char_end"])] == rec["text"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, len(rows)))


def test_jsonl_export_matches_the_json_results(client) -> None:
    params = {"q": Q, "k": 7, "sort": "date", "source": "ANTARA"}
    results = client.get("/search", params=params).json()["results"]
    r = client.get("/search", params={**params, "format": "jsonl"})
    assert r.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert lines == results


def test_ask_takes_the_same_filters(client) -> None:
    q = {"question": "Berapa nilai hibah USTDA untuk IKN?"}
    body = client.post("/ask", json={**q, "source": ["ANTARA"]}).json()
    assert body["passages"] and {p["source"] for p in body["passages"]} == {"ANTARA"}
    one = client.post("/ask", json={**q, "source": "ANTARA"}).json()  # one value, as /search
    assert [p["passage_id"] for p in one["passages"]] == [
        p["passage_id"] for p in body["passages"]]
    r = client.post("/ask", json={**q, "source": 7})  # named plainly, no Python type names
    assert r.status_code == 422 and r.json()["detail"] == "source: Input should be a valid list"
    body = client.post("/ask", json={**q, "doc": [ICCC], "date_from": "2024-11-20",
                                     "date_to": "2024-11-20"}).json()
    assert "7,6 juta" in body["answer"]["text"]
    body = client.post("/ask", json={**q, "lang": "en"}).json()
    assert body["answer"] is None and "lang=en" in body["no_answer_reason"]
    r = client.post("/ask", json={**q, "date_from": "2024/11/20"})
    assert r.status_code == 422 and "date_from" in r.text
    r = client.post("/ask", json={**q, "sources": ["ANTARA"]})
    assert r.status_code == 422 and "sources" in r.text


def test_similar_articles(client) -> None:
    body = client.get(f"/documents/{KOREA}/similar", params={"k": 3}).json()
    got = body["similar"]
    assert body["doc_id"] == KOREA and len(got) == 3
    assert KOREA not in {s["doc_id"] for s in got}
    assert [s["score"] for s in got] == sorted((s["score"] for s in got), reverse=True)
    assert set(got[0]) == {"doc_id", "title", "source", "published", "url", "lang", "score"}
    assert client.get("/documents/nope/similar").status_code == 404
    r = client.get(f"/documents/{KOREA}/similar", params={"k": 0})
    assert r.status_code == 422 and "k" in r.text
    r = client.get(f"/documents/{KOREA}/similar", params={"n": 3})
    assert r.status_code == 422 and "n" in r.json()["detail"]


def test_citations(client) -> None:
    body = client.get(f"/documents/{ICCC}/cite", params={"style": "apa"}).json()
    assert body == {"doc_id": ICCC, "style": "apa", "citation": (
        "Peluncuran Pusat Komando IKN: Kolaborasi Strategis Indonesia-Amerika Serikat. "
        "(2024, November 20). Gerbangkaltim.com.")}
    for style, start in [("chicago", "“Peluncuran"), ("mla", "“Peluncuran"),
                         ("bibtex", "@article{telusur:003_d42ff7a54c18c015,")]:
        text = client.get(f"/documents/{ICCC}/cite", params={"style": style}).json()["citation"]
        assert text.startswith(start) and "2024" in text
    r = client.get(f"/documents/{ICCC}/cite", params={"style": "harvard"})
    assert r.status_code == 422 and "style" in r.json()["detail"]
    assert client.get("/documents/nope/cite").status_code == 404


def test_document_detail_shows_author_pages_and_duplicates(client) -> None:
    body = client.get(f"/documents/{ICCC}").json()
    assert body["author"] is None and body["n_pages"] is None and body["duplicates"] == []
    assert all(p["page"] is None for p in body["passages"])
