"""The one table from domain errors to HTTP statuses and CLI exits.

Domain code raises its own errors (a bad query, a bad document, a damaged index, a missing
model); the HTTP API and the CLI look the error up here, so a kind of failure answers the
same way everywhere.
"""

from __future__ import annotations

from index.documents import InputError
from index.encoders import EncoderError
from index.milvus import MilvusError
from index.store import IndexStoreError
from search.models import ModelError
from search.query import QueryError

EXIT_USAGE = 2


class CliError(Exception):
    """A user-facing CLI failure: printed as one line, exit status 2."""


# error class -> HTTP status (the CLI exits with EXIT_USAGE for every one of them)
HTTP_STATUS: dict[type[Exception], int] = {
    QueryError: 422,  # the request is wrong: fix the named field
    InputError: 422,  # a document is wrong: fix the named field or file
    IndexStoreError: 503,  # the service cannot answer until the index is rebuilt or repaired
    EncoderError: 503,
    MilvusError: 503,  # the configured Milvus cannot be reached
    ModelError: 503,
}
DOMAIN_ERRORS: tuple[type[Exception], ...] = (*HTTP_STATUS, CliError)


def http_status(exc: Exception) -> int:
    for cls, status in HTTP_STATUS.items():
        if isinstance(exc, cls):
            return status
    return 500
