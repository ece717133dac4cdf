"""Security headers on every response (the page, the API, errors, static files).

The page loads nothing from outside and runs no inline script, so its policy allows only
our own origin. A route that needs more (the API docs' one inline script) sets its own
``Content-Security-Policy`` and this middleware leaves it alone.
"""

from __future__ import annotations

import base64
import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join((
    "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:",
    "connect-src 'self'", "font-src 'self'", "manifest-src 'self'", "form-action 'self'",
    "base-uri 'none'", "frame-ancestors 'none'",
))
HEADERS: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # for browsers without frame-ancestors
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def docs_csp(inline_scripts: list[str]) -> str:
    """The API docs' policy: their own inline script by hash, the inline styles ReDoc and
    Swagger UI write, ReDoc's blob: worker; still nothing from another origin."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in inline_scripts)
    return "; ".join((
        "default-src 'none'", f"script-src 'self' {hashes}".strip(),
        "style-src 'self' 'unsafe-inline'", "img-src 'self' data:", "connect-src 'self'",
        "font-src 'self' data:", "worker-src 'self' blob:", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._raw = [(k.lower().encode(), v.encode()) for k, v in HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                message["headers"] = list(message.get("headers", ())) + [
                    (k, v) for k, v in self._raw if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)
