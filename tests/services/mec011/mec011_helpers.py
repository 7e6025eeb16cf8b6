"""Helpers of the MEC 011 tests: a real notification receiver, the app over a store, bodies.

:class:`Receiver` is an aiohttp server on 127.0.0.1 recording every POST in arrival order; it
can be started late or stopped and started again on the same port, to play a subscriber that
is down and comes back. :func:`open_world` opens a runtime and the HTTP app on a SQLite file
(a scenario loads it; None resumes what the file holds) and runs the app's lifespan, as
``meclab up`` does.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from aiohttp import web
from fastapi import FastAPI

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.platform.delivery import RetryPolicy
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

BASE_URL = "http://meclab.test"
AS = "/mec_app_support/v1"
SM = "/mec_service_mgmt/v1"
JSON = {"Content-Type": "application/json"}

FAST = RetryPolicy(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.0)
"""Retries every 50 to 200 ms, so a receiver that comes back is reached quickly."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver:
    """A subscriber's notification endpoint."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.received: list[tuple[str, Any]] = []
        """(path, JSON body) of every POST, in arrival order."""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", self.port).start()
        self._runner = runner

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def url(self, path: str = "/cb") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str | None = None) -> list[Any]:
        return [b for p, b in self.received if path is None or p == path]

    async def wait_for(
        self, count: int, path: str | None = None, timeout_s: float = 10.0
    ) -> list[Any]:
        """The first ``count`` bodies (of ``path``), once they arrived."""
        await until(lambda: len(self.bodies(path)) >= count, f"{count} notifications", timeout_s)
        return self.bodies(path)[:count]

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, orjson.loads(await request.read())))
        return web.Response(status=204)


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    """Poll ``predicate`` until it holds; fail naming ``what`` after ``timeout_s``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class World:
    """A running meclab: runtime, app, and an HTTP client on the app."""

    runtime: Runtime
    app: FastAPI
    client: httpx.AsyncClient

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    def app_id(self, name: str) -> str:
        """appInstanceId of a scenario application."""
        return self.platforms.app_named(name).app_instance_id


@asynccontextmanager
async def open_world(store_path: Path, scenario: Scenario | None) -> AsyncIterator[World]:
    """meclab on ``store_path``: loads ``scenario``, or resumes the stored one when None."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus())
    await runtime.open(scenario)
    app = create_app(runtime, tick=False, base_url=BASE_URL)
    app.state.platforms.notifier.policy = FAST
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
        ):
            yield World(runtime, app, client)
    finally:
        await store.close()


def service(name: str = "svc", **changes: Any) -> dict[str, Any]:
    """A ServiceInfo registration body (application-provided REST transport)."""
    body: dict[str, Any] = {
        "serName": name,
        "serCategory": {"href": "http://cat.example/x", "id": "cat-x", "name": "X", "version": "1"},
        "version": "1.0",
        "state": "ACTIVE",
        "transportInfo": {
            "id": f"{name}-tr",
            "name": "REST",
            "type": "REST_HTTP",
            "protocol": "HTTP",
            "version": "1.1",
            "endpoint": {"uris": [f"http://{name}.example/api"]},
            "security": {},
        },
        "serializer": "JSON",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


async def ready(client: httpx.AsyncClient, app_id: str, prefix: str = "") -> None:
    """Confirm an instance ready."""
    response = await client.post(
        f"{prefix}{AS}/applications/{app_id}/confirm_ready", json={"indication": "READY"}
    )
    assert response.status_code == 204, response.text


async def register_service(
    client: httpx.AsyncClient, app_id: str, body: dict[str, Any], prefix: str = ""
) -> dict[str, Any]:
    """POST a service; its 201 body."""
    response = await client.post(f"{prefix}{SM}/applications/{app_id}/services", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def subscribe_availability(
    client: httpx.AsyncClient,
    app_id: str,
    callback: str,
    criteria: dict[str, Any] | None = None,
    prefix: str = "",
) -> dict[str, Any]:
    """POST a SerAvailabilityNotificationSubscription; its 201 body."""
    body: dict[str, Any] = {
        "subscriptionType": "SerAvailabilityNotificationSubscription",
        "callbackReference": callback,
    }
    if criteria is not None:
        body["filteringCriteria"] = criteria
    response = await client.post(f"{prefix}{SM}/applications/{app_id}/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem details of an error response, after checking status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


def bad_fields(response: httpx.Response) -> list[str]:
    """Names of the invalidParams of a 400 problem."""
    return [p["name"] for p in problem(response, 400).get("invalidParams", [])]
