"""What the data plane implements to enforce bandwidth allocations (and BWM needs of it).

The BWM service keeps the allocations (:mod:`.allocations`); once a :class:`BandwidthPort` is
attached (:attr:`meclab.services.bwm.service.Bwm.port`), it hands it every allocation
created, replaced, patched or restored (``apply``) and every allocation ended (``release``:
deleted, or its instance removed). The port then guarantees each allocation its
:attr:`~.allocations.Allocation.bps` in each of its
:attr:`~.allocations.Allocation.directions` (the data plane's per-access guarantees,
:meth:`meclab.dataplane.capacity.Capacity.set_guarantee`). Without a port (today)
allocations are admitted, kept and served, and shape nothing.
"""

from __future__ import annotations

from typing import Protocol

from meclab.services.bwm.allocations import Allocation


class BandwidthPort(Protocol):
    """The data plane, as the BWM service of every host sees it."""

    async def apply(self, host: str, allocation: Allocation) -> None:
        """Honour ``allocation`` from now on (a replaced allocation: by its new terms)."""
        ...

    async def release(self, host: str, allocation_id: str) -> None:
        """Stop honouring allocation ``allocation_id``: it is gone."""
        ...
