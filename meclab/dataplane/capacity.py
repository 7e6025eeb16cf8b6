"""Shared capacity in the relay: the flows crossing an element share its throughput.

:mod:`.shaping.share` holds the rule (weighted max-min water-filling, guarantees as floors);
this module keeps one :class:`~.shaping.share.Share` per element and direction that has a
throughput, and applies what they divide to the flows' rate stages. No I/O: the data plane
calls it.

* **Elements and Shares.** Every element a flow's path crosses (``flow.path.hops``: the
  terminal and its PoA, zones, the domain's core, a MEC host or cloud, the applications) whose
  network characteristics have a throughput in a direction has a Share for that direction:
  ``(element, Direction.UP)`` with its ``throughput_ul_mbps``, ``(element, Direction.DOWN)``
  with its ``throughput_dl_mbps``; a direction without a throughput has no Share and limits
  only through the path's bottleneck, as before. The directions are the element's own, as in
  :mod:`meclab.engine.netchar`: a flow's uplink (UE to application) crosses the elements on
  the UE's side of the meeting element upwards (their ``ul``: the terminal, its PoA, its zone)
  and those beyond it downwards (their ``dl``: into the MEC host or cloud, into the app); its
  downlink crosses each the other way. The meeting element, crossed sideways (its smaller rate
  limits both directions of the path), counts the uplink against its ``ul`` and the downlink
  against its ``dl``. A PoA thus shares as it always did: a UE's uplink in its ``ul`` Share,
  its downlink in its ``dl`` one. A ``netchar_change`` sets the capacity, creates the Share
  when a throughput appears and dissolves it when the throughput goes (:meth:`Capacity.retune`).
* **Membership.** A flow of a UE (or of one of its terminal apps) joins the Shares of the
  elements of its path when the switch opens it (:meth:`Capacity.join`), leaves them when the
  registry removes it, and moves with its claims when its path changes (:meth:`Capacity.follow`,
  from ``Switch.refresh``: a handover, an MTS session steering it to another access, a
  relocated application; the caller then calls :meth:`Capacity.apply`, so the new division
  holds within the tick of the event). Out of coverage (no path), it shares nothing. Flows of
  applications (no UE) share nothing. In a Share, each direction of a flow is one member
  (:func:`_pipe`), so a path crossing one radio twice counts twice there.
* **Every tick** (:meth:`Capacity.tick`, a ``Runtime.on_tick`` listener): each flow's demand is
  :func:`~.shaping.share.demand_bps` of the bytes its direction delivered since the last tick
  and whether it was *limited*, capped by the path's bottleneck; only Shares whose version
  moved are divided again. Limited means the rate stage has more than :data:`LIMITED_S` of
  transmission committed ahead (or the direction is stalled), not "the outbox is non-empty":
  the outbox also holds pieces waiting out the path's latency, which says nothing of the rate.
* **Several bottlenecks (progressive filling).** A flow's grant in a direction is the lowest of
  its Shares' grants. Its demand in each Share is further capped by the lowest grant its other
  Shares gave it at the last division, so that a flow held back elsewhere leaves to the others
  here what it cannot use: each tick the Shares re-divide with these caps and the grants climb
  to the max-min fair allocation over all the elements (a flow limited by a MEC host's link
  claims in its cell only what the host link grants it). One tick per bottleneck level is
  enough in practice; a flow in one Share only (the usual case) has no cap to take.
* **Rates.** A flow's rate stage is the lower of its path's bottleneck and its grant. A
  Share's grant is the flow's division rate, raised to ``weight x level`` while the Share is
  contended so that a flow below its share can grow at once (re-divided at the next tick);
  when every demand is met, its demand plus its weight's part of what the demands leave, so
  that the flows together never get more than the capacity (a lone flow gets the whole of it,
  as without sharing). A grant of 0 (guarantees took everything) stalls the direction, its
  data held as out of coverage. A newcomer (or a flow whose path changed) gets its rate from
  the divisions with it at once; the others' rates follow at the next division, so that a flow
  opening in a crowded cell does not reshape every flow there. A flow alone on its path is
  thus shaped exactly as without sharing: its demand is capped by its path and its share is
  each element's whole capacity.
* **Guarantees** (the BWM port's entry): :meth:`Capacity.set_guarantee` on a flow id or on a
  matcher (a predicate over flows, for present and future flows), applied at once. A guarantee
  is a floor in every Share the flow is in (the radio cell a BWM allocation reserves, and any
  other element with a throughput on its path); where guarantees exceed an element's capacity
  they are scaled down together there, as in a cell.
* **Load**: :meth:`Capacity.load` reports each sharing element's measured use (utilisation,
  active UEs, per-UE throughput) from what the relay delivered, not from a model, per the
  element's own direction (``up`` is its ``ul``).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from typing import Any

from meclab.dataplane.flows import Flow, FlowRegistry
from meclab.dataplane.shaping.share import Claim, Division, Share, demand_bps
from meclab.engine.netchar import Direction
from meclab.engine.topology import ElementKind
from meclab.engine.world import World

LOAD_WINDOW_S = 1.0
"""The load reported is what the flows delivered over the ticks of about this long (the flows'
own meters give the last complete second, which may be two seconds old)."""
LIMITED_S = 0.025
"""A direction whose rate stage has more than this committed ahead of now was held back by its
rate at the tick: half of the pipelines' HEADROOM_S, which a backlogged TCP flow always keeps
queued, while a light flow's last chunk has mostly left by the time the tick looks."""

WAYS = (Direction.UP, Direction.DOWN)
"""The directions an element shares: its ``ul`` and its ``dl``; a flow's ``up`` and ``down``."""

Matcher = Callable[[Flow], bool]
"""Selects the flows a guarantee applies to (hashable: it is also the guarantee's key)."""
Target = int | Matcher
"""A flow id, or a matcher."""
Key = tuple[str, Direction]
"""A Share: an element, and which of its directions (``UP``: its ``ul``)."""
Keys = tuple[tuple[Key, ...], tuple[Key, ...]]
"""The Shares a flow's uplink and its downlink are in."""

_NO_KEYS: Keys = ((), ())
_ELEMENT_WAY = {
    # (how the path crosses the element, the flow's direction) -> the element's direction used
    (Direction.UP, Direction.UP): Direction.UP,
    (Direction.UP, Direction.DOWN): Direction.DOWN,
    (Direction.DOWN, Direction.UP): Direction.DOWN,
    (Direction.DOWN, Direction.DOWN): Direction.UP,
    (Direction.ACROSS, Direction.UP): Direction.UP,
    (Direction.ACROSS, Direction.DOWN): Direction.DOWN,
}


def _pipe(flow_id: int, n: int) -> int:
    """A flow's direction as a Share member: its uplink (``n`` 0) or downlink (1)."""
    return flow_id << 1 | n


@dataclass(slots=True)
class _Member:
    """A flow that shares the capacity of the elements of its path."""

    flow: Flow
    since: float
    """When its counters were last read."""
    counted: list[int]
    """Bytes delivered up and down at that time."""
    claims: list[Claim]
    """Its claim per direction (up, down), kept when it moves to other elements; in each Share
    the demand may be capped by its grants elsewhere (module docstring)."""
    keys: Keys = _NO_KEYS
    """The Shares it is in, per direction."""
    path: object = None
    """The path ``keys`` were taken from (a path changes as a new object)."""
    grants: tuple[dict[Key, float], dict[Key, float]] = field(default_factory=lambda: ({}, {}))
    """Per direction, what each of its Shares granted at its last division."""
    history: deque[tuple[float, int, int]] = field(default_factory=deque)
    """(time, bytes up, bytes down) at the ticks of the last :data:`LOAD_WINDOW_S`."""

    def delivered_bps(self, n: int) -> float:
        """What it delivered up (``n`` 0) or down over the ticks of the last window."""
        if len(self.history) < 2:
            return 0.0
        (t0, *first), (t1, *last) = self.history[0], self.history[-1]
        return _moved(first[n], last[n]) * 8.0 / (t1 - t0)


def _moved(before: int, after: int) -> int:
    # a rerouted flow's counters start again from 0
    return after if after < before else after - before


def _check_way(way: Direction) -> Direction:
    if way not in WAYS:
        raise ValueError(f"a shared capacity is per direction: up or down, not {way.value}")
    return way


def _capped(claim: Claim, grants: dict[Key, float], key: Key) -> Claim:
    """``claim`` in Share ``key``: its demand capped by the lowest grant of its other Shares."""
    cap = min((g for k, g in grants.items() if k != key), default=math.inf)
    return claim if cap >= claim.demand_bps else replace(claim, demand_bps=cap)


class Capacity:
    """The Shares of every element with a throughput, and the flows in them (module docstring)."""

    def __init__(
        self,
        registry: FlowRegistry,
        *,
        clock: Callable[[], float] = time.monotonic,
        shared: bool = True,
    ):
        self.registry = registry
        self.clock = clock
        self.shared = shared
        """False: nothing shares (``meclab up --no-shared-capacity``): every flow is shaped by
        its path's bottleneck as if alone, and guarantees have nothing to act in."""
        self.world: World | None = None
        self.shares: dict[Key, Share[int]] = {}
        """Members are :func:`_pipe` keys."""
        self._members: dict[int, _Member] = {}
        self._divided: dict[Key, int] = {}
        """Version of each Share whose division the flows have."""
        self._guarantees: dict[Direction, dict[Hashable, float]] = {w: {} for w in WAYS}
        registry.removed.append(self.leave)

    def reset(self, world: World) -> None:
        """A new world: nothing shares anything yet (its flows were closed)."""
        self.world = world
        self.shares.clear()
        self._members.clear()
        self._divided.clear()
        for rules in self._guarantees.values():
            rules.clear()

    # --- membership -----------------------------------------------------------------------------

    def join(self, flow: Flow) -> None:
        """A new flow shares the elements of its path (when it has a UE and a path)."""
        if self.world is None or flow.route.ue is None or flow.id in self._members:
            return
        stats = flow.stats
        claims = [
            # presumed backlogged until its first tick says what it moves
            Claim(guaranteed_bps=self._guarantee(flow, w), demand_bps=self._bottleneck(flow, w))
            for w in WAYS
        ]
        member = _Member(flow, self.clock(), [stats.bytes_up, stats.bytes_down], claims)
        self._members[flow.id] = member
        self._place(member, self._keys(flow))
        member.path = flow.path
        self._grant_provisionally(member)

    def leave(self, flow: Flow) -> None:
        """``flow`` ends: its share goes to the others at the next division."""
        member = self._members.pop(flow.id, None)
        if member is not None:
            self._place(member, _NO_KEYS)
        for rules in self._guarantees.values():
            rules.pop(flow.id, None)

    def follow(self, flow: Flow) -> None:
        """The world changed under ``flow`` (a handover, coverage lost or back, steering): move
        it, with its claims, to the Shares of the elements of its path now. :meth:`apply`
        divides again."""
        member = self._members.get(flow.id)
        if member is None or flow.path is member.path:
            return
        keys = self._keys(flow)
        if keys != member.keys:
            self._place(member, keys)
            self._grant_provisionally(member)
        member.path = flow.path

    def _keys(self, flow: Flow) -> Keys:
        """The Shares ``flow``'s directions cross: its path's elements with a throughput."""
        path = flow.path
        if self.world is None or flow.route.ue is None or path is None:
            return _NO_KEYS
        elements = self.world.top.elements
        up: list[Key] = []
        down: list[Key] = []
        for name, crossed in zip(path.hops, path.hop_directions, strict=True):
            element = elements.get(name)
            if element is None:  # the world changed under the flow
                continue
            netchar = element.netchar
            if netchar.throughput_ul_mbps is None and netchar.throughput_dl_mbps is None:
                continue
            for keys, way in ((up, Direction.UP), (down, Direction.DOWN)):
                key = (name, _ELEMENT_WAY[crossed, way])
                if key not in keys and self._capacity_bps(*key) is not None:
                    keys.append(key)
        return tuple(up), tuple(down)

    def available_bps(self, flow: Flow, poa: str, way: Direction) -> float:
        """What ``flow`` may expect of ``poa``'s capacity in ``way``: an equal part among the
        flows sharing it (``flow`` counted once); ``inf`` when the PoA has no throughput that
        way. An estimate for choosing an access (MTS), not the division itself: a flow's
        demand there is not known before it moves."""
        share = self.shares.get((poa, way))
        if share is None:
            if self.world is None or poa not in self.world.top.poa_index:
                return math.inf
            capacity = self._capacity_bps(poa, way)
            return math.inf if capacity is None else capacity
        pipe = _pipe(flow.id, WAYS.index(way))
        return share.capacity_bps / (len(share) + (0 if pipe in share else 1))

    def _place(self, member: _Member, keys: Keys) -> None:
        """Move ``member`` from the Shares it is in to those of ``keys``."""
        fid = member.flow.id
        for n, (before, after) in enumerate(zip(member.keys, keys, strict=True)):
            pipe = _pipe(fid, n)
            grants = member.grants[n]
            for key in before:
                if key in after:
                    continue
                grants.pop(key, None)
                share = self.shares.get(key)
                if share is not None and pipe in share:
                    share.remove(pipe)
            for key in after:
                if key in before and key in self.shares:
                    continue
                share = self._share(key)
                if share is not None and pipe not in share:
                    # capped by the grants of the Shares it stays in (a handover keeps the
                    # host link's), so the new division is right at once
                    share.add(pipe, _capped(member.claims[n], grants, key))
        member.keys = keys

    def _share(self, key: Key) -> Share[int] | None:
        """The Share ``key``, made on first use; None when it has no throughput that way."""
        share = self.shares.get(key)
        if share is None:
            capacity = self._capacity_bps(*key)
            if capacity is not None:
                share = self.shares[key] = Share(capacity)
        return share

    def _capacity_bps(self, name: str, way: Direction) -> float | None:
        assert self.world is not None
        if not self.shared:
            return None
        element = self.world.top.elements.get(name)
        if element is None:
            return None
        netchar = element.netchar
        mbps = netchar.throughput_ul_mbps if way is Direction.UP else netchar.throughput_dl_mbps
        return None if mbps is None else mbps * 1e6

    def retune(self, element: str) -> None:
        """``element``'s network characteristics changed: its Shares follow its throughput
        (made, resized or dissolved), the flows crossing it join or leave them.
        :meth:`apply` divides again."""
        if self.world is None or element not in self.world.top.elements:
            return
        moved = False
        for way in WAYS:
            key = (element, way)
            capacity = self._capacity_bps(element, way)
            share = self.shares.get(key)
            if share is not None and capacity is None:
                del self.shares[key]
                self._divided.pop(key, None)
                moved = True
            elif share is not None and capacity is not None:
                share.capacity_bps = capacity
            elif capacity is not None:
                moved = True
        if not moved:
            return
        for member in self._members.values():  # rare: a throughput appeared or went
            keys = self._keys(member.flow)
            if keys != member.keys:
                self._place(member, keys)
                self._grant_provisionally(member)

    # --- guarantees -----------------------------------------------------------------------------

    def set_guarantee(self, target: Target, way: Direction, bps: float) -> None:
        """Guarantee ``bps`` to the flow ``target`` names (a flow id), or to each flow, open or
        to come, that the matcher ``target`` selects, in direction ``way``; 0 releases it.

        A guarantee is a floor within each capacity the flow shares (see :mod:`.shaping.share`);
        a flow several matchers select has the largest. Applied at once.
        """
        _check_way(way)
        if not (math.isfinite(bps) and bps >= 0):
            raise ValueError(f"bps must be non-negative and finite, got {bps}")
        rules = self._guarantees[way]
        if bps == 0:
            rules.pop(target, None)
        else:
            rules[target] = float(bps)
        n = WAYS.index(way)
        for member in self._members.values():
            self._claim(member, n, guaranteed_bps=self._guarantee(member.flow, way))
        self.apply()

    def _guarantee(self, flow: Flow, way: Direction) -> float:
        rules = self._guarantees[way]
        best = rules.get(flow.id, 0.0)
        for target, bps in rules.items():
            if callable(target) and bps > best and target(flow):
                best = bps
        return best

    def _claim(self, member: _Member, n: int, **changes: float) -> None:
        """Change ``member``'s claim in direction ``n``, in the Shares it is in."""
        claim = replace(member.claims[n], **changes)
        member.claims[n] = claim
        keys = member.keys[n]
        if not keys:
            return
        pipe = _pipe(member.flow.id, n)
        shares = self.shares
        if len(keys) == 1:  # the usual case: one element shares, nothing to cap by
            shares[keys[0]].update(pipe, claim)
            return
        grants = member.grants[n]
        for key in keys:
            shares[key].update(pipe, _capped(claim, grants, key))

    # --- dividing -------------------------------------------------------------------------------

    def tick(self, world: World | None = None) -> None:
        """Each flow's demand from what it delivered since the last tick, then :meth:`apply`
        (a ``Runtime.on_tick`` listener: ``world`` is the runtime's, unused)."""
        now = self.clock()
        for member in self._members.values():
            flow = member.flow
            stats = flow.stats
            counted = (stats.bytes_up, stats.bytes_down)
            window = now - member.since
            if window <= 0:
                continue
            for n, way in enumerate(WAYS):
                if not member.keys[n]:
                    continue
                moved = _moved(member.counted[n], counted[n])
                pipe = flow.up if n == 0 else flow.down
                limited = pipe.stalled or pipe.rate.backlog_s(now) > LIMITED_S
                demand = min(
                    demand_bps(moved, window, limited=limited), self._bottleneck(flow, way)
                )
                self._claim(member, n, demand_bps=demand)
            member.since = now
            member.counted = list(counted)
            history = member.history
            history.append((now, *counted))
            while len(history) > 2 and now - history[1][0] >= LOAD_WINDOW_S:
                history.popleft()
        self.apply()

    def _bottleneck(self, flow: Flow, way: Direction) -> float:
        path = flow.path
        mbps = None
        if path is not None:
            mbps = path.throughput_mbps if way is Direction.UP else path.throughput_reverse_mbps
        return math.inf if mbps is None else mbps * 1e6

    def apply(self) -> None:
        """Divide the Shares that changed and give their flows their new rates."""
        members = self._members
        for key, share in self.shares.items():
            if self._divided.get(key) == share.version:
                continue
            division = share.rates()
            self._divided[key] = share.version
            for pipe in division:
                self._grant_from(members[pipe >> 1], pipe & 1, key, division)

    def _grant_provisionally(self, member: _Member) -> None:
        """A flow entering Shares gets its rate from their divisions with it at once."""
        for n in (0, 1):
            keys = member.keys[n]
            if not keys:
                self._grant(member.flow, n, None)
                continue
            for key in keys:
                self._record(member, n, key, self.shares[key].rates())
            self._grant(member.flow, n, min(member.grants[n].values()))

    def _grant_from(self, member: _Member, n: int, key: Key, division: Division[int]) -> None:
        grants = member.grants[n]
        self._record(member, n, key, division)
        self._grant(member.flow, n, grants[key] if len(grants) == 1 else min(grants.values()))

    def _record(self, member: _Member, n: int, key: Key, division: Division[int]) -> None:
        """What Share ``key``'s ``division`` grants ``member``'s direction ``n``."""
        level = division.level_bps
        claim = member.claims[n]
        grant = division[_pipe(member.flow.id, n)]
        if math.isinf(level):  # every demand met: room to grow into what the others leave
            grant += claim.weight * division.spare_bps
        elif level > 0:  # contended: room to grow up to the fair share at once
            grant = max(grant, claim.weight * level)
        # and to its guarantee at once, whatever it moved so far (guarantees are admitted
        # within the capacity, or scaled down together)
        member.grants[n][key] = max(grant, claim.guaranteed_bps * division.guarantee_scale)

    def _grant(self, flow: Flow, n: int, bps: float | None) -> None:
        """Shape ``flow``'s direction ``n`` with the lower of its path's rate and ``bps``."""
        grant = None if bps is None or math.isinf(bps) else bps
        if flow.set_share(n == 0, grant, self.clock()) and flow.relay is not None:
            flow.relay.reshaped()

    # --- reporting ------------------------------------------------------------------------------

    def accesses(self) -> list[str]:
        """The elements that share a capacity now (PoAs and any other), in name order."""
        return sorted({name for name, _ in self.shares})

    def load(self, element: str) -> dict[str, Any]:
        """What the flows crossing ``element`` delivered over the last :data:`LOAD_WINDOW_S`,
        per direction of the element (``up``: its ``ul``; None when it shares no capacity that
        way): capacity, throughput used, utilisation, the UEs active (whose flows delivered
        bytes), per-UE throughput, whether every guarantee is met. ``element`` names it, its
        ``kind`` says what it is, and a PoA's report also has ``poa``. KeyError for an unknown
        element."""
        if self.world is None or element not in self.world.top.elements:
            raise KeyError(element)
        kind = self.world.top.elements[element].kind
        report: dict[str, Any] = {"element": element, "kind": kind.value}
        if kind is ElementKind.POA:
            report["poa"] = element
        for way in WAYS:
            share = self.shares.get((element, way))
            if share is None:
                report[way.name.lower()] = None
                continue
            per_ue: dict[str, float] = {}
            flows = 0
            for pipe in share.rates():
                member = self._members[pipe >> 1]
                flows += 1
                rate = member.delivered_bps(pipe & 1)
                ue = member.flow.route.ue
                assert ue is not None
                per_ue[ue] = per_ue.get(ue, 0.0) + rate
            used = math.fsum(per_ue.values())
            capacity = share.capacity_bps
            report[way.name.lower()] = {
                "capacity_mbps": capacity / 1e6,
                "used_mbps": round(used / 1e6, 6),
                "utilisation": round(used / capacity, 4) if capacity > 0 else None,
                "flows": flows,
                "active_ues": sum(1 for r in per_ue.values() if r > 0),
                "ue_throughput_mbps": {u: round(r / 1e6, 6) for u, r in sorted(per_ue.items())},
                "guarantees_met": share.rates().guarantees_met,
            }
        return report
