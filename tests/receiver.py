"""A real HTTP notification receiver for tests: an aiohttp server on a free loopback port.

    async with Receiver() as receiver:
        subscribe(callbackReference=receiver.url("/cb"))
        notes = await receiver.wait_for(2)    # the first two notifications, in arrival order

(or take the ``receiver`` fixture of tests/conftest.py, which does the same.)

It plays a subscriber's endpoint. It records every POST it answers, in the order it answers
them, as a :class:`Request` (path, JSON body, status, client address, arrival time), and
answers 204 unless told otherwise:

* ``status = 503``: answer every request with 503 from now on (``204`` to recover);
* ``fail_next(3, 500)``: answer the next three requests with 500, then ``status`` again;
* ``delay_s = 0.02``: pause before answering each request;
* ``gate = asyncio.Event()``: hold every request until the test sets the event.

It can be stopped and started again on the same port, to play a subscriber that is down for a
while (a receiver made with a port that nobody listens on yet is down from the start). It also
counts what delivery must bound: requests in flight at once (``in_flight``, ``max_in_flight``)
and TCP connections used (``peers``, the distinct client addresses).

Reading what arrived:

* :meth:`bodies` and :attr:`received`: what was delivered (answered with a 2xx);
* :attr:`requests` and :meth:`attempts`: every request answered, successful or not;
* :meth:`wait_for`: the first ``count`` delivered bodies, once they arrived;
* :meth:`quiet`: how many were delivered during a pause (a test expects 0).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from helpers import free_port


@dataclass(frozen=True, slots=True)
class Request:
    """One request the receiver answered."""

    path: str
    body: Any
    """The JSON body (None when empty)."""
    status: int
    """The status it was answered with."""
    peer: tuple[str, int]
    """The client's address: one per TCP connection."""
    at: float
    """Event-loop time at which it arrived."""


class Receiver:
    """A subscriber's HTTP endpoint on 127.0.0.1, collecting every POST (see the module)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        """The port it listens on, the same after a stop and start."""
        self.requests: list[Request] = []
        """Every request answered, in the order the answers were given."""
        self.status = 204
        """The status of every answer, but for those :meth:`fail_next` set."""
        self.delay_s = 0.0
        """Pause before answering each request."""
        self.gate: asyncio.Event | None = None
        """When set to an unset Event, requests wait for it before being answered."""
        self.peers: set[tuple[str, int]] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self._failures: deque[int] = deque()
        self._answered = asyncio.Condition()
        self._runner: web.AppRunner | None = None

    # --- control ------------------------------------------------------------------------

    def url(self, path: str = "/cb") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status``."""
        self._failures.extend([status] * count)

    async def start(self) -> Receiver:
        """Listen (on the same port as before, after a stop)."""
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port, reuse_address=True).start()
        self._runner = runner
        return self

    async def stop(self) -> None:
        """Stop listening and close every connection (clients then get refused)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Receiver:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        if self.gate is not None:
            self.gate.set()  # the test is over: let held requests be answered
        await self.stop()

    # --- reading ------------------------------------------------------------------------

    @property
    def received(self) -> list[Request]:
        """The requests answered with a 2xx (the notifications delivered), in order."""
        return [r for r in self.requests if 200 <= r.status < 300]

    def bodies(self, path: str | None = None) -> list[Any]:
        """Bodies delivered (answered with a 2xx), in order, of one path or all."""
        return [r.body for r in self.received if path is None or r.path == path]

    def attempts(self, path: str | None = None) -> int:
        """Requests answered, successful or not, of one path or all."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    async def wait_for(
        self,
        count: int,
        path: str | None = None,
        *,
        where: Callable[[Any], bool] | None = None,
        timeout_s: float = 10.0,
    ) -> list[Any]:
        """The first ``count`` bodies delivered (of ``path``, and for which ``where`` holds),
        waiting up to ``timeout_s`` for them to arrive."""

        def matching() -> list[Any]:
            return [b for b in self.bodies(path) if where is None or where(b)]

        async def enough() -> list[Any]:
            async with self._answered:
                await self._answered.wait_for(lambda: len(matching()) >= count)
                return matching()[:count]

        try:
            return await asyncio.wait_for(enough(), timeout_s)
        except TimeoutError:
            got = matching()
            raise AssertionError(f"expected {count} notifications, got {len(got)}: {got}") from None

    async def quiet(self, seconds: float = 0.3) -> int:
        """Wait ``seconds`` and return how many notifications were delivered meanwhile."""
        before = len(self.received)
        await asyncio.sleep(seconds)
        return len(self.received) - before

    # --- serving ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        at = asyncio.get_running_loop().time()
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport is not None else ("?", 0)
        self.peers.add(peer)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            raw = await request.read()
            body = orjson.loads(raw) if raw else None
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.gate is not None:
                await self.gate.wait()
            status = self._failures.popleft() if self._failures else self.status
            async with self._answered:
                self.requests.append(Request(request.path, body, status, peer, at))
                self._answered.notify_all()
            return web.Response(status=status)
        finally:
            self.in_flight -= 1
