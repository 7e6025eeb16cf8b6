"""Notification bodies, built from the southbound's view and the E-RAB table.

Each builder returns the body without ``_links``; :func:`for_subscription` adds the link to the
subscription it goes to. Bodies are built through the models, so each is validated once
however many subscriptions receive it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.rnis import identity, scales
from meclab.services.rnis.bearers import Bearer
from meclab.services.rnis.identity import AssociateKey
from meclab.services.rnis.models_common import (
    ErabQosParameters,
    HoStatus,
    LinkType,
    NotificationLinks,
    QosInformation,
    S1Event,
    Trigger,
    TriggerNr,
)
from meclab.services.rnis.models_notifications import (
    CellChangeNotification,
    EnbInfo,
    ErabReleaseInfo,
    RabEstNotification,
    RabModNotification,
    RabRelNotification,
    S1BearerInfoDetailed,
    S1BearerNotification,
    S1UeInfo1,
    SGwInfo,
)
from meclab.services.rnis.models_reports import (
    CaReconfNotification,
    CarrierAggregationMeasInfo,
    CarrierAggregationMeasInfo1,
    EutraNeighCellMeasInfo,
    EutranNeighbourCellMeasInfo,
    MeasQuantityResultsNr,
    MeasRepUeNotification,
    MeasTaNotification,
    NCell,
    NewRadioMeasNeiInfo,
    NrMeasRepUeNotification,
    NrNCellInfo,
    NrNeighCellMeasInfo,
    SCell,
    SecondaryCellAdd,
    SecondaryCellRemove,
    ServCellMeasInfo,
)
from meclab.services.rnis.southbound import Measured, Southbound, UeRadio
from meclab.services.rnis.triggers import secondary_cells

_NO_LINK = NotificationLinks(subscription=LinkType(href="about:blank"))
"""Stands in until :func:`for_subscription` puts the subscription's own link."""

Body = dict[str, Any]


def for_subscription(body: Body, href: str) -> Body:
    """The body as sent to one subscription."""
    return {**body, "_links": {"subscription": {"href": href}}}


def _body(model: WireModel) -> Body:
    out = model.wire()
    out.pop("_links", None)
    return out


def ue_keys(view: Southbound, ue: int, bearer: Bearer | None) -> set[AssociateKey]:
    """Every identity a filter may name a UE by: its address and its S1 bearer's TEIDs."""
    keys: set[AssociateKey] = set()
    address = view.associates[ue]
    if address is not None:
        keys.add(address)
    if bearer is not None:
        for teid in (
            identity.enb_teid(ue, bearer.erab_id),
            identity.sgw_teid(ue, bearer.erab_id),
        ):
            keys.add((identity.GTP_TEID, identity.teid_text(teid)))
    return keys


# --- bearers ---------------------------------------------------------------------------------


def qos(bearer: Bearer) -> ErabQosParameters:
    """The E-RAB's QCI and bit rates (a non-GBR bearer guarantees nothing: GBR 0)."""
    return ErabQosParameters(
        qci=bearer.qci,
        qosInformation=QosInformation(
            erabMbrDl=bearer.mbr_dl_bps, erabMbrUl=bearer.mbr_ul_bps, erabGbrDl=0, erabGbrUl=0
        ),
    )


def s1_bearer_info(view: Southbound, bearer: Bearer) -> S1BearerInfoDetailed:
    """The S1 bearer of an E-RAB: both tunnel ends (:mod:`.identity`)."""
    domain = view.cells[bearer.cell].domain
    return S1BearerInfoDetailed(
        erabId=bearer.erab_id,
        enbInfo=EnbInfo(
            ipAddress=identity.enb_address(bearer.cell),
            tunnelId=identity.teid_text(identity.enb_teid(bearer.ue, bearer.erab_id)),
        ),
        sGwInfo=SGwInfo(
            ipAddress=identity.sgw_address(domain),
            tunnelId=identity.teid_text(identity.sgw_teid(bearer.ue, bearer.erab_id)),
        ),
    )


def cell_change(view: Southbound, ue: int, source: int, target: int, wall: float) -> Body:
    """Clause 6.4.2: the engine's handovers are instantaneous, so only COMPLETED is reported."""
    return _body(
        CellChangeNotification(
            notificationType="CellChangeNotification",
            timeStamp=TimeStamp.of(wall),
            associateId=view.associate_ids(ue) or None,
            srcEcgi=view.ecgi(source),
            trgEcgi=[view.ecgi(target)],
            hoStatus=HoStatus.COMPLETED,
            tempUeId=view.temp_ue_id(ue),
            _links=_NO_LINK,
        )
    )


def rab_est(view: Southbound, bearer: Bearer, wall: float) -> Body:
    return _body(
        RabEstNotification(
            notificationType="RabEstNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(bearer.cell),
            associateId=view.associate_ids(bearer.ue) or None,
            erabId=bearer.erab_id,
            erabQosParameters=qos(bearer),
            tempUeId=view.temp_ue_id(bearer.ue),
            _links=_NO_LINK,
        )
    )


def rab_mod(view: Southbound, bearer: Bearer, wall: float) -> Body:
    return _body(
        RabModNotification(
            notificationType="RabModNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(bearer.cell),
            associateId=view.associate_ids(bearer.ue) or None,
            erabId=bearer.erab_id,
            erabQosParameters=qos(bearer),
            _links=_NO_LINK,
        )
    )


def rab_rel(view: Southbound, bearer: Bearer, wall: float) -> Body:
    return _body(
        RabRelNotification(
            notificationType="RabRelNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(bearer.cell),
            associateId=view.associate_ids(bearer.ue) or None,
            erabReleaseInfo=ErabReleaseInfo(erabId=bearer.erab_id),
            _links=_NO_LINK,
        )
    )


def s1_bearer(view: Southbound, bearer: Bearer, event: S1Event, wall: float) -> Body:
    """Clause 6.4.10: ``ecgi`` is the cell the bearer is on (for a release: was on)."""
    return _body(
        S1BearerNotification(
            notificationType="S1BearerNotification",
            timeStamp=TimeStamp.of(wall),
            s1Event=event,
            s1UeInfo=S1UeInfo1(
                tempUeId=view.temp_ue_id(bearer.ue),
                associateId=view.associate_ids(bearer.ue) or None,
                ecgi=[view.ecgi(bearer.cell)],
                s1BearerInfo=[s1_bearer_info(view, bearer)],
            ),
            _links=_NO_LINK,
        )
    )


# --- timing advance and carrier aggregation -----------------------------------------------------


def meas_ta(view: Southbound, radio: UeRadio, ta: int, wall: float) -> Body:
    return _body(
        MeasTaNotification(
            notificationType="MeasTaNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(radio.serving.cell),
            associateId=view.associate_ids(radio.ue) or None,
            timingAdvance=ta,
            _links=_NO_LINK,
        )
    )


def ca_reconf(
    view: Southbound, radio: UeRadio, added: Sequence[int], removed: Sequence[int], wall: float
) -> Body:
    """Clause 6.4.8, with each current secondary cell's best other neighbour where it has one."""
    scells = secondary_cells(radio)
    info = []
    for s in scells:
        best = _best_other(radio, {m.cell for m in scells})
        if best is not None:
            info.append(
                CarrierAggregationMeasInfo1(
                    cellIdSrv=view.cell_id(s.cell),
                    rsrpSrv=scales.lte_rsrp(s.rsrp_dbm),
                    rsrqSrv=scales.lte_rsrq(s.rsrq_db),
                    cellIdNei=view.cell_id(best.cell),
                    rsrpNei=scales.lte_rsrp(best.rsrp_dbm),
                    rsrqNei=scales.lte_rsrq(best.rsrq_db),
                )
            )
    return _body(
        CaReconfNotification(
            notificationType="CaReconfNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(radio.serving.cell),
            associateId=view.associate_ids(radio.ue) or None,
            secondaryCellAdd=[SecondaryCellAdd(ecgi=view.ecgi(c)) for c in added] or None,
            secondaryCellRemove=[SecondaryCellRemove(ecgi=view.ecgi(c)) for c in removed] or None,
            carrierAggregationMeasInfo=info or None,
            _links=_NO_LINK,
        )
    )


def _best_other(radio: UeRadio, scells: set[int]) -> Measured | None:
    """The strongest same-type neighbour that is neither the PCell nor a secondary cell."""
    return next((m for m in radio.same_rat() if m.cell not in scells), None)


# --- measurement reports -------------------------------------------------------------------------


def _listed(neighbours: Sequence[Measured], first: Sequence[int], limit: int) -> list[Measured]:
    """Neighbours to list: those that triggered the report first, then the strongest."""
    by_cell = {m.cell: m for m in neighbours}
    ordered = [by_cell[c] for c in first if c in by_cell]
    ordered += [m for m in neighbours if m.cell not in first]
    return ordered[:limit]


def lte_report(
    view: Southbound,
    radio: UeRadio,
    trigger: int,
    other_rat: bool,
    first: Sequence[int],
    limit: int,
    wall: float,
) -> Body:
    """Clause 6.4.6: serving cell, neighbours (LTE, or NR for inter-RAT triggers), SCells."""
    serving = radio.serving
    neighbours = _listed(radio.other_rat() if other_rat else radio.same_rat(), first, limit)
    scells = secondary_cells(radio)
    best = _best_other(radio, {m.cell for m in scells})
    ca = [
        CarrierAggregationMeasInfo(
            cellIdSrv=view.cell_id(s.cell),
            rsrpSrv=scales.lte_rsrp(s.rsrp_dbm),
            rsrqSrv=scales.lte_rsrq(s.rsrq_db),
            sinrSrv=scales.lte_sinr(s.sinr_db),
            cellIdNei=view.cell_id(best.cell) if best else None,
            rsrpNei=scales.lte_rsrp(best.rsrp_dbm) if best else None,
            rsrqNei=scales.lte_rsrq(best.rsrq_db) if best else None,
            sinrNei=scales.lte_sinr(best.sinr_db) if best else None,
        )
        for s in scells
    ]
    lte = [
        EutranNeighbourCellMeasInfo(
            ecgi=view.ecgi(m.cell),
            rsrp=scales.lte_rsrp(m.rsrp_dbm),
            rsrq=scales.lte_rsrq(m.rsrq_db),
            sinr=scales.lte_sinr(m.sinr_db),
        )
        for m in neighbours
        if not m.nr
    ]
    nr = [
        NewRadioMeasNeiInfo(
            nrNCellInfo=[
                NrNCellInfo(nrNCellPlmn=[view.nrcgi(m.cell).plmn], nrNCellGId=view.cell_id(m.cell))
            ],
            nrNCellRsrp=scales.nr_rsrp(m.rsrp_dbm),
            nrNCellRsrq=scales.nr_rsrq(m.rsrq_db),
            nrNCellRssi=scales.nr_sinr(m.sinr_db),
        )
        for m in neighbours
        if m.nr
    ]
    return _body(
        MeasRepUeNotification(
            notificationType="MeasRepUeNotification",
            timeStamp=TimeStamp.of(wall),
            ecgi=view.ecgi(serving.cell),
            associateId=view.associate_ids(radio.ue) or None,
            rsrp=scales.lte_rsrp(serving.rsrp_dbm),
            rsrq=scales.lte_rsrq(serving.rsrq_db),
            sinr=scales.lte_sinr(serving.sinr_db),
            trigger=Trigger(trigger),
            eutranNeighbourCellMeasInfo=lte or None,
            carrierAggregationMeasInfo=ca or None,
            newRadioMeasNeiInfo=nr or None,
            _links=_NO_LINK,
        )
    )


def _ssb(m: Measured) -> MeasQuantityResultsNr:
    return MeasQuantityResultsNr(
        rsrp=scales.nr_rsrp(m.rsrp_dbm),
        rsrq=scales.nr_rsrq(m.rsrq_db),
        sinr=scales.nr_sinr(m.sinr_db),
    )


def nr_report(
    view: Southbound,
    radio: UeRadio,
    trigger: int,
    other_rat: bool,
    first: Sequence[int],
    limit: int,
    wall: float,
) -> Body:
    """Clause 6.4.11: the serving cell with its best neighbour (SS/PBCH block results; meclab's
    cells have no beams or CSI-RS), then NR neighbours, or LTE ones for inter-RAT triggers."""
    serving = radio.serving
    same = radio.same_rat()
    neighbours = _listed(radio.other_rat() if other_rat else same, first, limit)
    return _body(
        NrMeasRepUeNotification(
            notificationType="NrMeasRepUeNotification",
            timeStamp=TimeStamp.of(wall),
            associateId=view.associate_ids(radio.ue) or None,
            triggerNr=TriggerNr(trigger),
            servCellMeasInfo=[
                ServCellMeasInfo(
                    nrcgi=view.nrcgi(serving.cell),
                    sCell=SCell(measQuantityResultsSsbCell=_ssb(serving)),
                    nCell=NCell(measQuantityResultsSsbCell=_ssb(same[0])) if same else None,
                )
            ],
            nrNeighCellMeasInfo=[
                NrNeighCellMeasInfo(nrcgi=view.nrcgi(m.cell), measQuantityResultsSsbCell=_ssb(m))
                for m in neighbours
                if m.nr
            ]
            or None,
            eutraNeighCellMeasInfo=[
                EutraNeighCellMeasInfo(
                    ecgi=view.ecgi(m.cell),
                    rsrp=scales.lte_rsrp(m.rsrp_dbm),
                    rsrq=scales.lte_rsrq(m.rsrq_db),
                    sinr=scales.lte_sinr(m.sinr_db),
                )
                for m in neighbours
                if not m.nr
            ]
            or None,
            _links=_NO_LINK,
        )
    )
