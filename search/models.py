"""Trained model files: one format, saved with their provenance, loaded strictly.

Every shipped model (``search/models/*.json``) records what it is (``kind``), the feature
names it was trained on, the encoder whose vectors its features read (or none), the code
version, the checksums of its training data and the command that rebuilds it (``make
train``). Loading refuses — with a message saying how to fix it — a missing or unreadable
file, another kind, another feature set or another encoder; it never falls back silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

MODEL_DIR = Path(__file__).with_name("models")
MODEL_FORMAT = "telusur-model"
REBUILD = "rebuild the models with: make train"


class ModelError(RuntimeError):
    """A trained model file cannot be used as it is; the message says how to fix it."""


def model_path(kind: str) -> Path:
    return MODEL_DIR / f"{kind}.json"


def file_checksums(paths: Iterable[str | Path]) -> dict[str, str]:
    out = {}
    for p in map(Path, paths):
        h = hashlib.sha256(p.read_bytes()).hexdigest()
        out[p.name] = h
    return out


def code_version() -> str:
    """The git commit the trainer ran on (with ``+dirty`` for uncommitted changes)."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                                text=True, check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=root, capture_output=True, text=True, check=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def save_model(
    path: Path, *, kind: str, features: Sequence[str], encoder: str | None,
    params: dict[str, Any], data: Iterable[str | Path], command: str,
    measurements: dict[str, Any] | None = None,
) -> None:
    spec = {
        "format": MODEL_FORMAT, "kind": kind, "features": list(features), "encoder": encoder,
        "provenance": {
            "code_version": code_version(),
            "trained_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "data_sha256": file_checksums(data), "command": command,
        },
        "measurements": measurements or {},
        "params": params,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def load_model(
    path: Path, *, kind: str, features: Sequence[str] | None, encoder: str | None,
) -> dict[str, Any]:
    """The ``params`` of a model file, after checking it is the model asked for."""
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"the {kind} model {path} is missing; {REBUILD}") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"the {kind} model {path} is unreadable ({exc}); {REBUILD}") from None
    if not isinstance(spec, dict) or spec.get("format") != MODEL_FORMAT:
        raise ModelError(f"{path} is not a Telusur model file; {REBUILD}")
    if spec.get("kind") != kind:
        raise ModelError(f"{path} holds a {spec.get('kind')!r} model, not a {kind!r} one")
    if features is not None and list(spec.get("features", [])) != list(features):
        raise ModelError(
            f"the {kind} model {path} was trained on other features than this code computes; "
            + REBUILD)
    trained_for = spec.get("encoder")
    if trained_for is not None and encoder is not None and trained_for != encoder:
        raise ModelError(
            f"the {kind} model was trained on vectors of encoder {trained_for!r}, but the index "
            f"uses {encoder!r}: {REBUILD} ENCODER=...{_ranker_hint(kind)}")
    params = spec.get("params")
    if not isinstance(params, dict):
        raise ModelError(f"{path} has no parameters; {REBUILD}")
    return params


def _ranker_hint(kind: str) -> str:
    if kind != "ranker":
        return ""
    return ", or choose a ranker that needs no training (TELUSUR_RANKER=dbsf)"
