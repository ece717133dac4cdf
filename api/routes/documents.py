"""``GET /documents`` and ``GET /documents/{doc_id}``: what is indexed, and a full text."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.deps import SearcherDep
from api.schemas import DocumentOut, DocumentSummary, PassageSpan

router = APIRouter()


def not_found(doc_id: str) -> HTTPException:
    return HTTPException(404, f"no document with id {doc_id!r}; see GET /documents")


@router.get("/documents", response_model=list[DocumentSummary], summary="Indexed documents")
def documents(searcher: SearcherDep) -> list[DocumentSummary]:
    data = searcher.context.data
    counts = data.passage_counts()
    return [
        DocumentSummary(id=m["id"], title=m.get("title"), source=m.get("source"),
                        published=m.get("published"), url=m.get("url"), lang=m.get("lang"),
                        n_passages=int(counts[row]))
        for row, m in data.live_documents()
    ]


@router.get(
    "/documents/{doc_id}", response_model=DocumentOut, summary="Full stored text",
    responses={404: {"description": "Unknown document id"}},
)
def document(doc_id: str, searcher: SearcherDep) -> DocumentOut:
    data = searcher.context.data
    row = data.doc_rows.get(doc_id)
    if row is None:
        raise not_found(doc_id)
    doc = data.document_at(row)
    spans = [PassageSpan(passage_id=p.id, char_start=p.char_start, char_end=p.char_end)
             for p in map(data.passage, data.document_passage_rows(row))]
    return DocumentOut(
        id=doc.id, title=doc.title, source=doc.source, published=doc.published, url=doc.url,
        lang=doc.lang, n_passages=len(spans), text=doc.text, passages=spans,
    )
