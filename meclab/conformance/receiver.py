"""The built-in callback receiver: where subscriptions created by the suite send notifications.

A small aiohttp server on a chosen host and port (port 0: any free one). Each subscription gets
its own path (:meth:`Receiver.callback`), advertised as its ``callbackReference``; every POST
is answered 204 (the consumer's answer MEC 009 gives) and kept, so a step can wait for the
notification it expects (:meth:`Receiver.wait`). Behind NAT or in a container, ``public_url``
is the base the platform can reach instead of ``http://host:port``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Self

from aiohttp import web


@dataclass(frozen=True)
class Delivery:
    """One notification as it arrived."""

    path: str
    content_type: str
    body: Any
    """The JSON body (``None`` when it was not JSON)."""


class Receiver:
    """A callback receiver on ``host:port`` (see the module docstring)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, public_url: str | None = None):
        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        self.deliveries: list[Delivery] = []
        self._arrived = asyncio.Event()
        self._names = itertools.count(1)
        self._runner: web.AppRunner | None = None

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._take)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        if self.port == 0 and server is not None and server.sockets:  # type: ignore[union-attr]
            self.port = int(server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        """The URL the platform reaches this receiver at."""
        return self.public_url or f"http://{self.host}:{self.port}"

    def callback(self, name: str) -> str:
        """A fresh callback URL for one subscription (``name`` keeps it readable)."""
        return f"{self.base}/cb/{name}-{next(self._names)}"

    async def _take(self, request: web.Request) -> web.Response:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.deliveries.append(
            Delivery(request.path, request.headers.get("Content-Type", ""), body)
        )
        self._arrived.set()
        return web.Response(status=204)

    async def wait(
        self, url: str, match: Callable[[Any], bool], timeout_s: float
    ) -> Delivery | None:
        """The first notification to ``url`` whose body ``match`` accepts, waiting up to
        ``timeout_s``; ``None`` if none came."""
        path = url.removeprefix(self.base)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            for delivery in self.deliveries:
                if delivery.path == path and match(delivery.body):
                    return delivery
            left = deadline - loop.time()
            if left <= 0:
                return None
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):  # the loop looks once more, then ends
                await asyncio.wait_for(self._arrived.wait(), left)
