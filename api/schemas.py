"""Pydantic models of the HTTP edge (internal code passes dataclasses)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from search.engine import Hit, SearchResult


class SearchHitOut(BaseModel):
    rank: int
    score: float
    passage_id: str
    text: str
    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None
    lang: str | None
    char_start: int
    char_end: int

    @classmethod
    def of(cls, hit: Hit) -> SearchHitOut:
        p, d = hit.passage, hit.document
        return cls(
            rank=hit.rank, score=round(hit.score, 6), passage_id=p.id, text=p.text, doc_id=d.id,
            title=d.title, source=d.source, published=d.published, url=d.url, lang=p.lang,
            char_start=p.char_start, char_end=p.char_end,
        )


class SearchOut(BaseModel):
    query: str
    query_lang: str
    mode: str
    took_ms: float
    results: list[SearchHitOut]

    @classmethod
    def of(cls, res: SearchResult) -> SearchOut:
        return cls(
            query=res.query, query_lang=res.query_lang, mode=res.mode,
            took_ms=round(res.took_ms, 2), results=[SearchHitOut.of(h) for h in res.hits],
        )


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None
    lang: str | None
    n_passages: int


class PassageSpan(BaseModel):
    passage_id: str
    char_start: int
    char_end: int


class DocumentOut(DocumentSummary):
    text: str
    passages: list[PassageSpan]


class HealthOut(BaseModel):
    status: str
    encoder: str
    documents: int
    passages: int
    index_format_version: int
    generation: str
    vector_index: str


class Citation(BaseModel):
    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None
    char_start: int
    char_end: int


class AnswerOut(BaseModel):
    text: str
    char_start: int
    char_end: int
    doc_id: str
    passage_id: str
    highlight: list[int] = Field(description="[start, end] inside answer.text")
    citations: list[Citation]


class AskIn(BaseModel):
    question: str = Field(description="The question, in Indonesian or English", max_length=2000)
    k: int = Field(5, ge=1, le=50, description="How many passages to consider and return")
    lang: str | None = Field(None, description="Only consider passages in this language")
    mode: str = Field("hybrid", description="Retrieval mode: hybrid, dense or bm25")


class AskOut(BaseModel):
    question: str
    question_lang: str
    answer: AnswerOut | None
    confidence: float
    no_answer_reason: str | None
    took_ms: float
    passages: list[SearchHitOut]


class DocumentIn(BaseModel):
    id: str | None = Field(None, max_length=200)
    title: str | None = Field(None, max_length=1000)
    text: str
    source: str | None = Field(None, max_length=500)
    url: str | None = Field(None, max_length=2000)
    published: str | None = Field(None, max_length=50)


class WriteOut(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[dict[str, str]] = []
    documents: int
    passages: int
    generation: str | None
