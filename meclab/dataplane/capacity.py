"""Shared capacity in the relay: the flows of one point of access share its throughput.

:mod:`.shaping.share` holds the rule (weighted max-min water-filling, guarantees as floors);
this module keeps one :class:`~.shaping.share.Share` per point of access and direction and
applies what it divides to the flows' rate stages. No I/O: the data plane calls it.

* **Shares.** The uplink Share of a PoA has its ``throughput_ul_mbps``, the downlink one its
  ``throughput_dl_mbps``; a direction without a throughput has no Share and shapes as before
  (the path's bottleneck only). A ``netchar_change`` of the PoA sets the capacity, creates the
  Share when a throughput appears and dissolves it when the throughput goes.
* **Membership.** A flow of a UE (or of one of its terminal apps) joins the Shares of the UE's
  serving PoA when the switch opens it (:meth:`Capacity.join`), leaves them when the registry
  removes it, and moves with its claim on a handover (:meth:`Capacity.follow`, from
  ``Switch.refresh`` in the follower's handling; the follower then calls :meth:`Capacity.apply`,
  so the new division holds within the tick of the event). Out of coverage, it shares nothing.
  Flows of applications (no UE) share nothing.
* **Every tick** (:meth:`Capacity.tick`, a ``Runtime.on_tick`` listener): each flow's demand is
  :func:`~.shaping.share.demand_bps` of the bytes its direction delivered since the last tick
  and whether it was *limited*, capped by the path's bottleneck; only Shares whose version
  moved are divided again. Limited means the rate stage has more than :data:`LIMITED_S` of
  transmission committed ahead (or the direction is stalled), not "the outbox is non-empty":
  the outbox also holds pieces waiting out the path's latency, which says nothing of the rate.
* **Rates.** A flow's rate stage is the lower of its path's bottleneck and its grant: its
  division rate, raised to ``weight x level`` while the access is contended so that a flow
  below its share can grow at once (re-divided at the next tick); when every demand is met,
  its demand plus its weight's part of what the demands leave, so that the flows together
  never get more than the capacity (a lone flow gets the whole of it, as without sharing).
  A grant of 0 (guarantees took everything) stalls the direction, its
  data held as out of coverage. A newcomer (or a flow handed over) gets its rate from the
  division with it at once; the others' rates follow at the next division, so that a flow
  opening in a crowded cell does not reshape every flow there.
  A flow alone in a cell is thus shaped exactly as without sharing: its demand is capped by
  its path and its share is the whole PoA.
* **Guarantees** (the BWM port's entry): :meth:`Capacity.set_guarantee` on a flow id or on a
  matcher (a predicate over flows, for present and future flows), applied at once.
* **Load**: :meth:`Capacity.load` reports each PoA's measured use (utilisation, active UEs,
  per-UE throughput) from what the relay delivered, not from a model.
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
from meclab.engine.world import World

LOAD_WINDOW_S = 1.0
"""The load reported is what the flows delivered over the ticks of about this long (the flows'
own meters give the last complete second, which may be two seconds old)."""
LIMITED_S = 0.025
"""A direction whose rate stage has more than this committed ahead of now was held back by its
rate at the tick: half of the pipelines' HEADROOM_S, which a backlogged TCP flow always keeps
queued, while a light flow's last chunk has mostly left by the time the tick looks."""

WAYS = (Direction.UP, Direction.DOWN)
"""The directions an access shares: a flow's uplink crosses the PoA's uplink."""

Matcher = Callable[[Flow], bool]
"""Selects the flows a guarantee applies to (hashable: it is also the guarantee's key)."""
Target = int | Matcher
"""A flow id, or a matcher."""


@dataclass(slots=True)
class _Member:
    """A flow that shares the capacity of the access it is at."""

    flow: Flow
    poa: str | None
    """The PoA whose Shares it is in; None out of coverage."""
    since: float
    """When its counters were last read."""
    counted: list[int]
    """Bytes delivered up and down at that time."""
    claims: dict[Direction, Claim] = field(default_factory=dict)
    """Its claim per direction, kept when it moves to another access."""
    history: deque[tuple[float, int, int]] = field(default_factory=deque)
    """(time, bytes up, bytes down) at the ticks of the last :data:`LOAD_WINDOW_S`."""

    def delivered_bps(self, way: Direction) -> float:
        """What it delivered in ``way`` over the ticks of the last :data:`LOAD_WINDOW_S`."""
        if len(self.history) < 2:
            return 0.0
        (t0, *first), (t1, *last) = self.history[0], self.history[-1]
        n = 0 if way is Direction.UP else 1
        return _moved(first[n], last[n]) * 8.0 / (t1 - t0)


def _moved(before: int, after: int) -> int:
    # a rerouted flow's counters start again from 0
    return after if after < before else after - before


def _check_way(way: Direction) -> Direction:
    if way not in WAYS:
        raise ValueError(f"a shared capacity is per direction: up or down, not {way.value}")
    return way


class Capacity:
    """The Shares of every point of access, and the flows in them (see the module docstring)."""

    def __init__(self, registry: FlowRegistry, *, clock: Callable[[], float] = time.monotonic):
        self.registry = registry
        self.clock = clock
        self.world: World | None = None
        self.shares: dict[tuple[str, Direction], Share[int]] = {}
        self._members: dict[int, _Member] = {}
        self._divided: dict[tuple[str, Direction], int] = {}
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
        """A new flow shares its UE's serving PoA (when it has a UE and coverage)."""
        if self.world is None or flow.route.ue is None or flow.id in self._members:
            return
        stats = flow.stats
        member = _Member(flow, None, self.clock(), [stats.bytes_up, stats.bytes_down])
        for way in WAYS:
            # presumed backlogged until its first tick says what it moves
            member.claims[way] = Claim(
                guaranteed_bps=self._guarantee(flow, way), demand_bps=self._bottleneck(flow, way)
            )
        self._members[flow.id] = member
        self._place(member, self._poa_of(flow))
        self._grant_provisionally(member)

    def leave(self, flow: Flow) -> None:
        """``flow`` ends: its share goes to the others at the next division."""
        member = self._members.pop(flow.id, None)
        if member is not None:
            self._place(member, None)
        for rules in self._guarantees.values():
            rules.pop(flow.id, None)

    def follow(self, flow: Flow) -> None:
        """The world changed under ``flow`` (a handover, coverage lost or back): move it, with
        its claims, to the Shares of where it is now. :meth:`apply` divides again."""
        member = self._members.get(flow.id)
        if member is None:
            return
        poa = self._poa_of(flow)
        if poa != member.poa:
            self._place(member, poa)
            self._grant_provisionally(member)

    def _poa_of(self, flow: Flow) -> str | None:
        ue = flow.route.ue
        if self.world is None or ue is None or flow.path is None:
            return None
        if flow.steer is not None:  # an MTS session chose its access: the first carries it
            return flow.steer.poas[0] if flow.steer.poas else None
        try:
            return self.world.serving_poa(ue)
        except KeyError:  # the world changed under the flow
            return None

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
        return share.capacity_bps / (len(share) + (0 if flow.id in share else 1))

    def _place(self, member: _Member, poa: str | None) -> None:
        """Take ``member`` out of its PoA's Shares and into ``poa``'s."""
        fid = member.flow.id
        if member.poa is not None:
            for way in WAYS:
                share = self.shares.get((member.poa, way))
                if share is not None and fid in share:
                    share.remove(fid)
        member.poa = poa
        if poa is None:
            return
        for way in WAYS:
            share = self._share(poa, way)
            if share is not None:
                share.add(fid, member.claims[way])

    def _share(self, poa: str, way: Direction) -> Share[int] | None:
        """``poa``'s Share for ``way``, made on first use; None when it has no throughput."""
        share = self.shares.get((poa, way))
        if share is None:
            capacity = self._capacity_bps(poa, way)
            if capacity is not None:
                share = self.shares[(poa, way)] = Share(capacity)
        return share

    def _capacity_bps(self, poa: str, way: Direction) -> float | None:
        assert self.world is not None
        element = self.world.top.elements.get(poa)
        if element is None:
            return None
        netchar = element.netchar
        mbps = netchar.throughput_ul_mbps if way is Direction.UP else netchar.throughput_dl_mbps
        return None if mbps is None else mbps * 1e6

    def retune(self, element: str) -> None:
        """``element``'s network characteristics changed: when it is a PoA, its Shares follow
        its throughput (made, resized or dissolved). :meth:`apply` divides again."""
        if self.world is None or element not in self.world.top.poa_index:
            return
        here = [m for m in self._members.values() if m.poa == element]
        for way in WAYS:
            capacity = self._capacity_bps(element, way)
            share = self.shares.get((element, way))
            if share is not None and capacity is None:
                del self.shares[(element, way)]
                self._divided.pop((element, way), None)
                for member in here:  # back to the path's rate alone
                    self._grant(member.flow, way, None)
            elif share is not None and capacity is not None:
                share.capacity_bps = capacity
            elif capacity is not None:
                share = self._share(element, way)
                assert share is not None
                for member in here:
                    share.add(member.flow.id, member.claims[way])

    # --- guarantees -----------------------------------------------------------------------------

    def set_guarantee(self, target: Target, way: Direction, bps: float) -> None:
        """Guarantee ``bps`` to the flow ``target`` names (a flow id), or to each flow, open or
        to come, that the matcher ``target`` selects, in direction ``way``; 0 releases it.

        A guarantee is a floor within its access's capacity (see :mod:`.shaping.share`); a flow
        several matchers select has the largest. Applied at once.
        """
        _check_way(way)
        if not (math.isfinite(bps) and bps >= 0):
            raise ValueError(f"bps must be non-negative and finite, got {bps}")
        rules = self._guarantees[way]
        if bps == 0:
            rules.pop(target, None)
        else:
            rules[target] = float(bps)
        for member in self._members.values():
            self._claim(member, way, guaranteed_bps=self._guarantee(member.flow, way))
        self.apply()

    def _guarantee(self, flow: Flow, way: Direction) -> float:
        rules = self._guarantees[way]
        best = rules.get(flow.id, 0.0)
        for target, bps in rules.items():
            if callable(target) and bps > best and target(flow):
                best = bps
        return best

    def _claim(self, member: _Member, way: Direction, **changes: float) -> None:
        """Change ``member``'s claim in ``way``, in the Share it is in when it is in one."""
        claim = replace(member.claims[way], **changes)
        member.claims[way] = claim
        share = self.shares.get((member.poa, way)) if member.poa is not None else None
        if share is not None:
            share.update(member.flow.id, claim)

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
            if member.poa is not None:
                for n, way in enumerate(WAYS):
                    if (member.poa, way) not in self.shares:
                        continue
                    moved = _moved(member.counted[n], counted[n])
                    pipe = flow.up if way is Direction.UP else flow.down
                    limited = pipe.stalled or pipe.rate.backlog_s(now) > LIMITED_S
                    demand = min(
                        demand_bps(moved, window, limited=limited), self._bottleneck(flow, way)
                    )
                    self._claim(member, way, demand_bps=demand)
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
        for key, share in self.shares.items():
            if self._divided.get(key) == share.version:
                continue
            division = share.rates()
            self._divided[key] = share.version
            for fid in division:
                self._grant_from(self._members[fid], key[1], division)

    def _grant_provisionally(self, member: _Member) -> None:
        """A flow entering Shares gets its rate from their division with it at once."""
        for way in WAYS:
            share = self.shares.get((member.poa, way)) if member.poa is not None else None
            if share is None:
                self._grant(member.flow, way, None)
            else:
                self._grant_from(member, way, share.rates())

    def _grant_from(self, member: _Member, way: Direction, division: Division[int]) -> None:
        level = division.level_bps
        claim = member.claims[way]
        grant = division[member.flow.id]
        if math.isinf(level):  # every demand met: room to grow into what the others leave
            grant += claim.weight * division.spare_bps
        elif level > 0:  # contended: room to grow up to the fair share at once
            grant = max(grant, claim.weight * level)
        # and to its guarantee at once, whatever it moved so far (guarantees are admitted
        # within the capacity, or scaled down together)
        grant = max(grant, claim.guaranteed_bps * division.guarantee_scale)
        self._grant(member.flow, way, grant)

    def _grant(self, flow: Flow, way: Direction, bps: float | None) -> None:
        """Shape ``flow``'s ``way`` with the lower of its path's rate and ``bps``."""
        grant = None if bps is None or math.isinf(bps) else bps
        if flow.set_share(way is Direction.UP, grant, self.clock()) and flow.relay is not None:
            flow.relay.reshaped()

    # --- reporting ------------------------------------------------------------------------------

    def accesses(self) -> list[str]:
        """The PoAs that share a capacity now, in name order."""
        return sorted({poa for poa, _ in self.shares})

    def load(self, poa: str) -> dict[str, Any]:
        """What ``poa``'s flows delivered over the last :data:`LOAD_WINDOW_S`, per direction
        (None when it shares no capacity that way): capacity, throughput used, utilisation,
        the UEs active (whose flows delivered bytes), per-UE throughput, whether every
        guarantee is met. KeyError for an unknown PoA."""
        if self.world is None or poa not in self.world.top.poa_index:
            raise KeyError(poa)
        report: dict[str, Any] = {"poa": poa}
        for way in WAYS:
            share = self.shares.get((poa, way))
            if share is None:
                report[way.name.lower()] = None
                continue
            per_ue: dict[str, float] = {}
            flows = 0
            for member in self._members.values():
                if member.poa != poa:
                    continue
                flows += 1
                rate = member.delivered_bps(way)
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
