"""Query-string rules shared by the routes."""

from __future__ import annotations

from fastapi import Request

from search.query import QueryError


def check_params(request: Request, known: frozenset[str],
                   repeatable: frozenset[str] = frozenset()) -> None:
    """An unknown parameter is a mistake to name, not to ignore (a typo'd filter would
    silently return unfiltered results); so is a single-valued one given twice (``k=5&k=50``
    would silently keep the last). ``repeatable``: the parameters that take a list."""
    params = request.query_params
    unknown = sorted(set(params) - known)
    if unknown:
        use = (f"use {', '.join(sorted(known))}" if known
               else "this route takes its fields in the JSON body")
        raise QueryError(unknown[0], f"unknown parameter(s): {', '.join(unknown)}; {use}")
    for name in sorted(set(params) - repeatable):
        if len(values := params.getlist(name)) > 1:
            several = (f" (only {', '.join(sorted(repeatable))} take several)" if repeatable
                       else "")
            raise QueryError(name, f"{name}: given {len(values)} times; give it once{several}")
