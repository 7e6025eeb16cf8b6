"""Criteria of the MEC 013 v2.2.1 subscriptions, as ETSI MEC Sandbox clients expect them.

* UserTrackingSubscription: the user's moves. A change of zone is ``Leaving`` the old zone
  (``currentAccessPointId``: the access point it left from) then ``Entering`` the new one; a
  change of access point within a zone is ``Transferring`` (with ``previousAccessPointId``).
  No ``userEventCriteria`` means all three.
* ZonalTrafficSubscription: the same events, for every user, restricted to one zone.
* ZoneStatusSubscription: each tick, the number of users of the zone, and of each of its
  access points, reaching its threshold from below (``numberOfUsersInZone`` /
  ``numberOfUsersInAP``).
* CircleNotificationSubscription, DistanceNotificationSubscription: as v3's area and distance
  subscriptions (see :mod:`.tracking`), paced by ``frequency`` (minimum simulation seconds
  between notifications) and ``count`` (notifications per address; when every address has had
  its count, the last notification is final and the subscription ends).
  ``checkImmediate`` reports at creation the terminals already meeting the criterion.
* PeriodicNotificationSubscription: every ``frequency`` simulation seconds, the location of
  each terminal (``NotRetrieved`` for one out of coverage), until ``duration`` ends it.

Notifications travel in their root element (``zonalPresenceNotification``,
``zoneStatusNotification``, ``subscriptionNotification``), echo ``callbackData`` and link back
to the subscription with ``rel`` naming its type.
"""

from __future__ import annotations

from typing import Any

from meclab.platform.subscription import Subscription
from meclab.platform.wire import TimeStamp
from meclab.services.location.criteria import (
    Context,
    Criteria,
    Move,
    Out,
    Resolved,
    ZonePoas,
)
from meclab.services.location.criteria_area import DistanceTracking, distance_watch
from meclab.services.location.models_v2 import (
    V2_TYPES,
    CircleNotificationSubscription,
    DistanceNotificationSubscription,
    EnteringLeavingCriteria,
    Link,
    PeriodicNotificationSubscription,
    SubscriptionNotification,
    UserEventType,
    UserTrackingSubscription,
    ZonalPresenceNotification,
    ZonalTrafficSubscription,
    ZoneStatusNotificationV2,
    ZoneStatusSubscriptionV2,
)
from meclab.services.location.southbound import canonical
from meclab.services.location.tracking import (
    AreaWatch,
    Circle,
    CountWatch,
    Pacer,
    PeriodicClock,
)

ALL_EVENTS = frozenset(UserEventType)


def callback_data(sub: Subscription) -> str | None:
    """The ``callbackData`` the subscriber registered, echoed in every notification."""
    data = (sub.body.get("callbackReference") or {}).get("callbackData")
    return None if data is None else str(data)


def link(sub: Subscription) -> list[Link]:
    return [Link(rel=sub.type, href=sub.href)]


class Presence(Criteria):
    """UserTrackingSubscription and ZonalTrafficSubscription: zonal presence events."""

    def __init__(self, events: list[UserEventType] | None) -> None:
        self.events = frozenset(events) if events else ALL_EVENTS

    def presence(self, move: Move) -> list[tuple[UserEventType, str, str, str | None]]:
        """(event, zone, current AP, previous AP) of a move, leaving before entering."""
        out: list[tuple[UserEventType, str, str, str | None]] = []
        if move.old_zone != move.new_zone:
            if move.old_zone is not None and move.old_poa is not None:
                out.append((UserEventType.LEAVING, move.old_zone, move.old_poa, None))
            if move.new_zone is not None and move.new_poa is not None:
                out.append((UserEventType.ENTERING, move.new_zone, move.new_poa, None))
        elif move.new_zone is not None and move.new_poa and move.old_poa != move.new_poa:
            out.append((UserEventType.TRANSFERRING, move.new_zone, move.new_poa, move.old_poa))
        return out

    def wanted(self, move: Move) -> list[tuple[UserEventType, str, str, str | None]]:
        return [p for p in self.presence(move) if p[0] in self.events]

    def on_move(self, sub: Subscription, move: Move, ctx: Context) -> list[Out]:
        out = []
        for event, zone, current, previous in self.wanted(move):
            note = ZonalPresenceNotification(
                zoneId=zone,
                address=move.address,
                userEventType=event,
                currentAccessPointId=current,
                previousAccessPointId=previous,
                timestamp=TimeStamp.of(move.wall),
                callbackData=callback_data(sub),
                link=link(sub),
            )
            out.append(Out({"zonalPresenceNotification": note.wire()}))
        return out


class UserTracking(Presence):
    def __init__(self, body: UserTrackingSubscription) -> None:
        super().__init__(body.userEventCriteria)
        self.addresses = frozenset([canonical(body.address)])


class ZonalTraffic(Presence):
    def __init__(self, body: ZonalTrafficSubscription) -> None:
        super().__init__(body.userEventCriteria)
        self.zone = body.zoneId

    def wanted(self, move: Move) -> list[tuple[UserEventType, str, str, str | None]]:
        return [p for p in super().wanted(move) if p[1] == self.zone]


class ZoneStatusV2(Criteria):
    """v2.2.1 ZoneStatusSubscription."""

    ticks = True

    def __init__(self, body: ZoneStatusSubscriptionV2) -> None:
        self.zone_id = body.zoneId
        self.zone_threshold = body.numberOfUsersZoneThreshold
        self.ap_threshold = body.numberOfUsersAPThreshold
        self.counts = CountWatch()
        self.poas = ZonePoas(body.zoneId)

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        return self.on_tick(sub, ctx)  # first observations are baselines

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        poas = self.poas(ctx.snap.world)
        out = []
        if self.zone_threshold is not None:
            total = ctx.snap.served_by(self.poas.indices(ctx.snap.world))
            if self.counts.crossing("zone", total, self.zone_threshold, None) > 0:
                self.counts.record("zone", total)
                out.append(self._note(sub, ctx, numberOfUsersInZone=total))
        if self.ap_threshold is not None:
            for c, name in poas:
                count = ctx.snap.served(c)
                if self.counts.crossing(name, count, self.ap_threshold, None) > 0:
                    self.counts.record(name, count)
                    out.append(self._note(sub, ctx, accessPointId=name, numberOfUsersInAP=count))
        return out

    def _note(self, sub: Subscription, ctx: Context, **counts: Any) -> Out:
        note = ZoneStatusNotificationV2(
            zoneId=self.zone_id,
            timestamp=TimeStamp.of(ctx.wall),
            callbackData=callback_data(sub),
            link=link(sub),
            **counts,
        )
        return Out({"zoneStatusNotification": note.wire()})


class Counted(Criteria):
    """Pacing of the v2 terminal-location subscriptions: ``frequency`` and ``count``."""

    ticks = True

    def __init__(self, frequency: int, count: int | None, addresses: tuple[str, ...]) -> None:
        self.pacer = Pacer(min_gap_s=float(frequency))
        self.limit = count or 0
        self.counts = dict.fromkeys(addresses, 0)

    def spent(self, address: str) -> bool:
        return 0 < self.limit <= self.counts.get(address, 0)

    def count(self, addresses: list[str], t: float) -> bool:
        """Count a notification about ``addresses``; True when every address is spent."""
        self.pacer.record(t)
        for address in addresses:
            self.counts[address] = self.counts.get(address, 0) + 1
        return self.limit > 0 and all(self.spent(a) for a in self.counts)

    def notify(
        self, sub: Subscription, ctx: Context, terminals: list[int], final: bool, **extra: Any
    ) -> Out:
        note = SubscriptionNotification(
            terminalLocation=[
                ctx.reporter.terminal_location(ctx.snap, i, ctx.wall) for i in terminals
            ],
            isFinalNotification=final,
            callbackData=callback_data(sub),
            link=link(sub),
            **extra,
        )
        return Out({"subscriptionNotification": note.wire()}, final=final)


class CircleV2(Counted):
    """CircleNotificationSubscription."""

    def __init__(self, body: CircleNotificationSubscription) -> None:
        self.watched = tuple(dict.fromkeys(canonical(a) for a in body.address))
        super().__init__(body.frequency, body.count, self.watched)
        self._watched = Resolved(self.watched)
        area = Circle(body.longitude, body.latitude, body.radius)
        self.watch = AreaWatch(area, body.trackingAccuracy)
        self.criterion = body.enteringLeavingCriteria
        self.immediate = body.checkImmediate

    def _matches(self, inside: bool) -> bool:
        return inside == (self.criterion is EnteringLeavingCriteria.ENTERING)

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        indices = self._watched(ctx.snap)
        self.watch.changes(ctx.snap, indices)  # baselines
        if not self.immediate:
            return []
        already = [
            i for i in indices if i in self.watch.state and self._matches(self.watch.state[i])
        ]
        return self._report(sub, ctx, already)

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        crossed = []
        ready = self.pacer.ready(ctx.t)
        for i, inside in self.watch.changes(ctx.snap, self._watched(ctx.snap)):
            if not self._matches(inside) or self.spent(ctx.snap.address(i)):
                self.watch.state[i] = inside
            elif ready:
                self.watch.state[i] = inside
                crossed.append(i)
        return self._report(sub, ctx, crossed)

    def _report(self, sub: Subscription, ctx: Context, terminals: list[int]) -> list[Out]:
        terminals = [i for i in terminals if not self.spent(ctx.snap.address(i))]
        if not terminals:
            return []
        final = self.count([ctx.snap.address(i) for i in terminals], ctx.t)
        return [self.notify(sub, ctx, terminals, final, enteringLeavingCriteria=self.criterion)]


class DistanceV2(DistanceTracking, Counted):
    """DistanceNotificationSubscription."""

    def __init__(self, body: DistanceNotificationSubscription) -> None:
        self.monitored = tuple(dict.fromkeys(canonical(a) for a in body.monitoredAddress))
        self.reference = tuple(dict.fromkeys(canonical(a) for a in body.referenceAddress or []))
        super().__init__(body.frequency, body.count, self.monitored)
        self._track()
        self.watch = distance_watch(body.criteria, body.distance, body.trackingAccuracy)
        self.criterion = body.criteria
        self.immediate = body.checkImmediate

    def _report(
        self, sub: Subscription, ctx: Context, monitored: list[int], pairs: list[tuple[int, int]]
    ) -> list[Out]:
        self.watch.met = True
        involved = {i for pair in self.watch.satisfying(pairs) for i in pair}
        terminals = [i for i in monitored if i in involved]
        final = self.count([ctx.snap.address(i) for i in terminals], ctx.t)
        return [self.notify(sub, ctx, terminals, final, distanceCriteria=self.criterion)]


class PeriodicV2(Criteria):
    """PeriodicNotificationSubscription."""

    ticks = True

    def __init__(self, body: PeriodicNotificationSubscription) -> None:
        self.watched = tuple(dict.fromkeys(canonical(a) for a in body.address))
        self._watched = Resolved(self.watched)
        self.clock = PeriodicClock(float(body.frequency))

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        self.clock.prime(ctx.t)
        return []

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        if not self.clock.due(ctx.t):
            return []
        note = SubscriptionNotification(
            terminalLocation=[
                ctx.reporter.terminal_location(ctx.snap, i, ctx.wall)
                for i in self._watched(ctx.snap)
            ],
            isFinalNotification=False,
            callbackData=callback_data(sub),
            link=link(sub),
        )
        return [Out({"subscriptionNotification": note.wire()})]


PARSERS: dict[str, type[Criteria]] = {
    UserTrackingSubscription.TYPE: UserTracking,
    ZonalTrafficSubscription.TYPE: ZonalTraffic,
    ZoneStatusSubscriptionV2.TYPE: ZoneStatusV2,
    CircleNotificationSubscription.TYPE: CircleV2,
    DistanceNotificationSubscription.TYPE: DistanceV2,
    PeriodicNotificationSubscription.TYPE: PeriodicV2,
}


def parse_v2(type_name: str, body: dict[str, Any]) -> Criteria:
    """The criteria of a stored v2.2.1 subscription body (the registry's ``parse``)."""
    stored = {k: v for k, v in body.items() if k not in SERVER_SET}
    return PARSERS[type_name](V2_TYPES[type_name].model_validate(stored))  # type: ignore[call-arg]


SERVER_SET = ("_links", "expiryDeadline", "resourceURL")
"""What the registry or meclab add to a stored v2 body."""
