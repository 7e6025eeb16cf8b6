"""Criteria of the MEC 013 v3.1.1 subscriptions: what each watches and what it reports.

* UserLocationEventSubscription (clause 6.3.4): the user entering or leaving an area, from its
  moves. The area is ``userEventPara.zoneId`` (a zone), or ``userEventPara.accessPointList``
  (a set of access points), or, when neither is given, each zone in turn: leaving one zone and
  entering another are then both reported. A user coming into coverage enters; one losing
  coverage leaves. ``ONE_TIME_EVENT`` ends the subscription after its first notification.
* UserLocationPeriodicSubscription (clause 6.3.5): ``reportingAmount`` reports,
  ``reportingInterval`` simulation seconds apart, the first one interval after creation; the
  last has ``isFinalNotification`` and ends the subscription. A user out of coverage is
  reported with result ABNORMAL and no location.
* ZoneLocationEventSubscription (clause 6.3.6): users of ``addressList`` (or all) entering or
  leaving the zone, from their moves.
* ZoneStatusSubscription (clause 6.3.7): each tick, the number of users of the zone and of each
  of its access points against the thresholds (see :class:`~.tracking.CountWatch`). Access
  points never change operation status in meclab, so ``operationStatus`` never fires.
* UserAreaSubscription and UserDistanceSubscription (clause 6.3.8, 6.3.9): see
  :mod:`.criteria_area`.

``reportingCtrl`` (clause 6.5.6) paces the zone, area and distance subscriptions:
``maximumCount`` notifications at most, after which the subscription ends, and
``max(minimumInterval, maximumFrequency)`` simulation seconds at least between two
(:class:`~.tracking.Pacer`; a move held back is reported once allowed, if it still holds).
"""

from __future__ import annotations

from typing import Any

from meclab.platform.subscription import Subscription
from meclab.platform.wire import TimeStamp
from meclab.services.location.criteria import Context, Criteria, Move, Out, ZonePoas
from meclab.services.location.criteria_area import UserArea, UserDistance
from meclab.services.location.models_v3 import (
    SUBSCRIPTION_TYPES,
    LocationEventType,
    NotificationResult,
    OccurrenceInfo,
    UserAreaSubscription,
    UserDistanceSubscription,
    UserLocationEventSubscription,
    UserLocationPeriodicSubscription,
    UserNumEvent,
    ZoneLocationEventSubscription,
    ZoneStatusSubscription,
)
from meclab.services.location.models_v3_notifications import (
    UserLocationEventNotification,
    UserLocationPeriodicNotification,
    ZoneLocationEventNotification,
    ZoneStatusNotification,
)
from meclab.services.location.notify_v3 import ENTERING, LEAVING, events_of, links, pacer_of, wrap
from meclab.services.location.southbound import canonical
from meclab.services.location.tracking import CountWatch, PeriodicClock


class UserEvent(Criteria):
    """UserLocationEventSubscription."""

    def __init__(self, body: UserLocationEventSubscription) -> None:
        self.address = canonical(body.address)
        self.addresses = frozenset([self.address])
        self.events = events_of(body.locationEventCriteria)
        para = body.userEventPara
        self.area_zone = para.zoneId if para else None
        self.area_aps = frozenset(para.accessPointList) if para and para.accessPointList else None
        self.one_time = bool(para and para.occurrenceInfo is OccurrenceInfo.ONE_TIME)
        self.with_location = bool(para and para.reportingLocationReq)

    def crossings(self, move: Move) -> list[tuple[LocationEventType, str | None, str | None]]:
        """(event, zone, access point) of each area border the move crosses, leaving first."""
        if self.area_zone is not None:
            was, now = move.old_zone == self.area_zone, move.new_zone == self.area_zone
        elif self.area_aps is not None:
            was, now = move.old_poa in self.area_aps, move.new_poa in self.area_aps
        else:  # each zone is an area: a change of zone leaves one and enters the other
            out: list[tuple[LocationEventType, str | None, str | None]] = []
            if move.old_zone != move.new_zone:
                if move.old_zone is not None:
                    out.append((LEAVING, move.old_zone, move.old_poa))
                if move.new_zone is not None:
                    out.append((ENTERING, move.new_zone, move.new_poa))
            return out
        if was and not now:
            return [(LEAVING, move.old_zone, move.old_poa)]
        if now and not was:
            return [(ENTERING, move.new_zone, move.new_poa)]
        return []

    def on_move(self, sub: Subscription, move: Move, ctx: Context) -> list[Out]:
        out = []
        for event, zone, ap in self.crossings(move):
            if event not in self.events:
                continue
            location = None
            if self.with_location and ctx.snap.located(move.ue):
                location = ctx.reporter.location(ctx.snap, move.ue)
            note = UserLocationEventNotification(
                notificationType="UserLocationEventNotification",
                timeStamp=TimeStamp.of(move.wall),
                address=self.address,
                userLocationEvent=event,
                zoneId=zone,
                accessPointId=ap,
                locationInfo=location,
                _links=links(sub),
            )
            out.append(Out(wrap(note), final=self.one_time))
            if self.one_time:
                break
        return out


class UserPeriodic(Criteria):
    """UserLocationPeriodicSubscription."""

    ticks = True

    def __init__(self, body: UserLocationPeriodicSubscription) -> None:
        self.address = canonical(body.address)
        info = body.periodicEventInfo
        self.amount = int(info.reportingAmount)
        self.clock = PeriodicClock(info.reportingInterval)
        self.sent = 0

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        self.clock.prime(ctx.t)
        return []

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        if not self.clock.due(ctx.t):
            return []
        self.sent += 1
        final = self.sent >= self.amount
        snap = ctx.snap
        i = snap.index(self.address)
        located = i is not None and snap.located(i)
        note = UserLocationPeriodicNotification(
            notificationType="UserLocationPeriodicNotification",
            timeStamp=TimeStamp.of(ctx.wall),
            address=self.address,
            accessPointId=snap.poa(i) if located and i is not None else None,
            zoneId=snap.zone(i) if located and i is not None else None,
            locationInfo=ctx.reporter.location(snap, i) if located and i is not None else None,
            result=NotificationResult.SUCCESS if located else NotificationResult.ABNORMAL,
            isFinalNotification=final,
            _links=links(sub),
        )
        return [Out(wrap(note), final=final)]


class ZoneEvent(Criteria):
    """ZoneLocationEventSubscription."""

    ticks = True  # to report moves the reporting controls held back

    def __init__(self, body: ZoneLocationEventSubscription) -> None:
        self.zone = body.zoneId
        self.addresses = None
        self.watched = (
            frozenset(canonical(a) for a in body.addressList) if body.addressList else None
        )
        self.events = events_of(body.locationEventCriteria)
        self.pacer = pacer_of(body.reportingCtrl)
        self.reported: dict[str, bool] = {}
        """Whether each user was last reported (or known) inside the zone."""
        self.held: dict[str, int] = {}
        """Users with a move held back by the reporting controls, and their index."""

    def on_move(self, sub: Subscription, move: Move, ctx: Context) -> list[Out]:
        if move.old_zone == move.new_zone or (self.watched and move.address not in self.watched):
            return []
        inside = move.new_zone == self.zone
        event = ENTERING if inside else LEAVING
        if event not in self.events:
            self.reported[move.address] = inside
            return []
        if not self.pacer.ready(move.t):
            self.held[move.address] = move.ue
            return []
        return [self._send(sub, move.address, inside, move.t, move.wall)]

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        out: list[Out] = []
        for address, i in list(self.held.items()):
            if not self.pacer.ready(ctx.t):
                break
            del self.held[address]
            inside = ctx.snap.zone(i) == self.zone
            if self.reported.get(address) == inside:
                continue  # the held move was undone meanwhile
            if (ENTERING if inside else LEAVING) in self.events:
                out.append(self._send(sub, address, inside, ctx.t, ctx.wall))
                if out[-1].final:
                    break
        return out

    def _send(self, sub: Subscription, address: str, inside: bool, t: float, wall: float) -> Out:
        self.reported[address] = inside
        note = ZoneLocationEventNotification(
            notificationType="ZoneLocationEventNotification",
            timeStamp=TimeStamp.of(wall),
            address=address,
            userLocationEvent=ENTERING if inside else LEAVING,
            zoneId=self.zone or "",
            _links=links(sub),
        )
        return Out(wrap(note), final=self.pacer.record(t))


class ZoneStatus(Criteria):
    """ZoneStatusSubscription."""

    ticks = True

    def __init__(self, body: ZoneStatusSubscription) -> None:
        self.zone_id = body.zoneId
        self.zone_upper = body.upperNumberOfUsersZoneThreshold
        self.zone_lower = body.lowerNumberOfUsersZoneThreshold
        self.ap_upper = body.upperNumberOfUsersAPThreshold
        self.ap_lower = body.lowerNumberOfUsersAPThreshold
        self.pacer = pacer_of(body.reportingCtrl)
        self.counts = CountWatch()
        self.poas = ZonePoas(body.zoneId)

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        return self.on_tick(sub, ctx)  # the first observation of each count is a baseline

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        poas = self.poas(ctx.snap.world)
        checks: list[tuple[str, str | None, int, UserNumEvent, UserNumEvent]] = []
        if self.zone_upper is not None or self.zone_lower is not None:
            total = ctx.snap.served_by(self.poas.indices(ctx.snap.world))
            checks.append((f"zone:{self.zone_id}", None, total, *ZONE_EVENTS))
        if self.ap_upper is not None or self.ap_lower is not None:
            checks.extend((f"ap:{name}", name, ctx.snap.served(c), *AP_EVENTS) for c, name in poas)
        out: list[Out] = []
        for key, ap, count, up, down in checks:
            upper, lower = (
                (self.zone_upper, self.zone_lower) if ap is None else (self.ap_upper, self.ap_lower)
            )
            direction = self.counts.crossing(key, count, upper, lower)
            if direction == 0 or not self.pacer.ready(ctx.t):
                continue
            self.counts.record(key, count)
            note = ZoneStatusNotification(
                notificationType="ZoneStatusNotification",
                timeStamp=TimeStamp.of(ctx.wall),
                zoneId=self.zone_id,
                accessPointId=ap,
                userNumEvent=up if direction > 0 else down,
                _links=links(sub),
            )
            out.append(Out(wrap(note), final=self.pacer.record(ctx.t)))
            if out[-1].final:
                break
        return out


ZONE_EVENTS = (UserNumEvent.OVER_ZONE_UPPER_THD, UserNumEvent.UNDER_ZONE_LOWER_THD)
AP_EVENTS = (UserNumEvent.OVER_AP_UPPER_THD, UserNumEvent.UNDER_AP_LOWER_THD)


PARSERS: dict[str, type[Criteria]] = {
    UserLocationEventSubscription.TYPE: UserEvent,
    UserLocationPeriodicSubscription.TYPE: UserPeriodic,
    ZoneLocationEventSubscription.TYPE: ZoneEvent,
    ZoneStatusSubscription.TYPE: ZoneStatus,
    UserAreaSubscription.TYPE: UserArea,
    UserDistanceSubscription.TYPE: UserDistance,
}


def parse_v3(type_name: str, body: dict[str, Any]) -> Criteria:
    """The criteria of a stored v3 subscription body (the registry's ``parse``)."""
    model = SUBSCRIPTION_TYPES[type_name].model_validate(
        {k: v for k, v in body.items() if k not in SERVER_SET}
    )
    return PARSERS[type_name](model)  # type: ignore[call-arg]


SERVER_SET = ("_links",)
"""Attributes the server adds to a stored body, not part of what the client asked for."""
