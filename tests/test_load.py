"""A short run of the load tool: real server, concurrent reads, writes, nothing lost."""

from __future__ import annotations

import shutil
from pathlib import Path

from eval import load


def test_short_load_run(tmp_path: Path, seed_index_dir: Path) -> None:
    d = tmp_path / "index"
    shutil.copytree(seed_index_dir, d)
    proc, url = load.start_server(d, "load-test-token")
    try:
        result = load.run(url, clients=4, seconds=3, token="load-test-token", write_every=1.0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert result["errors"] == 0, result["error_samples"]
    assert result["docs_added"] >= 1 and result["docs_lost"] == 0
    assert {r["endpoint"] for r in result["rows"]} >= {"/search", "/ask", "POST /documents"}
    assert "| /search |" in load.to_markdown(result)
