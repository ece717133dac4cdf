"""One settings object, read once from the environment and overridden by CLI flags.

Every setting is checked when the object is made, so a bad value stops the server at start
with one line naming the variable (never a server that runs and fails each request).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from index.encoders import DEFAULT_ENCODER
from index.judgements import FILENAME as JUDGEMENTS_FILE
from index.store import BACKENDS, IndexStore
from search.rankers import DEFAULT_RANKER

DEFAULT_INDEX_DIR = Path("~/.local/share/telusur/index").expanduser()
LOG_FORMATS = ("json", "text")


class ConfigError(ValueError):
    """A setting cannot be used; the message names the environment variable."""


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    encoder: str = DEFAULT_ENCODER
    ranker: str = DEFAULT_RANKER
    reader: bool = True  # the trained reader rereads /ask's best sentences (off: features only)
    admin_token: str | None = None
    cache_size: int = 2048
    # ---- limits (README "Operating Telusur") ----
    max_body_bytes: int = 64 * 1024  # any request but an upload
    max_upload_bytes: int = 16 * 1024 * 1024  # one POST /documents, all files together
    max_upload_docs: int = 1000  # documents (and files) in one POST /documents
    max_inflight: int = 2  # /search and /ask computing at once
    max_queue: int = 16  # more of them waiting for a slot; beyond that 503
    queue_wait: float = 2.0  # seconds one waits for a slot before 503
    request_budget: float = 5.0  # seconds a /search or /ask may take from arrival
    rate_limit: str = "20/second;300/minute"  # per client on the expensive routes; "" = off
    write_wait: float = 10.0  # seconds a write waits for another write before 503
    metrics: bool = True
    log_format: str = "json"
    # ---- store backend (README "Scaling out") ----
    store: str = "local"  # where a new index keeps vectors and BM25: local or milvus
    milvus_uri: str | None = None  # default: a Milvus Lite file inside the index directory
    judgements: Path | None = None  # the judging view's file; None: beside the index

    @property
    def judgements_path(self) -> Path:
        return self.judgements or self.index_dir / JUDGEMENTS_FILE

    def __post_init__(self) -> None:
        check_token(self.admin_token)
        for name in ("max_body_bytes", "max_upload_bytes", "max_upload_docs", "max_inflight",
                     "cache_size"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{_env(name)}: must be at least 1")
        for name in ("max_queue", "queue_wait", "request_budget", "write_wait"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{_env(name)}: must not be negative")
        if self.store not in BACKENDS:
            raise ConfigError(f"TELUSUR_STORE: use one of {', '.join(BACKENDS)}")
        if self.log_format not in LOG_FORMATS:
            raise ConfigError(f"TELUSUR_LOG_FORMAT: use one of {', '.join(LOG_FORMATS)}")
        if self.rate_limit:
            from limits import parse_many

            try:
                parse_many(self.rate_limit)
            except ValueError:
                raise ConfigError(
                    f"TELUSUR_RATE_LIMIT: {self.rate_limit!r} is not a rate such as "
                    "'20/second;300/minute' (or 'off')") from None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(_env(f.name))
            if raw is None or (raw == "" and f.name != "admin_token"):
                continue
            values[f.name] = _PARSE.get(f.name, _typed(f.type))(raw, _env(f.name))
        return cls(**values)

    def index_store(self) -> IndexStore:
        """The configured index directory with its store backend."""
        return IndexStore(self.index_dir, backend=self.store, milvus_uri=self.milvus_uri)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """The environment's settings with the command line's ``--index-dir``, ``--encoder``
        and ``--ranker`` on top (flags a command does not have are left alone)."""
        index_dir = getattr(args, "index_dir", None)
        return cls.from_env().with_overrides(
            index_dir=Path(index_dir).expanduser() if index_dir else None,
            encoder=getattr(args, "encoder", None), ranker=getattr(args, "ranker", None),
            log_format=getattr(args, "log_format", None),
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


def check_token(token: str | None) -> None:
    """An admin token must be something a client can send and a person can type: printable
    ASCII without spaces. A non-ASCII token matches only clients that happen to send the
    header as Latin-1; a blank one would answer every write with 401."""
    if token is None:
        return
    if not token.strip():
        raise ConfigError("TELUSUR_ADMIN_TOKEN: blank; set a token (printable ASCII, no "
                          "spaces), or unset it to disable the write endpoints")
    if not (token.isascii() and token.isprintable()) or any(c.isspace() for c in token):
        raise ConfigError("TELUSUR_ADMIN_TOKEN: must be printable ASCII without spaces "
                          "(HTTP headers carry bytes; other characters do not match reliably)")


def _env(name: str) -> str:
    return "TELUSUR_" + name.upper()


def _typed(kind: object) -> Callable[[str, str], object]:
    def parse(raw: str, var: str) -> object:
        try:
            if kind in ("int", int):
                return int(raw)
            if kind in ("float", float):
                return float(raw)
        except ValueError:
            raise ConfigError(f"{var}: {raw!r} is not a number") from None
        return raw
    return parse


def _flag(raw: str, var: str) -> bool:
    if raw.lower() in ("1", "on", "true", "yes"):
        return True
    if raw.lower() in ("0", "off", "false", "no"):
        return False
    raise ConfigError(f"{var}: use on or off")


_PARSE: dict[str, Callable[[str, str], Any]] = {
    "index_dir": lambda raw, _: Path(raw).expanduser(),
    "admin_token": lambda raw, _: raw or None,
    "rate_limit": lambda raw, _: "" if raw.lower() in ("off", "0", "none") else raw,
    "metrics": _flag,
    "reader": _flag,
    "judgements": lambda raw, _: Path(raw).expanduser(),
}
