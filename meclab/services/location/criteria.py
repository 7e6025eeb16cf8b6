"""What every location subscription's criteria offer the dispatcher, and what they are given.

A subscription's criteria (the registry's ``Subscription.criteria``) are built from its stored
body by :func:`~.criteria_v3.parse_v3` or :func:`~.criteria_v2.parse_v2`. They say what the
subscription listens to (:attr:`Criteria.addresses`, :attr:`Criteria.zone`, whether it looks at
every tick) and turn a user's move or a tick into notification payloads. They hold the
subscription's reporting state (what was last reported, how many reports went out), which
therefore starts afresh when the subscription is created, replaced or restored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from meclab.engine.world import World
from meclab.platform.subscription import Subscription
from meclab.services.location.reports import Reporter
from meclab.services.location.southbound import Snapshot


@dataclass(frozen=True, slots=True)
class Move:
    """A user's serving access point changed (built from one engine event)."""

    ue: int
    """Terminal index."""
    address: str
    old_poa: str | None
    new_poa: str | None
    old_zone: str | None
    new_zone: str | None
    t: float
    """Simulation time of the event."""
    wall: float
    """Unix time the event was published: the notification's timeStamp."""


@dataclass(frozen=True, slots=True)
class Context:
    """What criteria need to build notifications: the world now, the time, the URL builder."""

    snap: Snapshot
    wall: float
    reporter: Reporter

    @property
    def t(self) -> float:
        return self.snap.t


@dataclass(frozen=True, slots=True)
class Out:
    """A notification to send; ``final`` when it is the subscription's last (it then ends)."""

    payload: dict[str, Any]
    final: bool = False


class Criteria:
    """Base of every location subscription's criteria; subclasses override what they use."""

    addresses: frozenset[str] | None = None
    """Users whose moves concern the subscription (canonical addresses), for indexing."""
    zone: str | None = None
    """Zone whose moves concern the subscription, for indexing."""
    ticks: bool = False
    """Whether :meth:`on_tick` must run after every tick."""

    def prime(self, sub: Subscription, ctx: Context) -> list[Out]:
        """Record the situation at creation; what ``checkImmediate`` reports at once."""
        return []

    def on_move(self, sub: Subscription, move: Move, ctx: Context) -> list[Out]:
        """Notifications a user's move causes."""
        return []

    def on_tick(self, sub: Subscription, ctx: Context) -> list[Out]:
        """Notifications the world as of this tick causes."""
        return []


def resolve(snap: Snapshot, addresses: tuple[str, ...]) -> list[int]:
    """Terminal indices of the addresses that name a terminal, in order."""
    found = (snap.index(a) for a in addresses)
    return [i for i in found if i is not None]


class Resolved:
    """Terminal indices of a fixed list of addresses (see :func:`resolve`), looked up once per
    world rather than at every tick: a world's addresses never change, and its address map is
    one object for the world's whole life."""

    def __init__(self, addresses: tuple[str, ...]) -> None:
        self.addresses = addresses
        self._of: dict[str, int] | None = None
        self._indices: list[int] = []

    def __call__(self, snap: Snapshot) -> list[int]:
        """The indices, in order (a shared list: read it, do not change it)."""
        if self._of is not snap.by_address:
            self._indices = resolve(snap, self.addresses)
            self._of = snap.by_address
        return self._indices


class ZonePoas:
    """(index, name) of a zone's PoAs, and their index array, looked up once per world."""

    def __init__(self, zone: str) -> None:
        self.zone = zone
        self._of: World | None = None
        self._found: list[tuple[int, str]] = []
        self._indices: NDArray[np.intp] = np.zeros(0, dtype=np.intp)

    def _look(self, world: World) -> None:
        if self._of is not world:
            zones = world.top.zones
            self._found = [
                (c, name)
                for c, name in enumerate(world.poa_names)
                if zones[world.cell_zone[c]] == self.zone
            ]
            self._indices = np.array([c for c, _ in self._found], dtype=np.intp)
            self._of = world

    def __call__(self, world: World) -> list[tuple[int, str]]:
        self._look(world)
        return self._found

    def indices(self, world: World) -> NDArray[np.intp]:
        self._look(world)
        return self._indices


def pairs_of(monitored: list[int], reference: list[int] | None) -> list[tuple[int, int]]:
    """Monitored x reference pairs, or every pair of monitored terminals (clause 6.3.9)."""
    if reference:
        return [(m, r) for m in monitored for r in reference if m != r]
    return [(a, b) for k, a in enumerate(monitored) for b in monitored[k + 1 :]]
