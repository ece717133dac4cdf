"""Schemathesis against our own OpenAPI schema: no input gives a 5xx.

Two bounded runs: the shared read-only app with writes disabled (403), and an app on a
throwaway copy of the index with an admin token, so POST/DELETE /documents really run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from api.deps import Services
from api.settings import Settings
from index.encoders import Encoder
from search.engine import Searcher
from tests.conftest import UNHURRIED, services

TOKEN = "fuzz-token"
FUZZ = settings(
    max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _schema(app):  # noqa: ANN001, ANN202
    # No lifespan runs under schemathesis' ASGI transport: hand the services over directly.
    return schemathesis.openapi.from_asgi("/openapi.json", app)


@pytest.fixture(scope="module")
def read_only_schema(seed_index_dir: Path, searcher: Searcher, answerer):  # noqa: ANN001, ANN201
    s = Services(searcher=searcher, answerer=answerer)
    app = create_app(Settings(index_dir=seed_index_dir, **UNHURRIED), services=s)
    app.state.services = s
    return _schema(app)


@pytest.fixture(scope="module")
def writable_schema(  # noqa: ANN201
    seed_index_dir: Path, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
):
    d = tmp_path_factory.mktemp("fuzz") / "index"
    shutil.copytree(seed_index_dir, d)
    s = services(d, encoder)
    app = create_app(
        Settings(index_dir=d, admin_token=TOKEN, max_upload_bytes=64 * 1024, **UNHURRIED),
        services=s
    )
    app.state.services = s
    return _schema(app)


def _check(case) -> None:  # noqa: ANN001
    response = case.call()
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:500]}"
    )
    if response.status_code >= 400:
        assert "detail" in response.json(), response.text[:500]


def _fuzz(schema, *, headers: dict | None = None, methods: tuple[str, ...] = ()) -> int:  # noqa: ANN001
    """Run every operation's generated cases; returns how many operations ran."""
    ran = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if methods and operation.method.upper() not in methods:
            continue

        @FUZZ
        @given(case=operation.as_strategy())
        def run(case) -> None:  # noqa: ANN001
            if headers:
                case.headers = {**(case.headers or {}), **headers}
            _check(case)

        run()
        ran += 1
    return ran


def test_no_server_errors_writes_disabled(read_only_schema) -> None:  # noqa: ANN001
    assert _fuzz(read_only_schema) >= 6


def test_no_server_errors_with_admin_token(writable_schema) -> None:  # noqa: ANN001
    assert _fuzz(writable_schema, headers={"Authorization": f"Bearer {TOKEN}"},
                 methods=("POST", "DELETE")) >= 2
