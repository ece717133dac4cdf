"""Write endpoints: add, replace and delete documents, behind a bearer token.

Writes are disabled (403) unless ``TELUSUR_ADMIN_TOKEN`` is set. Tokens are compared in
constant time and never logged. Each write switches in a new index generation before it
returns, so every following search sees it. Document rules live in ``index.documents``.

Writes never hold up reads: the body is received on the event loop (bounded by
``TELUSUR_MAX_UPLOAD_BYTES``), but files are decoded, cleaned and indexed on the write lane's
low-priority thread (``api.limits.WriteLane``), embedding WRITE_BATCH texts per encoder call
so waiting queries get the encoder between batches. A write whose client disconnects is
stopped before it commits; a write that waits too long for another gets 503.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import ValidationError

from api.deps import GuardsDep, SearcherDep, SettingsDep
from api.routes.documents import not_found
from api.schemas import DocumentIn, WriteOut
from api.settings import Settings
from index.budget import Budget, checkpoint
from index.builder import BuildReport, apply_changes
from index.documents import InputError
from index.readers import (
    TEXT_SUFFIXES,
    document_from_text,
    documents_from_jsonl,
    read_text_bytes,
)
from index.records import Document
from search.engine import Searcher

router = APIRouter()
# Texts per encoder call in an HTTP write: a query waits for at most one such batch. Write
# throughput does not suffer (150 FacQA documents: 10.3 passages/s at batch 8, 9.6 at 32).
WRITE_BATCH = 8


def require_admin(
    settings: SettingsDep, authorization: Annotated[str | None, Header()] = None,
) -> None:
    if not settings.admin_token:
        raise HTTPException(
            403,
            "write endpoints are disabled: start the server with TELUSUR_ADMIN_TOKEN set "
            "and send 'Authorization: Bearer <token>'",
        )
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        token.strip().encode("latin-1", "replace"), settings.admin_token.encode()
    ):
        raise HTTPException(
            401, "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


AdminDep = Annotated[None, Depends(require_admin)]


def _write_out(report: BuildReport) -> WriteOut:
    return WriteOut(
        added=report.added, updated=report.updated, unchanged=report.unchanged,
        removed=report.removed, skipped=[], documents=report.documents,
        passages=report.passages, generation=report.generation,
    )


def _doc_from_json(body: DocumentIn) -> Document:
    text = body.text if isinstance(body.text, str) else ""
    doc_id = body.id or "doc-" + hashlib.sha256(
        text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return document_from_text(
        doc_id=doc_id, raw=body.text, title=body.title, source=body.source, url=body.url,
        published=body.published,
    )


async def _received_files(request: Request, settings: Settings) -> list[tuple[str, bytes]]:
    """(label, bytes) of each uploaded file; the body cap already bounds their total."""
    limit = settings.max_upload_docs
    form = await request.form(max_files=limit + 1, max_fields=limit + 1)
    files = [v for _, v in form.multi_items() if hasattr(v, "filename") and hasattr(v, "read")]
    if not files:
        raise HTTPException(422, "files: no file in the multipart upload")
    if len(files) > limit:
        raise HTTPException(413, f"files: more than {limit} files in one upload "
                                 "(TELUSUR_MAX_UPLOAD_DOCS); send them in several requests")
    out = []
    for upload in files:
        # The client's file name is only a label: it never becomes a filesystem path.
        name = PurePath(str(upload.filename or "upload.txt").replace("\\", "/")).name or "upload"
        out.append((name, await upload.read()))
    await form.close()
    return out


def parse_files(files: list[tuple[str, bytes]], *, max_docs: int,
                budget: Budget | None = None) -> list[Document]:
    """Documents of uploaded files (on the write thread: cleaning and language detection
    cost milliseconds a file); the first bad file answers 422 naming it."""
    docs: list[Document] = []
    for name, data in files:
        checkpoint(budget, f"reading {name}")
        suffix = PurePath(name).suffix.lower()
        if suffix not in TEXT_SUFFIXES | {".jsonl"}:
            raise InputError(f"{name}: unsupported file type (use .txt, .md or .jsonl)")
        try:
            text = read_text_bytes(name, data)
            if suffix == ".jsonl":
                new = list(documents_from_jsonl(name, text))
            else:
                new = [document_from_text(doc_id=PurePath(name).stem, raw=text)]
        except InputError as exc:
            raise InputError(str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
                             ) from None
        except RecursionError:
            raise InputError(f"{name}: JSON nested too deeply") from None
        if not new:
            raise InputError(f"{name}: no documents in the file")
        docs.extend(new)
        if len(docs) > max_docs:
            raise TooManyDocuments(max_docs)
    return docs


class TooManyDocuments(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"documents: more than {limit} in one write "
                              "(TELUSUR_MAX_UPLOAD_DOCS); send them in several requests")


def _json_document(raw: bytes) -> Document:
    try:
        body = DocumentIn.model_validate(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HTTPException(422, "body: not valid UTF-8 JSON") from None
    except ValidationError as exc:
        raise HTTPException(422, [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
            for e in exc.errors(include_url=False, include_input=False)
        ]) from None
    return _doc_from_json(body)


def _write(
    searcher: Searcher, budget: Budget, *, upserts: list[Document] | None = None,
    removals: list[str] | None = None, lock_timeout: float,
) -> BuildReport:
    report = apply_changes(searcher.store, encoder=searcher.encoder, upserts=upserts or (),
                           removals=removals or (), progress=False, batch_size=WRITE_BATCH,
                           budget=budget, lock_timeout=lock_timeout)
    searcher.context  # noqa: B018 - open the new generation here, not in a query
    return report


@router.post(
    "/documents", response_model=WriteOut, summary="Add or replace documents (admin)",
    responses={401: {}, 403: {}, 413: {}, 422: {}, 429: {}, 503: {}},
    openapi_extra={"requestBody": {"content": {
        "application/json": {"schema": DocumentIn.model_json_schema()},
        "multipart/form-data": {"schema": {
            "type": "object",
            "properties": {"files": {"type": "array", "items": {
                "type": "string", "format": "binary"}}},
        }},
    }, "required": True}},
)
async def add_documents(
    request: Request, _: AdminDep, settings: SettingsDep, searcher: SearcherDep,
    guards: GuardsDep,
) -> WriteOut:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        files = await _received_files(request, settings)

        def work(budget: Budget) -> BuildReport:
            docs = parse_files(files, max_docs=settings.max_upload_docs, budget=budget)
            return _write(searcher, budget, upserts=docs,
                          lock_timeout=settings.write_wait)
    else:
        raw = await request.body()

        def work(budget: Budget) -> BuildReport:
            return _write(searcher, budget, upserts=[_json_document(raw)],
                          lock_timeout=settings.write_wait)
    return _write_out(await guards.writes.run(request, work))


@router.delete(
    "/documents/{doc_id}", response_model=WriteOut, summary="Delete a document (admin)",
    responses={401: {}, 403: {}, 404: {}, 429: {}, 503: {}},
)
async def delete_document(
    request: Request, doc_id: str, _: AdminDep, searcher: SearcherDep, guards: GuardsDep,
    settings: SettingsDep,
) -> WriteOut:
    def work(budget: Budget) -> BuildReport:
        if doc_id not in searcher.context.data.doc_rows:
            raise not_found(doc_id)
        return _write(searcher, budget, removals=[doc_id], lock_timeout=settings.write_wait)

    report = await guards.writes.run(request, work)
    if not report.removed:
        raise not_found(doc_id)
    return _write_out(report)
