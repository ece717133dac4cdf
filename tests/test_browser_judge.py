"""The judging view in a real Chromium against a real ``telusur serve`` process: two
evaluators judge three queries with the keyboard, the server is stopped and started again
on the same index, the judgements are still there, the exports download, and ``telusur
eval`` scores them (with the evaluators' agreement)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

# Chromium and playwright are checked (and the module skipped without them) by test_browser.
from tests import test_browser  # noqa: E402
from tests.test_browser import SHOTS, TIMEOUT_MS, sync_api  # noqa: E402

browser = test_browser.browser  # the same module-scoped Chromium fixture

httpx = pytest.importorskip("httpx")

from index.judgements import read_judgements, to_trec_qrels  # noqa: E402

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[1]
TOKEN = "judging-token-for-the-browser-test"
LONG = 120_000  # ms: the first pool after a (re)start loads the models on a busy machine
QUERIES = ["Berapa nilai hibah USTDA untuk IKN?", "Who funded the command center in Nusantara?",
           "Kapan SCCC diresmikan?"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(index_dir: Path, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "TELUSUR_ADMIN_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir), "--port",
         str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"telusur serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise RuntimeError("telusur serve did not answer /health in time")


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _page(browser, url: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=url,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS * 4)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/judge")
    page.get_by_test_id("token").fill(TOKEN)
    return page, errors


def _as(page, evaluator: str) -> None:  # noqa: ANN001
    page.get_by_test_id("evaluator").fill(evaluator)


def _pool(page, query: str) -> None:  # noqa: ANN001
    page.get_by_test_id("judge-query").fill(query)
    page.get_by_test_id("judge-query").press("Enter")
    sync_api.expect(page.get_by_test_id("judge-status")).to_contain_text("0 of", timeout=LONG)
    assert page.get_by_test_id("pool-item").count() >= 5


def _grade_with_keys(page) -> None:  # noqa: ANN001
    status = page.get_by_test_id("judge-status")
    page.keyboard.press("1")  # relevant
    sync_api.expect(status).to_contain_text("1 of", timeout=LONG)
    page.keyboard.press("n")  # not relevant
    sync_api.expect(status).to_contain_text("2 of", timeout=LONG)
    page.keyboard.press("ArrowDown")  # skip the third
    page.keyboard.press("2")  # partly
    sync_api.expect(status).to_contain_text("3 of", timeout=LONG)
    items = page.get_by_test_id("pool-item")
    assert items.nth(0).get_attribute("data-grade") == "2"
    assert items.nth(1).get_attribute("data-grade") == "0"
    assert items.nth(2).get_attribute("data-grade") is None
    assert items.nth(3).get_attribute("data-grade") == "1"
    sync_api.expect(items.nth(3).get_by_test_id("grade-1")).to_have_attribute(
        "aria-pressed", "true", timeout=LONG)


def _grade_the_rest(page) -> None:  # noqa: ANN001
    """After ``_grade_with_keys``: every other passage too, alternating grades."""
    items = page.get_by_test_id("pool-item")
    n = items.count()
    status = page.get_by_test_id("judge-status")
    for i in range(4, n):
        page.keyboard.press("r" if i % 2 else "3")
        sync_api.expect(status).to_contain_text(f"{i} of {n}", timeout=LONG)
    items.nth(2).get_by_test_id("grade-0").click()  # the skipped one, with the mouse
    sync_api.expect(status).to_contain_text(f"{n} of {n}", timeout=LONG)


def _download(page, which: str, to: Path) -> Path:  # noqa: ANN001
    with page.expect_download() as info:
        page.get_by_test_id(f"export-{which}").click()
    path = to / info.value.suggested_filename
    info.value.save_as(path)
    return path


def _eval(*args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "api.cli", "eval", *args, "--json", "--quiet",
                           "--no-answers"], capture_output=True, text=True, cwd=ROOT,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_judge_restart_export_and_evaluate(browser, tmp_path: Path,  # noqa: ANN001
                                           seed_index_dir: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(seed_index_dir, index)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    server = _serve(index, port)
    try:
        page, errors = _page(browser, url)
        _as(page, "ana")
        for q in QUERIES:
            _pool(page, q)
            _grade_with_keys(page)
        _as(page, "budi")  # a second evaluator on the first query
        _pool(page, QUERIES[0])
        _grade_with_keys(page)
        _grade_the_rest(page)
        n_budi = page.get_by_test_id("pool-item").count()
        judged = page.get_by_test_id("judged-queries").locator("li")
        sync_api.expect(judged).to_have_count(3, timeout=LONG)
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "judge.png"), full_page=True)
        assert not errors, errors
        page.context.close()
    finally:
        _stop(server)
    assert len(read_judgements(index / "judgements.jsonl")) == 9 + n_budi

    server = _serve(index, port)  # a real restart: a new process on the same index
    try:
        page, errors = _page(browser, url)
        _as(page, "ana")
        page.get_by_test_id("evaluator").press("Tab")  # 'change': the judged list loads
        judged = page.get_by_test_id("judged-queries").locator("li")
        sync_api.expect(judged).to_have_count(3, timeout=LONG)
        judged.filter(has_text=QUERIES[1]).get_by_role("button").click()
        sync_api.expect(page.get_by_test_id("judge-status")).to_contain_text("3 of", timeout=LONG)
        assert page.locator("[data-testid=pool-item][data-grade]").count() == 3
        files = {w: _download(page, w, tmp_path) for w in ("qrels", "queries", "eval", "records")}
        assert not errors, errors
        page.context.close()
    finally:
        _stop(server)

    stored = read_judgements(index / "judgements.jsonl")
    assert files["qrels"].read_text() == to_trec_qrels(stored)
    from_qrels = _eval(str(files["qrels"]), "--queries", str(files["queries"]),
                       "--index-dir", str(index))
    from_eval = _eval(str(files["eval"]), "--index-dir", str(index))
    from_records = _eval(str(files["records"]), "--index-dir", str(index))
    assert from_qrels["n"] == from_eval["n"] == from_records["n"] == 3
    strip = lambda d: {m: {g: {k: v for k, v in x.items() if not k.endswith("_ms")}  # noqa: E731
                           for g, x in gs.items()} for m, gs in d["modes"].items()}
    assert strip(from_qrels) == strip(from_eval) == strip(from_records)
    assert from_eval["modes"]["hybrid"]["all"]["n"] == 3  # each query has a relevant passage
    (pair,) = from_records["agreement"]["pairs"]
    assert (pair["a"], pair["b"], pair["queries"], pair["passages"]) == ("ana", "budi", 1, 3)
    assert pair["kappa"] is None or -1 <= pair["kappa"] <= 1
