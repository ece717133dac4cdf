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
        impatient = _phase(srv, 30, 0.5, words)
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
