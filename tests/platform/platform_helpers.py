"""A real notification receiver and small helpers for the platform core's tests.

:class:`Receiver` is an aiohttp server on 127.0.0.1 that records every POST in arrival order
and answers what the test tells it to: 204 by default, a run of failures (``fail_next``), a
gate that holds requests until released, a pause per request. It can be stopped and started
again on the same port, to play a subscriber that is down and comes back. It also counts what
delivery must bound: requests in flight at once, and TCP connections (distinct client
addresses) used.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from meclab.metrics import Metrics
from meclab.platform.delivery import RetryPolicy
from meclab.platform.subscription import Subscription

FAST = RetryPolicy(initial_s=0.01, factor=2.0, max_s=0.05, jitter=0.0)
"""Retries within tens of milliseconds, so that a test sees many of them quickly."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request the receiver answered."""

    path: str
    body: Any
    status: int
    peer: tuple[str, int]
    at: float
    """Event-loop time at which it arrived."""


class Receiver:
    """A subscriber's HTTP endpoint, started in the test."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        """Every request answered, in the order the answers were given."""
        self.peers: set[tuple[str, int]] = set()
        self.in_flight = 0
        self.max_in_flight = 0
        self.delay_s = 0.0
        """Pause before answering each request."""
        self.gate: asyncio.Event | None = None
        """When set to an unset Event, requests wait for it before being answered."""
        self.status = 204
        self.port = 0
        self._failures: deque[int] = deque()
        self._runner: web.AppRunner | None = None

    # --- control ------------------------------------------------------------------------

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status``."""
        self._failures.extend([status] * count)

    async def start(self) -> None:
        """Listen (on the same port as before, after a stop)."""
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self.port = runner.addresses[0][1]
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening and close every connection (clients then get refused)."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, path: str = "/cb") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    # --- reading ------------------------------------------------------------------------

    def accepted(self, path: str | None = None) -> list[Any]:
        """Bodies answered with a 2xx (delivered), in order, of one path or all."""
        return [
            r.body
            for r in self.requests
            if 200 <= r.status < 300 and (path is None or r.path == path)
        ]

    def attempts(self, path: str | None = None) -> int:
        """Requests answered, successful or not."""
        return sum(1 for r in self.requests if path is None or r.path == path)

    # --- serving ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        at = asyncio.get_running_loop().time()
        transport = request.transport
        peer = transport.get_extra_info("peername") if transport is not None else ("?", 0)
        self.peers.add(peer)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            body = orjson.loads(await request.read())
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            if self.gate is not None:
                await self.gate.wait()
            status = self._failures.popleft() if self._failures else self.status
            self.requests.append(Request(request.path, body, status, peer, at))
            return web.Response(status=status)
        finally:
            self.in_flight -= 1


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    """Wait until ``predicate()`` holds, polling; fail naming ``what`` after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.005)


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    """A metric sample's value (0 when it was never touched)."""
    value = metrics.registry.get_sample_value(name, labels)
    return 0.0 if value is None else value


def make_sub(
    sub_id: str,
    callback: str | None = None,
    *,
    websocket: bool = False,
    api: str = "test_api",
    host: str = "mec-1",
) -> Subscription:
    """A bare live subscription, as the registry would hold it."""
    return Subscription(
        id=sub_id,
        host=host,
        api=api,
        type="TestSubscription",
        body={},
        href=f"http://meclab.test/subs/{sub_id}",
        callback=callback,
        websocket=websocket,
    )


def note(n: int, kind: str = "TestNotification", **extra: Any) -> dict[str, Any]:
    """A numbered notification body."""
    return {"notificationType": kind, "n": n, **extra}


def host(name: str, x: float, apps: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"name": name, "position": [7.40 + x, 43.70], "apps": apps or []}


def cell(name: str, x: float, n: int, fog: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "name": name,
        "type": "4G",
        "position": [7.40 + x, 43.70],
        "radius_m": 500.0,
        "cell_id": f"{n:X}",
        "fog_nodes": [{"name": f} for f in fog],
    }


def four_hosts_doc(apps: dict[str, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """Two operators; MEC hosts h1, h2 and fog node fog1 in zone z1, h3 in z2 (both op1), h4
    in z3 of op2. ``apps`` puts applications on the MEC hosts by name.

    ::

        op1 ── z1 ── h1, h2, p1 ── fog1
           └── z2 ── h3, p2
        op2 ── z3 ── h4, p3
    """
    apps = apps or {}
    return {
        "name": "four-hosts",
        "domains": [
            {
                "name": "op1",
                "mcc": "001",
                "mnc": "01",
                "zones": [
                    {
                        "name": "z1",
                        "mec_hosts": [
                            host("h1", 0.0, apps.get("h1")),
                            host("h2", 0.01, apps.get("h2")),
                        ],
                        "poas": [cell("p1", 0.0, 1, fog=("fog1",))],
                    },
                    {
                        "name": "z2",
                        "mec_hosts": [host("h3", 0.05, apps.get("h3"))],
                        "poas": [cell("p2", 0.05, 2)],
                    },
                ],
            },
            {
                "name": "op2",
                "mcc": "001",
                "mnc": "02",
                "zones": [
                    {
                        "name": "z3",
                        "mec_hosts": [host("h4", 0.1, apps.get("h4"))],
                        "poas": [cell("p3", 0.1, 3)],
                    }
                ],
            },
        ],
    }
