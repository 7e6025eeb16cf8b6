"""What each compute node can hold, and what the application instances on it have taken.

Every MEC host, fog node and cloud of the world has a total: its cores and memory from the
scenario (:func:`meclab.scenario.compute.compute_of`, its kind's default when the scenario gives
none) and its kind's storage (:func:`meclab.scenario.compute.storage_gb_of`; scenarios give no
storage). Units are the AppD's: CPU in (virtual) cores, memory in MB (an AppD's virtualMemSize),
storage in GB (an AppD's sizeOfStorage); a GB of scenario memory is 1024 MB.

The :class:`CapacityLedger` records what instantiated applications reserve; what is free is the
total less those reservations. Applications the scenario declares on a node reserve nothing:
the scenario states no requirement for them (its applications are meclab's emulated stand-ins or
processes the developer runs outside meclab), so charging them any figure would be invented,
and a scenario's nodes would fill up for no reason the user can see.

Errors (:mod:`meclab.platform.errors`)::

    Conflict (409)
      └── InsufficientCapacity   a node has less free than asked; names every resource short
    Conflict (409)               an owner that already holds a reservation reserves again
    NotFound (404)               a name that is no MEC host, fog node or cloud
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, fields

from meclab.engine.topology import NODE_KINDS, ElementKind
from meclab.engine.world import World
from meclab.platform.errors import Conflict, NotFound
from meclab.scenario.compute import compute_of, storage_gb_of
from meclab.types import NodeKind

MB_PER_GB = 1024
"""Scenario memory is in GB, AppD memory in MB."""

UNITS = {
    "cpu_cores": ("cpu", "cores"),
    "memory_mb": ("memory", "MB"),
    "storage_gb": ("storage", "GB"),
}
"""Each resource of :class:`Requirements`: the word a message uses for it, and its unit."""


def number(value: float) -> str:
    """A figure as a message shows it: whole numbers without a fraction, others to 2 places."""
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Requirements:
    """Resources an application instance needs, or a node has: CPU cores, memory MB, storage GB."""

    cpu_cores: float = 0
    memory_mb: float = 0
    storage_gb: float = 0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{f.name} must be a finite number >= 0, not {value!r}")

    def shortfalls(self, available: Requirements) -> dict[str, tuple[float, float]]:
        """Each resource this needs more of than ``available`` has: resource -> (needed, there)."""
        return {
            f.name: (getattr(self, f.name), getattr(available, f.name))
            for f in fields(self)
            if getattr(self, f.name) > getattr(available, f.name)
        }

    def __add__(self, other: Requirements) -> Requirements:
        return Requirements(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def __sub__(self, other: Requirements) -> Requirements:
        # Clamped at 0 against float rounding (reserve never lets a node go below 0).
        return Requirements(
            *(max(0.0, getattr(self, f.name) - getattr(other, f.name)) for f in fields(self))
        )

    def describe(self) -> str:
        """``16 cores, 65536 MB, 2048 GB``."""
        return ", ".join(
            f"{number(getattr(self, f.name))} {UNITS[f.name][1]}" for f in fields(self)
        )


def describe_shortfalls(shortfalls: dict[str, tuple[float, float]], of: str = "free") -> str:
    """``memory 8192 MB needed, 2048 MB free; cpu 20 cores needed, 16 free``, in the order of
    ``shortfalls``; ``of`` is the word for what is there (``free``, ``in total``)."""
    parts = []
    for resource, (needed, there) in shortfalls.items():
        word, unit = UNITS[resource]
        # "cores" once is enough: "cpu 20 cores needed, 16 free"
        there_unit = "" if unit == "cores" else f" {unit}"
        parts.append(f"{word} {number(needed)} {unit} needed, {number(there)}{there_unit} {of}")
    return "; ".join(parts)


class InsufficientCapacity(Conflict):
    """A node has less free capacity than an instance needs; the message names every resource
    short (``mec-a cannot hold it: memory 8192 MB needed, 2048 MB free``)."""

    def __init__(self, node: str, shortfalls: dict[str, tuple[float, float]]) -> None:
        super().__init__(
            f"{node} cannot hold it: {describe_shortfalls(shortfalls)}",
            node=node,
            shortfalls={r: {"needed": n, "free": f} for r, (n, f) in shortfalls.items()},
        )
        self.node = node
        self.shortfalls = shortfalls


def _total_of(world: World, node: str, kind: NodeKind) -> Requirements:
    compute = compute_of(world.top.nodes[node], kind)
    return Requirements(
        cpu_cores=float(compute.cores),
        memory_mb=compute.memory_gb * MB_PER_GB,
        storage_gb=storage_gb_of(kind),
    )


class CapacityLedger:
    """Totals of the world's compute nodes and the reservations held against them.

    One reservation per owner (an application instance id); :meth:`reserve` refuses a second one
    for the same owner (release it first), so nothing is ever counted twice.
    """

    def __init__(self, world: World) -> None:
        top = world.top
        self._kinds = {
            name: element.kind
            for name, element in top.elements.items()
            if element.kind in NODE_KINDS
        }
        self._totals = {
            name: _total_of(world, name, NODE_KINDS[kind]) for name, kind in self._kinds.items()
        }
        self._reservations: dict[str, tuple[str, Requirements]] = {}

    def nodes(self, kind: ElementKind | None = None) -> list[str]:
        """Names of the compute nodes (of one kind: MEC_HOST, FOG or CLOUD), in scenario order."""
        if kind is None:
            return list(self._totals)
        return [name for name, k in self._kinds.items() if k is kind]

    def total(self, node: str) -> Requirements:
        """Everything ``node`` has; NotFound for a name that is no compute node."""
        total = self._totals.get(node)
        if total is None:
            raise NotFound(f"no MEC host, fog node or cloud named {node!r}")
        return total

    def free(self, node: str) -> Requirements:
        """What ``node`` has left after the reservations on it."""
        free = self.total(node)
        for held_on, req in self._reservations.values():
            if held_on == node:
                free = free - req
        return free

    def reserve(self, node: str, owner: str, req: Requirements) -> None:
        """Take ``req`` on ``node`` for ``owner``.

        Raises InsufficientCapacity (naming every resource short) when it does not fit, Conflict
        when ``owner`` already holds a reservation, NotFound for an unknown node; in every case
        nothing changes.
        """
        if owner in self._reservations:
            held_on = self._reservations[owner][0]
            raise Conflict(f"{owner} already holds capacity on {held_on}; release it first")
        short = req.shortfalls(self.free(node))
        if short:
            raise InsufficientCapacity(node, short)
        self._reservations[owner] = (node, req)

    def release(self, owner: str) -> None:
        """Give back what ``owner`` holds; nothing happens when it holds nothing."""
        self._reservations.pop(owner, None)

    def reservations(self) -> dict[str, tuple[str, Requirements]]:
        """Every reservation: owner -> (node, requirements). A copy."""
        return dict(self._reservations)


def never_fits(
    ledger: CapacityLedger, req: Requirements, nodes: Sequence[str] | None = None
) -> str:
    """Why ``req`` cannot fit any of ``nodes`` (default: every node) even when they are empty, or
    ``""`` when one of them could hold it.

    Names each resource above the largest node's total (``memory 409600 MB needed, 393216 MB in
    total at the largest node (cloud)``); when no single resource is too large but no node has
    them all together, says so.
    """
    names = ledger.nodes() if nodes is None else nodes
    totals = {name: ledger.total(name) for name in names}
    if any(not req.shortfalls(total) for total in totals.values()):
        return ""
    if not totals:
        return "there is no node to hold it"
    parts = []
    for f in fields(Requirements):
        largest = max(totals, key=lambda name: getattr(totals[name], f.name))
        single = Requirements(**{f.name: getattr(req, f.name)})
        short = single.shortfalls(totals[largest])
        if short:
            parts.append(describe_shortfalls(short, of=f"in total at the largest ({largest})"))
    if not parts:
        return f"no node has {req.describe()} all together"
    return "; ".join(parts)
