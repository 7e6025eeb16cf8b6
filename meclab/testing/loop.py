"""An event loop in a thread of its own, which a lab's world, servers and apps run on.

Callers in other threads hand it coroutines: :meth:`LabLoop.run` blocks until the result
(for synchronous tests), :meth:`LabLoop.arun` awaits it from another event loop (for
asynchronous tests, whose own loop keeps running meanwhile).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

STOP_TIMEOUT_S = 10.0


class LabLoopError(RuntimeError):
    """A lab's synchronous method was called where it would block an event loop."""


class LabLoop:
    """A running event loop on a daemon thread named ``name`` until :meth:`close`."""

    def __init__(self, name: str = "meclab-lab") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self.thread = threading.Thread(target=self._main, name=name, daemon=True)
        self.thread.start()
        self._ready.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    def run(self, coro: Coroutine[Any, Any, T], timeout_s: float | None = None) -> T:
        """Run ``coro`` on the lab's loop and return its result (blocking this thread).

        LabLoopError when this thread runs an event loop itself: blocking it could deadlock
        an app served on it (the lab would wait on a notification that app cannot take), so
        an asynchronous test awaits the lab's ``aio`` methods instead."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise LabLoopError(
                "a lab's blocking method was called inside a running event loop: in an async "
                "test, await the same method on lab.aio (await lab.aio.advance(5))"
            )
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    async def arun(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the lab's loop, awaited from the caller's own event loop."""
        if asyncio.get_running_loop() is self.loop:
            return await coro
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self.loop))

    def close(self) -> None:
        """Cancel what still runs on the loop, stop it and join its thread (idempotent)."""
        if self.loop.is_closed():
            return

        async def cancel_rest() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.loop.shutdown_asyncgens()
            await self.loop.shutdown_default_executor()

        if self.thread.is_alive():
            asyncio.run_coroutine_threadsafe(cancel_rest(), self.loop).result(STOP_TIMEOUT_S)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(STOP_TIMEOUT_S)
        self.loop.close()
