"""Notifications that report measurements (ETSI GS MEC 012 V2.2.1 clauses 6.4.6, 6.4.7, 6.4.8,
6.4.11): LTE and NR measurement reports, timing advance, carrier aggregation reconfiguration,
and the measurement results they carry.

Values are indices on the 3GPP scales (:mod:`.scales`). Beam-level (``rsIndexResults``) and
CSI-RS results, EN-DC NR serving cells (``newRadioMeasInfo``) and the extended LTE ranges
(``...Ex``) are modelled for conformance but never sent: meclab's cells have no beams, no CSI-RS
and no dual connectivity, and the extended indices are negative where the GS types are unsigned.
"""

from __future__ import annotations

from typing import Literal

from meclab.platform.wire import WireModel
from meclab.services.rnis.models_common import (
    UINT8,
    UINT32,
    AssociateId,
    Ecgi,
    Nrcgi,
    Plmn,
    Trigger,
    TriggerNr,
)
from meclab.services.rnis.models_notifications import NotificationBase


class EutranNeighbourCellMeasInfo(WireModel):
    """An LTE neighbour in an LTE report (clause 6.4.6)."""

    ecgi: Ecgi
    rsrp: UINT8 | None = None
    rsrpEx: UINT8 | None = None
    rsrq: UINT8 | None = None
    rsrqEx: UINT8 | None = None
    sinr: UINT8 | None = None


class CarrierAggregationMeasInfo(WireModel):
    """A secondary cell and its best neighbour in an LTE report (clause 6.4.6)."""

    cellIdSrv: str
    rsrpSrv: UINT8 | None = None
    rsrpSrvEx: UINT8 | None = None
    rsrqSrv: UINT8 | None = None
    rsrqSrvEx: UINT8 | None = None
    sinrSrv: UINT8 | None = None
    cellIdNei: str | None = None
    rsrpNei: UINT8 | None = None
    rsrpNeiEx: UINT8 | None = None
    rsrqNei: UINT8 | None = None
    rsrqNeiEx: UINT8 | None = None
    sinrNei: UINT8 | None = None


class NrSCellInfo(WireModel):
    nrSCellPlmn: list[Plmn]
    nrSCellGId: str


class NrSCs(WireModel):
    nrSCellInfo: list[NrSCellInfo]
    nrSCellRsrp: UINT8 | None = None
    nrSCellRsrq: UINT8 | None = None
    nrSCellRssi: UINT8 | None = None


class NrBNCellInfo(WireModel):
    nrBNCellPlmn: list[Plmn]
    nrBNCellGId: str


class NrBNCs(WireModel):
    nrBNCellInfo: list[NrBNCellInfo]
    nrBNCellRsrp: UINT8 | None = None
    nrBNCellRsrq: UINT8 | None = None
    nrBNCellRssi: UINT8 | None = None


class NewRadioMeasInfo(WireModel):
    """NR serving cells of an EN-DC UE in an LTE report (meclab has no EN-DC: never sent)."""

    nrCarrierFreq: UINT32
    nrSCs: NrSCs
    nrBNCs: NrBNCs | None = None


class MeasQuantityResultsNr(WireModel):
    """SS-RSRP, SS-RSRQ and SS-SINR indices (TS 38.133 scales, :mod:`..scales`)."""

    rsrp: UINT8 | None = None
    rsrq: UINT8 | None = None
    sinr: UINT8 | None = None


class ResultsPerSsbIndex(WireModel):
    ssbIndex: UINT8
    ssbResults: MeasQuantityResultsNr | None = None


class ResultsPerSsbIndexList(WireModel):
    resultsPerSsbIndex: list[ResultsPerSsbIndex] | None = None


class ResultsPerCsiRsIndex(WireModel):
    csiRsIndex: UINT8
    csiRsResults: MeasQuantityResultsNr | None = None


class ResultsPerCsiRsIndexList(WireModel):
    resultsPerCsiRsIndex: list[ResultsPerCsiRsIndex] | None = None


class RsIndexResults(WireModel):
    """Beam-level results (meclab's cells have no beams: never sent)."""

    resultsSsbIndexes: ResultsPerSsbIndexList
    resultsCsiRsIndexes: ResultsPerCsiRsIndexList


class NrNCellInfo(WireModel):
    nrNCellPlmn: list[Plmn]
    nrNCellGId: str


class NewRadioMeasNeiInfo(WireModel):
    """An NR neighbour in an LTE report (clause 6.4.6)."""

    nrNCellInfo: list[NrNCellInfo]
    nrNCellRsrp: UINT8 | None = None
    nrNCellRsrq: UINT8 | None = None
    nrNCellRssi: UINT8 | None = None
    """The GS calls it RSSI and describes it as the SINR index: meclab sends SS-SINR."""
    rsIndexResults: RsIndexResults | None = None


class MeasRepUeNotification(NotificationBase):
    """Clause 6.4.6: an LTE UE's measurement report."""

    notificationType: Literal["MeasRepUeNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    rsrp: UINT8
    rsrpEx: UINT8 | None = None
    rsrq: UINT8
    rsrqEx: UINT8 | None = None
    sinr: UINT8 | None = None
    trigger: Trigger
    eutranNeighbourCellMeasInfo: list[EutranNeighbourCellMeasInfo] | None = None
    carrierAggregationMeasInfo: list[CarrierAggregationMeasInfo] | None = None
    heightUe: int | None = None
    newRadioMeasInfo: list[NewRadioMeasInfo] | None = None
    newRadioMeasNeiInfo: list[NewRadioMeasNeiInfo] | None = None


class SCell(WireModel):
    """The serving cell's results in an NR report."""

    measQuantityResultsSsbCell: MeasQuantityResultsNr | None = None
    measQuantityResultsCsiRsCell: MeasQuantityResultsNr | None = None
    rsIndexResults: RsIndexResults | None = None


class NCell(WireModel):
    """The best neighbour's results beside a serving cell in an NR report."""

    measQuantityResultsSsbCell: MeasQuantityResultsNr | None = None
    measQuantityResultsCsiRsCell: MeasQuantityResultsNr | None = None
    rsIndexResults: RsIndexResults | None = None


class ServCellMeasInfo(WireModel):
    nrcgi: Nrcgi
    sCell: SCell
    nCell: NCell | None = None


class NrNeighCellMeasInfo(WireModel):
    nrcgi: Nrcgi
    measQuantityResultsSsbCell: MeasQuantityResultsNr | None = None
    measQuantityResultsCsiRsCell: MeasQuantityResultsNr | None = None
    rsIndexResults: RsIndexResults | None = None


class EutraNeighCellMeasInfo(WireModel):
    """An LTE neighbour in an NR report (TS 38.331 RSRP-RangeEUTRA etc., the LTE scales)."""

    ecgi: Ecgi
    rsrp: UINT8 | None = None
    rsrq: UINT8 | None = None
    sinr: UINT8 | None = None


class NrMeasRepUeNotification(NotificationBase):
    """Clause 6.4.11: a 5G UE's measurement report."""

    notificationType: Literal["NrMeasRepUeNotification"]
    associateId: list[AssociateId] | None = None
    triggerNr: TriggerNr
    servCellMeasInfo: list[ServCellMeasInfo] | None = None
    nrNeighCellMeasInfo: list[NrNeighCellMeasInfo] | None = None
    eutraNeighCellMeasInfo: list[EutraNeighCellMeasInfo] | None = None


class MeasTaNotification(NotificationBase):
    """Clause 6.4.7: a UE's timing advance."""

    notificationType: Literal["MeasTaNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    timingAdvance: UINT32


class SecondaryCellAdd(WireModel):
    ecgi: Ecgi


class SecondaryCellRemove(WireModel):
    ecgi: Ecgi


class CarrierAggregationMeasInfo1(WireModel):
    """A secondary cell and its best neighbour in a CA reconfiguration (clause 6.4.8)."""

    cellIdSrv: str
    rsrpSrv: UINT32 | None = None
    rsrqSrv: UINT32 | None = None
    cellIdNei: str
    rsrpNei: UINT32 | None = None
    rsrqNei: UINT32 | None = None


class CaReconfNotification(NotificationBase):
    """Clause 6.4.8: a UE's secondary cells changed."""

    notificationType: Literal["CaReconfNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    secondaryCellAdd: list[SecondaryCellAdd] | None = None
    secondaryCellRemove: list[SecondaryCellRemove] | None = None
    carrierAggregationMeasInfo: list[CarrierAggregationMeasInfo1] | None = None


__all__ = [
    "CaReconfNotification",
    "CarrierAggregationMeasInfo",
    "CarrierAggregationMeasInfo1",
    "EutraNeighCellMeasInfo",
    "EutranNeighbourCellMeasInfo",
    "MeasQuantityResultsNr",
    "MeasRepUeNotification",
    "MeasTaNotification",
    "NCell",
    "NewRadioMeasInfo",
    "NewRadioMeasNeiInfo",
    "NrBNCellInfo",
    "NrBNCs",
    "NrMeasRepUeNotification",
    "NrNCellInfo",
    "NrNeighCellMeasInfo",
    "NrSCellInfo",
    "NrSCs",
    "ResultsPerCsiRsIndex",
    "ResultsPerCsiRsIndexList",
    "ResultsPerSsbIndex",
    "ResultsPerSsbIndexList",
    "RsIndexResults",
    "SCell",
    "SecondaryCellAdd",
    "SecondaryCellRemove",
    "ServCellMeasInfo",
]
