"""The HTTP API and the web page: the app, its lifespan, its middleware and error handling.

Every request passes, outermost first: ``SecurityHeaders`` (CSP and friends on every
response), ``RequestContext`` (request id, access log, metrics, last-resort 500),
``EdgeLimits`` (body caps, per-client rates), then the routes; /search and /ask run through
the read ``Gate``, writes through the ``WriteLane`` (``api.limits``).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from api import problems
from api.deps import Guards, Services
from api.errors import HTTP_STATUS, RateLimited, Shed, http_status, retry_headers
from api.headers import SecurityHeaders
from api.limits import ClientRates, EdgeLimits, route_matcher
from api.observe import Metrics, RequestContext
from api.routes import admin, ask, docs, documents, health, judge, metrics, pages, search
from api.routes.pages import STATIC
from api.settings import Settings
from index.budget import Stopped
from index.encoders import load_encoder
from search.answer.ask import Answerer
from search.engine import Searcher
from search.query import Query

log = logging.getLogger(__name__)
EXPENSIVE = (("GET", "/search"), ("POST", "/ask"), ("POST", "/documents"),
             ("DELETE", "/documents/"), ("GET", "/judge/pool"))
# Through the read Gate:
GATED = frozenset({("GET", "/search"), ("POST", "/ask"), ("GET", "/judge/pool")})


def build_services(settings: Settings) -> Services:
    """The searcher and the answer models, for the configured index, encoder and ranker."""
    encoder = load_encoder(settings.encoder)
    searcher = Searcher(settings.index_store(), encoder, ranker=settings.ranker,
                        cache_size=settings.cache_size)
    return Services(searcher=searcher,
                    answerer=Answerer.load(encoder.id, reader=settings.reader))


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the app; the services (encoder, index, models) are made in the lifespan, once."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = services or build_services(settings)
        s.searcher.context  # noqa: B018 - open the index now: a broken index fails at start
        if settings.admin_token and (problem := s.searcher.store.write_problem()):
            log.warning("writes are enabled (TELUSUR_ADMIN_TOKEN) but the index at %s is "
                        "read-only: %s; write requests will answer 503",
                        s.searcher.store.dir, problem)
        if s.searcher.context.data.n_passages:  # lazy loads and caches filled before traffic
            s.answerer.ask(s.searcher, Query.parse("Siapa kepala otorita?", k=1))
        guards = Guards.of(settings)
        app.state.services, app.state.guards = s, guards
        yield
        guards.reads.close()
        guards.writes.close()

    app = FastAPI(
        title="Telusur",
        description=(
            "Semantic search and extractive question answering over Indonesian news, "
            "in Indonesian or English, with exact citations."
        ),
        version="0.2.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.metrics = telemetry = Metrics()
    telemetry.gauges(lambda: _gauges(app))
    _install_error_handlers(app, telemetry)
    _document_error_shape(app)
    for module in (pages, search, ask, documents, admin, judge, health, docs, metrics):
        app.include_router(module.router)
    app.mount(docs.ASSETS_URL, StaticFiles(directory=docs.assets_dir()), name="docs-assets")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(
        EdgeLimits, body_limit=lambda m, p: _body_limit(settings, m, p),
        rated=route_matcher(EXPENSIVE),
        rates=ClientRates(settings.rate_limit) if settings.rate_limit else None,
        refusal=_gate_refusal, label=_edge_label,
        on_shed=lambda exc: telemetry.shed.labels(_shed_reason(exc)).inc())
    app.add_middleware(RequestContext, metrics=telemetry)
    app.add_middleware(SecurityHeaders)
    return app


def _edge_label(method: str, path: str) -> str:
    """The route template of an expensive request (metrics label when the edge answers)."""
    if method == "DELETE" and path.startswith("/documents/"):
        return "/documents/{doc_id}"
    return path if (method, path) in EXPENSIVE else "<unmatched>"


def _gate_refusal(scope: Scope) -> Shed | None:
    guards: Guards | None = getattr(scope["app"].state, "guards", None)
    if guards is None or (scope["method"], scope["path"]) not in GATED:
        return None
    return guards.reads.refusal()


def _body_limit(settings: Settings, method: str, path: str) -> tuple[int, str]:
    if method == "POST" and path == "/documents":
        return settings.max_upload_bytes, "an upload (TELUSUR_MAX_UPLOAD_BYTES)"
    return settings.max_body_bytes, "this route (TELUSUR_MAX_BODY_BYTES)"


def _gauges(app: FastAPI) -> dict[str, float]:
    """Values read when /metrics is scraped: the served index and the load on it."""
    out: dict[str, float] = {}
    services: Services | None = getattr(app.state, "services", None)
    ctx = services.searcher.loaded if services else None
    if ctx is not None:
        out["index_documents"] = ctx.data.n_documents
        out["index_passages"] = ctx.data.n_passages
        out["index_generation"] = int(ctx.generation.rsplit("-", 1)[-1])
        out["index_segments"] = len(ctx.data.segments)
    guards: Guards | None = getattr(app.state, "guards", None)
    if guards is not None:
        out["search_slots_busy"] = guards.reads.busy
        out["search_queue_waiting"] = guards.reads.waiting
        out["write_in_progress"] = float(guards.writes.busy)
    answers = {s.labels["outcome"]: s.value for m in app.state.metrics.answers.collect()
               for s in m.samples if s.name.endswith("_total")}
    total = sum(answers.values())
    if total:
        out["answer_abstention_ratio"] = answers.get("withheld", 0.0) / total
    return out


def _shed_reason(exc: Exception) -> str:
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, Stopped):
        return "out_of_time" if exc.timed_out else "client_gone"
    return "overloaded"


def _install_error_handlers(app: FastAPI, telemetry: Metrics) -> None:
    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, Shed | Stopped):
            telemetry.shed.labels(_shed_reason(exc)).inc()
        return problems.error(http_status(exc), str(exc), retry_headers(exc))

    for cls in HTTP_STATUS:
        app.add_exception_handler(cls, domain_error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problems.error(exc.status_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problems.invalid(exc.errors(), _body_fields(request))

    @app.exception_handler(problems.BadFields)
    async def bad_fields(_: Request, exc: problems.BadFields) -> JSONResponse:
        return problems.invalid(exc.errors, exc.fields)


def _document_error_shape(app: FastAPI) -> None:
    """``/openapi.json`` documents a 422 as ``problems.invalid`` answers it (patched on every
    build: FastAPI rebuilds the schema when routes change)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        schema = build()
        schemas = schema.get("components", {}).get("schemas", {})
        if "HTTPValidationError" in schemas:
            schemas["HTTPValidationError"] = problems.VALIDATION_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _body_fields(request: Request) -> list[str]:
    """The JSON body fields the request's route accepts (none for routes without a body)."""
    route = request.scope.get("route")
    info = getattr(getattr(route, "body_field", None), "field_info", None)
    return sorted(getattr(getattr(info, "annotation", None), "model_fields", None) or {})
