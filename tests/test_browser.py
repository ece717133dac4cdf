"""The web page, driven in a real (Debian) Chromium through Playwright.

A real uvicorn server on a free local port serves the app over the seed index; each
test opens the page, types, clicks and checks what a reader would see. Screenshots go
to ``artifacts/screenshots/``; ``TELUSUR_UPDATE_SCREENSHOT=1`` also refreshes
``docs/screenshot.png`` (the README picture).
"""

from __future__ import annotations

import csv
import io
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="browser tests need playwright (pip install -e '.[test]')"
)
uvicorn = pytest.importorskip("uvicorn")

from api.app import create_app  # noqa: E402
from api.settings import Settings  # noqa: E402
from tests.conftest import UNHURRIED  # noqa: E402

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "artifacts" / "screenshots"
ICCC_ID = "003_d42ff7a54c18c015"
ICCC_TITLE = "Peluncuran Pusat Komando IKN"
Q_ID = "Berapa nilai hibah USTDA untuk IKN?"
Q_EN = "Who funded the command center in Nusantara?"
Q_OUT = "Siapa pemenang Piala Dunia 2022?"
TIMEOUT_MS = 30_000
LAUNCH_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def base_url(seed_index_dir: Path, searcher, answerer) -> Iterator[str]:  # noqa: ANN001
    from api.deps import Services

    app = create_app(Settings(index_dir=seed_index_dir, **UNHURRIED),
                     services=Services(searcher=searcher, answerer=answerer))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="telusur-test-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser, base_url: str) -> Iterator:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    # Every test also runs under the served Content-Security-Policy: anything it blocks
    # (an inline script or style, a foreign origin) is a failure, not a silent breakage.
    blocked: list[str] = []
    pg.on("console", lambda m: blocked.append(m.text)
          if "Content Security Policy" in m.text else None)
    try:
        yield pg
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not blocked, f"the page broke its Content-Security-Policy: {blocked}"


def test_page_is_served_with_a_strict_csp(page) -> None:  # noqa: ANN001
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and response.headers["x-content-type-options"] == "nosniff"
    ask(page, Q_ID)
    page.get_by_test_id("answer").locator("a").first.click()
    page.get_by_test_id("doc-view").wait_for()


@pytest.mark.parametrize(("path", "ready"), [
    ("/docs", ".swagger-ui .info .title"), ("/redoc", "h1"),
])
def test_api_docs_work_offline(browser, base_url: str, path: str, ready: str) -> None:  # noqa: ANN001
    context = browser.new_context(base_url=base_url)
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    foreign: list[str] = []
    blocked: list[str] = []
    pg.on("console", lambda m: blocked.append(m.text)
          if "Content Security Policy" in m.text else None)

    def offline(route) -> None:  # noqa: ANN001 - no network but our own server
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            foreign.append(route.request.url)
            route.abort()

    pg.route("**/*", offline)
    try:
        pg.goto(path)
        pg.locator(ready).first.wait_for()
        assert "Telusur" in pg.locator(ready).first.inner_text()
        shot(pg, f"docs-{path.strip('/')}")
    finally:
        context.close()
    assert not foreign, f"{path} asked for outside resources: {foreign}"
    # ReDoc's bundle links its logo from its CDN; the policy blocking that is the policy
    # working. Anything of our own blocked (inline script, style, worker) would be a bug.
    ours = [m for m in blocked if "cdn.redoc.ly" not in m]
    assert not ours, f"{path} broke its Content-Security-Policy: {ours}"


def shot(page, name: str) -> None:  # noqa: ANN001
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page, question: str) -> None:  # noqa: ANN001
    box = page.get_by_test_id("search-input")
    box.fill(question)
    box.press("Enter")
    page.locator("[data-testid=answer], [data-testid=no-answer]").first.wait_for()


def test_indonesian_question_gets_a_quoted_answer_with_citation(page) -> None:  # noqa: ANN001
    page.goto("/")
    ask(page, Q_ID)
    answer = page.get_by_test_id("answer")
    sync_api.expect(answer).to_be_visible()
    sync_api.expect(answer).to_contain_text("7,6 juta")
    sync_api.expect(answer.locator("mark")).to_have_count(1)
    sync_api.expect(page.get_by_test_id("answer-citation")).to_contain_text(ICCC_TITLE)
    sync_api.expect(page.get_by_test_id("question-lang")).to_have_text("id")
    assert page.get_by_test_id("result").count() >= 1
    citation = page.get_by_test_id("copy-citation").get_attribute("data-citation") or ""
    assert re.match(r"^“.*7,6 juta.*” — Peluncuran Pusat Komando IKN.*, 2024-11-20", citation)
    shot(page, "answer-id")
    if os.environ.get("TELUSUR_UPDATE_SCREENSHOT"):
        page.get_by_test_id("search-input").blur()
        page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))


def test_copy_citation_gives_visible_feedback(page) -> None:  # noqa: ANN001
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    ask(page, Q_ID)
    button = page.get_by_test_id("copy-citation")
    button.focus()
    page.keyboard.press("Enter")  # keyboard alone
    sync_api.expect(page.locator(".copy-feedback")).to_have_text(re.compile("Tersalin|Copied"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == button.get_attribute("data-citation")


def test_english_question_ranks_the_iccc_article_first(page) -> None:  # noqa: ANN001
    page.goto("/")
    ask(page, Q_EN)
    results = page.get_by_test_id("result")
    sync_api.expect(results.first).to_be_visible()
    assert results.first.get_attribute("data-doc-id") == ICCC_ID
    sync_api.expect(results.first).to_contain_text(ICCC_TITLE)
    sync_api.expect(page.get_by_test_id("question-lang")).to_have_text("en")
    # the page says what the keyword side searched: the English words with their translation
    sync_api.expect(page.get_by_test_id("searched-as")).to_contain_text("(")
    # query words are highlighted in the passages, as marks, not raw HTML
    assert results.first.locator("mark.term").count() >= 1
    shot(page, "answer-en")


def test_citation_opens_the_article_at_the_cited_span(page) -> None:  # noqa: ANN001
    page.goto("/")
    ask(page, Q_ID)
    quote = page.get_by_test_id("answer").locator("blockquote").inner_text().strip("“” \n")
    page.get_by_test_id("answer-citation").click()
    page.wait_for_url(re.compile(rf"/doc/{ICCC_ID}\?"))
    view = page.get_by_test_id("doc-view")
    sync_api.expect(view).to_be_visible()
    sync_api.expect(view.locator("h1")).to_contain_text(ICCC_TITLE)
    mark = view.locator("mark#cited")
    sync_api.expect(mark).to_be_visible()
    sync_api.expect(mark).to_contain_text(quote)
    sync_api.expect(mark).to_be_in_viewport()
    # the full article, in paragraphs, is there
    assert view.locator(".doc-body p").count() >= 5
    sync_api.expect(view).to_contain_text("Kamala Lakhdhir")
    shot(page, "article-view")
    page.get_by_role("link", name=re.compile("Kembali|Back")).click()
    page.wait_for_url(re.compile(r"/\?q="))
    page.get_by_test_id("answer").wait_for()


def test_unknown_document_shows_a_message(page) -> None:  # noqa: ANN001
    page.goto("/doc/does-not-exist")
    sync_api.expect(page.locator("#doc-error")).to_contain_text("does-not-exist")
    sync_api.expect(page.locator("#doc-article")).to_be_hidden()


def test_question_outside_the_corpus_says_no_answer(page) -> None:  # noqa: ANN001
    page.goto("/")
    ask(page, Q_OUT)
    shot(page, "no-answer")
    sync_api.expect(page.get_by_test_id("no-answer")).to_be_visible()
    sync_api.expect(page.get_by_test_id("answer")).to_have_count(0)
    assert page.get_by_test_id("result").count() >= 1


def test_api_errors_are_shown_plainly(page) -> None:  # noqa: ANN001
    page.goto("/")
    page.get_by_test_id("search-input").fill("x" * 2001)  # over the API's limit
    page.evaluate("document.getElementById('q').removeAttribute('maxlength')")
    page.get_by_test_id("search-input").fill("x" * 2001)
    page.get_by_test_id("search-input").press("Enter")
    error = page.get_by_test_id("error")
    sync_api.expect(error).to_be_visible()
    sync_api.expect(error).to_contain_text("422")


@contextmanager
def phone_page(browser, base_url: str) -> Iterator:  # noqa: ANN001
    """A page on a 375 px touch phone, closed afterwards."""
    context = browser.new_context(
        viewport={"width": 375, "height": 812}, base_url=base_url, is_mobile=True,
        has_touch=True, device_scale_factor=2,
    )
    try:
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        yield pg
    finally:
        context.close()


def test_phone_width_has_no_horizontal_scroll(browser, base_url: str) -> None:  # noqa: ANN001
    with phone_page(browser, base_url) as pg:
        pg.goto("/")
        sync_api.expect(pg.get_by_test_id("search-input")).to_be_visible()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        ask(pg, Q_ID)
        sync_api.expect(pg.get_by_test_id("search-input")).to_be_in_viewport()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        shot(pg, "phone-answer")
        pg.get_by_test_id("answer-citation").click()
        pg.get_by_test_id("doc-view").locator("mark#cited").wait_for()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        shot(pg, "phone-article")


def test_url_reflects_the_query_and_reload_reruns_it(page) -> None:  # noqa: ANN001
    page.goto("/")
    page.get_by_test_id("mode").select_option("bm25")
    page.get_by_test_id("lang-filter").select_option("id")
    page.get_by_test_id("k").fill("3")
    ask(page, Q_ID)
    params = parse_qs(urlparse(page.url).query)
    assert params["q"] == [Q_ID]
    assert params["mode"] == ["bm25"] and params["lang"] == ["id"] and params["k"] == ["3"]
    sync_api.expect(page.get_by_test_id("result")).to_have_count(3)
    answer_before = page.get_by_test_id("answer").locator("blockquote").inner_text()

    page.reload()
    sync_api.expect(page.get_by_test_id("search-input")).to_have_value(Q_ID)
    sync_api.expect(page.get_by_test_id("mode")).to_have_value("bm25")
    sync_api.expect(page.get_by_test_id("lang-filter")).to_have_value("id")
    sync_api.expect(page.get_by_test_id("k")).to_have_value("3")
    sync_api.expect(page.get_by_test_id("answer").locator("blockquote")).to_have_text(answer_before)
    sync_api.expect(page.get_by_test_id("result")).to_have_count(3)

    # a shared link runs its search on load; Back returns to the previous search
    page.goto("/?q=" + Q_EN.replace(" ", "+"))
    sync_api.expect(page.get_by_test_id("question-lang")).to_have_text("en")
    ask(page, Q_ID)
    page.go_back()
    sync_api.expect(page.get_by_test_id("search-input")).to_have_value(Q_EN)
    sync_api.expect(page.get_by_test_id("question-lang")).to_have_text("en")


def test_interface_language_toggle_is_remembered(page) -> None:  # noqa: ANN001
    page.goto("/")
    submit = page.locator("#submit-btn")
    sync_api.expect(submit).to_have_text("Cari")
    page.get_by_test_id("ui-lang").click()
    sync_api.expect(submit).to_have_text("Search")
    sync_api.expect(page.locator("label[for=mode]")).to_have_text("Method")
    sync_api.expect(page.locator("html")).to_have_attribute("lang", "en")
    ask(page, Q_ID)
    sync_api.expect(page.get_by_test_id("copy-citation")).to_have_text("Copy citation")
    page.reload()
    sync_api.expect(submit).to_have_text("Search")
    sync_api.expect(page.get_by_test_id("copy-citation")).to_have_text("Copy citation")
    shot(page, "ui-english")
    page.get_by_test_id("ui-lang").press("Enter")
    sync_api.expect(submit).to_have_text("Cari")
    sync_api.expect(page.get_by_test_id("copy-citation")).to_have_text("Salin kutipan")


def test_keyboard_only_search(page) -> None:  # noqa: ANN001
    page.goto("/")
    # Tab from the top reaches the search box; Enter submits
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "search-input":
            break
    assert page.evaluate("document.activeElement.dataset.testid") == "search-input"
    page.keyboard.type(Q_ID)
    page.keyboard.press("Enter")
    sync_api.expect(page.get_by_test_id("answer")).to_be_visible()
    # every form control has an accessible label
    unlabeled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select')]
             .filter(e => !e.labels || e.labels.length === 0).map(e => e.id)"""
    )
    assert unlabeled == []


def test_no_answer_card_and_html_escaping_with_a_stubbed_api(page) -> None:  # noqa: ANN001
    """The page's side of abstention, independent of how the answer module is tuned."""
    hostile = '<img src=x onerror="window.__pwned=1"> Piala Dunia <b>2022</b> & co'
    body = {
        "question": Q_OUT, "question_lang": "id", "answer": None, "confidence": 0.12,
        "no_answer_reason": "no sentence answers the question confidently", "took_ms": 3.0,
        "passages": [{
            "rank": 1, "score": 0.5, "passage_id": f"{ICCC_ID}#0", "text": hostile,
            "doc_id": ICCC_ID, "title": "<script>x</script> Judul", "source": "Sumber",
            "published": "2024-11-20", "url": None, "lang": "id", "char_start": 0, "char_end": 10,
        }],
    }
    listing = {"query": Q_OUT, "query_lang": "id", "mode": "hybrid", "sort": "relevance",
               "offset": 0, "total": 1, "took_ms": 1.0, "results": body["passages"],
               "facets": {"source": [{"value": "<i>Sumber</i>", "count": 1}], "year": [],
                          "lang": []}, "empty_reason": None}
    page.route("**/ask", lambda route: route.fulfill(json=body))
    page.route("**/search?*", lambda route: route.fulfill(json=listing))
    page.goto("/")
    ask(page, Q_OUT)
    card = page.get_by_test_id("no-answer")
    sync_api.expect(card).to_be_visible()
    sync_api.expect(card).to_contain_text("no sentence answers the question confidently")
    result = page.get_by_test_id("result")
    sync_api.expect(result).to_have_count(1)
    sync_api.expect(result).to_contain_text('<img src=x onerror="window.__pwned=1">')
    sync_api.expect(result).to_contain_text("<script>x</script> Judul")
    assert result.locator("img, script, b").count() == 0
    # an outlet name from the facets is an option's text, not markup
    sync_api.expect(page.get_by_test_id("source-filter").locator("option").nth(1)).to_have_text(
        "<i>Sumber</i> (1)")
    assert page.evaluate("window.__pwned === undefined")
    sync_api.expect(result.locator("mark.term")).to_have_text(["Piala", "Dunia", "2022"])
    shot(page, "no-answer-stubbed")


Q_KOREA = "kerja sama kota cerdas Korea Selatan"


def _search(page, query: str) -> None:  # noqa: ANN001
    page.goto("/?" + query)
    page.locator("[data-testid=answer], [data-testid=no-answer]").first.wait_for()
    page.get_by_test_id("result").first.wait_for()


def test_filter_bar_narrows_by_outlet_and_date_and_sorts_by_date(page) -> None:  # noqa: ANN001
    page.goto("/")
    page.get_by_test_id("k").fill("10")
    ask(page, Q_KOREA)
    total = page.get_by_test_id("total")
    sync_api.expect(total).to_contain_text(re.compile(r"^\d+ bagian cocok · 10 ditampilkan"))
    # the outlet list comes from the facets of the search, with counts
    outlet = page.get_by_test_id("source-filter")
    sync_api.expect(outlet.locator("option", has_text="ANTARA (1)")).to_have_count(1)
    outlet.select_option("ANTARA")
    page.get_by_test_id("date-from").fill("2024-01-01")
    page.get_by_test_id("sort").select_option("date")
    page.locator("#submit-btn").click()
    page.wait_for_url(re.compile(r"source=ANTARA"))
    params = parse_qs(urlparse(page.url).query)
    assert params["date_from"] == ["2024-01-01"] and params["sort"] == ["date"]
    results = page.get_by_test_id("result")
    sync_api.expect(results.first).to_have_attribute("data-source", "ANTARA")
    assert {results.nth(i).get_attribute("data-source") for i in range(results.count())} == {
        "ANTARA"}
    shot(page, "filtered-by-outlet")
    # newest first, across outlets, after clearing the outlet
    outlet.select_option("")
    page.get_by_test_id("date-from").fill("")
    page.locator("#submit-btn").click()
    page.wait_for_url(re.compile(r"^(?!.*source=).*sort=date"))
    sync_api.expect(results.first).to_have_attribute("data-published", "2025-12-04")
    dates = [results.nth(i).get_attribute("data-published") for i in range(results.count())]
    assert dates == sorted(dates, reverse=True)
    page.reload()  # the filters live in the URL
    sync_api.expect(page.get_by_test_id("sort")).to_have_value("date")


def test_empty_filter_result_says_why(page) -> None:  # noqa: ANN001
    page.goto("/?q=" + Q_ID.replace(" ", "+") + "&lang=en")
    page.get_by_test_id("no-answer").wait_for()
    sync_api.expect(page.get_by_test_id("no-answer")).to_contain_text("lang=en")
    sync_api.expect(page.locator("#results .empty")).to_contain_text("lang=en")
    sync_api.expect(page.get_by_test_id("more")).to_be_hidden()


def test_more_results_with_the_keyboard_alone(page) -> None:  # noqa: ANN001
    _search(page, "q=" + Q_KOREA.replace(" ", "+") + "&k=3")
    results = page.get_by_test_id("result")
    sync_api.expect(results).to_have_count(3)
    page.locator("#results a").last.focus()
    for _ in range(4):  # Tab from the last result reaches "more results"
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "more":
            break
    assert page.evaluate("document.activeElement.dataset.testid") == "more"
    page.keyboard.press("Enter")
    sync_api.expect(results).to_have_count(6)
    assert [results.nth(i).get_attribute("data-rank") for i in range(6)] == [
        "1", "2", "3", "4", "5", "6"]
    # focus moved to the first new result, so reading goes on from there
    assert page.evaluate("document.activeElement.closest('li').dataset.rank") == "4"
    sync_api.expect(page.get_by_test_id("total")).to_contain_text("6 ditampilkan")


def test_export_link_downloads_the_results_as_csv(page) -> None:  # noqa: ANN001
    _search(page, "q=" + Q_KOREA.replace(" ", "+") + "&source=ANTARA&sort=date")
    href = page.get_by_test_id("export-csv").get_attribute("href") or ""
    params = parse_qs(urlparse(href).query)
    assert params["format"] == ["csv"] and params["source"] == ["ANTARA"]
    assert params["sort"] == ["date"]
    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == ("rank,score,doc_id,title,source,published,url,page,"
                                    "char_start,char_end,text")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and {r["source"] for r in rows} == {"ANTARA"}


def test_citation_style_chooser_copies_the_chosen_style(page) -> None:  # noqa: ANN001
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    ask(page, Q_ID)
    chooser = page.get_by_test_id("cite-style")
    chooser.select_option("apa")
    button = page.get_by_test_id("copy-citation")
    sync_api.expect(button).to_have_attribute("data-citation", re.compile(
        r"^Peluncuran Pusat Komando IKN.*\(2024, November 20\)\. Gerbangkaltim\.com\.$"))
    button.focus()
    page.keyboard.press("Enter")
    sync_api.expect(page.locator(".copy-feedback")).to_have_text(re.compile("Tersalin|Copied"))
    assert page.evaluate("navigator.clipboard.readText()").startswith("Peluncuran Pusat Komando")
    chooser.select_option("bibtex")
    sync_api.expect(button).to_have_attribute("data-citation", re.compile(r"^@article\{"))
    page.reload()  # the chosen style is remembered
    page.get_by_test_id("answer").wait_for()
    sync_api.expect(page.get_by_test_id("cite-style")).to_have_value("bibtex")


def test_opened_article_lists_similar_articles(page) -> None:  # noqa: ANN001
    page.goto("/doc/001_35330518a0891c6f")
    similar = page.get_by_test_id("similar")
    sync_api.expect(similar).to_be_visible()
    items = similar.locator("li.similar-item")
    sync_api.expect(items).to_have_count(4)
    ids = [items.nth(i).get_attribute("data-doc-id") for i in range(4)]
    assert "001_35330518a0891c6f" not in ids
    items.first.locator("a").click()
    page.wait_for_url(re.compile(rf"/doc/{ids[0]}"))
    sync_api.expect(page.get_by_test_id("similar").locator("li.similar-item")).to_have_count(4)
    shot(page, "similar-articles")


def test_phone_width_with_the_filter_bar_and_similar_list(browser, base_url: str) -> None:  # noqa: ANN001
    with phone_page(browser, base_url) as pg:
        pg.goto("/?q=" + Q_KOREA.replace(" ", "+") + "&sort=date&date_from=2017-01-01&k=3")
        pg.get_by_test_id("result").first.wait_for()
        for testid in ("source-filter", "date-from", "date-to", "sort", "export-csv", "more"):
            box = pg.get_by_test_id(testid).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 + 1, testid
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
        shot(pg, "phone-filters")
        pg.goto("/doc/003_d42ff7a54c18c015")
        pg.get_by_test_id("similar").locator("li").first.wait_for()
        assert pg.evaluate("document.documentElement.scrollWidth") <= 375 + 1
