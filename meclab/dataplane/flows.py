"""Flows: one record per relayed connection (TCP) or association-destination pair (UDP).

A flow knows its route (which UE, from which element, or which sending application, to which
application, at which emulated address), its two pipelines (uplink: sender to application;
downlink: back), the traffic-rule decision that applies, and its counters. The relay that
moves its bytes registers itself as the flow's :class:`FlowRelay`, through which the control
side (engine events, rule changes, toxics) reaches it. The registry indexes open flows by UE
and by application and keeps what closed flows moved, for the metrics.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from meclab.dataplane.rules import Decision
from meclab.dataplane.shaping.loss import rto_s
from meclab.dataplane.shaping.pipeline import UNSHAPED, Pipeline, Shape
from meclab.dataplane.stats import FlowSample, FlowStats, Labels, Totals
from meclab.engine.netchar import PathNetChar

RECENTLY_CLOSED = 200
"""Closed flows the control API still lists."""


class FlowState(StrEnum):
    OPEN = "open"
    STALLED = "stalled"
    """The UE is out of coverage: data is held (TCP) or dropped (UDP) until it is back."""
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class Route:
    """Where a flow goes in the emulated network, and where its bytes really go."""

    ue: str | None
    """The terminal acting; None for an application sending, or when nobody was identified."""
    source: str | None
    """Element the path starts at: the UE, one of its terminal apps, or (``ue`` None) the
    application sending; None when nobody was identified (then nothing is emulated)."""
    app: str | None
    """Scenario application reached; None for an upstream outside the scenario."""
    dst_ip: str
    """Emulated destination address (the application's, or the upstream's own)."""
    dst_port: int
    target: tuple[str, int]
    """Where the relay connects: the application's real endpoint, or the built-in responder."""
    duplicate: tuple[str, str, tuple[str, int]] | None = None
    """(app, emulated address, real target) a DUPLICATE_* rule copies uplink traffic to."""
    requested: str = ""
    """The destination as the client named it (a name is resolved again after a handover)."""

    @property
    def source_app(self) -> str | None:
        """The edge or cloud application sending, when an application (not a UE) sends."""
        return self.source if self.ue is None else None


@dataclass(frozen=True, slots=True)
class FlowSteer:
    """How an MTS session steers a flow now (:mod:`meclab.dataplane.steering`)."""

    session_id: str
    mode: str
    """The session's ``mtsMode`` by name (``LOW_LATENCY`` ...)."""
    poas: tuple[str, ...]
    """The PoAs carrying the flow, the one whose path shapes it first; two for REDUNDANCY;
    none while the terminal has no access."""
    access_ids: tuple[int, ...]
    """Their ``accessId`` (:mod:`meclab.services.mts.accesses`)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "mode": self.mode,
            "poas": list(self.poas),
            "access_ids": list(self.access_ids),
        }


class FlowRelay(Protocol):
    """What the control side asks of the relay moving a flow's bytes."""

    def reshaped(self) -> None:
        """Parameters changed (path, toxics): re-check buffers, deadlines, held data."""

    def abort(self, reason: str, *, reset: bool = True) -> None:
        """End the flow now: reset (RST) or close both sides."""


@dataclass(slots=True)
class Flow:
    """One relayed flow."""

    id: int
    protocol: str
    """``TCP`` or ``UDP``."""
    entry: str
    """How the client came in: ``socks5``, or ``proxy:<name>`` (a per-application or
    toxiproxy listener)."""
    client: tuple[str, int]
    route: Route
    up: Pipeline
    down: Pipeline
    stats: FlowStats
    decision: Decision | None = None
    proxies: tuple[str, ...] = ()
    """toxiproxy proxies whose toxics act on this flow."""
    state: FlowState = FlowState.OPEN
    stalled_since: float | None = None
    path: PathNetChar | None = None
    closed_reason: str | None = None
    closed_at: float | None = None
    relay: FlowRelay | None = None
    toxic_stages: dict[tuple[str, str, str], Any] = field(default_factory=dict)
    """Per-connection toxic stages by (proxy, toxic, stream), kept across updates."""
    steer: FlowSteer | None = None
    """The MTS session steering it, and over which accesses; None: default routing (the UE's
    serving PoA)."""
    copies: tuple[PathNetChar, ...] = ()
    """With two or more: the paths over each access that carries a copy of every byte
    (REDUNDANCY; ``path`` is the first of them); empty for one path."""
    share_bps: tuple[float | None, float | None] = (None, None)
    """What the shared capacity of its access grants it (up, down), in bit/s; None: no share
    limits that direction (see :mod:`.capacity`), 0: it is held."""

    @property
    def labels(self) -> Labels:
        return (
            self.route.ue or "",
            self.route.source_app or "",
            self.route.app or "",
            self.protocol,
        )

    def apply_path(self, path: PathNetChar | None, now: float) -> bool:
        """Shape both directions after ``path`` (None: out of coverage, stall).

        Returns whether the flow's state or shape changed.
        """
        before = self._shaping()
        self.path = path
        if path is None:
            self.up.stall()
            self.down.stall()
            if self.state is FlowState.OPEN:
                self.state = FlowState.STALLED
                self.stalled_since = now
        else:
            # the RTO a stream pays per damaged piece: RFC 6298 with the path's RTT and jitter
            rto = rto_s(2 * path.latency_ms / 1000.0, 2 * path.jitter_ms / 1000.0)
            for pipe, reverse, share in (
                (self.up, False, self.share_bps[0]),
                (self.down, True, self.share_bps[1]),
            ):
                shape = Shape.of_path(path, reverse=reverse)
                copies = [Shape.of_path(p, reverse=reverse) for p in self.copies]
                if len(copies) >= 2:  # the first copy through counts: the faster access's rate
                    rates = [c.rate_Bps for c in copies]
                    fastest = None if None in rates else max(r for r in rates if r is not None)
                    shape = replace(shape, rate_Bps=fastest)
                if share is not None and share > 0:
                    rate = share / 8.0
                    if shape.rate_Bps is None or rate < shape.rate_Bps:
                        shape = replace(shape, rate_Bps=rate)
                pipe.update(shape, rto_s=rto, copies=copies)
                if share == 0:  # guarantees took the whole access: held, as a stall holds
                    pipe.stall()
                else:
                    pipe.resume()
            if self.state is FlowState.STALLED:
                self.state = FlowState.OPEN
                self.stalled_since = None
        return before != self._shaping()

    def _shaping(self) -> tuple[object, ...]:
        up, down = self.up, self.down
        return (self.state, up.shape, down.shape, up.copies, down.copies, up.stalled, down.stalled)

    def set_share(self, up: bool, bps: float | None, now: float) -> bool:
        """Its access grants ``bps`` to its uplink (``up``) or downlink: shaped with the lower
        of that and its path's rate. Returns whether its shape changed."""
        before = self.share_bps
        self.share_bps = (bps, before[1]) if up else (before[0], bps)
        if self.share_bps == before or self.path is None:
            return False
        return self.apply_path(self.path, now)

    def unshaped(self) -> None:
        """No emulated network (no UE): only toxics act."""
        self.up.update(UNSHAPED)
        self.down.update(UNSHAPED)

    def to_dict(self, now: float) -> dict[str, Any]:
        """Plain data for the control API."""
        s = self.stats
        route = self.route
        return {
            "id": self.id,
            "protocol": self.protocol,
            "entry": self.entry,
            "state": self.state.value,
            "ue": route.ue,
            "source": route.source,
            "source_app": route.source_app,
            "app": route.app,
            "client": f"{self.client[0]}:{self.client[1]}",
            "destination": f"{route.dst_ip}:{route.dst_port}",
            "target": f"{route.target[0]}:{route.target[1]}",
            "duplicate_to": route.duplicate[0] if route.duplicate else None,
            "rule": None
            if self.decision is None
            else {"id": self.decision.rule_id, "action": self.decision.action.value},
            "proxies": list(self.proxies),
            "age_s": round((self.closed_at or now) - s.started, 3),
            "bytes_up": s.bytes_up,
            "bytes_down": s.bytes_down,
            "dropped_up": s.dropped_up,
            "dropped_down": s.dropped_down,
            "throughput_up_mbps": round(s.up.rate(now) * 8 / 1e6, 6),
            "throughput_down_mbps": round(s.down.rate(now) * 8 / 1e6, 6),
            "rtt_ms": None if s.rtt_s is None else round(s.rtt_s * 1000, 3),
            "rtt_last_ms": None if s.rtt_last_s is None else round(s.rtt_last_s * 1000, 3),
            "rtt_samples": s.rtt_samples,
            "shaping": None
            if self.state is FlowState.STALLED or route.source is None
            else {"up": self.up.shape.to_dict(), "down": self.down.shape.to_dict()},
            "share_mbps": {
                way: None if bps is None else round(bps / 1e6, 6)
                for way, bps in zip(("up", "down"), self.share_bps, strict=True)
            },
            "hops": list(self.path.hops) if self.path is not None else None,
            "steering": None if self.steer is None else self.steer.to_dict(),
            "closed_reason": self.closed_reason,
        }


class FlowRegistry:
    """Open flows, indexed; what closed ones moved."""

    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.open: dict[int, Flow] = {}
        self.by_ue: dict[str, set[int]] = {}
        self.by_app: dict[str, set[int]] = {}
        self.closed: deque[Flow] = deque(maxlen=RECENTLY_CLOSED)
        self.totals: dict[Labels, Totals] = {}
        self.removed: list[Callable[[Flow], None]] = []
        """Called with each flow the registry forgets (the shared capacity lets it go)."""

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, flow: Flow) -> None:
        self.open[flow.id] = flow
        self._index(flow)

    def remove(self, flow: Flow, reason: str, now: float | None = None) -> None:
        """Forget an open flow (idempotent), adding what it moved to the totals."""
        if self.open.pop(flow.id, None) is None:
            return
        flow.state = FlowState.CLOSED
        flow.closed_reason = reason
        flow.closed_at = now
        self._unindex(flow)
        self._account(flow)
        self.closed.append(flow)
        for listener in self.removed:
            listener(flow)

    def reroute(self, flow: Flow, route: Route) -> None:
        """An open flow moved to ``route`` (a relocated instance): what it moved so far stays
        counted under its old labels, its counters start again under the new ones."""
        if flow.id not in self.open:
            return
        self._unindex(flow)
        self._account(flow)
        s = flow.stats
        s.bytes_up = s.bytes_down = s.dropped_up = s.dropped_down = 0
        flow.route = route
        self._index(flow)

    def _index(self, flow: Flow) -> None:
        for index, key in ((self.by_ue, flow.route.ue), (self.by_app, flow.route.app)):
            if key is not None:
                index.setdefault(key, set()).add(flow.id)
        self.totals.setdefault(flow.labels, Totals()).flows += 1

    def _unindex(self, flow: Flow) -> None:
        for index, key in ((self.by_ue, flow.route.ue), (self.by_app, flow.route.app)):
            if key is not None and key in index:
                index[key].discard(flow.id)
                if not index[key]:
                    del index[key]

    def _account(self, flow: Flow) -> None:
        t = self.totals.setdefault(flow.labels, Totals())
        s = flow.stats
        t.bytes_up += s.bytes_up
        t.bytes_down += s.bytes_down
        t.dropped_up += s.dropped_up
        t.dropped_down += s.dropped_down

    def of_ue(self, ue: str) -> list[Flow]:
        return [self.open[i] for i in self.by_ue.get(ue, ())]

    def of_app(self, app: str) -> list[Flow]:
        return [self.open[i] for i in self.by_app.get(app, ())]

    def samples(self) -> Iterator[FlowSample]:
        for flow in list(self.open.values()):
            yield FlowSample(flow.labels, flow.stats)
