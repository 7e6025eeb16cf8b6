"""When WAI notifies, and what: engine events and ticks in, notification bodies out.

Every rule cites ETSI GS MEC 028 V2.3.1. A subscription reports only on the part of the world
its host's WAI covers (:mod:`.southbound`: the Wi-Fi APs of the host's zone and their stations).

AssocStaSubscription (clause 6.3.2; the notification, clause 6.4.2, lists the stations
associated with the AP *now*, possibly none):

* event mode (``notificationEvent`` alone): each time the AP's set of associated stations
  changes (an engine Connected, Disconnected or Handover event naming the AP), notify if the
  number of stations then meets the trigger (1: at least ``threshold``, 2: at most). So
  ``{"trigger": 1, "threshold": 0}`` reports every association and disassociation;
* periodic mode (``notificationPeriod``): every period of simulation time, notify the current
  stations; with a ``notificationEvent`` too, only while its trigger holds (NOTE 3).

StaDataRateSubscription (clause 6.3.3): the rates of the subscribed stations while associated
with one of the host's APs, checked after every tick.

* event mode: notify the stations whose (downlink, uplink) rate differs from the last one the
  subscription saw and meets the trigger (1-8 of clause 6.3.3). The rate at the moment of
  subscribing is the first one seen; a station that (re)associates has a new rate;
* periodic mode: every period, the subscribed stations' rates (those meeting the trigger, if
  one is given).

MeasurementReportSubscription (clause 6.3.5): the subscribed stations measure back to back,
each measurement lasting ``measurementDuration`` TUs of simulation time; at the first tick
after a measurement ends, their reports (:mod:`.reports`) go out in one notification, unless
the reporting condition left nothing to report.

One notification per subscription and tick at most; periods that a long tick skipped are not
made up for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from meclab.bus.base import EventRecord
from meclab.engine.events import Connected, Disconnected, Handover
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.wire import TimeStamp
from meclab.services.wai import wifi
from meclab.services.wai.info import ap_identity, matches, sta_data_rate, sta_identity
from meclab.services.wai.models_measure import BeaconReport, ChannelLoad, NeighborReport
from meclab.services.wai.models_subs import (
    AssocStaEvent,
    AssocStaNotification,
    AssocStaSubscription,
    MeasurementReportNotification,
    MeasurementReportSubscription,
    RateTrigger,
    StaDataRateEvent,
    StaDataRateNotification,
    StaDataRateSubscription,
    StationCountTrigger,
)
from meclab.services.wai.reports import duration_tu, measure
from meclab.services.wai.southbound import AccessPoint, Station, WlanView

log = logging.getLogger("meclab.wai")

API = "wai"

Rate = tuple[int, int]
"""(downlink, uplink) kbit/s."""


def count_holds(event: AssocStaEvent | None, stations: int) -> bool:
    """AssocStaSubscription trigger (clause 6.3.2); no event: always."""
    if event is None:
        return True
    if event.trigger is StationCountTrigger.AT_LEAST:
        return stations >= event.threshold
    return stations <= event.threshold


def rate_holds(event: StaDataRateEvent | None, rate: Rate) -> bool:
    """StaDataRateSubscription trigger (clause 6.3.3); no event: always."""
    if event is None:
        return True
    dl, ul = rate
    dl_t = event.downlinkRateThreshold or 0
    ul_t = event.uplinkRateThreshold or 0
    checks: dict[RateTrigger, Callable[[], bool]] = {
        RateTrigger.DL_AT_LEAST: lambda: dl >= dl_t,
        RateTrigger.DL_AT_MOST: lambda: dl <= dl_t,
        RateTrigger.UL_AT_LEAST: lambda: ul >= ul_t,
        RateTrigger.UL_AT_MOST: lambda: ul <= ul_t,
        RateTrigger.BOTH_AT_LEAST: lambda: dl >= dl_t and ul >= ul_t,
        RateTrigger.BOTH_AT_MOST: lambda: dl <= dl_t and ul <= ul_t,
        RateTrigger.EITHER_AT_LEAST: lambda: dl >= dl_t or ul >= ul_t,
        RateTrigger.EITHER_AT_MOST: lambda: dl <= dl_t or ul <= ul_t,
    }
    return checks[event.trigger]()


@dataclass(slots=True)
class _Watch:
    """What a subscription remembers between ticks."""

    next_due: float | None = None
    """Simulation time of the next periodic notification or measurement end."""
    rates: dict[str, Rate | None] = field(default_factory=dict)
    """Last rate seen per subscribed station (None: not associated with the host's APs)."""


def _period_of(criteria: Any) -> float | None:
    if isinstance(criteria, MeasurementReportSubscription):
        return duration_tu(criteria.measurementInfo) * wifi.TU_S
    period = getattr(criteria, "notificationPeriod", None)
    return float(period) if period else None


class Triggers:
    """Turns engine events and ticks into WAI notifications."""

    def __init__(
        self,
        platforms: Platforms,
        view: Callable[[], WlanView | None],
        wall: Callable[[], float],
    ) -> None:
        self.platforms = platforms
        self.view = view
        self.wall = wall
        self._watches: dict[str, _Watch] = {}

    def reset(self) -> None:
        self._watches.clear()

    # --- scope ----------------------------------------------------------------------------

    def zone(self, host: str) -> str | None:
        info = self.platforms.hosts.get(host)
        return info.zone if info else None

    def hosts_of_zone(self, zone: str | None) -> list[str]:
        return [h for h, info in self.platforms.hosts.items() if zone and info.zone == zone]

    # --- subscription lifecycle -----------------------------------------------------------

    def watch(self, sub: Subscription, view: WlanView) -> None:
        """Start (or restart, after a PUT) a subscription's clock and rate baseline now."""
        state = _Watch()
        period = _period_of(sub.criteria)
        now = view.world.state.t
        state.next_due = now + period if period else None
        if isinstance(sub.criteria, StaDataRateSubscription):
            aps = set(view.ap_names(self.zone(sub.host)))
            for name, station in self._subscribed(view, sub.criteria, aps, {}):
                state.rates[name] = _rate(station) if station is not None else None
        self._watches[sub.id] = state

    # --- events ---------------------------------------------------------------------------

    async def on_events(self, records: Sequence[EventRecord]) -> None:
        """Bus handler: AssocSta notifications for APs whose stations changed."""
        view = self.view()
        if view is None:
            return
        changed: dict[str, float] = {}
        for record in records:
            event = record.event
            if isinstance(event, Handover):
                poas = (event.source, event.target)
            elif isinstance(event, Connected | Disconnected):
                poas = (event.poa,)
            else:
                continue
            for poa in poas:
                if view.is_wifi(poa):
                    changed[poa] = record.wall
        for poa, wall in changed.items():
            self._association_changed(view, poa, wall)

    def _association_changed(self, view: WlanView, poa: str, wall: float) -> None:
        ap: AccessPoint | None = None
        for host in self.hosts_of_zone(view.zone_of(poa)):
            for sub in self.platforms.subscriptions.subscribers(API, host):
                criteria = sub.criteria
                if not isinstance(criteria, AssocStaSubscription):
                    continue
                if criteria.notificationPeriod is not None:
                    continue  # periodic mode (clause 6.3.2 NOTE 3)
                if view.ap_by_bssid(criteria.apId.bssid) != poa:
                    continue
                ap = ap or view.ap(poa)
                if count_holds(criteria.notificationEvent, len(ap.stations)):
                    self.platforms.subscriptions.notify(sub, assoc_sta(view, ap, wall))

    # --- ticks ----------------------------------------------------------------------------

    async def on_tick(self, world: World) -> None:
        """Tick listener: periodic notifications, rate changes, measurement reports."""
        view = self.view()
        if view is None or view.world is not world:
            return
        t = world.state.t
        wall = self.wall()
        stations: dict[str, Station | None] = {}  # computed once per tick
        seen: set[str] = set()
        for host in self.platforms.hosts:
            subs = self.platforms.subscriptions.subscribers(API, host)
            if not subs:
                continue
            aps = set(view.ap_names(self.zone(host)))
            for sub in subs:
                seen.add(sub.id)
                state = self._watches.get(sub.id)
                if state is None:  # restored after a restart: start watching now
                    self.watch(sub, view)
                    continue
                try:
                    payload = self._tick_one(view, sub, state, aps, stations, t, wall)
                except Exception:  # one bad subscription must not stop the others
                    log.exception("WAI subscription %s failed at t=%.3f", sub.id, t)
                    continue
                if payload is not None:
                    self.platforms.subscriptions.notify(sub, payload)
        for stale in set(self._watches) - seen:
            del self._watches[stale]

    def _due(self, state: _Watch, period: float | None, t: float) -> bool:
        if period is None or state.next_due is None or t < state.next_due:
            return False
        while state.next_due <= t:  # skipped periods are not made up for
            state.next_due += period
        return True

    def _tick_one(
        self,
        view: WlanView,
        sub: Subscription,
        state: _Watch,
        aps: set[str],
        stations: dict[str, Station | None],
        t: float,
        wall: float,
    ) -> dict[str, Any] | None:
        criteria = sub.criteria
        period = _period_of(criteria)
        if isinstance(criteria, AssocStaSubscription):
            if not self._due(state, period, t):
                return None
            poa = view.ap_by_bssid(criteria.apId.bssid)
            if poa is None or poa not in aps:
                return None
            ap = view.ap(poa)
            if not count_holds(criteria.notificationEvent, len(ap.stations)):
                return None
            return assoc_sta(view, ap, wall)
        if isinstance(criteria, StaDataRateSubscription):
            return self._rates(view, criteria, state, aps, stations, period, t, wall)
        if isinstance(criteria, MeasurementReportSubscription):
            if not self._due(state, period, t):
                return None
            return self._measurements(view, criteria, aps, stations, wall)
        return None

    def _subscribed(
        self,
        view: WlanView,
        criteria: StaDataRateSubscription | MeasurementReportSubscription,
        aps: set[str],
        stations: dict[str, Station | None],
    ) -> list[tuple[str, Station | None]]:
        """Each subscribed terminal with its station record (None unless it is associated with
        one of ``aps`` and matches every attribute the subscription gives)."""
        out: dict[str, Station | None] = {}
        for wanted in criteria.staId:
            name = view.station_name(wanted.macId)
            if name is None:
                continue
            if name not in stations:
                stations[name] = view.station(name)
            station = stations[name]
            ok = station is not None and station.ap.name in aps and matches(wanted, station)
            if ok or name not in out:
                out[name] = station if ok else None
        return list(out.items())

    def _rates(
        self,
        view: WlanView,
        criteria: StaDataRateSubscription,
        state: _Watch,
        aps: set[str],
        stations: dict[str, Station | None],
        period: float | None,
        t: float,
        wall: float,
    ) -> dict[str, Any] | None:
        subscribed = self._subscribed(view, criteria, aps, stations)
        event = criteria.notificationEvent
        report: list[Station] = []
        if period is not None:
            if self._due(state, period, t):
                report = [s for _, s in subscribed if s is not None and rate_holds(event, _rate(s))]
        else:
            for name, station in subscribed:
                rate = _rate(station) if station is not None else None
                before = state.rates.get(name)
                state.rates[name] = rate
                if station is not None and rate != before and rate_holds(event, _rate(station)):
                    report.append(station)
        if not report:
            return None
        return StaDataRateNotification(
            notificationType="StaDataRateNotification",
            timeStamp=TimeStamp.of(wall),
            staDataRate=[sta_data_rate(s, with_id=True) for s in report],
        ).wire()

    def _measurements(
        self,
        view: WlanView,
        criteria: MeasurementReportSubscription,
        aps: set[str],
        stations: dict[str, Station | None],
        wall: float,
    ) -> dict[str, Any] | None:
        beacon: list[BeaconReport] = []
        load: list[ChannelLoad] = []
        neighbor: list[NeighborReport] = []
        for name, station in self._subscribed(view, criteria, aps, stations):
            if station is None:
                continue
            reports = measure(
                view, name, criteria.measurementId, criteria.measurementInfo, sta_identity(station)
            )
            beacon.extend(reports.beacon)
            load.extend(reports.channel_load)
            neighbor.extend(reports.neighbor)
        if not (beacon or load or neighbor):
            return None
        return MeasurementReportNotification(
            notificationType="MeasurementReportNotification",
            timeStamp=TimeStamp.of(wall),
            beaconReport=beacon or None,
            channelLoad=load or None,
            neighborReport=neighbor or None,
        ).wire()


def _rate(station: Station) -> Rate:
    return (station.downlink_kbps, station.uplink_kbps)


def assoc_sta(view: WlanView, ap: AccessPoint, wall: float) -> dict[str, Any]:
    """AssocStaNotification of an AP's current stations."""
    return AssocStaNotification(
        notificationType="AssocStaNotification",
        timeStamp=TimeStamp.of(wall),
        apId=ap_identity(ap),
        staId=[sta_identity(s) for s in view.stations_of(ap)],
    ).wire()
