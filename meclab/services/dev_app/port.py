"""What the device application interface needs of the MEC system's lifecycle: one port.

The lifecycle manager implements :class:`DevAppPort`; the routes call nothing else. Errors
are :mod:`meclab.platform.errors` (NotFound for an unknown appDId or terminal, Conflict or
:class:`~meclab.lifecycle.capacity.InsufficientCapacity` when no host can take an instance),
which the API answers as problem details.

Terminals are named by their scenario name: the service resolves a device application's
``associateDevAppId`` to it before calling (see :mod:`.identity`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from meclab.lifecycle.device_apps import AvailableApp, ContextPlacement, ReferenceChange

ReferenceListener = Callable[[ReferenceChange], Awaitable[None]]


class DevAppPort(Protocol):
    """The lifecycle as MEC 016 sees it."""

    def available(self) -> list[AvailableApp]:
        """The applications device applications may use now (enabled packages), in a stable
        order; the API filters them."""
        ...

    def locations_for(self, ue: str, app_d_id: str) -> list[str]:
        """The hosts where ``app_d_id`` could run for terminal ``ue`` now, best first (its
        latency requirement met, its requirements fitting); NotFound for an unknown app."""
        ...

    async def ensure_instance(
        self, ue: str, app_d_id: str, context_id: str, hosts: Sequence[str] | None = None
    ) -> ContextPlacement:
        """The instance application context ``context_id`` of terminal ``ue`` uses: the best
        host for ``ue`` now (among ``hosts`` when given), with the instance already there if one
        serves, else a new one instantiated there. The context is counted among the instance's
        users until :meth:`release`; calling again for the same context moves it (and releases
        what it used before)."""
        ...

    async def release(self, app_instance_id: str, context_id: str) -> None:
        """Context ``context_id`` no longer uses the instance: the lifecycle terminates it when
        nobody else does. Idempotent; an instance already gone is no error."""
        ...

    def on_reference_change(self, listener: ReferenceListener) -> None:
        """Have ``listener`` awaited whenever an instance that contexts use changes its
        reference URI, is replaced by another, or ends."""
        ...
