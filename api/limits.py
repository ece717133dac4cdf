"""What one client or one request may cost the server, enforced at the HTTP edge.

* ``EdgeLimits`` (ASGI middleware): a body cap per route, checked from ``Content-Length``
  and again while the body streams in (413 naming the limit), and a per-client rate on the
  expensive routes (429 with ``Retry-After``), both before any work is done.
* ``Gate``: at most ``slots`` searches/answers compute at once, at most ``queue`` more wait
  for ``wait`` seconds; anyone else gets 503 with ``Retry-After`` at once. The work runs on
  the gate's own threads with a time ``Budget``; when the budget runs out or the client
  disconnects the request is answered (503) or dropped at once and the thread stops at its
  next checkpoint, keeping its slot until then, so abandoned work never piles up.

Writes go through ``api.writer.WriteLane`` (one at a time, in a low-priority process).
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import Overloaded, RateLimited, Shed, retry_headers
from api.observe import EDGE_ROUTE
from index.budget import Budget, Stopped

log = logging.getLogger(__name__)
T = TypeVar("T")
_POLL_S = 0.05  # how often a waiting request looks for a disconnected client


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int, what: str) -> None:
        super().__init__(413, f"body: larger than the {limit}-byte limit for {what}")


class ClientRates:
    """Per-client request rates (``limits`` moving windows, in memory, per process)."""

    def __init__(self, spec: str) -> None:
        from limits import parse_many
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self.spec = spec
        self._items = parse_many(spec)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, client: str) -> None:
        """Count one request of ``client``, or raise ``RateLimited`` (not counted)."""
        for item in self._items:
            if not self._limiter.test(item, client):
                reset = self._limiter.get_window_stats(item, client).reset_time
                raise RateLimited(
                    f"too many requests from this client (limit {self.spec}); slow down",
                    retry_after=max(reset - time.time(), 1.0))
        for item in self._items:
            self._limiter.hit(item, client)


class EdgeLimits:
    """Body caps for every route and client rates for the expensive ones, before the app."""

    def __init__(
        self, app: ASGIApp, *, body_limit: Callable[[str, str], tuple[int, str]],
        rated: Callable[[str, str], bool], rates: ClientRates | None,
        refusal: Callable[[Scope], Shed | None] = lambda _: None,
        on_shed: Callable[[Shed], None] = lambda _: None,
        label: Callable[[str, str], str] = lambda _, __: "<unmatched>",
    ) -> None:
        self.label = label  # the metrics label of a request answered here
        self.app = app
        self.body_limit = body_limit
        self.rated = rated
        self.rates = rates
        self.refusal = refusal  # a full gate refuses before the body is even read
        self.on_shed = on_shed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        scope[EDGE_ROUTE] = self.label(method, path)
        if self.rated(method, path):
            client = (scope.get("client") or ("unknown", 0))[0]
            try:
                if self.rates is not None:
                    self.rates.hit(client)
                if (refused := self.refusal(scope)) is not None:
                    raise refused
            except Shed as exc:
                self.on_shed(exc)
                await _json(send, exc.status, str(exc), retry_headers(exc))
                return
        limit, what = self.body_limit(method, path)
        length = _content_length(scope)
        if length is not None and length > limit:
            await _json(send, 413, BodyTooLarge(limit, what).detail)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body, or one longer than it said
                    raise BodyTooLarge(limit, what)
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", ()):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _json(send: Send, status: int, detail: str, headers: dict[str, str] | None = None,
                ) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close")]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def watch(request: Request, fut: asyncio.Future[T], budget: Budget) -> T:
    """The work's result, or ``Stopped`` as soon as its budget runs out or its client goes
    (the budget is cancelled, so the work stops at its next checkpoint)."""
    while True:
        await asyncio.wait({fut}, timeout=min(_POLL_S, budget.remaining() or _POLL_S))
        if fut.done():
            return fut.result()
        if await request.is_disconnected():
            budget.cancel("the client disconnected")
            fut.add_done_callback(_forget)
            raise Stopped("the client disconnected; its work was stopped", timed_out=False)
        if budget.expired:
            budget.cancel("out of time")
            fut.add_done_callback(_forget)
            raise Stopped(f"the request used up its {budget.seconds:g} s time budget; "
                          "try a shorter question, or again later", timed_out=True)


def _forget(fut: asyncio.Future[Any]) -> None:
    if not fut.cancelled():
        fut.exception()  # retrieved: an abandoned request's error is not worth a warning


class Gate:
    """At most ``slots`` expensive requests compute at once; ``queue`` more wait up to
    ``wait`` seconds; the rest are shed (503)."""

    def __init__(self, *, slots: int, queue: int, wait: float) -> None:
        self.slots, self.queue, self.wait = slots, queue, wait
        self.busy = 0
        self.waiting = 0
        self._free = asyncio.Semaphore(slots)
        self._pool = ThreadPoolExecutor(slots, thread_name_prefix="telusur-query")

    async def run(self, request: Request, fn: Callable[[Budget], T], *, seconds: float,
                  ) -> T:
        budget = Budget(seconds)
        await self._enter(min(self.wait, budget.remaining()))
        ctx = contextvars.copy_context()
        try:
            if await request.is_disconnected():  # gave up while it waited for a slot
                raise Stopped("the client disconnected before its turn", timed_out=False)
            fut = asyncio.get_running_loop().run_in_executor(self._pool, ctx.run, fn, budget)
        except BaseException:
            self._leave()
            raise
        fut.add_done_callback(lambda _: self._leave())
        return await watch(request, fut, budget)

    def refusal(self) -> Overloaded | None:
        """The 503 for a request arriving now, when every slot and queue place is taken."""
        if self._free.locked() and self.waiting >= self.queue:
            return Overloaded(f"busy: {self.busy} requests computing and {self.waiting} "
                              "waiting; try again shortly", retry_after=max(self.wait, 1.0))
        return None

    async def _enter(self, wait: float) -> None:
        if (refused := self.refusal()) is not None:
            raise refused
        self.waiting += 1
        try:
            async with asyncio.timeout(wait):
                await self._free.acquire()
        except TimeoutError:
            raise Overloaded(f"busy: no free slot within {wait:.1f} s; try again shortly",
                             retry_after=max(self.wait, 1.0)) from None
        finally:
            self.waiting -= 1
        self.busy += 1

    def _leave(self) -> None:
        self.busy -= 1
        self._free.release()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def route_matcher(routes: Iterable[tuple[str, str]]) -> Callable[[str, str], bool]:
    """``(method, path)`` pairs; a path ending in ``/`` matches everything under it."""
    exact = {(m, p) for m, p in routes if not p.endswith("/")}
    prefixes = [(m, p) for m, p in routes if p.endswith("/")]

    def matches(method: str, path: str) -> bool:
        return (method, path) in exact or any(
            method == m and path.startswith(p) for m, p in prefixes)
    return matches
