"""MEC 012 RNI bodies (ETSI GS MEC 012 V2.2.1 clause 6), bare on the wire (INVENTORY §3.10).

This module holds the query resources (clause 6.2) and re-exports the subscription
(:mod:`.models_subscriptions`), notification (:mod:`.models_notifications`) and common
(:mod:`.models_common`) types, so that every RNI body has its model here under the spec's name.
"""

from __future__ import annotations

from pydantic import Field

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.rnis.models_common import *  # noqa: F403 - re-exported on purpose
from meclab.services.rnis.models_common import AssociateId, Ecgi, ErabQosParameters, Plmn, TempUeId
from meclab.services.rnis.models_notifications import *  # noqa: F403
from meclab.services.rnis.models_notifications import S1BearerInfoDetailed
from meclab.services.rnis.models_reports import *  # noqa: F403
from meclab.services.rnis.models_subscriptions import *  # noqa: F403


class ErabInfo(WireModel):
    """An E-RAB of a UE (clause 6.2.3)."""

    erabId: int = Field(ge=0, le=15)
    erabQosParameters: ErabQosParameters | None = None


class UeInfo(WireModel):
    """A UE and its E-RABs (clause 6.2.3)."""

    associateId: list[AssociateId] | None = None
    erabInfo: list[ErabInfo]


class CellUserInfo(WireModel):
    """A cell and the UEs it serves (clause 6.2.3)."""

    ecgi: Ecgi
    ueInfo: list[UeInfo]


class RabInfo(WireModel):
    """Clause 6.2.3: the E-RABs of the UEs in RNIS's cells."""

    timeStamp: TimeStamp | None = None
    appInstanceId: str
    requestId: str
    cellUserInfo: list[CellUserInfo] | None = None


class PlmnInfo(WireModel):
    """Clause 6.2.2: the mobile network a MEC application instance is associated with."""

    timeStamp: TimeStamp | None = None
    appInstanceId: str
    plmn: list[Plmn] = Field(min_length=1)


class S1UeInfo(WireModel):
    """A UE and its S1 bearers (clause 6.2.4)."""

    tempUeId: TempUeId | None = None
    associateId: list[AssociateId] = Field(min_length=1)
    ecgi: list[Ecgi] = Field(min_length=1)
    s1BearerInfoDetailed: list[S1BearerInfoDetailed] = Field(min_length=1)


class S1BearerInfo(WireModel):
    """Clause 6.2.4: the S1 bearers of the UEs in RNIS's cells."""

    timeStamp: TimeStamp | None = None
    s1UeInfo: list[S1UeInfo] = Field(min_length=1)
    """Mandatory, at least one (clause 6.2.4): a query that matches no bearer is a 404."""


class CellInfo(WireModel):
    """Cell-level layer 2 measurements (clause 6.2.4a; TS 36.314 clause 4.1)."""

    ecgi: Ecgi
    dl_gbr_prb_usage_cell: int | None = None
    ul_gbr_prb_usage_cell: int | None = None
    dl_nongbr_prb_usage_cell: int | None = None
    ul_nongbr_prb_usage_cell: int | None = None
    dl_total_prb_usage_cell: int | None = None
    ul_total_prb_usage_cell: int | None = None
    received_dedicated_preambles_cell: int | None = None
    received_randomly_selected_preambles_low_range_cell: int | None = None
    received_randomly_selected_preambles_high_range_cell: int | None = None
    number_of_active_ue_dl_gbr_cell: int | None = None
    number_of_active_ue_ul_gbr_cell: int | None = None
    number_of_active_ue_dl_nongbr_cell: int | None = None
    number_of_active_ue_ul_nongbr_cell: int | None = None
    dl_gbr_pdr_cell: int | None = None
    ul_gbr_pdr_cell: int | None = None
    dl_nongbr_pdr_cell: int | None = None
    ul_nongbr_pdr_cell: int | None = None


class CellUEInfo(WireModel):
    """Per-UE layer 2 measurements in a cell (clause 6.2.4a; TS 36.314 clause 4.1)."""

    ecgi: Ecgi
    associateId: AssociateId
    dl_gbr_delay_ue: int | None = None
    ul_gbr_delay_ue: int | None = None
    dl_nongbr_delay_ue: int | None = None
    ul_nongbr_delay_ue: int | None = None
    dl_gbr_pdr_ue: int | None = None
    ul_gbr_pdr_ue: int | None = None
    dl_nongbr_pdr_ue: int | None = None
    ul_nongbr_pdr_ue: int | None = None
    dl_gbr_throughput_ue: int | None = None
    ul_gbr_throughput_ue: int | None = None
    dl_nongbr_throughput_ue: int | None = None
    ul_nongbr_throughput_ue: int | None = None
    dl_gbr_data_volume_ue: int | None = None
    ul_gbr_data_volume_ue: int | None = None
    dl_nongbr_data_volume_ue: int | None = None
    ul_nongbr_data_volume_ue: int | None = None


class L2Meas(WireModel):
    """Clause 6.2.4a: layer 2 measurements of RNIS's cells and of the UEs they serve."""

    timeStamp: TimeStamp | None = None
    cellInfo: list[CellInfo] | None = None
    cellUEInfo: list[CellUEInfo] | None = None


CELL_MEASUREMENTS: tuple[str, ...] = tuple(n for n in CellInfo.model_fields if n != "ecgi")
"""Names of the cell-level layer 2 figures (each is also a query filter)."""
UE_MEASUREMENTS: tuple[str, ...] = tuple(
    n for n in CellUEInfo.model_fields if n not in ("ecgi", "associateId")
)
"""Names of the UE-level layer 2 figures (each is also a query filter)."""
