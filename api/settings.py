"""One settings object, read once from the environment (and overridden by CLI flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from index.encoders import DEFAULT_ENCODER

DEFAULT_INDEX_DIR = Path("~/.local/share/telusur/index").expanduser()


@dataclass(frozen=True)
class Settings:
    index_dir: Path = DEFAULT_INDEX_DIR
    encoder: str = DEFAULT_ENCODER
    admin_token: str | None = None
    max_upload_bytes: int = 10 * 1024 * 1024
    cache_size: int = 2048

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            index_dir=Path(env.get("TELUSUR_INDEX_DIR") or DEFAULT_INDEX_DIR).expanduser(),
            encoder=env.get("TELUSUR_ENCODER") or DEFAULT_ENCODER,
            admin_token=env.get("TELUSUR_ADMIN_TOKEN") or None,
            max_upload_bytes=int(env.get("TELUSUR_MAX_UPLOAD_BYTES") or 10 * 1024 * 1024),
            cache_size=int(env.get("TELUSUR_CACHE_SIZE") or 2048),
        )

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
