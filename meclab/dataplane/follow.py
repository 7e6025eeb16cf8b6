"""Engine events → flows reshaped within the tick that produced them.

The runtime publishes each tick's events as one batch on the bus; this handler runs inside that
publication, so a flow's pipelines change before the next tick (and before any later command):

* ``handover``, ``connect``, ``disconnect``, ``zone_enter``/``zone_leave`` of a UE: its flows
  get their new path and, since the serving host may have changed, their traffic rules again,
  and move to the new PoA's shared capacity; the shares the batch changed are divided again
  before the handler returns;
* ``netchar_change`` of any element: the flows whose path crosses it (and the stalled ones,
  whose path is unknown) are reshaped, and a PoA's shared capacity (:mod:`.capacity`) follows
  its throughput;
* a manual ``move``: covered by the handover events it causes.

Out of coverage (``disconnect``, or no path): a flow **stalls**. TCP keeps its connection and
holds its data, losing nothing, until the UE is back in coverage, then resumes in order; after
:data:`STALL_TIMEOUT_S` without coverage it is reset (RST), as a real connection would die of
retransmission timeouts (Linux gives up after about 15 minutes; meclab shortens that to keep
tests and demos moving). UDP datagrams are dropped meanwhile. New flows are refused while a UE
has no coverage (SOCKS5 reply 3, network unreachable).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from meclab.bus.base import EventBus, EventRecord
from meclab.dataplane.switch import Switch
from meclab.engine.events import (
    Connected,
    Disconnected,
    Handover,
    NetCharChanged,
    ZoneEntered,
    ZoneLeft,
)

log = logging.getLogger("meclab.dataplane")

STALL_TIMEOUT_S = 30.0
"""Real seconds a flow may stay stalled out of coverage before it is reset."""
STALL_CHECK_S = 1.0

UE_EVENTS = (Handover, Connected, Disconnected, ZoneEntered, ZoneLeft)


class Follower:
    """Keeps open flows in line with the world's events."""

    def __init__(self, switch: Switch, *, stall_timeout_s: float = STALL_TIMEOUT_S) -> None:
        self.switch = switch
        self.stall_timeout_s = stall_timeout_s
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    async def on_events(self, records: Sequence[EventRecord]) -> None:
        """Bus handler."""
        if self.switch.world is None:
            return
        ues: dict[str, None] = {}
        elements: dict[str, None] = {}
        for record in records:
            event = record.event
            if isinstance(event, UE_EVENTS):
                ues[event.ue] = None
            elif isinstance(event, NetCharChanged):
                elements[event.element] = None
        capacity = self.switch.capacity
        for element in elements:  # even with no flow open: the next one finds it right
            capacity.retune(element)
        if not self.switch.registry.open:
            return
        for ue in ues:
            self.switch.refresh_ue(ue)
        for element in elements:
            self.switch.refresh_element(element)
        capacity.apply()  # the shares the batch changed, divided again within its tick

    def start(self, bus: EventBus) -> None:
        """Follow ``bus`` and watch stalled flows."""
        self._unsubscribe = bus.subscribe(self.on_events)
        self._task = asyncio.get_running_loop().create_task(self._watch_stalls())

    async def _watch_stalls(self) -> None:
        while True:
            await asyncio.sleep(STALL_CHECK_S)
            self.check_stalls()

    def check_stalls(self) -> None:
        """Reset flows stalled longer than the timeout."""
        for flow in self.switch.stalled_longer_than(self.stall_timeout_s):
            log.info("flow %d (%s) out of coverage too long: reset", flow.id, flow.route.ue)
            if flow.relay is not None:
                flow.relay.abort("no_coverage_timeout")

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
