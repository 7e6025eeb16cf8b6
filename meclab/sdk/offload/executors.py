"""Where a placed task runs: emulated on a processor-sharing node, or for real.

An executor is anything with ``async execute(task, ctx, payload) -> result``. Two kinds ship:

* :class:`EmulatedExecutor` waits as long as the task would take: for a remote placement the
  upload and download as the context's link gives them (:mod:`meclab.sdk.offload.estimate`), and
  the compute on an :class:`EmulatedNode`, the asyncio adapter of the processor-sharing core
  (:mod:`meclab.sdk.offload.sharing`), so that concurrent tasks on one node slow each other
  down. Simulated seconds pass ``speed`` times faster than real ones.
* :class:`AppExecutor` runs the application's own callable: a function (in a worker thread) or
  a coroutine function (awaited), given the payload. For a remote placement that callable is the
  app's client of its edge or cloud component, which sends the input through the data plane.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from meclab.sdk.offload.context import Context
from meclab.sdk.offload.estimate import transfer_s
from meclab.sdk.offload.sharing import ProcessorSharing
from meclab.sdk.offload.task import GIGA, Placement, Task


class Executor(Protocol):
    """Runs a task placed on it."""

    async def execute(self, task: Task, ctx: Context, payload: Any) -> Any:
        """Run ``task`` (placed in context ``ctx``) on ``payload``; its result."""
        ...


class EmulatedNode:
    """A node whose tasks really take their processor-sharing time, scaled by ``speed``.

    A task awaiting :meth:`compute` that is cancelled still holds its share until its cycles
    are done, as a process would that nobody waits for any more.
    """

    def __init__(
        self,
        cores: int,
        speed_ghz: float,
        *,
        speed: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``speed``: simulated seconds per real second; ``clock``: real seconds, the clock the
        event loop's timers follow (``time.monotonic`` for asyncio's default loop)."""
        if not speed > 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._clock = clock
        self.core = ProcessorSharing(cores, speed_ghz * GIGA, now=self.now())
        self._waiting: dict[int, asyncio.Future[None]] = {}
        self._keys = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def now(self) -> float:
        """Simulated seconds on this node's clock."""
        return self._clock() * self.speed

    @property
    def active(self) -> int:
        """Tasks computing on the node now."""
        return self.core.active

    async def compute(self, cycles: float) -> None:
        """Return once ``cycles`` have been served beside whatever else runs here."""
        loop = asyncio.get_running_loop()
        key = next(self._keys)
        done = loop.create_future()
        self._waiting[key] = done
        self._release(self.core.admit(key, cycles, self.now()))
        self._schedule(loop)
        await done

    def _release(self, keys: list[Any]) -> None:
        for key in keys:
            waiter = self._waiting.pop(key)
            if not waiter.done():
                waiter.set_result(None)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        when = self.core.next_completion()
        if when is not None:
            delay = max(0.0, (when - self.now()) / self.speed)
            self._timer = loop.call_later(delay, self._wake, loop)

    def _wake(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        self._release(self.core.advance(self.now()))
        self._schedule(loop)


class EmulatedExecutor:
    """Emulated execution at one placement: transfers from the context, compute on ``node``."""

    def __init__(
        self,
        placement: Placement,
        node: EmulatedNode,
        *,
        result: Callable[[Any], Any] | None = None,
    ) -> None:
        """``result`` makes the task's result from its payload (default: the payload)."""
        self.placement = Placement(placement)
        self.node = node
        self.result = result

    async def execute(self, task: Task, ctx: Context, payload: Any) -> Any:
        site = ctx.site(self.placement)
        if site is not None:
            await asyncio.sleep(
                transfer_s(site.link, task.input_bytes, site.link.up_mbps) / self.node.speed
            )
        await self.node.compute(task.cycles)
        if site is not None:
            await asyncio.sleep(
                transfer_s(site.link, task.output_bytes, site.link.down_mbps) / self.node.speed
            )
        return payload if self.result is None else self.result(payload)


class AppExecutor:
    """The application's own callable: ``fn(payload)``, a function or a coroutine function."""

    def __init__(self, fn: Callable[[Any], Any] | Callable[[Any], Awaitable[Any]]) -> None:
        self.fn = fn

    async def execute(self, task: Task, ctx: Context, payload: Any) -> Any:
        if inspect.iscoroutinefunction(self.fn):
            return await self.fn(payload)
        result = await asyncio.to_thread(self.fn, payload)
        if inspect.isawaitable(result):
            return await result
        return result
