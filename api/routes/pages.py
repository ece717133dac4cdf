"""The web page: one static HTML file for ``/`` and the article view ``/doc/{id}``."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.get("/doc/{doc_id}")
def doc_page(doc_id: str) -> FileResponse:
    return FileResponse(STATIC / "index.html")
