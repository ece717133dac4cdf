"""Query-string rules shared by the routes."""

from __future__ import annotations

from fastapi import Request

from search.query import QueryError


def reject_unknown(request: Request, known: frozenset[str]) -> None:
    """An unknown parameter is a mistake to name, not to ignore (a typo'd filter would
    silently return unfiltered results)."""
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        use = (f"use {', '.join(sorted(known))}" if known
               else "this route takes its fields in the JSON body")
        raise QueryError(unknown[0], f"unknown parameter(s): {', '.join(unknown)}; {use}")
