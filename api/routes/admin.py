"""Write endpoints: add, replace and delete documents, behind a bearer token.

Writes are disabled (403) unless ``TELUSUR_ADMIN_TOKEN`` is set. Tokens are compared in
constant time and never logged. Each write switches in a new index generation before it
returns, so every following search sees it. Document rules live in ``index.documents``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import PurePath
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.deps import SearcherDep, SettingsDep
from api.routes.documents import not_found
from api.schemas import DocumentIn, WriteOut
from index.builder import BuildReport, apply_changes
from index.documents import InputError
from index.readers import (
    TEXT_SUFFIXES,
    document_from_text,
    documents_from_jsonl,
    read_text_bytes,
)
from index.records import Document

router = APIRouter()


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
        token.strip().encode(), settings.admin_token.encode()
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
    try:
        doc_id = body.id or "doc-" + hashlib.sha256(
            text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return document_from_text(
            doc_id=doc_id, raw=body.text, title=body.title, source=body.source, url=body.url,
            published=body.published,
        )
    except InputError as exc:
        raise HTTPException(422, str(exc)) from None


async def _docs_from_upload(request: Request, limit: int) -> list[Document]:
    form = await request.form()
    files = [v for _, v in form.multi_items() if hasattr(v, "filename") and hasattr(v, "read")]
    if not files:
        raise HTTPException(422, "files: no file in the multipart upload")
    docs: list[Document] = []
    for upload in files:
        # The client's file name is only a label: it never becomes a filesystem path.
        name = PurePath(str(upload.filename or "upload.txt").replace("\\", "/")).name or "upload"
        data = await upload.read(limit + 1)
        if len(data) > limit:
            raise HTTPException(413, f"{name}: larger than the {limit}-byte upload limit")
        suffix = PurePath(name).suffix.lower()
        if suffix not in TEXT_SUFFIXES | {".jsonl"}:
            raise HTTPException(422, f"{name}: unsupported file type (use .txt, .md or .jsonl)")
        try:
            text = read_text_bytes(name, data)
            if suffix == ".jsonl":
                new = list(documents_from_jsonl(name, text))
            else:
                new = [document_from_text(doc_id=PurePath(name).stem, raw=text)]
        except InputError as exc:
            raise HTTPException(422, str(exc) if str(exc).startswith(name) else f"{name}: {exc}"
                                ) from None
        except RecursionError:
            raise HTTPException(422, f"{name}: JSON nested too deeply") from None
        if not new:
            raise HTTPException(422, f"{name}: no documents in the file")
        docs.extend(new)
    return docs


@router.post(
    "/documents", response_model=WriteOut, summary="Add or replace documents (admin)",
    responses={401: {}, 403: {}, 413: {}, 422: {}},
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
) -> WriteOut:
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/form-data"):
        docs = await _docs_from_upload(request, settings.max_upload_bytes)
    else:
        raw = await request.body()
        if len(raw) > settings.max_upload_bytes:
            raise HTTPException(413, f"body larger than {settings.max_upload_bytes} bytes")
        try:
            body = DocumentIn.model_validate(json.loads(raw.decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise HTTPException(422, "body: not valid UTF-8 JSON") from None
        except ValidationError as exc:
            raise HTTPException(422, [
                {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type")}
                for e in exc.errors(include_url=False, include_input=False)
            ]) from None
        docs = [_doc_from_json(body)]
    report = await run_in_threadpool(
        apply_changes, searcher.store, encoder=searcher.encoder, upserts=docs, progress=False,
    )
    return _write_out(report)


@router.delete(
    "/documents/{doc_id}", response_model=WriteOut, summary="Delete a document (admin)",
    responses={401: {}, 403: {}, 404: {}},
)
def delete_document(doc_id: str, _: AdminDep, searcher: SearcherDep) -> WriteOut:
    if doc_id not in searcher.context.data.doc_rows:
        raise not_found(doc_id)
    report = apply_changes(
        searcher.store, encoder=searcher.encoder, removals=[doc_id], progress=False
    )
    if not report.removed:
        raise not_found(doc_id)
    return _write_out(report)
