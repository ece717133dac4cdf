"""``GET /documents``, ``GET /documents/{doc_id}``: what is indexed, and a full text;
``/documents/{doc_id}/similar``: the articles most like it; ``/documents/{doc_id}/cite``: a
reference to it in a citation style."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request

from api.deps import SearcherDep
from api.routes.params import check_params
from api.schemas import (
    CitationOut,
    DocumentOut,
    DocumentSummary,
    DuplicateOut,
    PassageSpan,
    SimilarListOut,
    SimilarOut,
)
from search.citations import STYLES, check_style, cite
from search.query import K_MAX, K_MIN, check_k
from search.similar import similar_documents

router = APIRouter()
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown document id"}}


def not_found(doc_id: str) -> HTTPException:
    return HTTPException(404, f"no document with id {doc_id!r}; see GET /documents")


@router.get("/documents", response_model=list[DocumentSummary], summary="Indexed documents")
def documents(searcher: SearcherDep) -> list[DocumentSummary]:
    data = searcher.context.data
    counts = data.passage_counts()
    return [
        DocumentSummary(id=m["id"], title=m.get("title"), source=m.get("source"),
                        published=m.get("published"), url=m.get("url"), lang=m.get("lang"),
                        author=m.get("author"), n_passages=int(counts[row]))
        for row, m in data.live_documents()
    ]


@router.get("/documents/{doc_id}", response_model=DocumentOut, summary="Full stored text",
            responses=NOT_FOUND)
def document(doc_id: str, searcher: SearcherDep) -> DocumentOut:
    data = searcher.context.data
    row = data.doc_rows.get(doc_id)
    if row is None:
        raise not_found(doc_id)
    doc = data.document_at(row)
    spans = [PassageSpan(passage_id=p.id, char_start=p.char_start, char_end=p.char_end,
                         page=p.page)
             for p in map(data.passage, data.document_passage_rows(row))]
    return DocumentOut(
        id=doc.id, title=doc.title, source=doc.source, published=doc.published, url=doc.url,
        lang=doc.lang, author=doc.author, n_passages=len(spans), text=doc.text,
        n_pages=len(doc.pages) if doc.pages else None,
        duplicates=[DuplicateOut(doc_id=d.doc_id, source=d.source, url=d.url, title=d.title,
                                 published=d.published) for d in doc.duplicates],
        passages=spans,
    )


@router.get("/documents/{doc_id}/similar", response_model=SimilarListOut,
            summary="The articles most like this one", responses=NOT_FOUND)
def similar(
    doc_id: str, request: Request, searcher: SearcherDep,
    k: Annotated[int, Query(description=f"How many ({K_MIN}-{K_MAX})")] = 5,
) -> SimilarListOut:
    check_params(request, frozenset({"k"}))
    check_k(k)
    ctx = searcher.context
    row = ctx.data.doc_rows.get(doc_id)
    if row is None:
        raise not_found(doc_id)
    return SimilarListOut(doc_id=doc_id,
                          similar=[SimilarOut.of(s) for s in similar_documents(ctx, row, k)])


@router.get("/documents/{doc_id}/cite", response_model=CitationOut,
            summary="A reference to this article in a citation style", responses=NOT_FOUND)
def citation(
    doc_id: str, request: Request, searcher: SearcherDep,
    style: Annotated[str, Query(description=" | ".join(STYLES))] = "apa",
) -> CitationOut:
    check_params(request, frozenset({"style"}))
    check_style(style)
    doc = searcher.context.data.document(doc_id)
    if doc is None:
        raise not_found(doc_id)
    return CitationOut.of(doc, style, cite(doc, style))
