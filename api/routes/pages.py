"""The web page: one static HTML file for ``/`` and the article view ``/doc/{id}`` (``HEAD``
too, so uptime monitors see the page as up)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

STATIC = Path(__file__).resolve().parents[1] / "static"
router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html")


@router.api_route("/doc/{doc_id}", methods=["GET", "HEAD"])
def doc_page(doc_id: str) -> FileResponse:
    return FileResponse(STATIC / "index.html")
