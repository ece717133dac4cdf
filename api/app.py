"""The HTTP API: search, ask, documents, health — and the web page at ``/``."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

import numpy as np
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from api.schemas import (
    AnswerOut,
    AskIn,
    AskOut,
    Citation,
    DocumentOut,
    DocumentSummary,
    HealthOut,
    PassageSpan,
    SearchHitOut,
    SearchOut,
)
from api.settings import Settings
from index.encoders import EncoderError, load_encoder
from index.store import FORMAT_VERSION, IndexStore, IndexStoreError
from search.answers import AskResult, ask
from search.engine import MODES, QueryError, Searcher

log = logging.getLogger(__name__)
STATIC = Path(__file__).with_name("static")
MAX_QUERY_CHARS = 2000
LANG_CODE = re.compile(r"^[a-z]{2,3}$")


def validate_query(field: str, value: str) -> str:
    """Reject what cannot be a question: empty, too long, control characters, broken UTF-8."""
    if not value or not value.strip():
        raise QueryError(field, f"{field}: must not be empty")
    if len(value) > MAX_QUERY_CHARS:
        raise QueryError(field, f"{field}: longer than {MAX_QUERY_CHARS} characters")
    if "\ufffd" in value:
        raise QueryError(field, f"{field}: not valid UTF-8")
    if any(unicodedata.category(c) in ("Cc", "Cs") and c not in "\t\n\r" for c in value):
        raise QueryError(field, f"{field}: contains control characters")
    return value.strip()


def validate_lang(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not LANG_CODE.fullmatch(value):
        raise QueryError("lang", f"lang: {value!r} is not a language code such as 'id' or 'en'")
    return value


def validate_mode(value: str) -> str:
    if value not in MODES:
        raise QueryError("mode", f"mode: unknown mode {value!r}; use one of {', '.join(MODES)}")
    return value


def create_app(settings: Settings | None = None, *, searcher: Searcher | None = None) -> FastAPI:
    """Build the app; the searcher (encoder + index) is created in the lifespan, once."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        s = searcher
        if s is None:
            s = Searcher(
                IndexStore(settings.index_dir), load_encoder(settings.encoder),
                cache_size=settings.cache_size,
            )
        s.data  # noqa: B018 - open the index now: a broken index fails at start, clearly
        app.state.searcher = s
        yield

    app = FastAPI(
        title="Telusur",
        description=(
            "Semantic search and extractive question answering over Indonesian news, "
            "in Indonesian or English, with exact citations."
        ),
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    _install_error_handlers(app)
    _install_routes(app)
    from api.admin import install_admin_routes

    install_admin_routes(app)
    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


def get_searcher(request: Request) -> Searcher:
    return request.app.state.searcher


SearcherDep = Annotated[Searcher, Depends(get_searcher)]


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(QueryError)
    async def query_error(_: Request, exc: QueryError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(exc)})

    @app.exception_handler(IndexStoreError)
    async def index_error(_: Request, exc: IndexStoreError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

    @app.exception_handler(EncoderError)
    async def encoder_error(_: Request, exc: EncoderError) -> JSONResponse:
        return JSONResponse(status_code=503, content={"detail": str(exc)})

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


def ask_out(result: AskResult) -> AskOut:
    a = result.answer
    answer = None
    if a is not None:
        d = a.document
        answer = AnswerOut(
            text=a.text, char_start=a.char_start, char_end=a.char_end, doc_id=d.id,
            passage_id=a.passage_id, highlight=list(a.highlight),
            citations=[Citation(
                doc_id=d.id, title=d.title, source=d.source, published=d.published, url=d.url,
                char_start=a.char_start, char_end=a.char_end,
            )],
        )
    return AskOut(
        question=result.question, question_lang=result.question_lang, answer=answer,
        confidence=result.confidence, no_answer_reason=result.no_answer_reason,
        took_ms=round(result.took_ms, 2), passages=[SearchHitOut.of(h) for h in result.hits],
    )


def _install_routes(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/doc/{doc_id}", include_in_schema=False)
    def doc_page(doc_id: str) -> FileResponse:
        return FileResponse(STATIC / "index.html")

    @app.get("/search", response_model=SearchOut, summary="Ranked passages with citations")
    def search(
        searcher: SearcherDep,
        q: Annotated[str, Query(description="The query, in any language")] = "",
        k: Annotated[int, Query(ge=1, le=50, description="Number of results")] = 10,
        mode: Annotated[str, Query(description="hybrid (default), dense or bm25")] = "hybrid",
        lang: Annotated[str | None, Query(description="Only passages in this language")] = None,
    ) -> SearchOut:
        query = validate_query("q", q)
        res = searcher.search(
            query, k=k, mode=validate_mode(mode), lang=validate_lang(lang)
        )
        return SearchOut.of(res)

    @app.post("/ask", response_model=AskOut, summary="A short quoted answer, or none")
    def ask_route(body: AskIn, searcher: SearcherDep) -> AskOut:
        question = validate_query("question", body.question)
        result = ask(
            searcher, question, k=body.k, lang=validate_lang(body.lang),
            mode=validate_mode(body.mode),
        )
        return ask_out(result)

    @app.get("/documents", response_model=list[DocumentSummary], summary="Indexed documents")
    def documents(searcher: SearcherDep) -> list[DocumentSummary]:
        data = searcher.data
        counts = np.bincount(data.passage_doc_rows, minlength=len(data.documents))
        return [
            DocumentSummary(
                id=d.id, title=d.title, source=d.source, published=d.published, url=d.url,
                lang=d.lang, n_passages=int(n),
            )
            for d, n in zip(data.documents, counts, strict=True)
        ]

    @app.get(
        "/documents/{doc_id}", response_model=DocumentOut, summary="Full stored text",
        responses={404: {"description": "Unknown document id"}},
    )
    def document(doc_id: str, searcher: SearcherDep) -> DocumentOut:
        data = searcher.data
        doc = data.document(doc_id)
        if doc is None:
            raise HTTPException(404, f"no document with id {doc_id!r}; see GET /documents")
        spans = [
            PassageSpan(passage_id=p.id, char_start=p.char_start, char_end=p.char_end)
            for p in (data.passages[int(r)]
                      for r in np.flatnonzero(data.passage_doc_rows == data.doc_rows[doc_id]))
        ]
        return DocumentOut(
            id=doc.id, title=doc.title, source=doc.source, published=doc.published, url=doc.url,
            lang=doc.lang, n_passages=len(spans), text=doc.text, passages=spans,
        )

    @app.get("/health", response_model=HealthOut, summary="Service and index status")
    def health(searcher: SearcherDep) -> HealthOut:
        data = searcher.data
        return HealthOut(
            status="ok", encoder=data.encoder_id, documents=len(data.documents),
            passages=len(data.passages),
            index_format_version=int(data.manifest.get("format_version", FORMAT_VERSION)),
            generation=data.generation, vector_index=str(data.manifest.get("vector_index")),
        )
