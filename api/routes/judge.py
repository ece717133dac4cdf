"""The judging view: pool the top passages of every retrieval mode for a query, shuffled and
blind (no mode, rank or score), and store relevance judgements — all behind the write token.

``/judge`` is the page (``static/judge.html``); its data comes from ``/judge/...`` with the
bearer token. Judgements go to the append-only file of ``index.judgements`` and are exported
as TREC qrels, BEIR-style queries, our evaluation format, or the raw records.
"""

from __future__ import annotations

import hashlib
import random
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from api.deps import GuardsDep, JudgementsDep, SearcherDep, SettingsDep
from api.routes.admin import AdminDep
from api.routes.pages import STATIC
from api.schemas import JudgedQueryOut, JudgementIn, JudgementOut, PoolOut, PoolPassageOut
from index.budget import Budget
from index.judgements import (
    Judgement,
    check_evaluator,
    check_grade,
    latest,
    now,
    query_id,
    to_eval_records,
    to_trec_qrels,
)
from search.engine import Searcher
from search.query import MODES
from search.query import Query as SearchQuery

router = APIRouter(prefix="/judge", tags=["judging"])
POOL_DEPTH = 10  # top passages taken from each mode
EXPORTS = ("qrels", "queries", "eval", "records")


@router.get("", include_in_schema=False)
def judge_page() -> FileResponse:
    return FileResponse(STATIC / "judge.html")


def _pool(searcher: Searcher, query: SearchQuery, depth: int,
          budget: Budget | None = None) -> list[PoolPassageOut]:
    seen: dict[str, PoolPassageOut] = {}
    for mode in MODES:
        for h in searcher.search(SearchQuery(text=query.text, k=depth, mode=mode),
                                 budget).hits:
            p, d = h.passage, h.document
            seen.setdefault(p.id, PoolPassageOut(
                passage_id=p.id, doc_id=d.id, title=d.title, source=d.source,
                published=d.published, lang=p.lang, text=p.text, char_start=p.char_start,
                char_end=p.char_end, grade=None))
    return list(seen.values())


@router.get("/pool", response_model=PoolOut, summary="Blind pool of passages for a query (admin)",
            responses={401: {}, 403: {}, 422: {}})
async def pool(
    _: AdminDep, request: Request, searcher: SearcherDep, judgements: JudgementsDep,
    guards: GuardsDep, settings: SettingsDep,
    q: Annotated[str, Query(description="The query")] = "",
    evaluator: Annotated[str, Query(description="Who is judging")] = "",
    depth: Annotated[int, Query(description="Passages per mode (1-20)", ge=1, le=20)]
    = POOL_DEPTH,
) -> PoolOut:
    name = check_evaluator(evaluator)
    query = SearchQuery.parse(q, text_field="q")
    qid = query_id(query.text)
    # Three searches: through the read gate and its budget, as /search and /ask are.
    passages = await guards.reads.run(request, lambda budget: _pool(searcher, query, depth,
                                                                     budget),
                                      seconds=settings.request_budget)
    # Shuffled per evaluator and query: stable when the evaluator comes back, unrelated to
    # any mode's ranking, and different between two evaluators of the same query.
    seed = hashlib.sha256(f"{name}\0{qid}".encode()).digest()
    random.Random(seed).shuffle(passages)
    mine = {j.passage_id: j.grade for (ev, jq, _pid), j in
            latest(await run_in_threadpool(judgements.read)).items() if ev == name and jq == qid}
    for p in passages:
        p.grade = mine.get(p.passage_id)
    return PoolOut(query=query.text, query_id=qid, evaluator=name, passages=passages)


@router.post("/judgements", response_model=JudgementOut, summary="Store a judgement (admin)",
             responses={401: {}, 403: {}, 404: {}, 422: {}})
def judge(body: JudgementIn, _: AdminDep, searcher: SearcherDep,
          judgements: JudgementsDep) -> JudgementOut:
    name = check_evaluator(body.evaluator)
    query = SearchQuery.parse(body.query, text_field="query")
    grade = check_grade(body.grade)
    passage = searcher.context.data.passage_by_id(body.passage_id)
    if passage is None:
        raise HTTPException(404, f"passage_id: no passage {body.passage_id!r} in the index")
    record = Judgement(
        evaluator=name, query=query.text, query_id=query_id(query.text),
        passage_id=passage.id, doc_id=passage.doc_id, char_start=passage.char_start,
        char_end=passage.char_end, grade=grade, time=now(), text=passage.text)
    judgements.append(record)
    return JudgementOut(**{k: getattr(record, k) for k in JudgementOut.model_fields})


@router.get("/queries", response_model=list[JudgedQueryOut],
            summary="Queries judged so far (admin)", responses={401: {}, 403: {}, 422: {}})
def judged_queries(_: AdminDep, judgements: JudgementsDep,
                   evaluator: Annotated[str, Query(description="Count this evaluator's")] = "",
                   ) -> list[JudgedQueryOut]:
    name: str | None = check_evaluator(evaluator) if evaluator else None
    out: dict[str, JudgedQueryOut] = {}
    for (ev, qid, _pid), j in latest(judgements.read()).items():
        item = out.setdefault(qid, JudgedQueryOut(query=j.query, query_id=qid, judged=0,
                                                  evaluators=[]))
        item.judged += ev == name
        if ev not in item.evaluators:
            item.evaluators.append(ev)
    return list(out.values())


@router.get("/export", summary="Export the judgements (admin)",
            responses={200: {"content": {"text/plain": {}}}, 401: {}, 403: {}, 422: {}})
def export(_: AdminDep, judgements: JudgementsDep,
           format: Annotated[Literal["qrels", "queries", "eval", "records"],  # noqa: A002
                             Query(description="qrels: TREC qrels; queries: BEIR "
                                               "queries.jsonl; eval: our evaluation JSONL; "
                                               "records: every judgement as stored")] = "qrels",
           ) -> PlainTextResponse:
    import json

    records = judgements.read()
    if format == "qrels":
        body, name = to_trec_qrels(records), "judgements.qrels"
    elif format == "records":
        body = "".join(json.dumps(r.__dict__, ensure_ascii=False) + "\n" for r in records)
        name = "judgements.jsonl"
    else:
        rows = to_eval_records(records)
        if format == "queries":
            rows = [{"_id": r["id"], "text": r["question"], "metadata": {"lang": r["lang"]}}
                    for r in rows]
        body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        name = "queries.jsonl" if format == "queries" else "judged.jsonl"
    return PlainTextResponse(body, headers={
        "Content-Disposition": f'attachment; filename="{name}"'})
