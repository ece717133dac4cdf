"""One settings object, read once from the environment and overridden by CLI flags."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, replace
from pathlib import Path

from index.encoders import DEFAULT_ENCODER
from index.judgements import FILENAME as JUDGEMENTS_FILE
from search.rankers import DEFAULT_RANKER

DEFAULT_INDEX_DIR = Path("~/.local/share/telusur/index").expanduser()


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    encoder: str = DEFAULT_ENCODER
    ranker: str = DEFAULT_RANKER
    admin_token: str | None = None
    max_upload_bytes: int = 10 * 1024 * 1024
    cache_size: int = 2048
    judgements: Path | None = None  # the judging view's file; None: beside the index

    @property
    def judgements_path(self) -> Path:
        return self.judgements or self.index_dir / JUDGEMENTS_FILE

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            index_dir=Path(env.get("TELUSUR_INDEX_DIR") or DEFAULT_INDEX_DIR).expanduser(),
            encoder=env.get("TELUSUR_ENCODER") or DEFAULT_ENCODER,
            ranker=env.get("TELUSUR_RANKER") or DEFAULT_RANKER,
            admin_token=env.get("TELUSUR_ADMIN_TOKEN") or None,
            max_upload_bytes=int(env.get("TELUSUR_MAX_UPLOAD_BYTES") or 10 * 1024 * 1024),
            cache_size=int(env.get("TELUSUR_CACHE_SIZE") or 2048),
            judgements=Path(env["TELUSUR_JUDGEMENTS"]).expanduser()
            if env.get("TELUSUR_JUDGEMENTS") else None,
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Settings:
        """The environment's settings with the command line's ``--index-dir``, ``--encoder``
        and ``--ranker`` on top (flags a command does not have are left alone)."""
        index_dir = getattr(args, "index_dir", None)
        return cls.from_env().with_overrides(
            index_dir=Path(index_dir).expanduser() if index_dir else None,
            encoder=getattr(args, "encoder", None), ranker=getattr(args, "ranker", None),
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
