"""Abuse and heavy writes against a served index: ``telusur bench --sections abuse,upload``.

* abuse: N clients at once each send a maximum-cost ``POST /ask`` (a distinct
  2,000-character question, k=50) while a separate client probes ``/health`` every 50 ms.
  Patient clients wait up to 30 s for their answer; impatient ones give up after 1 s and
  leave. Measured: every status and its latency, ``/health`` latency during the storm, and
  how long after the last client left the server is idle again (no request in flight, no
  search slot busy, under 10% of a core). Run with the shipped limits and with the per-client
  rate turned off (then only the gate sheds).
* upload: one ``POST /documents`` of many small files while one client searches with
  never-seen queries back to back; ``/search`` latency with and without the upload.

Targets (issue 14): every abuse request answered 200, 429 or 503 within 10 s, ``/health``
p99 under 100 ms, idle within 5 s of the clients leaving; ``/search`` p99 under 200 ms
during a 1,000-file upload.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eval.bench_common import SEEDS, load_average, pct, serve
from eval.bench_questions import unique

TOKEN = "bench-abuse-token"
NO_RATE = {"TELUSUR_RATE_LIMIT": "off"}


def _words() -> list[str]:
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return re.findall(r"\w+", text)


def max_cost_question(i: int, words: list[str]) -> str:
    """A distinct 2,000-character question (no cache helps): seed words from offset ``i``."""
    out = f"Pertanyaan {i}: "
    j = i * 7
    while len(out) < 2000:
        out += words[j % len(words)] + " "
        j += 1
    return out[:1999] + "?"


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _gauge(text: str, name: str) -> float:
    m = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.M)
    return float(m.group(1)) if m else float("nan")


def seconds_to_idle(url: str, pid: int, *, limit: float = 60.0) -> float | None:
    """Seconds until nothing is in flight (but the probe), no slot is busy and the process
    uses under 10% of a core over 0.25 s; ``None`` if not within ``limit``."""
    import httpx

    t0 = time.perf_counter()
    with httpx.Client(base_url=url, timeout=5) as c:
        while time.perf_counter() - t0 < limit:
            cpu0, w0 = _cpu_seconds(pid), time.perf_counter()
            time.sleep(0.25)
            busy_cpu = (_cpu_seconds(pid) - cpu0) / (time.perf_counter() - w0)
            text = c.get("/metrics").text
            if (_gauge(text, "telusur_requests_in_flight") <= 1
                    and _gauge(text, "telusur_search_slots_busy") == 0 and busy_cpu < 0.10):
                return round(time.perf_counter() - t0, 2)
    return None


class _Prober(threading.Thread):
    """Sends ``request(client, i)`` back to back (or every ``every`` s) until stopped."""

    def __init__(self, url: str, request: Callable[[Any, int], Any], every: float = 0.0) -> None:
        super().__init__(daemon=True)
        self.url, self.request, self.every = url, request, every
        self.ms: list[float] = []
        self.codes: collections.Counter[str] = collections.Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=30) as c:
            i = 0
            while not self.stop.is_set():
                t = time.perf_counter()
                try:
                    self.codes[str(self.request(c, i).status_code)] += 1
                except httpx.HTTPError as exc:
                    self.codes[type(exc).__name__] += 1
                self.ms.append((time.perf_counter() - t) * 1000)
                i += 1
                if self.every:
                    self.stop.wait(max(self.every - (time.perf_counter() - t), 0))


async def _storm(url: str, n: int, timeout: float, words: list[str]) -> tuple[list, float]:
    import httpx

    limits = httpx.Limits(max_connections=n, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=timeout, limits=limits) as c:
        async def one(i: int) -> tuple[str, float]:
            t = time.perf_counter()
            try:
                r = await c.post("/ask", json={"question": max_cost_question(i, words),
                                               "k": 50})
                code = str(r.status_code)
            except httpx.TimeoutException:
                code = "gave up"
            except httpx.HTTPError as exc:
                code = type(exc).__name__
            return code, (time.perf_counter() - t) * 1000

        out = await asyncio.gather(*(one(i) for i in range(n)))
    return list(out), time.perf_counter()


def _probe_health(url: str, stop: Any, out: Any) -> None:
    """(In its own process, so the storm's client does not slow the probe down.)"""
    prober = _Prober(url, lambda c, _: c.get("/health"), every=0.05)
    prober.start()
    stop.wait()
    prober.stop.set()
    prober.join()
    out.put((prober.ms, dict(prober.codes)))


def _phase(srv: dict, n: int, timeout: float, words: list[str]) -> dict[str, Any]:
    import multiprocessing

    mp = multiprocessing.get_context("spawn")
    stop, box = mp.Event(), mp.Queue()
    health = mp.Process(target=_probe_health, args=(srv["url"], stop, box), daemon=True)
    health.start()
    time.sleep(1.0)  # the probe is up before the storm starts
    results, left = asyncio.run(_storm(srv["url"], n, timeout, words))
    idle = seconds_to_idle(srv["url"], srv["pid"])
    stop.set()
    health_ms, health_codes = box.get(timeout=60)
    health.join(timeout=10)
    codes = collections.Counter(code for code, _ in results)
    lat = [ms for _, ms in results]
    return {
        "clients": n, "client_timeout_s": timeout, "statuses": dict(codes),
        "latency_ms": pct(lat), "max_ms": round(max(lat), 1),
        "answered_within_10s": sum(1 for c, ms in results
                                   if c in ("200", "429", "503") and ms <= 10_000),
        "health_ms": pct(health_ms), "health_statuses": health_codes,
        "idle_after_s": idle, "load_average": load_average(),
    }


def run_abuse(index_dir: Path, *, clients: int = 200, log: Callable[[str], None] = print,
              ) -> dict[str, Any]:
    words = _words()
    out: dict[str, Any] = {"clients": clients, "question_chars": 2000, "k": 50, "runs": []}
    for name, env in (("shipped limits", {}), ("no per-client rate (gate only)", NO_RATE)):
        with serve(index_dir, env=env, capacity=False) as srv:
            for timeout in (30.0, 1.0):
                log(f"abuse: {clients} max-cost /ask, {name}, clients wait {timeout:g} s "
                    f"(load {load_average()})")
                row = _phase(srv, clients, timeout, words)
                row["limits"] = name
                out["runs"].append(row)
                log(f"abuse: {row['statuses']}, max {row['max_ms']} ms, /health p99 "
                    f"{row['health_ms'].get('p99')} ms, idle after {row['idle_after_s']} s")
    patient = [r for r in out["runs"] if r["client_timeout_s"] > 10]
    out["met"] = {
        "answered_within_10s": all(r["answered_within_10s"] == clients for r in patient),
        "health_p99_under_100ms": all(r["health_ms"].get("p99", 1e9) < 100
                                      for r in out["runs"]),
        "idle_within_5s": all(r["idle_after_s"] is not None and r["idle_after_s"] <= 5
                              for r in out["runs"]),
    }
    return out


def _files(n: int) -> list[tuple[str, tuple[str, bytes, str]]]:
    words = _words()
    files = []
    for i in range(n):
        body = " ".join(words[(i * 13 + j) % len(words)] for j in range(40))
        text = f"Berita singkat nomor {i}. {body.capitalize()}.\n"
        files.append(("files", (f"upload-{i:05d}.txt", text.encode(), "text/plain")))
    return files


def _copy(src: Path, dst: Path) -> Path:
    """The upload writes: it gets its own copy of the index."""
    shutil.copytree(src, dst)
    return dst


def run_upload(index_dir: Path, *, files: int = 1000, baseline_s: float = 10.0,
               log: Callable[[str], None] = print) -> dict[str, Any]:
    import httpx

    env = {**NO_RATE, "TELUSUR_ADMIN_TOKEN": TOKEN}

    def search(c: httpx.Client, i: int) -> httpx.Response:
        return c.get("/search", params={"q": unique(50_000 + i), "k": 10})

    with tempfile.TemporaryDirectory() as tmp, serve(
            _copy(index_dir, Path(tmp) / "index"), env=env, capacity=False) as srv:
        base = _Prober(srv["url"], search)
        base.start()
        time.sleep(baseline_s)
        base.stop.set()
        base.join()
        log(f"upload: /search alone p99 {pct(base.ms).get('p99')} ms; uploading {files} "
            f"files (load {load_average()})")
        during = _Prober(srv["url"], lambda c, i: search(c, 10_000 + i))
        during.start()
        t = time.perf_counter()
        r = httpx.post(srv["url"] + "/documents", files=_files(files),
                       headers={"Authorization": f"Bearer {TOKEN}"}, timeout=3600)
        upload_s = time.perf_counter() - t
        during.stop.set()
        during.join()
    body: dict[str, Any] = (r.json() if r.headers.get("content-type", "").startswith(
        "application/json") else {})
    result: dict[str, Any] = {
        "files": files, "upload_status": r.status_code, "upload_s": round(upload_s, 1),
        "added": len(body.get("added", [])), "search_alone_ms": pct(base.ms),
        "search_during_upload_ms": pct(during.ms), "search_statuses": dict(during.codes),
        "load_average": load_average(),
    }
    result["met"] = bool(r.status_code == 200
                         and result["search_during_upload_ms"].get("p99", 1e9) < 200)
    log(f"upload: {r.status_code} in {result['upload_s']} s; /search during it p99 "
        f"{result['search_during_upload_ms'].get('p99')} ms")
    return result


def render(r: dict[str, Any]) -> list[str]:
    """bench.md lines for the abuse and upload sections."""
    lines: list[str] = []
    a = r.get("abuse")
    if a:
        lines += [f"## Abuse: {a['clients']} concurrent maximum-cost /ask", "",
                  f"Each a distinct {a['question_chars']}-character question with k={a['k']}; "
                  "/health probed every 50 ms meanwhile.", "",
                  "| limits | clients wait | statuses | p50 ms | max ms | within 10 s | "
                  "/health p99 ms | idle after s |", "|---|---:|---|---:|---:|---:|---:|---:|"]
        for x in a["runs"]:
            st = ", ".join(f"{k}: {v}" for k, v in sorted(x["statuses"].items()))
            lines.append(f"| {x['limits']} | {x['client_timeout_s']:g} s | {st} | "
                         f"{x['latency_ms'].get('p50')} | {x['max_ms']} | "
                         f"{x['answered_within_10s']} | {x['health_ms'].get('p99')} | "
                         f"{x['idle_after_s']} |")
        m = a["met"]
        lines += ["", f"Targets: all answered within 10 s {_ok(m['answered_within_10s'])}; "
                  f"/health p99 < 100 ms {_ok(m['health_p99_under_100ms'])}; idle within "
                  f"5 s {_ok(m['idle_within_5s'])}.", ""]
    u = r.get("upload")
    if u:
        lines += [f"## Reads during a {u['files']}-file upload", "",
                  "| measurement | requests | p50 ms | p99 ms |", "|---|---:|---:|---:|",
                  f"| /search alone | {u['search_alone_ms'].get('n')} | "
                  f"{u['search_alone_ms'].get('p50')} | {u['search_alone_ms'].get('p99')} |",
                  f"| /search during the upload | {u['search_during_upload_ms'].get('n')} | "
                  f"{u['search_during_upload_ms'].get('p50')} | "
                  f"{u['search_during_upload_ms'].get('p99')} |", "",
                  f"Upload: HTTP {u['upload_status']}, {u['added']} documents in "
                  f"{u['upload_s']} s. Target /search p99 < 200 ms: {_ok(u['met'])}.", ""]
    return lines


def _ok(flag: bool) -> str:
    return "✅ met" if flag else "❌ missed"
