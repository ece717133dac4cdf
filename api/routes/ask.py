"""``POST /ask``: a short quoted answer with its citation, or none and why."""

from __future__ import annotations

from fastapi import APIRouter, Request

from api.deps import AnswererDep, GuardsDep, MetricsDep, SearcherDep, SettingsDep
from api.routes.params import check_params
from api.schemas import AskIn, AskOut
from search.query import Query

router = APIRouter()


@router.post("/ask", response_model=AskOut, summary="A short quoted answer, or none",
             responses={413: {}, 429: {}, 503: {}})
async def ask(
    request: Request, body: AskIn, searcher: SearcherDep, answerer: AnswererDep,
    guards: GuardsDep, settings: SettingsDep, metrics: MetricsDep,
) -> AskOut:
    check_params(request, frozenset())  # the question comes in the body, not the URL
    query = Query.parse(body.question, k=body.k, mode=body.mode, lang=body.lang,
                        sources=body.source, docs=body.doc,
                        date_from=body.date_from, date_to=body.date_to, text_field="question")
    result = await guards.reads.run(
        request, lambda budget: answerer.ask(searcher, query, budget),
        seconds=settings.request_budget)
    metrics.queries.labels("/ask", result.question_lang).inc()
    metrics.answered(withheld=result.answer is None)
    return AskOut.of(result)
