"""Write endpoints: add, replace and delete documents, behind a bearer token.

Writes are disabled (403) unless ``TELUSUR_ADMIN_TOKEN`` is set. Tokens are compared in
constant time and never logged. Each write switches in a new index generation before it
returns, so every following search sees it. Document rules live in ``index.documents``.

Writes never hold up reads: the body is received on the event loop (bounded by
``TELUSUR_MAX_UPLOAD_BYTES``), and files are decoded, cleaned and indexed in the write
lane's low-priority process (``api.writer``). A write whose client disconnects is stopped
before it commits; a write that waits too long for another gets 503.
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

from api.deps import GuardsDep, SearcherDep, SettingsDep
from api.problems import BadFields
from api.routes.documents import not_found
from api.schemas import DocumentIn, WriteOut
from api.settings import Settings
from api.writer import WriteJob
from index.builder import BuildReport
from search.engine import Searcher

router = APIRouter()


async def require_admin(  # a coroutine: checked on the event loop, no thread hop
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
        removed=report.removed, skipped=[],
        duplicates=[{"id": d, "kept_as": kept} for d, kept in report.duplicates],
        documents=report.documents,
        passages=report.passages, generation=report.generation,
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


def _json_document(raw: bytes) -> dict[str, object]:
    """The fields of one JSON document (its rules are checked where it is indexed)."""
    try:
        body = DocumentIn.model_validate(json.loads(raw.decode("utf-8")))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise HTTPException(422, "body: not valid UTF-8 JSON") from None
    except ValidationError as exc:
        raise BadFields(exc.errors(include_url=False, include_input=False),
                        sorted(DocumentIn.model_fields)) from None
    text = body.text if isinstance(body.text, str) else ""
    doc_id = body.id or "doc-" + hashlib.sha256(
        text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return {"doc_id": doc_id, "raw": body.text, "title": body.title, "source": body.source,
            "url": body.url, "published": body.published}


async def _write(request: Request, searcher: Searcher, guards: GuardsDep, job: WriteJob,
                 ) -> WriteOut:
    report = await guards.writes.run(request, job)
    await run_in_threadpool(lambda: searcher.context)  # open the new generation now
    return _write_out(report)


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
    job = WriteJob(max_docs=settings.max_upload_docs, lock_timeout=settings.write_wait)
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        job.files = await _received_files(request, settings)
    else:
        job.documents = [_json_document(await request.body())]
    return await _write(request, searcher, guards, job)


@router.delete(
    "/documents/{doc_id}", response_model=WriteOut, summary="Delete a document (admin)",
    responses={401: {}, 403: {}, 404: {}, 429: {}, 503: {}},
)
async def delete_document(
    request: Request, doc_id: str, _: AdminDep, searcher: SearcherDep, guards: GuardsDep,
    settings: SettingsDep,
) -> WriteOut:
    data = (await run_in_threadpool(lambda: searcher.context)).data
    if doc_id not in data.doc_rows:
        raise not_found(doc_id)
    out = await _write(request, searcher, guards,
                       WriteJob(removals=[doc_id], lock_timeout=settings.write_wait))
    if not out.removed:
        raise not_found(doc_id)
    return out
