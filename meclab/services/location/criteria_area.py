"""Criteria of the v3.1.1 subscriptions that follow positions: areas and distances.

* UserAreaSubscription (clause 6.3.8): each tick, users of ``addressList`` against the circle or
  polygon, with ``trackingAccuracy`` as tolerance (see :class:`~.tracking.AreaWatch`).
* UserDistanceSubscription (clause 6.3.9): each tick, the distance criterion over every pair
  (monitored x reference, or monitored x monitored), with ``trackingAccuracy`` as tolerance
  (see :class:`~.tracking.DistanceWatch`); reported when it becomes true, at creation already
  when ``checkImmediate`` and it holds.

Both are paced by ``reportingCtrl`` (see :mod:`.criteria_v3`).
"""

from __future__ import annotations

from meclab.platform.subscription import Subscription
from meclab.platform.wire import TimeStamp
from meclab.services.location.criteria import Context, Criteria, Out, Resolved, pairs_of
from meclab.services.location.models import UserList
from meclab.services.location.models_v3 import (
    AreaShape,
    DistanceCriteria,
    UserAreaSubscription,
    UserDistanceSubscription,
)
from meclab.services.location.models_v3_notifications import (
    UserAreaNotification,
    UserDistanceNotification,
)
from meclab.services.location.notify_v3 import ENTERING, LEAVING, events_of, links, pacer_of, wrap
from meclab.services.location.southbound import canonical
from meclab.services.location.tracking import AreaWatch, Circle, DistanceWatch, Pacer, Polygon


class UserArea(Criteria):
    """UserAreaSubscription."""

    ticks = True

    def __init__(self, body: UserAreaSubscription) -> None:
        area = body.areaDefine
        shape: Circle | Polygon
        if area.shape is AreaShape.CIRCLE:
            centre = area.points[0]
            shape = Circle(centre.longitude, centre.latitude, float(area.radius or 0))
        else:
            shape = Polygon(tuple((p.longitude, p.latitude) for p in area.points))
        self.watch = AreaWatch(shape, body.trackingAccuracy)
        self.watched = tuple(dict.fromkeys(canonical(a) for a in body.addressList))
        self._watched = Resolved(self.watched)
        self.events = events_of(body.locationEventCriteria)
        self.pacer = pacer_of(body.reportingCtrl)
        self.with_location = bool(body.reportingLocationReq)

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        self.watch.changes(ctx.snap, self._watched(ctx.snap))  # baselines only
        return []

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        snap = ctx.snap
        out: list[Out] = []
        for i, inside in self.watch.changes(snap, self._watched(snap)):
            event = ENTERING if inside else LEAVING
            if event not in self.events:
                self.watch.state[i] = inside
                continue
            if not self.pacer.ready(ctx.t):
                continue  # held back: still a change at the next tick that allows it
            self.watch.state[i] = inside
            note = UserAreaNotification(
                notificationType="UserAreaNotification",
                timeStamp=TimeStamp.of(ctx.wall),
                address=snap.address(i),
                userLocationEvent=event,
                locationInfo=ctx.reporter.location(snap, i) if self.with_location else None,
                _links=links(sub),
            )
            out.append(Out(wrap(note), final=self.pacer.record(ctx.t)))
            if out[-1].final:
                break
        return out


class DistanceTracking:
    """What the v3 UserDistance and v2 DistanceNotification subscriptions share: which pairs
    of terminals to watch, and when the distance criterion's becoming true is reported (once,
    re-armed when it turns false; right away at creation with ``checkImmediate``).

    Subclasses set ``monitored`` / ``reference`` (canonical addresses), ``watch``,
    ``immediate`` and ``pacer``, call :meth:`_track`, and report through ``_report``.
    """

    monitored: tuple[str, ...]
    reference: tuple[str, ...]
    watch: DistanceWatch
    immediate: bool
    pacer: Pacer

    def _track(self) -> None:
        self._monitored = Resolved(self.monitored)
        self._reference = Resolved(self.reference)

    def _report(
        self, sub: Subscription, ctx: Context, monitored: list[int], pairs: list[tuple[int, int]]
    ) -> list[Out]:
        raise NotImplementedError

    def _pairs(self, ctx: Context) -> tuple[list[int], list[tuple[int, int]]]:
        monitored = self._monitored(ctx.snap)
        reference = self._reference(ctx.snap) if self.reference else None
        return monitored, pairs_of(monitored, reference)

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        monitored, pairs = self._pairs(ctx)
        met = self.watch.observe(ctx.snap, pairs)
        if met and self.immediate:
            return self._report(sub, ctx, monitored, pairs)
        self.watch.met = met
        return []

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        monitored, pairs = self._pairs(ctx)
        met = self.watch.observe(ctx.snap, pairs)
        if met is None:
            return []
        if self.watch.met is None or not met:
            self.watch.met = met  # a baseline, or the condition re-arms
            return []
        if self.watch.met or not self.pacer.ready(ctx.t):
            return []
        return self._report(sub, ctx, monitored, pairs)


def distance_watch(criteria: DistanceCriteria, distance: float, accuracy: float) -> DistanceWatch:
    """The watch of a distance criterion (within or beyond; every pair or any)."""
    within = criteria in (DistanceCriteria.ALL_WITHIN, DistanceCriteria.ANY_WITHIN)
    every = criteria in (DistanceCriteria.ALL_WITHIN, DistanceCriteria.ALL_BEYOND)
    return DistanceWatch(distance, accuracy, within, every)


class UserDistance(DistanceTracking, Criteria):
    """UserDistanceSubscription."""

    ticks = True

    def __init__(self, body: UserDistanceSubscription) -> None:
        self.monitored = tuple(dict.fromkeys(canonical(a) for a in body.monitoredAddress))
        self.reference = tuple(dict.fromkeys(canonical(a) for a in body.referenceAddress or []))
        self._track()
        self.criterion = body.criteria
        self.immediate = body.checkImmediate
        self.watch = distance_watch(body.criteria, body.distance, body.trackingAccuracy)
        self.pacer = pacer_of(body.reportingCtrl)

    def _report(
        self, sub: Subscription, ctx: Context, monitored: list[int], pairs: list[tuple[int, int]]
    ) -> list[Out]:
        self.watch.met = True
        involved = {i for pair in self.watch.satisfying(pairs) for i in pair}
        snap = ctx.snap
        users = [
            ctx.reporter.user(snap, i, sub.host, ctx.wall)
            for i in monitored
            if i in involved and snap.located(i)
        ]
        note = UserDistanceNotification(
            notificationType="UserDistanceNotification",
            timeStamp=TimeStamp.of(ctx.wall),
            monitoredUsers=UserList(
                resourceURL=f"{ctx.reporter.base(sub.host)}/queries/users", user=users
            ),
            distanceEvent=self.criterion,
            _links=links(sub),
        )
        return [Out(wrap(note), final=self.pacer.record(ctx.t))]
