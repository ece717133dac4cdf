"""What operators see: a request id on every request and log line, JSON logs, and
Prometheus metrics (one registry per app, so several apps in one process never collide).

* ``X-Request-ID``: a client's id (1-128 of ``A-Z a-z 0-9 . _ : -``) is kept, any other is
  replaced by a fresh one; the response echoes it, every log line of the request carries it.
* ``RequestContext`` (ASGI middleware): one access-log line and the latency / status /
  in-flight metrics per request; an unexpected error is logged with its traceback and
  answered 500 JSON (never a stack trace to the client).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
EDGE_ROUTE = "telusur.edge_route"  # scope key: the route a request answered at the edge was for
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("telusur.access")
log = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id, extra ``fields``."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
            "request_id": REQUEST_ID.get(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _Stderr(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is now (not the one at start)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:
        pass


def configure_logging(*, fmt: str, level: str) -> None:
    """The process's one log handler (the server and CLI call this; libraries never do)."""
    handler = _Stderr()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(
        "%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class Metrics:
    """The app's Prometheus metrics; ``gauges`` adds values read at scrape time."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.latency = Histogram("telusur_request_duration_seconds", "Request latency",
                                 ["method", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.requests = Counter("telusur_requests", "Requests answered",
                                ["method", "route", "status"], registry=r)
        self.in_flight = Gauge("telusur_requests_in_flight", "Requests being answered",
                               registry=r)
        self.shed = Counter("telusur_shed", "Requests turned away or stopped, by reason",
                            ["reason"], registry=r)
        self.answers = Counter("telusur_answers", "POST /ask outcomes: answered or withheld",
                               ["outcome"], registry=r)
        self.queries = Counter("telusur_queries", "Queries by route and detected language",
                               ["route", "lang"], registry=r)

    def gauges(self, read: Callable[[], dict[str, float]]) -> None:
        self.registry.register(_Gauges(read))

    def answered(self, *, withheld: bool) -> None:
        self.answers.labels("withheld" if withheld else "answered").inc()


class _Gauges(Collector):
    def __init__(self, read: Callable[[], dict[str, float]]) -> None:
        self.read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for name, value in self.read().items():
            yield GaugeMetricFamily(f"telusur_{name}", name.replace("_", " "), value=value)


def request_id(scope: Scope) -> str:
    for key, value in scope.get("headers", ()):
        if key == b"x-request-id":
            text = value.decode("latin-1")
            if _VALID_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def route_label(scope: Scope) -> str:
    """The matched route's template (``/documents/{doc_id}``) or mount (``/static``): a
    bounded set of labels whatever paths clients send."""
    route = getattr(scope.get("route"), "path", None)
    if route:
        return str(route)
    if "endpoint" in scope and scope.get("root_path"):
        return str(scope["root_path"])
    return str(scope.get(EDGE_ROUTE, "<unmatched>"))  # answered before routing, or 404


class RequestContext:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        token = REQUEST_ID.set(rid)
        t0 = time.perf_counter()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()),
                                      (b"x-request-id", rid.encode())]
            await send(message)

        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # noqa: BLE001 - the last resort: logged, answered 500
            log.error("unexpected error on %s %s: %s", scope["method"], scope["path"],
                      type(exc).__name__, exc_info=exc)
            status = 500
            if not started:
                body = b'{"detail":"internal error; see the server log"}'
                await send_with_id({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())]})
                await send_with_id({"type": "http.response.body", "body": body})
        finally:
            seconds = time.perf_counter() - t0
            self.metrics.in_flight.dec()
            route = route_label(scope)
            self.metrics.latency.labels(scope["method"], route).observe(seconds)
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            access_log.info("%s %s %s", scope["method"], scope["path"], status, extra={
                "fields": {"request_id": rid, "method": scope["method"], "path": scope["path"],
                           "status": status,
                           "ms": round(seconds * 1000, 2),
                           "client": (scope.get("client") or ("-",))[0]}})
            REQUEST_ID.reset(token)
