"""The one table from domain errors to HTTP statuses and CLI exits.

Domain code raises its own errors (a bad query, a bad document, a damaged index, a missing
model, work stopped by its budget); the HTTP API and the CLI look the error up here, so a
kind of failure answers the same way everywhere. Errors that carry ``retry_after`` (seconds)
also answer with a ``Retry-After`` header.
"""

from __future__ import annotations

import math

from api.settings import ConfigError
from index.budget import Stopped
from index.documents import InputError
from index.encoders import EncoderError
from index.milvus import MilvusError
from index.store import IndexStoreError
from search.models import ModelError
from search.query import QueryError

EXIT_USAGE = 2
CLIENT_CLOSED = 499  # the client went away before the answer (nginx's code; logs only)


class CliError(Exception):
    """A user-facing CLI failure: printed as one line, exit status 2."""


class TooLarge(Exception):
    """A request asks for more than one request may (documents in a write): 413."""


class Shed(Exception):
    """The server turned a request away before working on it; try again after a pause."""

    status = 503

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Overloaded(Shed):
    """Every slot for expensive work is taken and the queue is full or too slow (503)."""


class RateLimited(Shed):
    """This client sent more requests than its rate allows (429)."""

    status = 429


# error class -> HTTP status (the CLI exits with EXIT_USAGE for every one of them)
HTTP_STATUS: dict[type[Exception], int] = {
    QueryError: 422,  # the request is wrong: fix the named field
    InputError: 422,  # a document is wrong: fix the named field or file
    IndexStoreError: 503,  # damaged, read-only or busy index: try again once it is fixed/free
    EncoderError: 503,
    MilvusError: 503,  # the configured Milvus cannot be reached
    ModelError: 503,
    Stopped: 503,  # out of its time budget (or its client left: see CLIENT_CLOSED)
    RateLimited: 429,
    Overloaded: 503,
    TooLarge: 413,
    ConfigError: 500,  # never reaches HTTP: the server refuses to start
}
DOMAIN_ERRORS: tuple[type[Exception], ...] = (*HTTP_STATUS, CliError)


def http_status(exc: Exception) -> int:
    if isinstance(exc, Stopped) and not exc.timed_out:
        return CLIENT_CLOSED
    for cls, status in HTTP_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 500


def retry_headers(exc: Exception) -> dict[str, str]:
    """``Retry-After`` for errors that say when to come back (whole seconds, at least 1)."""
    seconds = getattr(exc, "retry_after", None)
    if seconds is None and isinstance(exc, Stopped) and exc.timed_out:
        seconds = 1.0
    return {} if seconds is None else {"Retry-After": str(max(math.ceil(seconds), 1))}
