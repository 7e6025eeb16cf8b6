"""Shared capacity: dividing one access's rate among the flows crossing it (water-filling).

Pure (STYLE.md §2): no clock, no event loop, no I/O. Rates are in bit/s, as ``rate_bps`` in
:mod:`meclab.types`; the pipelines speak bytes per second (``rate_Bps``).

**The rule.** Each flow claims a ``weight``, a ``guaranteed_bps`` (a BWM allocation) and a
``demand_bps`` (what it would use now; ``inf`` while backlogged). A flow never gets more than it
demands, so its guarantee counts only up to its demand: an idle flow with an allocation holds
nothing. Guarantees are served first; when they add up to more than the capacity they are all
scaled down by one factor, every other flow gets nothing, and :attr:`Division.guarantee_scale`
says so. Otherwise the whole capacity is divided max-min fairly by weight, each guarantee a
floor: with one water level ``L``, flow ``i`` gets ``clamp(weight_i * L, guarantee_i,
demand_i)``, ``L`` chosen so the rates fill the capacity (or every demand is met). A guarantee
is thus a floor, not a bonus on top of the fair share (in ATM ABR's terms, "maximum of MCR or
max-min share" rather than "MCR plus equal share"): asking for a rate one would get anyway
takes nothing from the others, and an allocation above the fair share leaves the rest shared
fairly among the others. What a light flow leaves is shared by the rest, since the level rises
until the capacity is full.

**How the relay uses it** (see :mod:`meclab.dataplane.capacity`, which now keeps a Share for
every element of a path with a throughput, not only the PoA, and takes a flow's lowest grant;
what follows is the PoA's case). The data plane keeps one :class:`Share` per point of access
and direction, keyed by flow: the uplink one with the PoA's ``throughput_ul_mbps``, the
downlink one with its ``throughput_dl_mbps``, created when a flow first arrives on an access
whose netchar has a throughput (an unlimited access shapes as today). A flow from a UE (or one
of its terminal apps) joins both Shares of ``World.serving_poa(ue)`` when the switch opens it,
leaves them when the registry removes it, and on a handover (``Switch.refresh`` of the UE, from
the follower, within the engine tick) is removed from the old PoA's Shares and added to the new
one's with the same :class:`Claim`; a ``netchar_change`` of the PoA sets
:attr:`Share.capacity_bps`; a BWM allocation matching the flow updates its
``guaranteed_bps``. Once per engine tick (a ``Runtime.on_tick`` listener, 10 Hz by default) the
relay updates each flow's demand with :func:`demand_bps` from the bytes its direction wrote
since the last tick (``FlowStats.bytes_up``/``bytes_down``) and whether that direction's outbox
or held queue is non-empty (``limited``), capped by the path's bottleneck
(``PathNetChar.throughput_mbps`` up, ``throughput_reverse_mbps`` down), so a flow limited
elsewhere leaves its share to others. Only Shares whose :attr:`Share.version` moved are
divided again; each flow whose rate changed has its pipeline updated in place,
``pipe.update(replace(pipe.shape, rate_Bps=rate / 8), rto_s=pipe.loss.rto_s)``, the path's
other figures and RTO kept (the token bucket keeps what it has scheduled, so nothing is
reordered or lost), then ``relay.reshaped()`` re-checks its buffer limit, the
bandwidth-delay product at the new rate; ``Flow.apply_path`` likewise shapes with the lower of
the path's rate and the flow's share. A flow that is not ``limited`` gets a rate stage above
its share, ``max(rate, weight x level_bps)`` while the access is contended, and
``rate + weight x spare_bps`` when every demand is met, so it can grow at once (and is
re-divided within the tick) while the rate stages never add up to more than the capacity by
more than the level; a rate of 0 (guarantees took everything) holds its
chunks as a stall does. A UE alone in a cell thus keeps today's rate (its demand is capped by
the rest of its path, its share is the whole PoA), and ten backlogged ones get a tenth each.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)

DEMAND_HEADROOM = 1.1
"""A flow that was not limited demands what it moved times this, so it can grow between two
estimates without holding much more than it uses."""


@dataclass(frozen=True, slots=True)
class Claim:
    """What one flow asks of a shared capacity."""

    weight: float = 1.0
    """Relative share of what remains above the guarantees; positive."""
    guaranteed_bps: float = 0.0
    """Rate served before any fair sharing (a BWM allocation); finite, non-negative."""
    demand_bps: float = math.inf
    """What the flow would use now; ``inf`` while backlogged, 0 when idle."""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.weight) and self.weight > 0):
            raise ValueError(f"weight must be positive and finite, got {self.weight}")
        if not (math.isfinite(self.guaranteed_bps) and self.guaranteed_bps >= 0):
            raise ValueError(
                f"guaranteed_bps must be non-negative and finite, got {self.guaranteed_bps}"
            )
        if not self.demand_bps >= 0:  # also refuses NaN
            raise ValueError(f"demand_bps must be non-negative, got {self.demand_bps}")


BACKLOGGED = Claim()
"""Weight 1, no guarantee, unlimited demand."""


@dataclass(frozen=True, slots=True)
class Division(Mapping[K, float]):
    """The rate of each flow, in bit/s, in the order the flows were given."""

    rates: dict[K, float]
    guarantee_scale: float = 1.0
    """1 when every guarantee (up to its demand) is met; below 1 when they exceeded the
    capacity and were all scaled down by this factor."""
    level_bps: float = math.inf
    """The water level: rate per unit of weight of the flows the capacity limits; ``inf`` when
    every demand is met, 0 when the guarantees take everything."""
    spare_bps: float = 0.0
    """When every demand is met: the capacity they leave, per unit of weight (0 otherwise)."""

    def __getitem__(self, flow: K) -> float:
        return self.rates[flow]

    def __iter__(self) -> Iterator[K]:
        return iter(self.rates)

    def __len__(self) -> int:
        return len(self.rates)

    @property
    def guarantees_met(self) -> bool:
        return self.guarantee_scale == 1.0


def _check_capacity(capacity_bps: float) -> float:
    if not (math.isfinite(capacity_bps) and capacity_bps >= 0):
        raise ValueError(f"capacity_bps must be non-negative and finite, got {capacity_bps}")
    return capacity_bps


_RISE, _FILL = 0, 1
"""Events of the sweep: a flow's fair share passes its guarantee (it starts rising with the
level), or reaches its demand (it stops). At one level, rises come first."""
_FLOOR, _RISING, _FULL = 0, 1, 2


def divide(capacity_bps: float, flows: Mapping[K, Claim]) -> Division[K]:
    """Divide ``capacity_bps`` among ``flows`` (see the module docstring for the rule).

    O(n log n): the levels at which flows start and stop rising are sorted once and swept
    until the rates fill the capacity; the sums that fix the level are then taken again with
    :func:`math.fsum` over the flows as classified, so the result is exact to float precision
    whatever the order of the flows. Ties keep the flows' order.
    """
    _check_capacity(capacity_bps)
    ids = list(flows)
    claims = list(flows.values())
    floors = [min(c.guaranteed_bps, c.demand_bps) for c in claims]
    reserved = math.fsum(floors)
    if reserved >= capacity_bps:
        scale = capacity_bps / reserved if reserved > capacity_bps else 1.0
        return Division(dict(zip(ids, (f * scale for f in floors), strict=True)), scale, 0.0)
    demanded = math.fsum(c.demand_bps for c in claims)
    if demanded <= capacity_bps:
        spare = (capacity_bps - demanded) / math.fsum(c.weight for c in claims) if claims else 0.0
        rates = {i: float(c.demand_bps) for i, c in zip(ids, claims, strict=True)}
        return Division(rates, spare_bps=spare)
    if len(claims) == 1:  # one flow (a terminal's own link, a lone flow): the sweep would end
        # with it rising, at the level that fills the capacity; measured 4.3 -> ~2 us
        claim, floor = claims[0], floors[0]
        level = capacity_bps / claim.weight
        rate = min(max(claim.weight * level, floor), claim.demand_bps)
        return Division({ids[0]: rate}, 1.0, level)

    events: list[tuple[float, int, int]] = []
    for n, (claim, floor) in enumerate(zip(claims, floors, strict=True)):
        events.append((floor / claim.weight, _RISE, n))
        if math.isfinite(claim.demand_bps):
            events.append((claim.demand_bps / claim.weight, _FILL, n))
    events.sort()
    state = [_FLOOR] * len(claims)
    fixed = reserved  # the rates of the flows not rising: floors, then demands met
    slope = 0.0  # the weights of the rising flows
    reached = 0.0
    for level, kind, n in events:
        if fixed + slope * level >= capacity_bps:
            break
        reached = level
        claim = claims[n]
        if kind == _RISE:
            state[n] = _RISING
            fixed -= floors[n]
            slope += claim.weight
        else:
            state[n] = _FULL
            fixed += claim.demand_bps
            slope -= claim.weight
    # the running sums drift by a few ulps over many events: take them again exactly
    fixed = math.fsum(
        floors[n] if s == _FLOOR else claims[n].demand_bps
        for n, s in enumerate(state)
        if s != _RISING
    )
    slope = math.fsum(claims[n].weight for n, s in enumerate(state) if s == _RISING)
    # no flow rising: the drift hid that the capacity is filled, to float precision, right at
    # the level reached, every flow at its floor or its demand
    level = (capacity_bps - fixed) / slope if slope > 0 else reached
    rates: dict[K, float] = {}
    for flow, claim, floor, s in zip(ids, claims, floors, state, strict=True):
        if s == _RISING:
            rates[flow] = min(max(claim.weight * level, floor), claim.demand_bps)
        else:
            rates[flow] = float(floor if s == _FLOOR else claim.demand_bps)
    return Division(rates, 1.0, level)


class Share(Generic[K]):
    """The flows sharing one capacity (an access, one direction), divided again only on change.

    Every change that can move a rate (a flow added, removed or claiming differently, the
    capacity set to another value) bumps :attr:`version`; :meth:`rates` divides again only when
    the version moved, so the relay may ask every tick for nothing. A handover is
    ``new.add(flow, old.remove(flow))``.
    """

    def __init__(self, capacity_bps: float) -> None:
        self._capacity_bps = _check_capacity(capacity_bps)
        self._claims: dict[K, Claim] = {}
        self.version = 0
        """Counts the changes that can move a rate."""
        self._division: Division[K] | None = None
        self._divided_at = -1

    @property
    def capacity_bps(self) -> float:
        return self._capacity_bps

    @capacity_bps.setter
    def capacity_bps(self, capacity_bps: float) -> None:
        if _check_capacity(capacity_bps) != self._capacity_bps:
            self._capacity_bps = capacity_bps
            self.version += 1

    def __len__(self) -> int:
        return len(self._claims)

    def __contains__(self, flow: object) -> bool:
        return flow in self._claims

    def claim(self, flow: K) -> Claim:
        """What ``flow`` claims now; KeyError when it is not here."""
        return self._claims[flow]

    def add(self, flow: K, claim: Claim = BACKLOGGED) -> None:
        """``flow`` starts sharing; ValueError when it already does."""
        if flow in self._claims:
            raise ValueError(f"flow {flow!r} already shares this capacity")
        self._claims[flow] = claim
        self.version += 1

    def update(self, flow: K, claim: Claim) -> None:
        """``flow`` claims ``claim`` from now on (KeyError when it is not here); the same
        claim again changes nothing."""
        if self._claims[flow] != claim:
            self._claims[flow] = claim
            self.version += 1

    def remove(self, flow: K) -> Claim:
        """``flow`` stops sharing (KeyError when it is not here); its claim, to add elsewhere."""
        claim = self._claims.pop(flow)
        self.version += 1
        return claim

    def rates(self) -> Division[K]:
        """Each flow's rate now; the same object until something changes."""
        if self._division is None or self._divided_at != self.version:
            self._division = divide(self._capacity_bps, self._claims)
            self._divided_at = self.version
        return self._division


def demand_bps(moved_bytes: int, window_s: float, *, limited: bool) -> float:
    """What a flow demands after moving ``moved_bytes`` in the last ``window_s`` seconds.

    ``limited``: its queue was non-empty (the rate stage held it back), so it would take more:
    ``inf``. Otherwise what it moved, in bit/s, times :data:`DEMAND_HEADROOM`, so that idle and
    light flows do not hold capacity they leave unused.
    """
    if not (math.isfinite(window_s) and window_s > 0):
        raise ValueError(f"window_s must be positive and finite, got {window_s}")
    if moved_bytes < 0:
        raise ValueError(f"moved_bytes must be non-negative, got {moved_bytes}")
    if limited:
        return math.inf
    return moved_bytes * 8.0 / window_s * DEMAND_HEADROOM
