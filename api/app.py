"""The HTTP API and the web page: the app, its lifespan and its error handling."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from api.deps import Services
from api.errors import HTTP_STATUS, http_status
from api.routes import admin, ask, documents, health, judge, pages, search
from api.routes.pages import STATIC
from api.settings import Settings
from index.encoders import load_encoder
from index.store import IndexStore
from search.answer.ask import Answerer
from search.engine import Searcher

log = logging.getLogger(__name__)


def build_services(settings: Settings) -> Services:
    """The searcher and the answer models, for the configured index, encoder and ranker."""
    encoder = load_encoder(settings.encoder)
    searcher = Searcher(IndexStore(settings.index_dir), encoder, ranker=settings.ranker,
                        cache_size=settings.cache_size)
    return Services(searcher=searcher, answerer=Answerer.load(encoder.id))


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """Build the app; the services (encoder, index, models) are made in the lifespan, once."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = services or build_services(settings)
        s.searcher.context  # noqa: B018 - open the index now: a broken index fails at start
        app.state.services = s
        yield

    app = FastAPI(
        title="Telusur",
        description=(
            "Semantic search and extractive question answering over Indonesian news, "
            "in Indonesian or English, with exact citations."
        ),
        version="0.2.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    _install_error_handlers(app)
    for module in (pages, search, ask, documents, admin, judge, health):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def _install_error_handlers(app: FastAPI) -> None:
    async def domain_error(_: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(status_code=http_status(exc), content={"detail": str(exc)})

    for cls in HTTP_STATUS:
        app.add_exception_handler(cls, domain_error)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        # Last resort only: every known failure has its own status above.
        log.error("unexpected error on %s %s: %s", request.method, request.url.path,
                  type(exc).__name__, exc_info=exc)
        return JSONResponse(status_code=500, content={"detail": "internal error; see the log"})

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": errors})
