"""``POST /ask``: a short quoted answer with its citation, or none and why."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import AnswererDep, SearcherDep
from api.schemas import AskIn, AskOut
from search.query import Query

router = APIRouter()


@router.post("/ask", response_model=AskOut, summary="A short quoted answer, or none")
async def ask(body: AskIn, searcher: SearcherDep, answerer: AnswererDep) -> AskOut:
    query = Query.parse(body.question, k=body.k, mode=body.mode, lang=body.lang,
                        sources=body.source, docs=body.doc, date_from=body.date_from,
                        date_to=body.date_to, text_field="question")
    return AskOut.of(await run_in_threadpool(answerer.ask, searcher, query))
