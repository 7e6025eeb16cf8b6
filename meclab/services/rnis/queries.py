"""RNI queries (ETSI GS MEC 012 clause 7): the answers, from the engine and the E-RABs.

Every query reports on the host's scope (:mod:`.southbound`): its 4G cells and the UEs they
serve. Query filters combine with AND; the values of one filter (repeated, or comma-separated)
with OR. ``cell_id`` takes a cell identity alone (the PLMN is the host's operator's).
``ue_ipv4_address``, ``ue_ipv6_address``, ``nated_ip_address`` and ``gtp_teid`` select UEs by
associateId (:mod:`.criteria`). ``app_ins_id`` names the consuming application instance: an id
the host does not know is 404; it does not narrow what is reported.

``layer2_meas``: the cell-level filters (``cell_id`` and every ``*_cell`` figure, compared for
equality) select cells; the UE-level ones (addresses and every ``*_ue`` figure) select UE entries
among those cells' UEs, and, when any is given, ``cellInfo`` keeps only the cells of the UEs
selected. An entry without a figure (a GBR delay, say) does not match a filter on it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from meclab.http.problem import ProblemError
from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms
from meclab.platform.wire import TimeStamp
from meclab.services.rnis import identity, layer2, reports
from meclab.services.rnis.bearers import Bearer, Bearers
from meclab.services.rnis.identity import AssociateKey
from meclab.services.rnis.measured import LoadMeter, measured
from meclab.services.rnis.models import (
    CELL_MEASUREMENTS,
    CellUserInfo,
    ErabInfo,
    L2Meas,
    PlmnInfo,
    RabInfo,
    S1BearerInfo,
    S1UeInfo,
    UeInfo,
)
from meclab.services.rnis.southbound import Southbound

ADDRESS_FILTERS: dict[str, int] = {
    "ue_ipv4_address": identity.UE_IPV4_ADDRESS,
    "ue_ipv6_address": identity.UE_IPV6_ADDRESS,
    "nated_ip_address": identity.NATED_IP_ADDRESS,
    "gtp_teid": identity.GTP_TEID,
}
"""Query filters naming UEs, and the associateId type each stands for."""


def bad_query(name: str, reason: str) -> ProblemError:
    return ProblemError(
        400,
        f"query parameter '{name}': {reason}",
        invalidParams=[{"name": name, "in": "query", "reason": reason}],
    )


def values(raw: Sequence[str] | None) -> list[str]:
    """A filter's values, given repeated (``?a=1&a=2``) or comma-separated (``?a=1,2``)."""
    return [v.strip() for item in raw or () for v in item.split(",") if v.strip()]


def integers(name: str, raw: Sequence[str] | None) -> frozenset[int] | None:
    """An integer filter's values; None when absent; 400 naming it for a non-integer."""
    found = values(raw)
    if not found:
        return None
    try:
        return frozenset(int(v) for v in found)
    except ValueError:
        raise bad_query(name, "expects integers") from None


@dataclass(frozen=True, slots=True)
class UeFilter:
    """The address filters of a query: each given one must match (values of one: any)."""

    groups: tuple[frozenset[AssociateKey], ...] = ()

    @classmethod
    def parse(cls, given: Mapping[str, Sequence[str] | None]) -> UeFilter:
        groups = []
        for name, kind in ADDRESS_FILTERS.items():
            found = values(given.get(name))
            if not found:
                continue
            try:
                groups.append(frozenset(identity.normalise_associate(kind, v) for v in found))
            except ValueError as exc:
                raise bad_query(name, str(exc)) from None
        return cls(tuple(groups))

    def __bool__(self) -> bool:
        return bool(self.groups)

    def matches(self, keys: set[AssociateKey]) -> bool:
        return all(not group.isdisjoint(keys) for group in self.groups)


class Queries:
    """The four RNI queries of one world."""

    def __init__(
        self,
        platforms: Platforms,
        view: Southbound,
        bearers: Bearers,
        wall: float,
        meter: LoadMeter | None = None,
    ):
        self.platforms = platforms
        self.meter = meter
        """The data plane's load measurements, when it runs (:mod:`.measured`)."""
        self.view = view
        self.bearers = bearers
        self.stamp = TimeStamp.of(wall)
        self.now = view.world.state.t

    def check_app(self, host: str, app_ins_id: str | None) -> None:
        """404 unless ``app_ins_id`` (when given) is an application instance of the host."""
        if app_ins_id is not None:
            self.platforms.app(host, app_ins_id)

    def cells(self, host: str, cell_ids: Sequence[str] | None) -> list[int]:
        """The host's 4G cells, in scenario order, narrowed by a ``cell_id`` filter."""
        view = self.view
        ours = sorted(c for c in view.host_cells.get(host, ()) if not view.cells[c].nr)
        wanted = values(cell_ids)
        if not wanted:
            return ours
        try:
            ids = {identity.parse_cell_id(v, nr=False) for v in wanted}
        except ValueError as exc:
            raise bad_query("cell_id", str(exc)) from None
        return [c for c in ours if view.cells[c].key.cell_id in ids]

    def bearers_on(self, cells: Iterable[int], ues: UeFilter) -> list[Bearer]:
        """E-RABs on these cells of the UEs the filter selects, by cell then UE."""
        order = {c: i for i, c in enumerate(cells)}
        found = [
            b
            for b in self.bearers.table.values()
            if b.cell in order and (not ues or ues.matches(reports.ue_keys(self.view, b.ue, b)))
        ]
        return sorted(found, key=lambda b: (order[b.cell], b.ue))

    # --- the queries ---------------------------------------------------------------------

    def rab_info(
        self,
        host: str,
        app_ins_id: str | None,
        cell_ids: Sequence[str] | None,
        ues: UeFilter,
        erab: Mapping[str, frozenset[int] | None],
    ) -> RabInfo:
        """RabInfo (clause 6.2.3); ``erab``: erab_id, qci, erab_mbr_dl/ul, erab_gbr_dl/ul."""
        self.check_app(host, app_ins_id)
        by_cell: dict[int, list[UeInfo]] = {}
        for b in self.bearers_on(self.cells(host, cell_ids), ues):
            figures = {
                "erab_id": b.erab_id,
                "qci": b.qci,
                "erab_mbr_dl": b.mbr_dl_bps,
                "erab_mbr_ul": b.mbr_ul_bps,
                "erab_gbr_dl": 0,
                "erab_gbr_ul": 0,
            }
            if any(w is not None and figures[n] not in w for n, w in erab.items()):
                continue
            by_cell.setdefault(b.cell, []).append(
                UeInfo(
                    associateId=self.view.associate_ids(b.ue) or None,
                    erabInfo=[ErabInfo(erabId=b.erab_id, erabQosParameters=reports.qos(b))],
                )
            )
        return RabInfo(
            timeStamp=self.stamp,
            appInstanceId=app_ins_id or "",
            requestId=uuid.uuid4().hex,
            cellUserInfo=[
                CellUserInfo(ecgi=self.view.ecgi(c), ueInfo=infos) for c, infos in by_cell.items()
            ]
            or None,
        )

    def plmn_info(self, host: str, app_ins_ids: Sequence[str]) -> list[PlmnInfo]:
        """PlmnInfo (clause 6.2.2): the host operator's PLMN, per application instance named."""
        ids = values(app_ins_ids)
        if not ids:
            raise bad_query("app_ins_id", "name at least one application instance")
        for app_id in ids:
            self.check_app(host, app_id)
        domain = self.platforms.host(host).domain
        plmn = self.view.plmn[self.view.world.top.domains.index(domain or "")]
        return [PlmnInfo(timeStamp=self.stamp, appInstanceId=i, plmn=[plmn]) for i in ids]

    def s1_bearer_info(
        self,
        host: str,
        cell_ids: Sequence[str] | None,
        ues: UeFilter,
        temp_ue_ids: Sequence[str] | None,
        erab_ids: frozenset[int] | None,
    ) -> S1BearerInfo:
        """S1BearerInfo (clause 6.2.4): the S1 bearers of the host's UEs (UEs without an IP
        address, which no associateId names, are left out). The answer must list at least one
        (``s1UeInfo`` is mandatory, 1..N), so none is a 404 naming the filters."""
        tmsis = {v.upper().removeprefix("0X") for v in values(temp_ue_ids)}
        out = []
        for b in self.bearers_on(self.cells(host, cell_ids), ues):
            ids = self.view.associate_ids(b.ue)
            if not ids or (tmsis and identity.s_tmsi(b.ue) not in tmsis):
                continue
            if erab_ids is not None and b.erab_id not in erab_ids:
                continue
            out.append(
                S1UeInfo(
                    tempUeId=self.view.temp_ue_id(b.ue),
                    associateId=ids,
                    ecgi=[self.view.ecgi(b.cell)],
                    s1BearerInfoDetailed=[reports.s1_bearer_info(self.view, b)],
                )
            )
        if not out:
            raise NotFound(f"no S1 bearer of a UE on {host}'s 4G cells matches the query")
        return S1BearerInfo(timeStamp=self.stamp, s1UeInfo=out)

    def layer2_meas(
        self,
        host: str,
        app_ins_id: str | None,
        cell_ids: Sequence[str] | None,
        ues: UeFilter,
        figures: Mapping[str, frozenset[int] | None],
    ) -> L2Meas:
        """L2Meas (clause 6.2.4a; module docstring for the filters)."""
        self.check_app(host, app_ins_id)
        cell_filters = {
            n: w for n, w in figures.items() if w is not None and n in CELL_MEASUREMENTS
        }
        ue_filters = {n: w for n, w in figures.items() if w is not None and n not in cell_filters}
        selected = []
        loads = {}
        for c in self.cells(host, cell_ids):
            loads[c] = measured(self.meter, self.view.world.poa_names[c])
            info = layer2.cell_info(self.view, self.bearers, c, self.now, loads[c])
            if _matches(info.model_dump(), cell_filters):
                selected.append((c, info))
        ue_entries = []
        with_ues = set()
        for b in self.bearers_on([c for c, _ in selected], ues):
            entry = layer2.ue_info(self.view, b, self.now, loads[b.cell])
            if entry is not None and _matches(entry.model_dump(), ue_filters):
                ue_entries.append(entry)
                with_ues.add(b.cell)
        if ues or ue_filters:
            selected = [(c, info) for c, info in selected if c in with_ues]
        return L2Meas(
            timeStamp=self.stamp,
            cellInfo=[info for _, info in selected] or None,
            cellUEInfo=ue_entries or None,
        )


def _matches(values_: Mapping[str, object], filters: Mapping[str, frozenset[int]]) -> bool:
    return all(values_.get(name) in wanted for name, wanted in filters.items())
