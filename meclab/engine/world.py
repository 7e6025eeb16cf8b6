"""The world in motion: terminals moving, cells serving them, events when that changes.

``World.step(t)`` advances everything to simulation time ``t`` and returns the events of that
tick; it does no I/O and reads no clock. Queries (where is a terminal, what does it measure,
what is the path between two endpoints) read the latest state directly.

Each tick publishes a new immutable :class:`WorldState` at once, so a reader on another thread
never sees half a tick. Operator commands (move a terminal, change network characteristics)
must not run while a step runs; the runtime serialises them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from meclab.engine.area import ScenarioArea
from meclab.engine.events import (
    Connected,
    Disconnected,
    Event,
    Handover,
    NetCharChanged,
    ZoneEntered,
    ZoneLeft,
)
from meclab.engine.geo import LocalProjection
from meclab.engine.mobility import Paths
from meclab.engine.netchar import PathNetChar, Unreachable, compose, route
from meclab.engine.radio import RADIO_CODES, CellRadio, cell_load, rsrq_db, sinr_db
from meclab.engine.selection import NO_CELL, UNRANKED, CandidateLists, CellSearch, select
from meclab.engine.topology import ElementKind, Topology
from meclab.scenario.model import NetChar, Scenario
from meclab.types import RadioType


@dataclass(frozen=True, slots=True)
class WorldState:
    """Everything that changes each tick, as of simulation time ``t``."""

    t: float
    xy: NDArray[np.float64]
    """Terminal positions in local metres, shape (N, 2)."""
    serving: NDArray[np.intp]
    """Serving PoA index per terminal; NO_CELL when out of coverage."""
    signal_dbm: NDArray[np.float64]
    """Serving PoA's signal (RSRP or Wi-Fi RSSI); NaN when out of coverage."""
    served: NDArray[np.int64]
    """Number of terminals each PoA serves."""


@dataclass(frozen=True, slots=True)
class CellMeasurement:
    """What a terminal measures of one PoA."""

    poa: str
    radio: RadioType
    distance_m: float
    signal_dbm: float
    """RSRP for 4G/5G, RSSI for Wi-Fi."""
    rsrq_db: float | None
    """4G/5G only."""
    sinr_db: float
    serving: bool
    in_coverage: bool


@dataclass(frozen=True, slots=True)
class TerminalView:
    """One terminal as the world sees it now."""

    name: str
    address: str
    imsi: str | None
    domain: str
    lon: float
    lat: float
    velocity_mps: float
    poa: str | None
    zone: str | None
    radio: RadioType | None
    signal_dbm: float | None


class UnknownElement(KeyError):
    """No element of the expected kind has this name."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(name)
        self.kind = kind
        self.name = name

    def __str__(self) -> str:
        return f"no {self.kind} named {self.name!r}"


class NotHeld(Exception):
    """The terminal follows its path: no operator move holds it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"{self.name} is not held by a move: it already follows its path"


class World:
    """A scenario brought to life."""

    def __init__(self, scenario: Scenario, *, k_per_type: int = 6, skin_m: float = 100.0) -> None:
        self.scenario = scenario
        self.top = top = Topology.build(scenario)
        self.hysteresis_db = scenario.radio.hysteresis_db
        anchors = [p.position for p in top.poas] + [pt for t in top.terminals for pt in t.path[:1]]
        self.projection = LocalProjection.around(anchors)
        proj = self.projection

        self.cell_xy = proj.to_xy([p.position for p in top.poas]).reshape(-1, 2)
        self.cells = CellRadio.build(
            [p.type for p in top.poas],
            [p.radius_m for p in top.poas],
            [p.tx_power_dbm for p in top.poas],
        )
        domain_ix = {name: i for i, name in enumerate(top.domains)}
        zone_ix = {name: i for i, name in enumerate(top.zones)}
        self.cell_domain = np.array(
            [domain_ix[top.elements[p.name].domain or ""] for p in top.poas], dtype=np.intp
        )
        self.cell_zone = np.array(
            [zone_ix[top.elements[p.name].zone or ""] for p in top.poas], dtype=np.intp
        )
        self.poa_names = [p.name for p in top.poas]

        terminals = top.terminals
        self.ue_names = [t.name for t in terminals]
        self.ue_domain = np.array(
            [domain_ix[top.elements[t.name].domain or ""] for t in terminals], dtype=np.intp
        )
        self.ue_rank = np.full((len(terminals), len(RADIO_CODES)), UNRANKED, dtype=np.int8)
        for i, terminal in enumerate(terminals):
            for rank, radio in enumerate(terminal.radio_priority):
                self.ue_rank[i, RADIO_CODES.index(radio)] = rank
        self.paths = Paths(
            [proj.to_xy(t.path).reshape(-1, 2) for t in terminals],
            [t.velocity_mps for t in terminals],
            [t.end_of_path for t in terminals],
        )
        self.forced = np.zeros(len(terminals), dtype=bool)
        self.area = self._area()
        """Where the scenario's world is (None when nothing has a position)."""
        self.candidates = CandidateLists(
            self.cell_xy, self.cells, k_per_type=k_per_type, skin_m=skin_m
        )
        self.search: CellSearch = self.candidates
        """What cell selection asks for the strongest PoAs. The exhaustive search
        (:mod:`meclab.engine.exhaustive`) may take the index's place to check or time it."""
        n = len(terminals)
        self.state = WorldState(
            t=0.0,
            xy=self.paths.positions(0.0),
            serving=np.full(n, NO_CELL, dtype=np.intp),
            signal_dbm=np.full(n, np.nan),
            served=np.zeros(len(top.poas), dtype=np.int64),
        )

    def _area(self) -> ScenarioArea | None:
        # PoAs and paths from the arrays (a box in local metres is the same box in degrees:
        # the projection is linear), plus MEC hosts and fog nodes; see engine/area.py. Column
        # by column: numpy's min(axis=0) on an (N, 2) array is ~200x slower (73 vs 0.34 ms for
        # 400k points here).
        placed = [xy for xy in (self.cell_xy, self.paths.points) if len(xy)]
        corners_xy = [[xy[:, k].min() for k in (0, 1)] for xy in placed] + [
            [xy[:, k].max() for k in (0, 1)] for xy in placed
        ]
        corners = self.projection.to_lonlat(np.reshape(corners_xy, (-1, 2)))
        top = self.top
        sites = [
            node.position
            for name, node in top.nodes.items()
            if node.position is not None and top.kind(name) is not ElementKind.CLOUD
        ]
        reach_m = max((p.radius_m for p in top.poas), default=0.0)
        return ScenarioArea.bounding(np.vstack([corners, np.reshape(sites, (-1, 2))]), reach_m)

    # --- advancing -----------------------------------------------------------------------

    def _select(self, t: float, serving: NDArray[np.intp]) -> WorldState:
        xy = self.paths.positions(t)
        if not self.poa_names:  # a world without points of access: nobody has coverage
            n = len(xy)
            none = np.full(n, NO_CELL, dtype=np.intp)
            return WorldState(t, xy, none, np.full(n, np.nan), np.zeros(0, dtype=np.int64))
        self.search.refresh(xy, self.ue_domain, self.ue_rank, self.cell_domain)
        chosen = select(
            xy=xy,
            search=self.search,
            serving=serving,
            cell_xy=self.cell_xy,
            cells=self.cells,
            ue_rank=self.ue_rank,
            hysteresis_db=self.hysteresis_db,
            forced=self.forced,
        )
        attached = chosen.serving[chosen.serving >= 0]
        served = np.bincount(attached, minlength=len(self.poa_names)).astype(np.int64)
        return WorldState(t, xy, chosen.serving, chosen.signal_dbm, served)

    def step(self, t: float) -> list[Event]:
        """Advance to simulation time ``t``; the events of this tick, in terminal order."""
        before = self.state.serving
        new = self._select(t, before)
        self.state = new
        return self._diff(before, new.serving, t)

    def settle(self, t: float) -> None:
        """Place everything at time ``t`` and attach terminals, without events (used to resume)."""
        self.state = self._select(t, self.state.serving)

    def restore_serving(self, serving: Sequence[int] | NDArray[np.intp]) -> None:
        """Take serving PoA indices saved from an earlier run of the same scenario, without events.

        The next step then reports, as ordinary events, whatever changed since they were saved.
        Ignored when the saved list does not fit this world.
        """
        restored = np.asarray(serving, dtype=np.intp)
        if restored.shape != self.state.serving.shape or (restored >= len(self.poa_names)).any():
            return
        restored = np.where(restored >= 0, restored, NO_CELL)
        served = np.bincount(restored[restored >= 0], minlength=len(self.poa_names)).astype(
            np.int64
        )
        st = self.state
        self.state = WorldState(st.t, st.xy, restored, st.signal_dbm, served)

    def replay(self, events: Iterable[Event]) -> None:
        """Take the serving changes that recorded events of an earlier run of the same scenario
        describe (handovers, connects, disconnects, in order), without events: how a restart
        brings the serving cells of its last checkpoint up to its last recorded tick."""
        serving = self.state.serving.copy()
        for event in events:
            if isinstance(event, Handover):
                poa: str | None = event.target
            elif isinstance(event, Connected):
                poa = event.poa
            elif isinstance(event, Disconnected):
                poa = None
            else:
                continue
            i = self.top.ue_index.get(event.ue)
            if i is not None:
                serving[i] = NO_CELL if poa is None else self.top.poa_index.get(poa, NO_CELL)
        self.restore_serving(serving)

    def _diff(self, before: NDArray[np.intp], after: NDArray[np.intp], t: float) -> list[Event]:
        events: list[Event] = []
        zones = self.top.zones
        for i in np.flatnonzero(before != after).tolist():
            ue, old, new = self.ue_names[i], int(before[i]), int(after[i])
            old_poa = self.poa_names[old] if old >= 0 else None
            new_poa = self.poa_names[new] if new >= 0 else None
            old_zone = zones[self.cell_zone[old]] if old >= 0 else None
            new_zone = zones[self.cell_zone[new]] if new >= 0 else None
            if old_poa and new_poa and old_zone and new_zone:
                events.append(Handover(t, ue, old_poa, new_poa, old_zone, new_zone))
            elif new_poa and new_zone:
                events.append(Connected(t, ue, new_poa, new_zone))
            elif old_poa and old_zone:
                events.append(Disconnected(t, ue, old_poa, old_zone))
            if old_zone != new_zone:
                if old_zone and old_poa:
                    events.append(ZoneLeft(t, ue, old_zone, old_poa))
                if new_zone and new_poa:
                    events.append(ZoneEntered(t, ue, new_zone, new_poa))
        return events

    # --- operator commands ---------------------------------------------------------------

    def ue(self, name: str) -> int:
        """Index of terminal ``name``; UnknownElement if there is none."""
        index = self.top.ue_index.get(name)
        if index is None:
            raise UnknownElement("terminal", name)
        return index

    def poa(self, name: str) -> int:
        """Index of PoA ``name``; UnknownElement if there is none."""
        index = self.top.poa_index.get(name)
        if index is None:
            raise UnknownElement("point of access", name)
        return index

    def move_terminal(self, name: str, lon: float, lat: float) -> list[Event]:
        """Hold terminal ``name`` at [lon, lat] from now on and re-select its cell."""
        i = self.ue(name)
        self.paths.pin(i, self.projection.to_xy([lon, lat]))
        self.forced[i] = False
        return self.step(self.state.t)

    def move_terminal_to_poa(self, name: str, poa: str) -> list[Event]:
        """Hold terminal ``name`` at PoA ``poa``'s position, attached to it.

        The terminal stays locked to that PoA until it is moved again, even where a PoA of a
        preferred type also covers the spot (as a UE's cell lock does), provided the PoA is of a
        type the terminal can use and of its operator.
        """
        i, c = self.ue(name), self.poa(poa)
        radio = RADIO_CODES[self.cells.code[c]]
        if self.ue_rank[i, self.cells.code[c]] >= UNRANKED:
            raise ValueError(f"{name} cannot use {radio} (its radio_priority does not list it)")
        if self.cell_domain[c] != self.ue_domain[i]:
            raise ValueError(f"{poa} belongs to another operator than {name}")
        self.paths.pin(i, self.cell_xy[c])
        self.forced[i] = True
        before = self.state.serving
        forced_serving = before.copy()
        forced_serving[i] = c
        new = self._select(self.state.t, forced_serving)
        self.state = new
        return self._diff(before, new.serving, self.state.t)

    def release_terminal(self, name: str) -> list[Event]:
        """Let terminal ``name``, held by a move, follow its path again and re-select its cell.

        It goes where its path puts it at the current time (positions are a function of time),
        as if it had never been moved. Raises NotHeld when no move holds it.
        """
        i = self.ue(name)
        if not self.paths.pinned[i]:
            raise NotHeld(name)
        self.paths.unpin(i)
        self.forced[i] = False
        return self.step(self.state.t)

    def set_netchar(self, element: str, changes: dict[str, Any]) -> NetCharChanged:
        """Change some network characteristics of ``element``; the others stay as they are.

        Raises UnknownElement for an unknown name and pydantic's ValidationError for a bad value
        (in which case nothing changes).
        """
        target = self.top.elements.get(element)
        if target is None:
            raise UnknownElement("element", element)
        before = target.netchar
        after = NetChar.model_validate({**before.model_dump(), **changes})
        target.netchar = after
        return NetCharChanged(
            self.state.t, element, before.model_dump(mode="json"), after.model_dump(mode="json")
        )

    # --- queries ------------------------------------------------------------------------

    def serving_poa(self, name: str) -> str | None:
        """Name of the PoA serving terminal ``name`` now, or None when out of coverage."""
        c = int(self.state.serving[self.ue(name)])
        return self.poa_names[c] if c >= 0 else None

    def serving_zones(self) -> NDArray[np.intp]:
        """Index (in ``top.zones``) of the zone serving each terminal now, -1 when out of
        coverage."""
        serving = self.state.serving
        if not self.poa_names:
            return np.full(len(serving), -1, dtype=np.intp)
        return np.where(serving >= 0, self.cell_zone[serving.clip(0)], -1)

    def terminal(self, name: str) -> TerminalView:
        """Terminal ``name`` as it is now."""
        return self.terminals([self.ue(name)])[0]

    def terminals(self, indices: Sequence[int] | None = None) -> list[TerminalView]:
        """Terminals (all, or those at ``indices``) as they are now."""
        st = self.state
        idx = (
            np.arange(len(self.ue_names)) if indices is None else np.asarray(indices, dtype=np.intp)
        )
        lonlat = self.projection.to_lonlat(st.xy[idx]) if len(idx) else np.zeros((0, 2))
        t = st.t
        travelling = ~self.paths.pinned[idx] & (self.paths.length[idx] > 0)
        out = []
        for row, i in enumerate(idx.tolist()):
            term = self.top.terminals[i]
            c = int(st.serving[i])
            moving = bool(travelling[row]) and (
                term.end_of_path.value != "stop"
                or self.paths.velocity[i] * t < self.paths.length[i]
            )
            out.append(
                TerminalView(
                    name=term.name,
                    address=term.address,
                    imsi=term.imsi,
                    domain=self.top.elements[term.name].domain or "",
                    lon=float(lonlat[row, 0]),
                    lat=float(lonlat[row, 1]),
                    velocity_mps=float(self.paths.velocity[i]) if moving else 0.0,
                    poa=self.poa_names[c] if c >= 0 else None,
                    zone=self.top.zones[self.cell_zone[c]] if c >= 0 else None,
                    radio=RADIO_CODES[self.cells.code[c]] if c >= 0 else None,
                    signal_dbm=float(st.signal_dbm[i]) if c >= 0 else None,
                )
            )
        return out

    def measurements(self, name: str) -> list[CellMeasurement]:
        """What terminal ``name`` measures now: its serving PoA first, then neighbours by signal.

        Neighbours are PoAs of its operator and of radio types it can use, near enough to be heard
        (within reach of the candidate search); ``in_coverage`` tells which it could attach to.
        """
        i = self.ue(name)
        st = self.state
        xy = st.xy[i : i + 1]
        near = self.candidates.nearby(xy)[0]
        near = near[(near >= 0) & (self.cell_domain[np.maximum(near, 0)] == self.ue_domain[i])]
        near = near[self.ue_rank[i, self.cells.code[near]] < UNRANKED]
        serving = int(st.serving[i])
        if serving >= 0 and serving not in near:
            near = np.append(near, serving)
        if len(near) == 0:
            return []
        dist = np.hypot(*(self.cell_xy[near] - xy[0]).T)
        signal = self.cells.signal_dbm(near, dist)
        loads = cell_load(st.served[near])
        out = []
        for j, c in enumerate(near.tolist()):
            code = self.cells.code[c]
            radio = RADIO_CODES[code]
            same = self.cells.code[near] == code
            others = same & (near != c)
            rsrq = (
                None
                if radio is RadioType.WIFI
                else rsrq_db(float(signal[j]), radio, signal[same], loads[same])
            )
            out.append(
                CellMeasurement(
                    poa=self.poa_names[c],
                    radio=radio,
                    distance_m=float(dist[j]),
                    signal_dbm=float(signal[j]),
                    rsrq_db=rsrq,
                    sinr_db=sinr_db(float(signal[j]), radio, signal[others], loads[others]),
                    serving=c == serving,
                    in_coverage=bool(dist[j] <= self.cells.radius_m[c]),
                )
            )
        out.sort(key=lambda m: (not m.serving, -m.signal_dbm))
        return out

    def path(self, source: str, destination: str) -> PathNetChar:
        """End-to-end network characteristics from ``source`` to ``destination`` now.

        Raises KeyError for an unknown name, ValueError for a non-endpoint and
        :class:`~meclab.engine.netchar.Unreachable` when a terminal on the way has no coverage.
        """
        hops = route(self.top, source, destination, self._serving_or_none)
        return compose(source, destination, hops)

    def _serving_or_none(self, name: str) -> str | None:
        return self.serving_poa(name)

    def accesses(self, ue: str) -> list[str]:
        """The PoAs terminal ``ue`` can use at once now, serving PoA first (none out of coverage).

        A terminal with ``multi_access`` also uses, for each other radio type listed there, the
        in-coverage PoA of that type it hears best (:meth:`measurements`), in the order of
        ``multi_access``; any other terminal uses its serving PoA only. UnknownElement for an
        unknown terminal.
        """
        serving = self.serving_poa(ue)
        if serving is None:
            return []
        radios = self.top.terminals[self.ue(ue)].multi_access
        if not radios:
            return [serving]
        serving_radio = RADIO_CODES[self.cells.code[self.poa(serving)]]
        heard = self.measurements(ue)  # strongest first after the serving PoA
        found = [serving]
        for radio in radios:
            if radio is serving_radio:
                continue
            best = next(
                (m.poa for m in heard if m.radio is radio and m.in_coverage and not m.serving),
                None,
            )
            if best is not None:
                found.append(best)
        return found

    def path_via(self, source: str, destination: str, poa: str) -> PathNetChar:
        """Like :meth:`path`, with the terminal end (a terminal, or one of its terminal apps)
        attached to ``poa`` instead of its serving PoA.

        Raises ValueError when neither end is at a terminal, and Unreachable when ``poa`` is
        not one of that terminal's :meth:`accesses` now (besides :meth:`path`'s errors).
        """
        terminal = next(
            (t for t in (self._terminal_of(source), self._terminal_of(destination)) if t), None
        )
        if terminal is None:
            raise ValueError(f"neither {source} nor {destination} is at a terminal")
        if poa not in self.accesses(terminal):
            raise Unreachable(f"{terminal} cannot use {poa} now")

        def serving(name: str) -> str | None:
            return poa if name == terminal else self.serving_poa(name)

        hops = route(self.top, source, destination, serving)
        return compose(source, destination, hops)

    def _terminal_of(self, name: str) -> str | None:
        """The terminal ``name`` is (or whose terminal app it is); None for anything else."""
        element = self.top.elements.get(name)
        if element is None:
            raise KeyError(name)
        if element.kind is ElementKind.TERMINAL:
            return name
        if element.kind is ElementKind.TERMINAL_APP:
            return element.parent
        return None

    def zone_of(self, name: str) -> str | None:
        """Zone of the PoA serving terminal ``name`` now."""
        c = int(self.state.serving[self.ue(name)])
        return self.top.zones[self.cell_zone[c]] if c >= 0 else None

    def elements_of(self, kind: ElementKind) -> list[str]:
        """Names of all elements of one kind, in scenario order."""
        return [n for n, e in self.top.elements.items() if e.kind is kind]
