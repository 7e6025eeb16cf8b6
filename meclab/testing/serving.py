"""A lab's meclab app behind a real uvicorn server on a free loopback port, in the running loop.

SDK applications speak aiohttp, and processes speak whatever they like: both need a socket,
not an in-process transport. uvicorn's ``Server`` is driven step by step here (``startup``,
then the listeners closed and the lifespan shut down) rather than by ``serve()``: its serve
loop looks for a stop request every 0.1 s and its shutdown sleeps 0.1 s more for open
connections to finish, a fifth of a second per lab spent waiting on nothing. A lab stops when
the test is over, after stopping its own apps: no request of its is left to finish. (Measured
with bench/plugin.py: the AR example test's teardown went from ~0.2 s to ~0.02 s.)
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import uvicorn

App = TypeVar("App")


class ServingError(RuntimeError):
    """meclab's app did not start (its lifespan failed); uvicorn's log says why."""


@asynccontextmanager
async def served(make_app: Callable[[str], App]) -> AsyncIterator[tuple[App, int]]:
    """The ASGI app ``make_app(base_url)`` builds, served on a free port of 127.0.0.1 in this
    event loop until the block ends (its lifespan run): yields the app and the port
    (``base_url`` is ``http://127.0.0.1:<port>``). It logs warnings only, and no access log."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    app = make_app(f"http://127.0.0.1:{port}")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)
    try:
        try:
            await server.startup(sockets=[sock])
        except SystemExit:  # uvicorn's answer to a failed lifespan startup
            raise ServingError("meclab's app failed to start (its error is logged)") from None
        try:
            yield app, port
        finally:
            for listener in server.servers:
                listener.close()
            for connection in list(server.server_state.connections):
                connection.shutdown()
            await server.lifespan.shutdown()
    finally:
        sock.close()
