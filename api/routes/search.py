"""``GET /search``: ranked passages with citations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from api.deps import GuardsDep, MetricsDep, SearcherDep, SettingsDep
from api.schemas import SearchOut
from search.query import DEFAULT_K, DEFAULT_MODE, K_MAX, K_MIN, MODES, QueryError
from search.query import Query as SearchQuery

router = APIRouter()
SEARCH_PARAMS = frozenset({"q", "k", "mode", "lang", "source", "doc", "date_from", "date_to"})


def reject_unknown(request: Request, known: frozenset[str]) -> None:
    """An unknown parameter is a mistake to name, not to ignore (a typo'd filter would
    silently return unfiltered results)."""
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise QueryError(unknown[0], f"unknown parameter(s): {', '.join(unknown)}; "
                         f"use {', '.join(sorted(known))}")


@router.get("/search", response_model=SearchOut, summary="Ranked passages with citations",
            responses={413: {}, 429: {}, 503: {}})
async def search(
    request: Request,
    searcher: SearcherDep,
    guards: GuardsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    q: Annotated[str, Query(description="The query, in any language")] = "",
    k: Annotated[int, Query(description=f"Number of results ({K_MIN}-{K_MAX})")] = DEFAULT_K,
    mode: Annotated[str, Query(description=" | ".join(MODES))] = DEFAULT_MODE,
    lang: Annotated[str | None, Query(description="Only passages in this language")] = None,
    source: Annotated[list[str] | None, Query(description="Only these outlets")] = None,
    doc: Annotated[list[str] | None, Query(description="Only these documents")] = None,
    date_from: Annotated[str | None, Query(description="Published on or after (YYYY-MM-DD)")]
    = None,
    date_to: Annotated[str | None, Query(description="Published on or before (YYYY-MM-DD)")]
    = None,
) -> SearchOut:
    reject_unknown(request, SEARCH_PARAMS)
    query = SearchQuery.parse(q, k=k, mode=mode, lang=lang, sources=source or (),
                              docs=doc or (), date_from=date_from, date_to=date_to)
    res = await guards.reads.run(request, lambda budget: searcher.search(query, budget),
                                 seconds=settings.request_budget)
    metrics.queries.labels("/search", res.query_lang).inc()
    return SearchOut.of(res)
