"""From engine events and ticks to location notifications, through the shared subscription core.

Two entry points, both awaited inside the runtime's tick, so both stay cheap:

* :meth:`Dispatcher.on_events` (a bus handler): the batch's handovers, connections and
  disconnections become user :class:`~.criteria.Move` records; the subscriptions they concern
  are found through an index built once per batch (by user address and by zone), never by
  trying every subscription on every move.
* :meth:`Dispatcher.on_tick` (a tick listener): subscriptions that follow positions and counts
  (area, distance, periodic, zone status, held-back zone events) look at the new world state.

What a subscription reports is its criteria's business (:mod:`.criteria_v3`,
:mod:`.criteria_v2`); how it gets there is the notification core's. A notification marked
final is its subscription's last: the subscription is then deleted (its resource answers 404),
and the core still delivers that last notification.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from meclab.bus.base import EventRecord
from meclab.engine.events import Connected, Disconnected, Handover
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription, SubscriptionState
from meclab.services.location.criteria import Context, Criteria, Move, Out
from meclab.services.location.reports import Reporter
from meclab.services.location.southbound import LocationView

log = logging.getLogger("meclab.location")

API_V3 = "location"
"""Name of MEC 013 v3.1.1 in the subscription registry."""
API_V2 = "location_v2"
"""Name of the MEC 013 v2.2.1 subscription resources in the registry (their types differ from
v3's in shape, and v2's ZoneStatusSubscription shares its name with v3's)."""
APIS = (API_V3, API_V2)


class Dispatcher:
    """Turns engine events and ticks into notifications for every host's location subscriptions."""

    def __init__(self, platforms: Platforms, view: LocationView, reporter: Reporter) -> None:
        self.platforms = platforms
        self.registry = platforms.subscriptions
        self.view = view
        self.reporter = reporter

    def subscribers(self) -> list[Subscription]:
        return [s for api in APIS for s in self.registry.subscribers(api)]

    def context(self, wall: float | None = None) -> Context:
        return Context(
            self.view.snapshot(), self.platforms.wall() if wall is None else wall, self.reporter
        )

    # --- events ---------------------------------------------------------------------------

    def moves(self, records: Sequence[EventRecord]) -> list[Move]:
        """The users' access point changes of a batch, in order."""
        world = self.view.world
        out = []
        for record in records:
            event = record.event
            if isinstance(event, Handover):
                old = (event.source, event.source_zone)
                new = (event.target, event.target_zone)
            elif isinstance(event, Connected):
                old, new = (None, None), (event.poa, event.zone)
            elif isinstance(event, Disconnected):
                old, new = (event.poa, event.zone), (None, None)
            else:
                continue
            ue = world.top.ue_index.get(event.ue)
            if ue is None:
                continue
            address = world.top.terminals[ue].address
            out.append(Move(ue, address, old[0], new[0], old[1], new[1], event.t, record.wall))
        return out

    async def on_events(self, records: Sequence[EventRecord]) -> None:
        """Bus handler: notify the subscriptions the batch's moves concern."""
        subs = self.subscribers()
        if not subs:
            return
        moves = self.moves(records)
        if not moves:
            return
        by_address: dict[str, list[Subscription]] = {}
        by_zone: dict[str, list[Subscription]] = {}
        for sub in subs:
            criteria: Criteria = sub.criteria
            for address in criteria.addresses or ():
                by_address.setdefault(address, []).append(sub)
            if criteria.zone is not None:
                by_zone.setdefault(criteria.zone, []).append(sub)
        snap = self.view.snapshot()
        for move in moves:
            concerned = list(by_address.get(move.address, ()))
            for zone in (move.old_zone, move.new_zone):
                if zone is not None:
                    concerned.extend(by_zone.get(zone, ()))
            ctx = Context(snap, move.wall, self.reporter)
            once = {s.id: s for s in concerned}  # a subscription once per move, in order
            for sub in once.values():
                if sub.state is SubscriptionState.ACTIVE:
                    await self.deliver(sub, self._run(sub, "on_move", move, ctx))

    # --- ticks ----------------------------------------------------------------------------

    async def on_tick(self, world: World) -> None:
        """Tick listener: subscriptions that follow positions and counts look at the world."""
        subs = [s for s in self.subscribers() if s.criteria.ticks]
        if not subs:
            return
        ctx = self.context()
        for sub in subs:
            if sub.state is SubscriptionState.ACTIVE:
                await self.deliver(sub, self._run(sub, "on_tick", ctx))

    async def prime(self, sub: Subscription) -> None:
        """A new (or replaced) subscription takes in the world as it is; what it must report at
        once (``checkImmediate``) goes out now."""
        ctx = self.context()
        await self.deliver(sub, self._run(sub, "prime", ctx))

    # --- delivery -------------------------------------------------------------------------

    def _run(self, sub: Subscription, step: str, *args: object) -> list[Out]:
        """``sub.criteria.<step>(sub, *args)``; a failing subscription is logged and skipped, so
        that it keeps neither the others nor the tick from running."""
        try:
            outs: list[Out] = getattr(sub.criteria, step)(sub, *args)
        except Exception:
            log.exception("location subscription %s (%s) failed in %s", sub.id, sub.type, step)
            return []
        return outs

    async def deliver(self, sub: Subscription, outs: Iterable[Out]) -> None:
        """Queue the notifications; end the subscription after a final one."""
        for out in outs:
            self.registry.notify(sub, out.payload, final=out.final)
            if out.final:
                await self.registry.delete(sub, reason="reporting complete")
                log.info("location subscription %s (%s) completed", sub.id, sub.type)
                return
