"""An ASGI app behind a real uvicorn server on a free loopback port, in the running loop.

SDK applications speak aiohttp, and processes speak whatever they like: both need a socket,
not an in-process transport.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import uvicorn

from meclab.testing.waiting import until

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
        if not server.started:
            await task  # its error, if it has one
            raise RuntimeError("uvicorn stopped before it served")
        yield app, port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout_s)
        sock.close()
