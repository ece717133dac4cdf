"""Write endpoints: add, replace and delete documents, behind a bearer token.

Writes are disabled (403) unless ``TELUSUR_ADMIN_TOKEN`` is set. Tokens are compared in
constant time and never logged. Each write switches in a new index generation before it
returns, so every following search sees it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import PurePath
from typing import Annotated

from fastapi import Depends, FastAPI, Header, HTTPException, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from api.schemas import DocumentIn, WriteOut
from api.settings import Settings
from index.builder import BuildReport, apply_changes
from index.readers import (
    TEXT_SUFFIXES,
    InputError,
    document_from_text,
    documents_from_jsonl,
    encodable,
    read_text_bytes,
)
from index.records import Document
from search.engine import Searcher


def require_admin(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> None:
    settings: Settings = request.app.state.settings
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


def _write_out(report: BuildReport, skipped: list[dict[str, str]] | None = None) -> WriteOut:
    return WriteOut(
        added=report.added, updated=report.updated, unchanged=report.unchanged,
        removed=report.removed, skipped=skipped or [], documents=report.documents,
        passages=report.passages, generation=report.generation,
    )


_META_FIELDS = ("title", "source", "url", "published", "lang")


def _check_doc(doc: Document, where: str) -> Document:
    """Refuse what would break storage or responses: non-strings and bad ids."""
    prefix = f"{where}: " if where else ""
    if (
        not isinstance(doc.id, str) or not doc.id.strip() or len(doc.id) > 200
        or any(c in doc.id for c in "/\\\x00")
    ):
        raise HTTPException(
            422, f"{prefix}id: must be 1-200 characters with no '/', '\\' or NUL"
        )
    for name in ("id", "text", *_META_FIELDS):
        value = getattr(doc, name)
        if value is None:
            continue
        if not isinstance(value, str):  # Unicode was checked where the document was read
            raise HTTPException(422, f"{prefix}{name}: must be a string")
    return doc


def _doc_from_json(body: DocumentIn) -> Document:
    for name in ("id", "text", *_META_FIELDS[:-1]):
        value = getattr(body, name)
        if value is not None and not encodable(value):
            raise HTTPException(422, f"{name}: not valid Unicode (lone surrogate)")
    if not body.text.strip():
        raise HTTPException(422, "text: must not be empty")
    doc_id = body.id or "doc-" + hashlib.sha256(body.text.encode()).hexdigest()[:16]
    if not doc_id.strip() or any(c in doc_id for c in "/\\\x00"):
        raise HTTPException(422, "id: must be non-empty and contain no '/', '\\' or NUL")
    try:
        doc = document_from_text(
            doc_id=doc_id, raw=body.text, title=body.title, source=body.source, url=body.url,
            published=body.published,
        )
    except InputError as exc:
        raise HTTPException(422, f"text: {exc}") from None
    return _check_doc(doc, "")


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
            raise HTTPException(422, str(exc)) from None
        except RecursionError:
            raise HTTPException(422, f"{name}: JSON nested too deeply") from None
        if not new:
            raise HTTPException(422, f"{name}: no documents in the file")
        docs.extend(_check_doc(d, name) for d in new)
    return docs


def install_admin_routes(app: FastAPI) -> None:
    @app.post(
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
    async def add_documents(request: Request, _: AdminDep) -> WriteOut:
        settings: Settings = request.app.state.settings
        searcher: Searcher = request.app.state.searcher
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
                raise HTTPException(422, json.loads(exc.json(include_url=False))) from None
            docs = [_doc_from_json(body)]
        report = await run_in_threadpool(
            apply_changes, searcher.store, encoder=searcher.encoder, upserts=docs,
            progress=False,
        )
        return _write_out(report)

    @app.delete(
        "/documents/{doc_id}", response_model=WriteOut, summary="Delete a document (admin)",
        responses={401: {}, 403: {}, 404: {}},
    )
    def delete_document(doc_id: str, request: Request, _: AdminDep) -> WriteOut:
        searcher: Searcher = request.app.state.searcher
        if searcher.data.document(doc_id) is None:
            raise HTTPException(404, f"no document with id {doc_id!r}; see GET /documents")
        report = apply_changes(
            searcher.store, encoder=searcher.encoder, removals=[doc_id], progress=False
        )
        if not report.removed:
            raise HTTPException(404, f"no document with id {doc_id!r}; see GET /documents")
        return _write_out(report)
