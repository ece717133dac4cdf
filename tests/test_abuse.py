"""A bounded abuse run against a real server: many maximum-cost requests at once are
answered or shed (never left hanging), health stays up, and the server is idle again once
the clients are gone; a large upload never stops searches. (The full-size runs and their
timings are ``telusur bench --sections abuse,upload``.)"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from eval.bench_abuse import _phase, _words, run_upload
from eval.bench_common import serve

pytestmark = pytest.mark.slow
SMALL_GATE = {"TELUSUR_MAX_INFLIGHT": "2", "TELUSUR_MAX_QUEUE": "4",
              "TELUSUR_QUEUE_WAIT": "1", "TELUSUR_RATE_LIMIT": "10/second"}


def test_max_cost_storm_is_shed_and_the_server_recovers(seed_index_dir: Path) -> None:
    words = _words()
    with serve(seed_index_dir, env=SMALL_GATE, capacity=False) as srv:
        patient = _phase(srv, 30, 60.0, words)
        # Gone before any answer could come (a maximum-cost /ask takes longer than 20 ms even
        # on a quiet machine; only instant refusals beat it).
        impatient = _phase(srv, 30, 0.02, words)
    codes = collections.Counter(patient["statuses"])
    assert set(codes) <= {"200", "429", "503"}, codes  # every request got an answer
    assert codes["200"] >= 1 and codes["429"] >= 1 and codes["503"] >= 1, codes
    for run in (patient, impatient):
        assert set(run["health_statuses"]) == {"200"}, run["health_statuses"]
        assert run["idle_after_s"] is not None, "still busy a minute after the clients left"
    assert "gave up" in impatient["statuses"]


def test_searches_go_on_during_an_upload(seed_index_dir: Path) -> None:
    result = run_upload(seed_index_dir, files=40, baseline_s=1.0, log=lambda _: None)
    assert result["upload_status"] == 200 and result["added"] == 40
    assert set(result["search_statuses"]) == {"200"}, result["search_statuses"]
    assert result["search_during_upload_ms"]["n"] >= 2  # answered while the write ran


def test_a_write_whose_client_leaves_is_stopped_uncommitted(
    seed_index_dir: Path, tmp_path: Path,
) -> None:
    import shutil
    import time

    import httpx

    from eval.bench_abuse import TOKEN, _files, _gauge

    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with serve(d, env={"TELUSUR_ADMIN_TOKEN": TOKEN}) as srv:
        before = httpx.get(srv["url"] + "/health").json()
        with pytest.raises(httpx.TimeoutException):  # the client gives up and disconnects
            httpx.post(srv["url"] + "/documents", files=_files(300), headers=auth, timeout=2)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            metrics = httpx.get(srv["url"] + "/metrics").text
            if _gauge(metrics, "telusur_write_in_progress") == 0:
                break
            time.sleep(0.2)
        assert _gauge(metrics, "telusur_write_in_progress") == 0, "the write went on"
        assert 'telusur_shed_total{reason="client_gone"} 1.0' in metrics
        after = httpx.get(srv["url"] + "/health").json()
        assert after["generation"] == before["generation"]  # nothing committed
        assert after["documents"] == before["documents"]
        r = httpx.post(srv["url"] + "/documents", headers=auth, timeout=120,
                       json={"id": "next", "text": "Banjir melanda Samarinda pekan ini."})
        assert r.status_code == 200 and r.json()["added"] == ["next"]  # the lane is free
