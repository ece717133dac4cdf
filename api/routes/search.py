"""``GET /search``: ranked passages with citations, as JSON or as a CSV / JSON Lines file."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import GuardsDep, MetricsDep, SearcherDep, SettingsDep
from api.export import EXPORTS, FORMATS, filename, to_csv, to_jsonl
from api.routes.params import check_params
from api.schemas import SearchOut
from search.query import (
    DEFAULT_K,
    DEFAULT_MODE,
    DEFAULT_SORT,
    EXPORT_K_MAX,
    K_MAX,
    K_MIN,
    MAX_WINDOW,
    MODES,
    SORTS,
    QueryError,
)
from search.query import Query as SearchQuery

router = APIRouter()
SEARCH_PARAMS = frozenset({"q", "k", "mode", "lang", "source", "doc", "date_from", "date_to",
                           "sort", "offset", "format"})


@router.get(
    "/search", response_model=SearchOut, summary="Ranked passages with citations",
    responses={200: {"content": {t.split(";")[0]: {} for t in EXPORTS.values()},
                     "description": "JSON, or a file when format is csv or jsonl"},
               413: {}, 429: {}, 503: {}},
)
async def search(
    request: Request,
    searcher: SearcherDep,
    guards: GuardsDep,
    settings: SettingsDep,
    metrics: MetricsDep,
    q: Annotated[str, Query(description="The query, in any language")] = "",
    k: Annotated[int, Query(description=f"Number of results ({K_MIN}-{K_MAX}; up to "
                                        f"{EXPORT_K_MAX} for an export)")] = DEFAULT_K,
    mode: Annotated[str, Query(description=" | ".join(MODES))] = DEFAULT_MODE,
    lang: Annotated[str | None, Query(description="Only passages in this language")] = None,
    source: Annotated[list[str] | None, Query(description="Only these outlets")] = None,
    doc: Annotated[list[str] | None, Query(description="Only these documents")] = None,
    date_from: Annotated[str | None, Query(description="Published on or after (YYYY-MM-DD)")]
    = None,
    date_to: Annotated[str | None, Query(description="Published on or before (YYYY-MM-DD)")]
    = None,
    sort: Annotated[str, Query(description=" | ".join(SORTS))] = DEFAULT_SORT,
    offset: Annotated[int, Query(description=f"Results to skip (offset + k ≤ {MAX_WINDOW})")]
    = 0,
    format: Annotated[str, Query(description=" | ".join(FORMATS))] = "json",
) -> SearchOut | Response:
    check_params(request, SEARCH_PARAMS, repeatable=frozenset({"source", "doc"}))
    if format not in FORMATS:
        raise QueryError("format", f"format: unknown format {format!r}; "
                         f"use one of {', '.join(FORMATS)}")
    query = SearchQuery.parse(q, k=k, mode=mode, lang=lang, sources=source or (),
                              docs=doc or (), date_from=date_from, date_to=date_to, sort=sort,
                              offset=offset, export=format != "json")
    res = await guards.reads.run(request, lambda budget: searcher.search(query, budget),
                                 seconds=settings.request_budget)
    metrics.queries.labels("/search", res.query_lang).inc()
    if format == "json":
        return SearchOut.of(res)
    body = to_csv(res) if format == "csv" else to_jsonl(res)
    return Response(body, media_type=EXPORTS[format], headers={
        "Content-Disposition": f'attachment; filename="{filename(res, format)}"',
        "X-Total-Count": str(res.total),
    })
