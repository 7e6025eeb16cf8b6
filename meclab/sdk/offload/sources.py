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

from typing import Protocol

from meclab.sdk.offload.context import Context


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
