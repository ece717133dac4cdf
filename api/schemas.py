"""Pydantic models of the HTTP edge (internal code passes dataclasses)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

from index.records import Document
from search.answer.ask import AskResult
from search.engine import Hit, SearchResult
from search.query import DEFAULT_ASK_K, DEFAULT_MODE, K_MAX, K_MIN, MAX_QUERY_CHARS
from search.similar import Similar


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
    page: int | None = Field(description="The page the passage starts on (paged sources)")

    @classmethod
    def of(cls, hit: Hit) -> SearchHitOut:
        p, d = hit.passage, hit.document
        return cls(
            rank=hit.rank, score=round(hit.score, 6), passage_id=p.id, text=p.text, doc_id=d.id,
            title=d.title, source=d.source, published=d.published, url=d.url, lang=p.lang,
            char_start=p.char_start, char_end=p.char_end, page=p.page,
        )


class RepairOut(BaseModel):
    original: str
    replacement: str = Field(description="what was searched instead ('' when dropped)")
    reason: str = Field(description="informal (chat spelling) or spelling (a typo)")


class FacetCount(BaseModel):
    value: str | None = Field(description="null: not stated in the article")
    count: int


class Facets(BaseModel):
    """Documents holding a matching passage (inside the filters), counted per value."""

    source: list[FacetCount]
    year: list[FacetCount]
    lang: list[FacetCount]


class SearchOut(BaseModel):
    query: str
    query_lang: str
    mode: str
    searched: str = Field(description="what the keyword (BM25) side searched: the repaired "
                                      "query, English words shown with their Indonesian terms")
    repairs: list[RepairOut]
    sort: str
    offset: int
    total: int = Field(description=(
        "Passages matching the query inside the filters: those sharing a search term with "
        "it, and (hybrid, dense) the 50 closest in meaning"))
    took_ms: float
    results: list[SearchHitOut]
    facets: Facets
    empty_reason: str | None = Field(
        description="Why results is empty (e.g. which filter kept nothing); null otherwise")

    @classmethod
    def of(cls, res: SearchResult) -> SearchOut:
        facets = {name: [FacetCount(value=v, count=n) for v, n in pairs]
                  for name, pairs in res.facets().items()}
        return cls(
            query=res.query.text, query_lang=res.query_lang, mode=res.query.mode,
            searched=res.understood.searched,
            repairs=[RepairOut(original=r.original, replacement=r.replacement, reason=r.reason)
                     for r in res.understood.repairs],
            sort=res.query.sort, offset=res.query.offset, total=res.total,
            took_ms=round(res.took_ms, 2), results=[SearchHitOut.of(h) for h in res.hits],
            facets=Facets(**facets), empty_reason=res.empty_reason,
        )


class DocumentSummary(BaseModel):
    id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None
    lang: str | None
    author: str | None = None
    n_passages: int


class PassageSpan(BaseModel):
    passage_id: str
    char_start: int
    char_end: int
    page: int | None = None


class DuplicateOut(BaseModel):
    """The same story from another outlet, kept once (under this document)."""

    doc_id: str
    source: str | None
    url: str | None
    title: str | None
    published: str | None


class DocumentOut(DocumentSummary):
    text: str
    n_pages: int | None = Field(None, description="Pages of a paged source (PDF)")
    duplicates: list[DuplicateOut] = []
    passages: list[PassageSpan]


class SimilarOut(BaseModel):
    doc_id: str
    title: str | None
    source: str | None
    published: str | None
    url: str | None
    lang: str | None
    score: float = Field(description="Cosine similarity of the two documents' mean vectors")

    @classmethod
    def of(cls, s: Similar) -> SimilarOut:
        d = s.document
        return cls(doc_id=d.id, title=d.title, source=d.source, published=d.published,
                   url=d.url, lang=d.lang, score=round(s.score, 6))


class SimilarListOut(BaseModel):
    doc_id: str
    similar: list[SimilarOut]


class CitationOut(BaseModel):
    doc_id: str
    style: str
    citation: str = Field(description="Built from the stored metadata only; a field the "
                          "article does not state is left out")

    @classmethod
    def of(cls, doc: Document, style: str, text: str) -> CitationOut:
        return cls(doc_id=doc.id, style=style, citation=text)


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
    author: str | None = None
    page: int | None = None
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
    # one value or a list, as /search takes ``source=A`` or ``source=A&source=B``
    source: list[str] = Field([], description="Only these outlets (one name or a list)")
    doc: list[str] = Field([], description="Only these documents (one id or a list)")
    date_from: str | None = Field(None, description="Published on or after (YYYY-MM-DD)")
    date_to: str | None = Field(None, description="Published on or before (YYYY-MM-DD)")

    @field_validator("source", "doc", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        """One name is a list of one (a union type would name its members in a 422)."""
        return [value] if isinstance(value, str) else value


class AskOut(BaseModel):
    question: str
    question_lang: str
    searched: str = Field(description="what the keyword (BM25) side searched (as /search)")
    repairs: list[RepairOut]
    answer: AnswerOut | None
    confidence: float = Field(description=(
        "the model's confidence that the quote answers the question; 0 when a rule "
        "withheld it (an amount, a subject or an edition the passages lack)"))
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
                    url=d.url, author=d.author, page=d.page_at(a.char_start),
                    char_start=a.char_start, char_end=a.char_end,
                )],
            )
        return cls(
            question=result.question, question_lang=result.question_lang, answer=answer,
            searched=result.understood.searched if result.understood else result.question,
            repairs=[RepairOut(original=r.original, replacement=r.replacement, reason=r.reason)
                     for r in (result.understood.repairs if result.understood else ())],
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
    duplicates: list[dict[str, str]] = Field(
        default=[], description="Stories already in the index under another id: not stored "
        "again, recorded as another source of the copy kept ({id, kept_as})")
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
