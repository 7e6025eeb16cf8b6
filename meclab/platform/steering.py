"""Which instance serves a terminal for an application, where it is not the serving host's.

By default a UE's traffic meets the DNS and traffic rules of the hosts serving it now
(:mod:`meclab.platform.serving`): hand over to another zone and the next DNS answer names that
zone's instance. Application mobility (ETSI GS MEC 021) needs more: while a relocation runs the
user stays with the source instance until its context has moved, and an application that allows
no mobility (APP_MOBILITY_NOT_ALLOWED) keeps serving its user wherever the user goes, the
platform steering the traffic back to it. A **pin** says so: terminal ``ue`` is served by
instance ``app_instance_id`` for that instance's application (its appName and appProvider, which
every instance of one descriptor shares).

A pinned instance's rules come first for that terminal; the rules of the other instances of the
same application on the serving hosts do not apply to it (the pin supersedes them); every other
application's rules are found as before. The mobility manager sets and clears pins; the DNS
server and the data plane read them at each query and flow, so a switch is one change here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

AppKey = tuple[str, str]
"""(appName, appProvider): what the instances of one application share."""


class OpenFlows(StrEnum):
    """What becomes of a terminal's open flows to the instance it was pinned to, when the pin
    changes."""

    KEEP = "keep"
    """They go on to that instance until they end; new flows reach the new one. No byte of a
    stream in progress is lost."""
    RESET = "reset"
    """They are reset, so that the terminal's clients reconnect, to the new instance."""
    MOVE = "move"
    """TCP flows carry on to the new instance on the same client connection, from their next
    pause between two exchanges (for request/response protocols such as HTTP/1.1 keep-alive;
    a stream that never pauses, a websocket say, is better kept or reset); one that does not
    pause in time is reset."""


@dataclass(frozen=True, slots=True)
class PinChange:
    """One terminal's pin for one application changed."""

    ue: str
    key: AppKey
    before: str | None
    """The instance pinned until now (None: the serving hosts' instance served it)."""
    after: str | None
    """The instance pinned from now on (None: the serving hosts' again)."""
    flows: OpenFlows = OpenFlows.KEEP
    """What becomes of the terminal's open flows to ``before``."""


PinListener = Callable[[PinChange], Awaitable[None]]


class Steering:
    """The pins of every terminal."""

    def __init__(self) -> None:
        self._pins: dict[str, dict[AppKey, str]] = {}
        self.listeners: list[PinListener] = []
        self.version = 0
        """Grows with every change: a cheap cache key for rule tables."""

    def pins(self, ue: str) -> dict[AppKey, str]:
        """The terminal's pins: application -> the appInstanceId serving it."""
        return dict(self._pins.get(ue, {}))

    def pinned(self, ue: str, key: AppKey) -> str | None:
        return self._pins.get(ue, {}).get(key)

    def terminals(self) -> list[str]:
        """The terminals with at least one pin."""
        return list(self._pins)

    async def pin(
        self, ue: str, key: AppKey, app_instance_id: str, *, flows: OpenFlows = OpenFlows.KEEP
    ) -> None:
        """Serve ``ue``'s traffic for application ``key`` by ``app_instance_id``."""
        before = self._pins.get(ue, {}).get(key)
        if before == app_instance_id:
            return
        self._pins.setdefault(ue, {})[key] = app_instance_id
        await self._changed(PinChange(ue, key, before, app_instance_id, flows))

    async def unpin(self, ue: str, key: AppKey, *, flows: OpenFlows = OpenFlows.KEEP) -> None:
        """Let ``ue``'s traffic for ``key`` follow its serving hosts again."""
        pins = self._pins.get(ue)
        if pins is None or key not in pins:
            return
        before = pins.pop(key)
        if not pins:
            del self._pins[ue]
        await self._changed(PinChange(ue, key, before, None, flows))

    async def forget_instance(self, app_instance_id: str) -> None:
        """Drop every pin to an instance that is going away."""
        for ue, pins in list(self._pins.items()):
            for key, pinned in list(pins.items()):
                if pinned == app_instance_id:
                    await self.unpin(ue, key)

    def clear(self) -> None:
        """Forget every pin (a new scenario)."""
        self._pins.clear()
        self.version += 1

    async def _changed(self, change: PinChange) -> None:
        self.version += 1
        for listener in list(self.listeners):
            await listener(change)
