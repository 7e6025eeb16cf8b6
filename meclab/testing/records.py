"""What a lab saw: the notifications its platforms delivered and the API requests they served.

:class:`Notification` is one notification a subscriber took (a 2xx answer), as the platform
sent it (:attr:`~meclab.platform.delivery.Notifier.observers`); :class:`ApiRequest` one
request to a MEC API, recorded by :class:`RequestRecorder`, an ASGI layer around meclab's app.
Both carry the simulation time of the world when they happened, so a test can ask what came
after a move. meclab's own endpoints (the control API ``/meclab``, ``/metrics``, ``/docs``,
the dashboard) are not recorded: the test drives those itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

NOT_RECORDED = ("/meclab/", "/metrics", "/docs", "/openapi.json", "/ui")
"""Path prefixes of meclab's own endpoints, left out of the requests recorded."""


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification a subscriber took."""

    t: float
    """Simulation time (s) when it was delivered."""
    api: str
    """The API whose subscription it belongs to, by meclab's short name (``rni``,
    ``location``, ``mec011_app_support`` ...)."""
    host: str
    """The MEC host whose platform sent it."""
    subscription: str
    """The subscription's id."""
    callback: str | None
    """Where it was POSTed (None: over a websocket)."""
    body: dict[str, Any]

    @property
    def type(self) -> str:
        """Its ``notificationType`` (``MeasRepUeNotification`` ...), or ``""``."""
        kind = self.body.get("notificationType")
        return kind if isinstance(kind, str) else ""


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """A request a MEC API answered."""

    t: float
    """Simulation time (s) when it was answered."""
    method: str
    path: str
    """The path, with the API root and ``/hosts/<host>`` prefix as sent."""
    query: str
    status: int
    body: Any
    """The request's JSON body (None when it had none or it was not JSON)."""


@dataclass(slots=True)
class RequestRecorder:
    """An ASGI layer recording every request to a MEC API into ``requests``, and counting
    those under way (``in_flight``: a lab settles only once none are). ``now`` is the
    simulation time."""

    app: ASGIApp
    now: Callable[[], float]
    requests: list[ApiRequest] = field(default_factory=list)
    in_flight: int = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NOT_RECORDED):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        status = 0

        async def receiving() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        self.in_flight += 1
        try:
            await self.app(scope, receiving, sending)
        finally:
            self.in_flight -= 1
            raw = b"".join(chunks)
            try:
                body = orjson.loads(raw) if raw else None
            except orjson.JSONDecodeError:
                body = None
            self.requests.append(
                ApiRequest(
                    self.now(),
                    scope["method"],
                    scope["path"],
                    scope.get("query_string", b"").decode("latin-1"),
                    status,
                    body,
                )
            )
