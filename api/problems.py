"""The one shape of an error answer: ``{"detail": "<one line>"}``; for input the framework or
a model rejects (422), the line names each wrong field and the structured list follows in
``errors``. ``app.py`` answers every error through here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi.responses import JSONResponse

from index.documents import for_terminal

MAX_NAMED = 5  # wrong fields named in ``detail`` (a body of 1,000 unknown keys is one line)
_WHERE = ("body", "query", "path", "header", "cookie")  # FastAPI's first ``loc`` element

# The OpenAPI schema of a 422 (FastAPI's default documents ``detail`` as the list that is
# ``errors`` here).
VALIDATION_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError", "type": "object", "required": ["detail"],
    "properties": {
        "detail": {"type": "string", "title": "Detail",
                   "description": "One line naming each wrong field"},
        "errors": {"type": "array", "title": "Errors",
                   "items": {"$ref": "#/components/schemas/ValidationError"}},
    },
}


class BadFields(Exception):
    """Input a model rejected outside FastAPI's own validation (a JSON document read by
    hand): answered like FastAPI's 422, with the model's fields listed for an unknown one."""

    def __init__(self, errors: Iterable[Mapping[str, Any]], fields: Sequence[str]) -> None:
        super().__init__("invalid fields")
        self.errors = [{**e, "loc": ("body", *e.get("loc", ()))} for e in errors]
        self.fields = list(fields)


def safe(value: object) -> object:
    """Text that JSON can carry as UTF-8 (a lone surrogate from a JSON escape cannot be)."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [safe(v) for v in value]
    if isinstance(value, dict):
        return {safe(k): safe(v) for k, v in value.items()}
    return value


def error(status: int, detail: object, headers: Mapping[str, str] | None = None,
          ) -> JSONResponse:
    return JSONResponse(status_code=status, content={"detail": safe(detail)},
                        headers=dict(headers or {}))


def invalid(errors: Iterable[Mapping[str, Any]], body_fields: Sequence[str]) -> JSONResponse:
    """The 422 for validation errors; ``body_fields``: the JSON body's fields (listed when a
    top-level one is unknown). The input is left out: it may not even serialise."""
    listed: list[dict[str, Any]] = [
        {"loc": [safe(p) for p in e.get("loc", ())], "msg": safe(str(e.get("msg", ""))),
         "type": str(e.get("type", ""))} for e in errors]
    named = [_named(e, body_fields) for e in listed[:MAX_NAMED]]
    if len(listed) > MAX_NAMED:
        named.append(f"and {len(listed) - MAX_NAMED} more")
    if body_fields and any(_unknown_field(e) for e in listed):
        named.append(f"use {', '.join(body_fields)}")
    return JSONResponse(status_code=422, content={"detail": "; ".join(named), "errors": listed})


def _named(e: Mapping[str, Any], body_fields: Sequence[str]) -> str:
    loc = list(e["loc"])
    where = loc[1:] if loc and loc[0] in _WHERE else loc
    msg = str(e["msg"])
    if e["type"] == "json_invalid":  # loc: ("body", character offset)
        where, msg = [], f"{msg} at character {loc[-1]}"
    elif e["type"] in ("model_attributes_type", "dict_type") and loc == ["body"]:
        msg = "send a JSON object, with Content-Type: application/json"
    elif e["type"] in ("int_parsing", "int_from_float", "int_type"):
        msg = "must be a whole number"
    elif _unknown_field(e) and body_fields:
        msg = "unknown field"
    name = ".".join(for_terminal(str(p)) for p in where) or "body"
    return f"{name}: {for_terminal(msg)}"


def _unknown_field(e: Mapping[str, Any]) -> bool:
    """A top-level field the JSON body's model does not have (``loc``: body, name)."""
    return e["type"] == "extra_forbidden" and len(e["loc"]) == 2 and e["loc"][0] == "body"
