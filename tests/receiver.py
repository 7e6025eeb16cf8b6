"""A real HTTP notification receiver for tests: an aiohttp server on a free loopback port.

    async with Receiver() as rx:
        subscribe(callbackReference=rx.url("/cb"))
        notes = await rx.wait_for(2)          # the first two notifications, in arrival order

It records every POST (path, JSON body, arrival time), answers 204, and can be told to fail
(``rx.fail_with = 503``) or be stopped and started again on the same port to play a subscriber
that is down for a while.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    path: str
    body: Any
    at: float


class Receiver:
    """Collects notifications POSTed to it."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or _free_port()
        self.received: list[Received] = []
        self.fail_with: int | None = None
        self._arrived = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    def url(self, path: str = "/notify") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        if self.fail_with is not None:
            return web.Response(status=self.fail_with)
        body = json.loads(await request.read() or b"null")
        async with self._arrived:
            self.received.append(Received(request.path, body, time.monotonic()))
            self._arrived.notify_all()
        return web.Response(status=204)

    async def start(self) -> Receiver:
        app = web.Application()
        app.router.add_route("POST", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Receiver:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def bodies(self, path: str | None = None) -> list[Any]:
        return [r.body for r in self.received if path is None or r.path == path]

    async def wait_for(
        self,
        count: int,
        *,
        path: str | None = None,
        where: Callable[[Any], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - one call, one bound: simpler for tests
    ) -> list[Any]:
        """The first ``count`` matching bodies, waiting up to ``timeout`` seconds for them."""

        def matching() -> list[Any]:
            return [b for b in self.bodies(path) if where is None or where(b)]

        async def enough() -> list[Any]:
            async with self._arrived:
                await self._arrived.wait_for(lambda: len(matching()) >= count)
                return matching()[:count]

        try:
            return await asyncio.wait_for(enough(), timeout)
        except TimeoutError:
            got = matching()
            raise AssertionError(f"expected {count} notifications, got {len(got)}: {got}") from None

    async def quiet(self, seconds: float = 0.3) -> int:
        """Wait ``seconds`` and return how many notifications arrived meanwhile (expect 0)."""
        before = len(self.received)
        await asyncio.sleep(seconds)
        return len(self.received) - before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
