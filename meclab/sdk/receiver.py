"""``NotificationReceiver``: an embedded aiohttp server turning ETSI notifications into calls.

::

    async with NotificationReceiver(port=0) as receiver:      # a free port on 127.0.0.1
        url = receiver.callback_url(Api.RNIS, on_cell_change)  # one URL per subscription
        await http.post("/rni/v2/subscriptions", {..., "callbackReference": url}, ...)

Each URL is ``<callback base>/_mec/notifications/<key>``; the key picks the API (which decides
how the body is read, :mod:`meclab.sdk.notifications`) and the callback. A notification is
answered ``204`` at once and handed to its callback afterwards, so a slow callback never makes
the platform retry. A body the SDK cannot read is logged, counted in ``unparseable`` and
answered ``400``; a callback that raises is logged and counted in ``callback_errors``. Neither
stops the receiver.

The receiver can also live on an application's own server (:meth:`NotificationReceiver.mount`),
as :class:`~meclab.sdk.app.EdgeApp` does, instead of starting one.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from meclab.platform.wire import WireModel
from meclab.sdk.errors import ConfigError, UnparseableNotification
from meclab.sdk.notifications import Api, parse_notification
from meclab.sdk.problem import problem_response

log = logging.getLogger(__name__)

PREFIX = "/_mec/notifications"
"""Where the receiver's callback URLs live on its server."""

Callback = Callable[[Any], Awaitable[None] | None]
"""Called with each typed notification; a coroutine function or a plain one (keep it short)."""


@dataclass
class Route:
    """What one callback URL delivers to."""

    api: Api
    callback: Callback


class Dispatcher:
    """Reads bodies and runs callbacks, counting what went wrong; shared by HTTP and websocket."""

    def __init__(self) -> None:
        self.received = 0
        """Notifications read and handed to a callback."""
        self.unparseable = 0
        """Bodies that could not be read as their API defines them."""
        self.callback_errors = 0
        """Callbacks that raised."""
        self._tasks: set[asyncio.Task[None]] = set()

    def deliver(self, route: Route, body: bytes | str) -> UnparseableNotification | None:
        """Read ``body`` and schedule its callback; the error if the body is unreadable."""
        try:
            note = parse_notification(route.api, body)
        except UnparseableNotification as exc:
            self.unparseable += 1
            log.warning("dropped a notification: %s", exc)
            return exc
        self.received += 1
        task = asyncio.ensure_future(self._call(route.callback, note))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return None

    async def _call(self, callback: Callback, note: WireModel) -> None:
        try:
            result = callback(note)
            if inspect.isawaitable(result):
                await result
        except Exception:
            self.callback_errors += 1
            log.exception("notification callback %r failed", callback)

    async def drain(self) -> None:
        """Wait for the callbacks already started."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


class NotificationReceiver(Dispatcher):
    """Receives notifications on ``host:port`` (port 0: a free one).

    ``callback_base`` is the base URL the platform reaches this server at, when that is not
    ``http://host:port`` (a NAT, a container, a relay); :meth:`mount` takes it as an argument.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, callback_base: str | None = None
    ) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self._base = callback_base.rstrip("/") if callback_base else None
        self._routes: dict[str, Route] = {}
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        """The base URL of the callback URLs; known once started or mounted."""
        if self._base is None:
            raise ConfigError("the receiver has no callback base URL: start() or mount() it first")
        return self._base

    def callback_url(self, api: Api, callback: Callback, *, key: str | None = None) -> str:
        """A URL of its own for notifications of ``api``, delivered to ``callback``.

        ``key`` fixes the last path segment (default: a fresh random one); giving a key twice
        replaces its callback.
        """
        key = key or secrets.token_urlsafe(12)
        self._routes[key] = Route(api, callback)
        return f"{self.base_url}{PREFIX}/{key}"

    def forget(self, url: str) -> None:
        """Stop delivering to ``url``: it answers 404 from now on."""
        self._routes.pop(url.rpartition("/")[2], None)

    def mount(self, app: web.Application, base_url: str | None = None) -> None:
        """Serve the callback URLs on ``app`` (before it starts), reached at ``base_url``
        (or at what :meth:`set_base_url` gives once the server is up)."""
        app.router.add_post(PREFIX + "/{key}", self._on_post)
        if base_url is not None:
            self._base = base_url.rstrip("/")

    def set_base_url(self, base_url: str) -> None:
        """Where the platform reaches the server the receiver is mounted on (known late)."""
        self._base = base_url.rstrip("/")

    async def start(self) -> None:
        """Start serving on ``host:port``."""
        app = web.Application()
        app.router.add_post(PREFIX + "/{key}", self._on_post)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        if self._base is None:
            shown = f"[{self.host}]" if ":" in self.host else self.host
            self._base = f"http://{shown}:{self.port}"

    async def stop(self) -> None:
        """Stop serving, after the callbacks already started."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.drain()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def _on_post(self, request: web.Request) -> web.Response:
        route = self._routes.get(request.match_info["key"])
        if route is None:
            return problem_response(404, f"no subscription is delivered to {request.path}"[:300])
        error = self.deliver(route, await request.read())
        if error is not None:
            return problem_response(400, str(error)[:300])
        return web.Response(status=204)
