"""Pydantic models of the HTTP edge (internal code passes dataclasses)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from search.answer.ask import AskResult
from search.engine import Hit, SearchResult
from search.query import DEFAULT_ASK_K, DEFAULT_MODE, K_MAX, K_MIN, MAX_QUERY_CHARS


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
            query=res.query.text, query_lang=res.query_lang, mode=res.query.mode,
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
    """The body of ``POST /ask``; its rules are checked by ``search.query.Query.parse``."""

    model_config = ConfigDict(extra="forbid")

    question: str = Field(description="The question, in Indonesian or English",
                          json_schema_extra={"maxLength": MAX_QUERY_CHARS})
    k: int = Field(DEFAULT_ASK_K, description="How many passages to consider and return",
                   json_schema_extra={"minimum": K_MIN, "maximum": K_MAX})
    lang: str | None = Field(None, description="Only consider passages in this language")
    mode: str = Field(DEFAULT_MODE, description="Retrieval mode: hybrid, dense or bm25")


class AskOut(BaseModel):
    question: str
    question_lang: str
    answer: AnswerOut | None
    confidence: float
    no_answer_reason: str | None
    took_ms: float
    passages: list[SearchHitOut]

    @classmethod
    def of(cls, result: AskResult) -> AskOut:
        a = result.answer
        answer = None
        if a is not None:
            d = a.document
            answer = AnswerOut(
                text=a.text, char_start=a.char_start, char_end=a.char_end, doc_id=d.id,
                passage_id=a.passage_id, highlight=list(a.highlight),
                citations=[Citation(
                    doc_id=d.id, title=d.title, source=d.source, published=d.published,
                    url=d.url, char_start=a.char_start, char_end=a.char_end,
                )],
            )
        return cls(
            question=result.question, question_lang=result.question_lang, answer=answer,
            confidence=result.confidence, no_answer_reason=result.no_answer_reason,
            took_ms=round(result.took_ms, 2),
            passages=[SearchHitOut.of(h) for h in result.hits],
        )


class DocumentIn(BaseModel):
    """One document to add (its rules are checked by ``index.documents``)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None
    title: str | None = None
    text: str
    source: str | None = None
    url: str | None = None
    published: str | None = None


class WriteOut(BaseModel):
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    removed: list[str]
    skipped: list[dict[str, str]] = []
    documents: int
    passages: int
    generation: str | None


class JudgementIn(BaseModel):
    """One relevance judgement from the judging view (its rules: ``index.judgements``)."""

    model_config = ConfigDict(extra="forbid")

    evaluator: str = Field(description="Who is judging", json_schema_extra={"maxLength": 100})
    query: str = Field(description="The query the passage was pooled for",
                       json_schema_extra={"maxLength": MAX_QUERY_CHARS})
    passage_id: str = Field(description="The passage judged (doc_id#n)")
    grade: int = Field(description="0 not relevant, 1 partly, 2 relevant",
                       json_schema_extra={"minimum": 0, "maximum": 2})


class JudgementOut(BaseModel):
    evaluator: str
    query: str
    query_id: str
    passage_id: str
    doc_id: str
    char_start: int
    char_end: int
    grade: int
    time: str


class PoolPassageOut(BaseModel):
    """A pooled passage, blind: no retrieval mode, rank or score."""

    passage_id: str
    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    lang: str | None
    text: str
    char_start: int
    char_end: int
    grade: int | None = Field(description="This evaluator's latest grade, if judged")


class PoolOut(BaseModel):
    query: str
    query_id: str
    evaluator: str
    passages: list[PoolPassageOut]


class JudgedQueryOut(BaseModel):
    query: str
    query_id: str
    judged: int = Field(description="Passages this evaluator has judged for the query")
    evaluators: list[str]
