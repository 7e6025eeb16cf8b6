"""The E-RAB table: RNIS's own derived state, one default bearer per UE on a 4G cell.

What the engine does, and what it means for a UE's E-RAB (TS 23.401 clause 5.3, TS 36.413
clause 8.2 and 8.4):

===========================================  ============================================
engine event                                 E-RAB (and S1 bearer)
===========================================  ============================================
Connected to a 4G cell                       established (RabEst, S1 ESTABLISH)
Disconnected from a 4G cell                  released (RabRel, S1 RELEASE)
Handover 4G -> 4G                            moved: cell change, S1 MODIFY (path switch:
                                             the eNB end moves to the target cell)
Handover 5G/Wi-Fi -> 4G                      established on the target cell (inter-RAT)
Handover 4G -> 5G/Wi-Fi                      released from the source cell (inter-RAT)
NetCharChanged on an element of its path     modified (RabMod) when its bit rates change
===========================================  ============================================

A handover to a 4G cell whose path has other rates also modifies the bearer (RabMod after the
cell change): **an E-RAB is modified whenever its bit rates change**, whatever the cause.

Each E-RAB is the UE's default bearer: E-RAB ID 5 (the first EPS bearer identity, TS 24.301
clause 9.3.2; an E-RAB ID equals its EPS bearer ID, TS 36.413 clause 9.2.1.2) and QCI 9 (the
non-GBR best-effort class of default bearers, TS 23.203 Table 6.1.7). Its MBR is the bottleneck
rate of its path (:meth:`.Southbound.bearer_rates`); as a non-GBR bearer its GBR is 0.

Traffic is modelled as full buffer (3GPP TR 36.814 A.2.1.1): a UE always has data and is
scheduled at its E-RAB's rate, so the data volume carried since the bearer arrived on its cell
is the integral of that rate, kept exactly as rates change (a rate holds between changes).

The table follows the engine: it is rebuilt from the world on every load or resume, without
notifications (:meth:`Bearers.rebuild`), then changed only by the events above.
"""

from __future__ import annotations

import copy
from collections import deque
from dataclasses import dataclass
from enum import StrEnum

from meclab.engine.events import Connected, Disconnected, Event, Handover, NetCharChanged
from meclab.services.rnis.southbound import Southbound

DEFAULT_ERAB_ID = 5
DEFAULT_QCI = 9
RANDOM_ACCESS_WINDOW_S = 10.0
"""Random access attempts counted in layer 2 measurements: those of the last 10 s of
simulation time."""


@dataclass(slots=True)
class Bearer:
    """A UE's E-RAB as RNIS knows it."""

    ue: int
    cell: int
    """PoA index of the 4G cell carrying it."""
    mbr_dl_bps: int
    mbr_ul_bps: int
    on_cell_since: float
    """Simulation time it arrived on ``cell`` (established or handed over)."""
    erab_id: int = DEFAULT_ERAB_ID
    qci: int = DEFAULT_QCI
    carried_dl_kbit: float = 0.0
    """Data volume carried on ``cell`` until ``rates_since``."""
    carried_ul_kbit: float = 0.0
    rates_since: float = 0.0
    """Simulation time the current rates apply from."""

    def volume_kbit(self, t: float) -> tuple[float, float]:
        """(downlink, uplink) kbit carried on its cell by simulation time ``t`` (full buffer)."""
        span = max(0.0, t - self.rates_since)
        return (
            self.carried_dl_kbit + self.mbr_dl_bps * span / 1000.0,
            self.carried_ul_kbit + self.mbr_ul_bps * span / 1000.0,
        )

    def set_rates(self, dl_bps: int, ul_bps: int, t: float) -> None:
        """New rates from ``t`` on, the volume so far kept."""
        self.carried_dl_kbit, self.carried_ul_kbit = self.volume_kbit(t)
        self.mbr_dl_bps, self.mbr_ul_bps = dl_bps, ul_bps
        self.rates_since = t


class Change(StrEnum):
    ESTABLISHED = "established"
    RELEASED = "released"
    MOVED = "moved"
    MODIFIED = "modified"


@dataclass(frozen=True, slots=True)
class BearerChange:
    """What happened to one E-RAB; ``bearer`` is a copy as it stands after the change."""

    change: Change
    bearer: Bearer
    source_cell: int | None = None
    """For MOVED: the cell it left."""


@dataclass(frozen=True, slots=True)
class RandomAccess:
    """A random access into a 4G cell (TS 36.300 clause 10.1.5)."""

    t: float
    cell: int
    dedicated: bool
    """Contention-free, with a dedicated preamble (a handover into the cell), or contention-based
    with a randomly selected one (a UE connecting)."""


class Bearers:
    """Every UE's E-RAB, keyed by UE index."""

    def __init__(self) -> None:
        self.table: dict[int, Bearer] = {}
        self.accesses: deque[RandomAccess] = deque()

    def rebuild(self, view: Southbound) -> None:
        """Start over from the world as it is: a bearer for every UE on a 4G cell, silently."""
        t = view.world.state.t
        self.table = {}
        self.accesses.clear()
        for ue in view.ues_on(c for c, cell in view.cells.items() if not cell.nr):
            self.table[ue] = self._new(view, ue, view.serving(ue), t)

    def apply(self, event: Event, view: Southbound) -> list[BearerChange]:
        """Follow one engine event; what changed, in order."""
        top = view.world.top
        if isinstance(event, Connected):
            return self._arrive(view, top.ue_index[event.ue], top.poa_index[event.poa], event.t)
        if isinstance(event, Disconnected):
            return self._leave(top.ue_index[event.ue])
        if isinstance(event, Handover):
            ue, target = top.ue_index[event.ue], top.poa_index[event.target]
            bearer = self.table.get(ue)
            if bearer is None:
                return self._arrive(view, ue, target, event.t, dedicated=True)
            if not view.is_lte(target):
                return self._leave(ue)
            return self._move(view, bearer, target, event.t)
        if isinstance(event, NetCharChanged):
            return self._retune(view, event.element, event.t)
        return []

    def random_accesses(self, cell: int, now: float) -> tuple[int, int]:
        """(dedicated, random) accesses into ``cell`` in the window before ``now``."""
        self._prune(now)
        dedicated = sum(1 for a in self.accesses if a.cell == cell and a.dedicated)
        random = sum(1 for a in self.accesses if a.cell == cell and not a.dedicated)
        return dedicated, random

    # --- changes ---------------------------------------------------------------------------

    def _new(self, view: Southbound, ue: int, cell: int, t: float) -> Bearer:
        dl, ul = view.bearer_rates(ue, cell)
        return Bearer(
            ue=ue, cell=cell, mbr_dl_bps=dl, mbr_ul_bps=ul, on_cell_since=t, rates_since=t
        )

    def _arrive(
        self, view: Southbound, ue: int, cell: int, t: float, *, dedicated: bool = False
    ) -> list[BearerChange]:
        if not view.is_lte(cell):
            return []
        self._access(RandomAccess(t, cell, dedicated))
        bearer = self.table[ue] = self._new(view, ue, cell, t)
        return [BearerChange(Change.ESTABLISHED, copy.copy(bearer))]

    def _leave(self, ue: int) -> list[BearerChange]:
        bearer = self.table.pop(ue, None)
        return [] if bearer is None else [BearerChange(Change.RELEASED, bearer)]

    def _move(self, view: Southbound, bearer: Bearer, target: int, t: float) -> list[BearerChange]:
        source = bearer.cell
        self._access(RandomAccess(t, target, True))
        bearer.cell = target
        bearer.on_cell_since = bearer.rates_since = t
        bearer.carried_dl_kbit = bearer.carried_ul_kbit = 0.0  # the target eNB counts afresh
        changes = [BearerChange(Change.MOVED, copy.copy(bearer), source)]
        dl, ul = view.bearer_rates(bearer.ue, target)
        if (dl, ul) != (bearer.mbr_dl_bps, bearer.mbr_ul_bps):
            bearer.set_rates(dl, ul, t)
            changes.append(BearerChange(Change.MODIFIED, copy.copy(bearer)))
        return changes

    def _retune(self, view: Southbound, element: str, t: float) -> list[BearerChange]:
        changes = []
        for bearer in self.table.values():
            if element not in view.path_elements(bearer.ue, bearer.cell):
                continue
            dl, ul = view.bearer_rates(bearer.ue, bearer.cell)
            if (dl, ul) != (bearer.mbr_dl_bps, bearer.mbr_ul_bps):
                bearer.set_rates(dl, ul, t)
                changes.append(BearerChange(Change.MODIFIED, copy.copy(bearer)))
        return changes

    def _access(self, access: RandomAccess) -> None:
        self.accesses.append(access)
        self._prune(access.t)

    def _prune(self, now: float) -> None:
        while self.accesses and self.accesses[0].t <= now - RANDOM_ACCESS_WINDOW_S:
            self.accesses.popleft()
