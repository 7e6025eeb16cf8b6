"""When will a terminal's serving point of access move to another zone, and to which one?

meclab's mobility is deterministic: a terminal's position is a pure function of simulation time
(:mod:`.mobility`), and cell selection a function of positions and the serving cell
(:func:`.selection.select`). So the world can look ahead: from the current serving cells it
places the terminals asked about at ``now + k x resolution_s`` (k = 1, 2 ...) up to the horizon,
applies the same selection rules (radio priority, coverage, hysteresis, operator locks) step by
step, and reports the first step at which a terminal's serving cell belongs to another zone than
now (or to none: it loses coverage). Nothing of the world changes: the look-ahead has its own
copy of the serving cells and a brute-force cell search of its own, which agrees with the
engine's index (tests/engine/test_candidates.py).

The predicted time is exact to ``resolution_s`` against the same rules at the engine's ticks
(their own spacing adds up to one tick: a handover is seen at the first tick after it). A
visit shorter than the step can be stepped over (a terminal that touches a cell at the tip of
its path and turns back): look ahead at the tick rate (0.1 s) where that matters.

**Confidence.** What meclab cannot foresee is an operator's hand (a move, a netchar change, a new
scenario) and where the rules themselves hesitate. A prediction is therefore

* 1.0 when the terminal then stays in the target zone for at least :data:`SETTLE_S` of
  simulation time (or to the end of the horizon, or of its path);
* 0.5 when it leaves that zone again sooner (a brief visit along a zone border, which a small
  change of path or signal could remove);
* 0.0 for a terminal held by an operator's move: it stays where it was put, so nothing is
  predicted for it (None).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from meclab.engine.exhaustive import ExhaustiveSearch
from meclab.engine.selection import NO_CELL, select
from meclab.engine.world import World

SETTLE_S = 5.0
"""How long a terminal must stay in the target zone for a fully confident prediction."""


@dataclass(frozen=True, slots=True)
class ZoneChange:
    """A terminal's next change of zone, as predicted at simulation time ``now``."""

    ue: str
    now: float
    at: float
    """Simulation time the serving cell is expected to be in ``target_zone``."""
    source_poa: str | None
    source_zone: str | None
    target_poa: str | None
    """None: the terminal is expected to lose coverage."""
    target_zone: str | None
    confidence: float
    basis: str
    """Why, in one sentence."""

    @property
    def in_s(self) -> float:
        """Simulation seconds from the prediction to the change."""
        return self.at - self.now

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``ue``, ``now``, ``at``, ``in_s``, ``source_poa``, ``source_zone``,
        ``target_poa``, ``target_zone``, ``confidence``, ``basis``."""
        return {
            "ue": self.ue,
            "now": round(self.now, 3),
            "at": round(self.at, 3),
            "in_s": round(self.in_s, 3),
            "source_poa": self.source_poa,
            "source_zone": self.source_zone,
            "target_poa": self.target_poa,
            "target_zone": self.target_zone,
            "confidence": self.confidence,
            "basis": self.basis,
        }


def predict_zone_change(
    world: World, ue: str, *, horizon_s: float = 120.0, resolution_s: float = 0.5
) -> ZoneChange | None:
    """Terminal ``ue``'s next zone change within ``horizon_s``, or None (see the module
    docstring). UnknownElement for a name that is no terminal."""
    return predict_zone_changes(world, [ue], horizon_s=horizon_s, resolution_s=resolution_s).get(ue)


def predict_zone_changes(
    world: World,
    ues: Sequence[str] | None = None,
    *,
    horizon_s: float = 120.0,
    resolution_s: float = 0.5,
) -> dict[str, ZoneChange]:
    """The next zone change of each terminal of ``ues`` (default: all) that has one within
    ``horizon_s``, looked ahead together (one selection round per step for all of them)."""
    if resolution_s <= 0 or horizon_s <= 0:
        raise ValueError("horizon_s and resolution_s must be positive")
    names = list(world.ue_names if ues is None else ues)
    index = np.array([world.ue(n) for n in names], dtype=np.intp)  # UnknownElement
    # A terminal an operator holds stays where it was put: there is nothing to foresee.
    keep = ~world.paths.pinned[index]
    index, names = index[keep], [n for n, k in zip(names, keep, strict=True) if k]
    if not len(index) or not world.poa_names:
        return {}
    now = world.state.t
    search = ExhaustiveSearch(world.cell_xy, world.cells, world.cell_domain)
    ue_domain, ue_rank = world.ue_domain[index], world.ue_rank[index]
    forced = world.forced[index]
    start = world.state.serving[index].copy()
    zone_now = _zones(world, start)
    serving = start.copy()
    found: dict[int, tuple[float, int, int]] = {}
    """Row -> (time, serving cell, zone) of its change."""
    left: dict[int, float] = {}
    """Row -> time it left the target zone again (a brief visit)."""
    steps = int(np.ceil((horizon_s + SETTLE_S) / resolution_s))
    for k in range(1, steps + 1):
        t = now + k * resolution_s
        xy = world.paths.positions(t, index)
        search.refresh(xy, ue_domain, ue_rank, world.cell_domain)
        serving = select(
            xy=xy,
            search=search,
            serving=serving,
            cell_xy=world.cell_xy,
            cells=world.cells,
            ue_rank=ue_rank,
            hysteresis_db=world.hysteresis_db,
            forced=forced,
        ).serving
        zones = _zones(world, serving)
        for row in np.flatnonzero(zones != zone_now):
            r = int(row)
            if r not in found and t - now <= horizon_s:
                found[r] = (t, int(serving[r]), int(zones[r]))
        for r, (t0, _, zone) in found.items():
            if r not in left and zones[r] != zone and t - t0 < SETTLE_S:
                left[r] = t
        if len(found) == len(index) and t >= max(t0 for t0, _, _ in found.values()) + SETTLE_S:
            break
    out: dict[str, ZoneChange] = {}
    for r, (t, cell, zone) in found.items():
        brief = r in left
        source = int(start[r])
        target_zone = world.top.zones[zone] if zone >= 0 else None
        basis = (
            f"along its path, {names[r]} is served by "
            f"{world.poa_names[cell] if cell >= 0 else 'no cell'} in {t - now:.1f} s"
            + (f", only until {left[r] - now:.1f} s" if brief else "")
        )
        out[names[r]] = ZoneChange(
            ue=names[r],
            now=now,
            at=t,
            source_poa=world.poa_names[source] if source >= 0 else None,
            source_zone=world.top.zones[int(zone_now[r])] if zone_now[r] >= 0 else None,
            target_poa=world.poa_names[cell] if cell >= 0 else None,
            target_zone=target_zone,
            confidence=0.5 if brief else 1.0,
            basis=basis,
        )
    return out


def _zones(world: World, serving: np.ndarray[Any, np.dtype[np.intp]]) -> np.ndarray[Any, Any]:
    """Zone index per serving cell, -1 where there is none."""
    return np.where(serving >= 0, world.cell_zone[np.maximum(serving, 0)], NO_CELL)
