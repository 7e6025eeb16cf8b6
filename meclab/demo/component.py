"""What a demo's component process shares: serve an aiohttp application until it is stopped.

The stage stops a component with SIGTERM (:mod:`meclab.demo.stage`); Ctrl-C in a terminal where
one was started by hand sends SIGINT. Either ends :func:`serve_until_stopped` after the
requests under way have finished, so that what the component records last is complete.
"""

from __future__ import annotations

import asyncio
import signal

from aiohttp import web


async def serve_until_stopped(app: web.Application, endpoint: str) -> None:
    """Serve ``app`` on ``endpoint`` (``host:port``) until SIGTERM or SIGINT, then clean up."""
    host, _, port = endpoint.rpartition(":")
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host.strip("[]"), int(port)).start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()  # requests under way finish first
