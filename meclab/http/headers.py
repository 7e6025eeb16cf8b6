"""Response header names in canonical casing (``Content-Type``, ``Location``, ``ETag``).

HTTP header names are case-insensitive, but MEC test tools and embedded clients often compare
them case-sensitively, and Go and Java servers send them capitalised. ASGI frameworks produce
lower-case names; this middleware rewrites them on the way out. Only some servers then send
them as given: run uvicorn with :data:`SERVER_OPTIONS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meclab.http.protocol import MAX_HEAD_BYTES, ProblemH11Protocol

SERVER_OPTIONS: dict[str, Any] = {
    "http": ProblemH11Protocol,
    "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    "date_header": False,
    "server_header": False,
}
"""``uvicorn.Config`` options under which the names this middleware sets reach the wire.

Measured with uvicorn 0.54 (tests/platform/test_http_conventions.py): its httptools protocol,
the default whenever httptools is installed, lower-cases every header name as it writes it;
h11 sends them as given (meclab's h11 protocol also answers over-long requests, see
:mod:`meclab.http.protocol`). uvicorn's own ``date`` and ``server`` headers are lower-case, and
its ``date`` would repeat the ``Date`` added here (a field that must appear once, RFC 9110 6.6.1).
"""

SPECIAL = {
    b"etag": b"ETag",
    b"www-authenticate": b"WWW-Authenticate",
    b"content-md5": b"Content-MD5",
    b"te": b"TE",
    b"dnt": b"DNT",
    b"x-xss-protection": b"X-XSS-Protection",
}


def canonical(name: bytes) -> bytes:
    """``content-type`` -> ``Content-Type``, ``etag`` -> ``ETag``."""
    special = SPECIAL.get(name.lower())
    if special is not None:
        return special
    return b"-".join(part[:1].upper() + part[1:].lower() for part in name.split(b"-"))


class CanonicalHeaders:
    """ASGI middleware: canonical header names, plus a ``Date`` header (RFC 9110 6.6.1).

    It runs on every response, so it remembers each name's canonical form and formats the date
    once a second.
    """

    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.clock = clock
        self._names: dict[bytes, bytes] = {}
        self._date: tuple[int, bytes] = (-1, b"")

    def _canonical(self, name: bytes) -> bytes:
        known = self._names.get(name)
        if known is None:
            known = self._names[name] = canonical(name)
        return known

    def _now(self) -> bytes:
        second = int(self.clock())
        if self._date[0] != second:
            self._date = (second, formatdate(second, usegmt=True).encode())
        return self._date[1]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_canonical(message: Message) -> None:
            if message["type"] == "http.response.start":
                name = self._canonical
                headers = [(name(k), v) for k, v in message.get("headers", ())]
                if not any(k == b"Date" for k, _ in headers):
                    headers.append((b"Date", self._now()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_canonical)
