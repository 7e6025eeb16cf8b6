"""Helpers that tests in every folder share: ``from helpers import until``.

tests/ is on ``sys.path`` (pytest puts the folder of tests/conftest.py there), so this module
is ``helpers`` from any test folder; no folder has a module of the same name. The notification
receiver is beside it, in tests/receiver.py.

* :func:`free_port` and :func:`until`: a loopback port to listen on, and a poller that fails
  naming what it waited for (:mod:`meclab.testing.waiting`, re-exported);
* :data:`LAT0`, :data:`LON0`, :func:`lon_at` and :func:`lat_at`: points so many metres from a
  reference point, for worlds with round numbers;
* :class:`FakeTime`, :func:`install_fake_clock` (:mod:`meclab.testing.clock`, re-exported)
  and :func:`advance`: simulation time that the test sets;
* :func:`serve`: meclab's app on a runtime, started as a server starts it, and a client on it;
  :data:`FAST_RETRIES` for its notifier, and :func:`nothing_pending` to wait until it has
  sent everything; :func:`on_loopback`: an app behind a real uvicorn server, for what needs a
  socket (websockets, the exact bytes on the wire, server-sent events);
* :func:`problem`: the checked problem details of an error answer;
* :data:`BROKEN_YAML`: a scenario file with four mistakes on known lines.
* :func:`process_gone`: whether a process has ended (a zombie nobody reaped counts).
"""

from __future__ import annotations

import asyncio
import itertools
import math
import os
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from fastapi import FastAPI

from meclab.app import create_app
from meclab.demo.derive import SPARE_PORTS, ephemeral_ports
from meclab.platform.delivery import Notifier, RetryPolicy
from meclab.runtime import Runtime
from meclab.security.authority import Authority
from meclab.testing.clock import FakeTime as FakeTime
from meclab.testing.clock import install_fake_clock as install_fake_clock
from meclab.testing.waiting import until as until

BASE_URL = "http://meclab.test"
"""The base URL the tests' in-process apps are told they are served at."""

FAST_RETRIES = RetryPolicy(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.0)
"""Retries every 50 to 200 ms, so that a receiver that comes back is reached quickly."""


def _port_block() -> range:
    """This test worker's own ports: one block per xdist worker, below the kernel's ephemeral
    range and below the ports meclab's demos draw from. A port the kernel picked for a bind to 0
    and released at once could be picked again for another socket (a data plane port of a
    meclab under test, in this worker or another) before the test's server binds it; ports
    outside that range never are, and the workers' blocks do not overlap."""
    low = ephemeral_ports().start - SPARE_PORTS
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    size = 400
    start = low - size * (worker + 1)
    if start < 1024:
        raise RuntimeError(f"no block of {size} ports below {low} for xdist worker {worker}")
    return range(start, start + size)


_PORTS = itertools.cycle(_port_block())


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on, from this worker's block (see
    :func:`_port_block`), so that nothing but the test takes it before the test binds it."""
    for _ in range(400):
        port = next(_PORTS)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use, or still in TIME_WAIT from an earlier test
                continue
            return port
    raise RuntimeError("every port of this test worker's block is in use")


# --- places -----------------------------------------------------------------------------------

M_PER_DEG = 6_371_008.8 * math.pi / 180.0
"""Metres in a degree of latitude (and of longitude on the equator), with the engine's Earth
radius (meclab/engine/geo.py) written out."""
LAT0 = 43.70
LON0 = 7.40
"""The reference point of worlds laid out in metres (near Monaco). The engine's local projection
is centred on the world's latitude, so distances along LAT0 are exact."""


def lon_at(x_m: float, lat: float = LAT0) -> float:
    """Longitude ``x_m`` metres east of LON0 on latitude ``lat``."""
    return LON0 + x_m / (M_PER_DEG * math.cos(math.radians(lat)))


def lat_at(y_m: float) -> float:
    """Latitude ``y_m`` metres north of LAT0."""
    return LAT0 + y_m / M_PER_DEG


# --- time -------------------------------------------------------------------------------------


async def advance(runtime: Runtime, fake: FakeTime, t: float) -> None:
    """Set simulation time to ``t`` (at speed 1) and tick once."""
    fake.now = t
    await runtime.tick()


# --- the app ----------------------------------------------------------------------------------


@asynccontextmanager
async def serve(
    runtime: Runtime,
    *,
    retries: RetryPolicy | None = None,
    api_root: str = "",
    security: Authority | None = None,
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """meclab's app on ``runtime`` (every API, at :data:`BASE_URL`) started as a server starts
    it (its lifespan: the MEC platforms are built; nothing ticks), and an HTTP client on it, in
    process (no socket). ``retries``: the notifier's retry policy instead of the default;
    ``api_root``: the path prefix of the ETSI APIs (``meclab up --api-root``); ``security``:
    secure mode with this authority (``meclab up --secure``)."""
    app = create_app(runtime, tick=False, base_url=BASE_URL, api_root=api_root, security=security)
    if retries is not None:
        app.state.platforms.notifier.policy = retries
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        yield app, client


App = TypeVar("App")


@asynccontextmanager
async def on_loopback(
    make_app: Callable[[str], App], timeout_s: float = 10.0, **options: Any
) -> AsyncIterator[tuple[App, int]]:
    """The app ``make_app(base_url)`` builds, served by uvicorn on a free port of 127.0.0.1 in
    this event loop until the block ends: yields the app and the port (``base_url`` is
    ``http://127.0.0.1:<port>``). ``options`` go to ``uvicorn.Config``; by default it logs
    warnings only, and no access log."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    app = make_app(f"http://127.0.0.1:{port}")
    config = uvicorn.Config(app, **{"log_level": "warning", "access_log": False, **options})
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        await until(lambda: server.started or task.done(), "uvicorn to start", timeout_s)
        assert server.started, "uvicorn did not start"  # the task's error follows, if any
        yield app, port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout_s)
        sock.close()


async def nothing_pending(notifier: Notifier, timeout_s: float = 5.0) -> None:
    """Wait until ``notifier`` has nothing left to send: every notification queued has been
    delivered (or given up)."""
    await until(lambda: notifier.pending_total() == 0, "every queued notification", timeout_s)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem details of an error response, after checking status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# --- documents --------------------------------------------------------------------------------

BROKEN_YAML = """\
name: broken
domains:
  - name: op
    mcc: "001"
    mnc: "01"
    zones:
      - name: zone-x
        poas:
          - name: cell-x
            type: 5G
            position: [0.0, 0.0]
            radius_m: -5
            cell_id: "0x1"
          - name: cell-x
            type: 4G
            position: [0.001, 0.0]
            radius_m: 100
            colour: red
"""
"""A scenario file with four mistakes: a negative radius (line 12), a second ``cell-x``
(line 14) that is a 4G cell without a cell_id (line 14) and has an unknown field (line 18)."""


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


def process_gone(pid: int) -> bool:
    """Process ``pid`` has ended: no entry in /proc, or a zombie nobody reaped yet (an orphan
    waits for the machine's init, which may be slow to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rpartition(")")[2].split()[0] in ("Z", "X")


def mount_first(app: FastAPI, service: Any) -> None:
    """Mount ``service`` (anything whose ``mount(app)`` includes routers) so that its routes
    answer before the app's own and stay out of its document: an API's tests put it over a
    fake of what it stands on, in a whole meclab app serving the same API over the real thing."""
    include = app.include_router

    def hidden(router: Any, **options: Any) -> None:
        include(router, **{**options, "include_in_schema": False})

    before = len(app.router.routes)
    app.include_router = hidden  # type: ignore[method-assign]
    try:
        service.mount(app)
    finally:
        del app.include_router
    added = app.router.routes[before:]
    del app.router.routes[before:]
    app.router.routes[0:0] = added
