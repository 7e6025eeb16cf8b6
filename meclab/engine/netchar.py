"""End-to-end network characteristics between two endpoints, composed along the hierarchy.

A path climbs from each endpoint towards the deployment root until the two climbs meet, and
counts the network characteristics of each element it crosses once:

* a terminal's hop is its radio link: the terminal's own netchar plus its serving PoA's;
  two terminals on one PoA cross that radio twice, a fog node at the PoA not at all;
* a zone is its metro network (PoA sites and MEC hosts hang from it), a domain its core
  (crossed between zones and to its clouds), the deployment the public network between
  domains and to public clouds; MEC hosts, fog nodes, clouds and apps add their own.

For example a terminal on a PoA of zone Z1 reaching an app on the MEC host of zone Z2 of the
same operator crosses: terminal+PoA (radio), Z1, domain, Z2, host, app.

Composition (DESIGN.md): latencies and jitters add, losses compound
(``1 - prod(1 - loss)``), throughput is the bottleneck. Hops on the source's side of the meeting
point are travelled upwards (``ul``), hops on the destination's side downwards (``dl``); the
meeting element itself is crossed sideways and limits both directions by its smaller rate.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from meclab.engine.topology import ElementKind, Topology
from meclab.scenario.model import JitterDistribution, NetChar


class Direction(Enum):
    UP = "ul"
    DOWN = "dl"
    ACROSS = "across"


@dataclass(frozen=True, slots=True)
class Hop:
    """One element crossed by a path, and which way."""

    element: str
    netchar: NetChar
    direction: Direction


@dataclass(frozen=True, slots=True)
class PathNetChar:
    """Characteristics of the path from ``source`` to ``destination`` (one-way figures)."""

    source: str
    destination: str
    latency_ms: float
    jitter_ms: float
    jitter_distribution: JitterDistribution
    loss_pct: float
    throughput_mbps: float | None
    """Bottleneck rate from source to destination; None when no element limits it."""
    throughput_reverse_mbps: float | None
    """Bottleneck rate from destination back to source."""
    hops: tuple[str, ...]
    hop_directions: tuple[Direction, ...] = ()
    """The way the path crosses each of ``hops`` (same order): ``ul`` on the source's side of
    the meeting element, ``dl`` beyond it, ``across`` the meeting element itself; the reverse
    direction crosses each the other way (``across`` stays ``across``)."""


class Unreachable(Exception):
    """No path exists now, e.g. a terminal is out of coverage."""


_RATE = {
    Direction.UP: lambda n: n.throughput_ul_mbps,
    Direction.DOWN: lambda n: n.throughput_dl_mbps,
}


def _rate(netchar: NetChar, direction: Direction) -> float | None:
    if direction is Direction.ACROSS:
        rates = [
            r for r in (netchar.throughput_ul_mbps, netchar.throughput_dl_mbps) if r is not None
        ]
        return min(rates) if rates else None
    return _RATE[direction](netchar)


_REVERSED = {
    Direction.UP: Direction.DOWN,
    Direction.DOWN: Direction.UP,
    Direction.ACROSS: Direction.ACROSS,
}


def _bottleneck(rates: Sequence[float | None]) -> float | None:
    known = [r for r in rates if r is not None]
    return min(known) if known else None


def compose(source: str, destination: str, hops: Sequence[Hop]) -> PathNetChar:
    """Add up a path's hops."""
    latency = sum(h.netchar.latency_ms for h in hops)
    jitter = sum(h.netchar.jitter_ms for h in hops)
    keep = 1.0
    for h in hops:
        keep *= 1.0 - h.netchar.loss_pct / 100.0
    widest = max(hops, key=lambda h: h.netchar.jitter_ms, default=None)
    distribution = (
        widest.netchar.jitter_distribution
        if widest is not None and widest.netchar.jitter_ms > 0
        else JitterDistribution.NORMAL
    )
    return PathNetChar(
        source=source,
        destination=destination,
        latency_ms=latency,
        jitter_ms=jitter,
        jitter_distribution=distribution,
        loss_pct=(1.0 - keep) * 100.0,
        throughput_mbps=_bottleneck([_rate(h.netchar, h.direction) for h in hops]),
        throughput_reverse_mbps=_bottleneck(
            [_rate(h.netchar, _REVERSED[h.direction]) for h in hops]
        ),
        hops=tuple(h.element for h in hops),
        hop_directions=tuple(h.direction for h in hops),
    )


Step = tuple[str, tuple[str, ...]]
"""A place on the climb to the root, and the elements whose netchar crossing it costs."""


def _climb(top: Topology, name: str, serving: Callable[[str], str | None]) -> list[Step]:
    element = top.elements.get(name)
    if element is None:
        raise KeyError(name)
    kind = element.kind
    steps: list[Step] = []
    if kind is ElementKind.TERMINAL_APP:
        steps.append((name, (name,)))
        assert element.parent is not None
        return steps + _climb(top, element.parent, serving)
    if kind is ElementKind.APP:
        steps.append((name, (name,)))
        return steps + _climb(top, top.node_of(name), serving)
    if kind is ElementKind.TERMINAL:
        poa = serving(name)
        if poa is None:
            raise Unreachable(f"{name} is out of coverage")
        return [(name, (name, poa)), *_site(top, poa)]
    if kind is ElementKind.FOG:
        assert element.parent is not None
        return [(name, (name,)), *_site(top, element.parent)]
    if kind is ElementKind.POA:
        return _site(top, name)
    steps.append((name, (name,)))
    parent = element.parent
    while parent is not None:
        steps.append((parent, (parent,)))
        parent = top.elements[parent].parent
    return steps


def _site(top: Topology, poa: str) -> list[Step]:
    """A PoA site costs nothing itself (its radio is on the terminal's hop); its zone and up do."""
    steps: list[Step] = [("site:" + poa, ())]
    parent = top.elements[poa].parent
    while parent is not None:
        steps.append((parent, (parent,)))
        parent = top.elements[parent].parent
    return steps


ENDPOINT_KINDS = frozenset(
    {
        ElementKind.TERMINAL,
        ElementKind.TERMINAL_APP,
        ElementKind.APP,
        ElementKind.MEC_HOST,
        ElementKind.FOG,
        ElementKind.CLOUD,
        ElementKind.POA,
    }
)


def route(
    top: Topology, source: str, destination: str, serving: Callable[[str], str | None]
) -> list[Hop]:
    """The hops from ``source`` to ``destination``.

    ``serving`` gives a terminal's current PoA (None when out of coverage). Raises KeyError for
    an unknown name, ValueError for an element that is not an endpoint, Unreachable when a
    terminal has no coverage.
    """
    for name in (source, destination):
        kind = top.kind(name)
        if kind is None:
            raise KeyError(name)
        if kind not in ENDPOINT_KINDS:
            raise ValueError(f"{name} is a {kind}; endpoints are terminals, nodes, apps and PoAs")
    up = _climb(top, source, serving)
    down = _climb(top, destination, serving)
    down_places = {place: i for i, (place, _) in enumerate(down)}
    meet = next(
        ((i, down_places[place]) for i, (place, _) in enumerate(up) if place in down_places), None
    )
    if meet is None:  # pragma: no cover - every climb ends at the deployment root
        raise Unreachable(f"{source} and {destination} share no root")
    i, j = meet
    hops: list[Hop] = []

    def add(costs: tuple[str, ...], direction: Direction) -> None:
        hops.extend(Hop(c, top.elements[c].netchar, direction) for c in costs)

    if source == destination:
        return hops
    for _, costs in up[:i]:
        add(costs, Direction.UP)
    add(up[i][1], Direction.ACROSS)
    for _, costs in reversed(down[:j]):
        add(costs, Direction.DOWN)
    return hops
