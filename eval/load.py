"""Load test: concurrent /search and /ask while documents are added, then check none was lost.

    python -m eval.load --url http://127.0.0.1:8000 --clients 16 --seconds 30 --admin-token T
    python -m eval.load --start-server --index-dir DIR --clients 16 --seconds 30

With ``--start-server`` a ``telusur serve`` subprocess is started on a free loopback port
with a fresh admin token, and stopped at the end. Only loopback URLs are accepted.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx
import numpy as np

QUESTIONS_ID = [
    "Siapa yang memenangkan pemilihan?", "banjir di Jakarta", "harga beras naik",
    "Kapan gempa terjadi?", "Berapa korban jiwa?", "kebijakan pemerintah tentang ekspor",
    "Di mana lokasi kejadian?", "pertumbuhan ekonomi Indonesia",
]
QUESTIONS_EN = [
    "Who won the election?", "flood in Jakarta", "Why did rice prices rise?",
    "When did the earthquake happen?", "How many people died?", "government export policy",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies.setdefault(endpoint, []).append(ms)
            if error is not None:
                self.errors[endpoint] = self.errors.get(endpoint, 0) + 1
                if len(self.error_samples) < 10:
                    self.error_samples.append(f"{endpoint}: {error}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_loopback(url: str) -> None:
    host = urlparse(url).hostname
    if host not in LOOPBACK:
        raise SystemExit(f"eval.load: only loopback URLs are allowed, not {host!r}")


def start_server(index_dir: Path, token: str, *, timeout: float = 180) -> tuple[
    subprocess.Popen, str
]:
    port = _free_port()
    from eval.bench_common import CAPACITY_ENV

    env = {**os.environ, **CAPACITY_ENV, "TELUSUR_ADMIN_TOKEN": token}
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--index-dir", str(index_dir), "--log-level", "warning"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise SystemExit(f"eval.load: server exited: {err[-2000:]}")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit("eval.load: server did not become healthy in time")


def _client_loop(url: str, n: int, until: float, stats: Stats, seed: int) -> None:
    rng = np.random.default_rng(seed)
    questions = QUESTIONS_ID + QUESTIONS_EN
    with httpx.Client(base_url=url, timeout=60) as http:
        i = 0
        while time.monotonic() < until and i < 1_000_000:
            i += 1
            q = questions[int(rng.integers(len(questions)))]
            endpoint = "/search" if rng.random() < 0.6 else "/ask"
            t = time.perf_counter()
            error = None
            try:
                if endpoint == "/search":
                    r = http.get("/search", params={"q": q, "k": 10})
                else:
                    r = http.post("/ask", json={"question": q, "k": 5})
                if r.status_code != 200:
                    error = f"HTTP {r.status_code}: {r.text[:200]}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            stats.record(endpoint, (time.perf_counter() - t) * 1000, error)


def _writer_loop(
    url: str, token: str, until: float, every: float, stats: Stats, added: list[dict],
    run_id: str,
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, timeout=120, headers=headers) as http:
        n = 0
        while time.monotonic() < until and n < 10_000:
            t0 = time.monotonic()
            doc_id = f"load-{run_id}-{n:04d}"
            word = f"kodeuji{run_id}x{n:04d}"
            body = {
                "id": doc_id, "title": f"Berita uji beban {n}",
                "text": f"Dinas setempat melaporkan {word} pada pagi hari. "
                        f"Petugas memeriksa laporan {word} di kantor kecamatan.",
            }
            t = time.perf_counter()
            error = None
            try:
                r = http.post("/documents", json=body)
                if r.status_code != 200:
                    error = f"HTTP {r.status_code}: {r.text[:200]}"
                else:
                    added.append({"id": doc_id, "word": word})
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            stats.record("POST /documents", (time.perf_counter() - t) * 1000, error)
            n += 1
            time.sleep(max(0.0, every - (time.monotonic() - t0)))


def verify(url: str, added: list[dict]) -> list[str]:
    """Ids of added documents that are not stored or not found by searching their word."""
    lost = []
    with httpx.Client(base_url=url, timeout=60) as http:
        for d in added:
            ok = http.get(f"/documents/{d['id']}").status_code == 200
            if ok:
                r = http.get("/search", params={"q": d["word"], "k": 5, "mode": "bm25"})
                ok = r.status_code == 200 and d["id"] in {
                    h["doc_id"] for h in r.json()["results"]
                }
            if not ok:
                lost.append(d["id"])
    return lost


def _row(name: str, lat: list[float], errors: int, seconds: float) -> dict:
    a = np.asarray(lat) if lat else np.zeros(1)
    return {
        "endpoint": name, "requests": len(lat), "errors": errors,
        "p50_ms": round(float(np.percentile(a, 50)), 1),
        "p95_ms": round(float(np.percentile(a, 95)), 1),
        "p99_ms": round(float(np.percentile(a, 99)), 1),
        "qps": round(len(lat) / seconds, 1),
    }


def run(
    url: str, *, clients: int, seconds: float, token: str | None, write_every: float = 2.0,
) -> dict:
    _check_loopback(url)
    with httpx.Client(base_url=url, timeout=300) as http:  # warm-up: load model, ranker
        http.get("/search", params={"q": QUESTIONS_ID[0]})
        http.post("/ask", json={"question": QUESTIONS_EN[0]})
    stats = Stats()
    added: list[dict] = []
    run_id = secrets.token_hex(3)
    t0 = time.monotonic()
    until = t0 + seconds
    threads = [
        threading.Thread(target=_client_loop, args=(url, i, until, stats, i), daemon=True)
        for i in range(clients)
    ]
    if token:
        threads.append(threading.Thread(
            target=_writer_loop, args=(url, token, until, write_every, stats, added, run_id),
            daemon=True,
        ))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 300)
    elapsed = time.monotonic() - t0
    lost = verify(url, added)
    rows = [
        _row(name, stats.latencies.get(name, []), stats.errors.get(name, 0), elapsed)
        for name in ("/search", "/ask", "POST /documents") if name in stats.latencies
    ]
    reads = stats.latencies.get("/search", []) + stats.latencies.get("/ask", [])
    rows.append(_row(
        "reads overall", reads, stats.errors.get("/search", 0) + stats.errors.get("/ask", 0),
        elapsed,
    ))
    return {
        "url": url, "clients": clients, "seconds": round(elapsed, 1), "rows": rows,
        "errors": sum(stats.errors.values()), "error_samples": stats.error_samples,
        "docs_added": len(added), "docs_lost": len(lost), "lost_ids": lost,
    }


def to_markdown(result: dict) -> str:
    lines = [
        f"Load: {result['clients']} clients, {result['seconds']} s, {result['url']}",
        "",
        "| endpoint | requests | errors | p50 ms | p95 ms | p99 ms | qps |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['endpoint']} | {r['requests']} | {r['errors']} | {r['p50_ms']} | "
            f"{r['p95_ms']} | {r['p99_ms']} | {r['qps']} |"
        )
    lines += ["", f"Documents added during the run: {result['docs_added']}, "
                  f"lost: {result['docs_lost']}"]
    if result["error_samples"]:
        lines += ["", "Errors (first few):", *[f"- {e}" for e in result["error_samples"]]]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval.load", description=__doc__.split("\n")[0])
    p.add_argument("--url", help="a running server (loopback only)")
    p.add_argument("--start-server", action="store_true", help="start `telusur serve` itself")
    p.add_argument("--index-dir", help="index for --start-server (it gets written to)")
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--admin-token", help="token for POST /documents (default with "
                   "--start-server: a fresh random one; $TELUSUR_ADMIN_TOKEN otherwise)")
    p.add_argument("--write-every", type=float, default=2.0, help="seconds between added docs")
    p.add_argument("--out", help="write the Markdown table here (and JSON beside it)")
    args = p.parse_args(argv)
    if not 1 <= args.clients <= 256 or not 0 < args.seconds <= 3600:
        p.error("--clients must be 1..256 and --seconds 0..3600")
    if bool(args.url) == bool(args.start_server):
        p.error("give either --url or --start-server")
    token = args.admin_token or os.environ.get("TELUSUR_ADMIN_TOKEN")
    proc = None
    url = args.url
    if args.start_server:
        if not args.index_dir:
            p.error("--start-server needs --index-dir")
        token = token or secrets.token_urlsafe(24)
        proc, url = start_server(Path(args.index_dir), token)
    try:
        result = run(url, clients=args.clients, seconds=args.seconds, token=token,
                     write_every=args.write_every)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    md = to_markdown(result)
    print(md, end="")
    if args.out:
        out = Path(args.out)
        out.write_text(md, encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0 if result["errors"] == 0 and result["docs_lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
