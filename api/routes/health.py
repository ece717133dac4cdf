"""Health: ``/health`` (status and index counts), ``/health/live`` (the process answers)
and ``/health/ready`` (the index is open and the models are loaded: send traffic).

These run on the event loop without waiting for a worker thread, so they answer at once
however busy the search threads are; only a newly switched-in generation is opened in a
thread.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import SearcherDep
from api.errors import http_status
from api.schemas import HealthOut
from index.store import FORMAT_VERSION, IndexStoreError
from search.context import SearchContext
from search.engine import Searcher

router = APIRouter()


async def _context(searcher: Searcher) -> SearchContext:
    ctx = searcher.loaded
    if ctx is not None and ctx.generation == searcher.store.current_generation():
        return ctx
    return await run_in_threadpool(lambda: searcher.context)


@router.head("/health", include_in_schema=False)
@router.get("/health", response_model=HealthOut, summary="Service and index status")
async def health(searcher: SearcherDep) -> HealthOut:
    data = (await _context(searcher)).data
    return HealthOut(
        status="ok", encoder=data.encoder_id, documents=data.n_documents,
        passages=data.n_passages,
        index_format_version=int(data.manifest.get("format_version", FORMAT_VERSION)),
        generation=data.generation, vector_index=data.vector_index,
    )


@router.head("/health/live", include_in_schema=False)
@router.get("/health/live", summary="The process answers")
async def live() -> dict[str, str]:
    return {"status": "alive"}


@router.head("/health/ready", include_in_schema=False)
@router.get("/health/ready", summary="Ready for traffic",
            responses={503: {"description": "The index cannot be read"}})
async def ready(searcher: SearcherDep) -> JSONResponse:
    try:
        ctx = await _context(searcher)
    except IndexStoreError as exc:
        return JSONResponse({"status": "not ready", "detail": str(exc)},
                            status_code=http_status(exc))
    return JSONResponse({"status": "ready", "generation": ctx.generation})
