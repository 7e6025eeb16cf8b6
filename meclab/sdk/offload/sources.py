"""Where decision contexts come from.

A context source answers ``await source.context()`` with the :class:`Context` of its UE as it
is now, and may cache what it read until ``source.invalidate()`` says the UE's situation changed
(a cell change notification, for one). The offloader asks once per decision, so a handover
reaches the next decision without the application doing anything.

:class:`StaticContextSource` hands out a context it is given (tests, simulations, or an app
that knows its situation). The live ones read a platform's APIs:
:class:`meclab.sdk.offload.live.LiveContextSource` meclab's control API (the whole path, the
nodes' capacity), :class:`meclab.sdk.offload.rnis_source.RnisContextSource` the radio link
from any ETSI MEC platform's RNIS, with the rest as the application declares it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from meclab.sdk.offload.context import Context

DEFAULT_TTL_S = 1.0
"""How long a live context is reused: short beside a handover, long beside one decision's
reads."""


class ContextSource(Protocol):
    """The live context of one UE."""

    async def context(self) -> Context:
        """The UE's context now."""
        ...

    def invalidate(self) -> None:
        """Forget anything cached: the next :meth:`context` reads afresh."""
        ...


class StaticContextSource:
    """A context set by hand; :meth:`set` replaces it (a crafted handover, say)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def set(self, ctx: Context) -> None:
        """Hand out ``ctx`` from now on."""
        self.ctx = ctx

    async def context(self) -> Context:
        return self.ctx

    def invalidate(self) -> None:
        """Nothing is cached: the context is whatever was set last."""


class CachedContextSource:
    """A source that reads its UE's context from somewhere (subclasses: :meth:`_read`) and
    reuses it for ``ttl_s`` seconds of ``clock``, or until :meth:`invalidate`."""

    def __init__(self, *, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._cached: Context | None = None
        self._read_at = 0.0

    def invalidate(self) -> None:
        """Forget the cached context: the next :meth:`context` reads afresh."""
        self._cached = None

    async def context(self) -> Context:
        """The UE's context now (the cached one while younger than ``ttl_s``)."""
        now = self.clock()
        if self._cached is None or now - self._read_at >= self.ttl_s:
            self._cached = await self._read(now)
            self._read_at = now
        return self._cached

    async def _read(self, now: float) -> Context:
        """The context as of ``now``, read afresh."""
        raise NotImplementedError
