"""RNIS's view of the world (southbound): cells, UEs, their identities and radio measurements.

Everything is read from the engine at call time; this module keeps no copy of world state. The
one state RNIS derives and keeps, the E-RAB table, lives in :mod:`.bearers`.

**Scope of a host.** Each MEC host's RNIS reports on **the 4G and 5G cells of the host's zone**
(a fog node's zone is its PoA's) and on the UEs those cells serve. Queries, subscription
matching and notifications all apply this one rule: a host's RNIS notifies about an event when
a cell the event concerns (a handover's source or target) is one of its cells.

**Which PoAs are RNIS cells.** MEC 012 V2.2.1 names E-UTRAN cells by ECGI and NR cells by NR
CGI (:mod:`.identity`). What the GS defines per E-UTRAN cell (E-RABs and S1 bearers, cell
change, timing advance, carrier aggregation, LTE measurement reports, layer 2 measurements)
concerns 4G cells only; a UE on a 5G cell is reported by NR measurement reports, as the GS has
nothing else for NR. Wi-Fi access points are not RAN cells: a UE served by Wi-Fi (or by
nothing) has no serving cell in RNIS, appears in no query and no report, and has no E-RAB.

**Measurements** come from :meth:`World.measurements`: RSRP (the engine's signal), RSRQ and
SINR of the serving cell and of the neighbours the UE could attach to (same operator, a radio
type it may use, within the neighbour's coverage radius), strongest first.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from meclab.engine.netchar import Direction, Hop, PathNetChar, compose
from meclab.engine.radio import PROFILES, RADIO_CODES
from meclab.engine.world import World
from meclab.platform.platform import HostInfo
from meclab.services.rnis import identity
from meclab.services.rnis.identity import AssociateKey, CellKey
from meclab.services.rnis.models_common import (
    AssociateId,
    AssociateIdType,
    Ecgi,
    Nrcgi,
    Plmn,
    TempUeId,
)
from meclab.types import RadioType

CELLULAR = (RadioType.LTE, RadioType.NR)

PEAK_EFFICIENCY_BPS_PER_HZ = {"dl": 7.5, "ul": 2.5}
"""Peak spectral efficiency of an LTE carrier for a UE of category 4 (TS 36.306 Table
4.1-1: 150 Mbit/s down, 50 Mbit/s up in 20 MHz): an E-RAB's rate where no network
characteristics limit its path."""


@dataclass(frozen=True, slots=True)
class Cell:
    """A 4G or 5G PoA as RNIS names it."""

    index: int
    """PoA index in the engine's arrays."""
    name: str
    nr: bool
    key: CellKey
    zone: str
    domain: int
    """Index of its operator in the topology."""


@dataclass(frozen=True, slots=True)
class Measured:
    """What a UE measures of one cell (engine values, not yet on a 3GPP scale)."""

    cell: int
    nr: bool
    rsrp_dbm: float
    rsrq_db: float
    sinr_db: float
    distance_m: float


@dataclass(frozen=True, slots=True)
class UeRadio:
    """A UE served by a 4G or 5G cell: its serving cell's and its neighbours' measurements."""

    ue: int
    serving: Measured
    neighbours: tuple[Measured, ...]
    """Cells it could attach to besides the serving one, strongest first, both radio types."""

    def same_rat(self) -> tuple[Measured, ...]:
        return tuple(m for m in self.neighbours if m.nr == self.serving.nr)

    def other_rat(self) -> tuple[Measured, ...]:
        return tuple(m for m in self.neighbours if m.nr != self.serving.nr)


class Southbound:
    """RNIS's questions to one world, for the MEC hosts of its platforms."""

    def __init__(self, world: World, hosts: Mapping[str, HostInfo]) -> None:
        self.world = world
        top = world.top
        plmns = {d.name: Plmn(mcc=d.mcc, mnc=d.mnc) for d in world.scenario.domains}
        domain_index = {name: i for i, name in enumerate(top.domains)}
        self.cells: dict[int, Cell] = {}
        for index, poa in enumerate(top.poas):
            if poa.type not in CELLULAR:
                continue
            element = top.elements[poa.name]
            plmn = plmns[element.domain or ""]
            nr = poa.type is RadioType.NR
            key = CellKey(plmn.mcc, plmn.mnc, nr, identity.scenario_cell_id(poa.cell_id, nr, index))
            self.cells[index] = Cell(
                index, poa.name, nr, key, element.zone or "", domain_index[element.domain or ""]
            )
        self.by_key = {cell.key: cell.index for cell in self.cells.values()}
        self.plmn = [plmns[name] for name in top.domains]
        self._cell_ids = {
            c.index: identity.cell_id_text(c.key.cell_id, c.nr) for c in self.cells.values()
        }
        self.host_cells: dict[str, frozenset[int]] = {
            host: frozenset(c.index for c in self.cells.values() if c.zone == info.zone)
            for host, info in hosts.items()
        }
        self.cell_hosts: dict[int, tuple[str, ...]] = {
            c: tuple(h for h, cells in self.host_cells.items() if c in cells) for c in self.cells
        }
        self.lte = np.zeros(len(top.poas), dtype=bool)
        self.nr = np.zeros(len(top.poas), dtype=bool)
        for cell in self.cells.values():
            (self.nr if cell.nr else self.lte)[cell.index] = True
        self.associates: list[AssociateKey | None] = [
            identity.associate_of(t.address) for t in top.terminals
        ]

    # --- scope --------------------------------------------------------------------------------

    def hosts_of(self, cells: Iterable[int]) -> list[str]:
        """Hosts whose scope holds any of ``cells``, each once, in host order."""
        found: list[str] = []
        for c in cells:
            for host in self.cell_hosts.get(c, ()):
                if host not in found:
                    found.append(host)
        return found

    def is_lte(self, poa: int) -> bool:
        return poa >= 0 and bool(self.lte[poa])

    def is_nr(self, poa: int) -> bool:
        return poa >= 0 and bool(self.nr[poa])

    def serving(self, ue: int) -> int:
        """Serving PoA index of a UE (-1 when it has none)."""
        return int(self.world.state.serving[ue])

    def ues_on(self, cells: Iterable[int]) -> list[int]:
        """UEs served now by any of ``cells``, in scenario order."""
        wanted = np.fromiter(cells, dtype=np.intp)
        if len(wanted) == 0:
            return []
        return np.flatnonzero(np.isin(self.world.state.serving, wanted)).tolist()

    # --- identities ---------------------------------------------------------------------------

    def ecgi(self, cell: int) -> Ecgi:
        c = self.cells[cell]
        return Ecgi(plmn=self.plmn[c.domain], cellId=self._cell_ids[cell])

    def nrcgi(self, cell: int) -> Nrcgi:
        c = self.cells[cell]
        return Nrcgi(plmn=self.plmn[c.domain], nrCellId=self._cell_ids[cell])

    def cell_id(self, cell: int) -> str:
        """The cell identity alone, as written in ECGIs (CarrierAggregationMeasInfo)."""
        return self._cell_ids[cell]

    def associate_ids(self, ue: int) -> list[AssociateId]:
        """The UE's associateId list (empty for a UE whose address is not an IP address)."""
        key = self.associates[ue]
        return [] if key is None else [AssociateId(type=AssociateIdType(key[0]), value=key[1])]

    def temp_ue_id(self, ue: int) -> TempUeId:
        return TempUeId(mmec=identity.MMEC, mtmsi=identity.m_tmsi(ue))

    # --- radio --------------------------------------------------------------------------------

    def radio(self, ue: int) -> UeRadio | None:
        """A UE's measurements, when a 4G or 5G cell serves it."""
        if self.serving(ue) not in self.cells:
            return None
        world = self.world
        serving: Measured | None = None
        neighbours: list[Measured] = []
        for m in world.measurements(world.ue_names[ue]):
            index = world.top.poa_index[m.poa]
            if index not in self.cells:
                continue
            measured = Measured(
                index,
                m.radio is RadioType.NR,
                m.signal_dbm,
                m.rsrq_db if m.rsrq_db is not None else math.nan,
                m.sinr_db,
                m.distance_m,
            )
            if m.serving:
                serving = measured
            elif m.in_coverage:
                neighbours.append(measured)
        if serving is None:  # pragma: no cover - measurements always list the serving cell
            return None
        return UeRadio(ue, serving, tuple(neighbours))

    # --- bearer paths -------------------------------------------------------------------------

    def bearer_rates(self, ue: int, cell: int) -> tuple[int, int]:
        """(downlink, uplink) bit/s an E-RAB of ``ue`` on ``cell`` can carry.

        The E-RAB runs from the UE to the operator's S-GW: the radio link (the terminal's and the
        cell's network characteristics), the zone's metro network and the operator's core. Its
        rate is that path's bottleneck per direction (netchar composition, DESIGN.md); where no
        element limits it, the carrier's peak rate (:data:`PEAK_EFFICIENCY_BPS_PER_HZ`).
        """
        path = self._path(ue, cell)
        profile = PROFILES[RADIO_CODES[self.world.cells.code[cell]]]
        peak = {
            d: profile.bandwidth_mhz * 1e6 * eff for d, eff in PEAK_EFFICIENCY_BPS_PER_HZ.items()
        }
        dl = path.throughput_reverse_mbps
        ul = path.throughput_mbps
        return (
            round(dl * 1e6) if dl is not None else round(peak["dl"]),
            round(ul * 1e6) if ul is not None else round(peak["ul"]),
        )

    def radio_hop(self, ue: int, cell: int) -> tuple[float, float]:
        """(one-way latency ms, loss %) of the UE's radio link: terminal plus cell."""
        top = self.world.top
        hops = [
            Hop(name, top.elements[name].netchar, Direction.UP)
            for name in (self.world.ue_names[ue], self.world.poa_names[cell])
        ]
        path = compose(hops[0].element, hops[-1].element, hops)
        return path.latency_ms, path.loss_pct

    def path_elements(self, ue: int, cell: int) -> tuple[str, ...]:
        """Elements whose network characteristics an E-RAB of ``ue`` on ``cell`` crosses."""
        top = self.world.top
        poa = self.world.poa_names[cell]
        zone = top.elements[poa].parent or ""
        domain = top.elements[zone].parent or ""
        return (self.world.ue_names[ue], poa, zone, domain)

    def _path(self, ue: int, cell: int) -> PathNetChar:
        top = self.world.top
        names = self.path_elements(ue, cell)
        hops = [Hop(n, top.elements[n].netchar, Direction.UP) for n in names if n]
        return compose(names[0], names[-1], hops)
