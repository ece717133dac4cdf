"""The API docs (``/docs`` Swagger UI, ``/redoc`` ReDoc) from local files: they work offline
and run no third-party script on our origin.

The JavaScript and CSS come from the ``fastapi-offline`` package (Swagger UI and ReDoc
builds, their licences travel with that package) and are served under ``/static/docs``.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.headers import docs_csp

ASSETS_URL = "/static/docs"
router = APIRouter(include_in_schema=False)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def assets_dir() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).resolve().parent / "static"


def _page(html: str) -> HTMLResponse:
    csp = docs_csp(_INLINE_SCRIPT.findall(html))
    return HTMLResponse(html, headers={"Content-Security-Policy": csp})


@router.api_route("/docs", methods=["GET", "HEAD"])
def swagger_ui() -> HTMLResponse:
    return _page(get_swagger_ui_html(
        openapi_url="/openapi.json", title="Telusur API",
        swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
    ).body.decode())  # type: ignore[union-attr]


@router.api_route("/redoc", methods=["GET", "HEAD"])
def redoc() -> HTMLResponse:
    return _page(get_redoc_html(
        openapi_url="/openapi.json", title="Telusur API",
        redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{ASSETS_URL}/favicon.png", with_google_fonts=False,
    ).body.decode())  # type: ignore[union-attr]
