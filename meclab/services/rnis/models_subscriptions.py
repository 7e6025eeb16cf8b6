"""RNI subscriptions (ETSI GS MEC 012 V2.2.1 clause 6.3).

The body of ``POST``/``PUT /subscriptions`` is one of nine types, told apart by
``subscriptionType`` (the generated v2.2.1 file collapses them to CellChangeSubscription; the
first-party v2.1.1 file keeps the ``oneOf``: INVENTORY §3.10). meclab reads the discriminator
first and then validates the body against that type, so an error names the attributes of the
type the client meant.

Every type has ``callbackReference`` and/or ``websockNotifConfig`` (at least one, clause 6.3.2
note), ``requestTestNotification``, ``_links`` (set by RNIS) and ``expiryDeadline``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.rnis.models_common import (
    UINT8,
    AssociateId,
    CallbackUri,
    Ecgi,
    HoStatus,
    Nrcgi,
    S1Event,
    SubscriptionSelfLinks,
    Trigger,
    TriggerNr,
    WebsockNotifConfig,
)

CELL_CHANGE = "CellChangeSubscription"
RAB_EST = "RabEstSubscription"
RAB_MOD = "RabModSubscription"
RAB_REL = "RabRelSubscription"
MEAS_REP_UE = "MeasRepUeSubscription"
NR_MEAS_REP_UE = "NrMeasRepUeSubscription"
MEAS_TA = "MeasTaSubscription"
CA_RECONF = "CaReconfSubscription"
S1_BEARER = "S1BearerSubscription"

SHORT_TYPES: dict[str, str] = {
    "cell_change": CELL_CHANGE,
    "rab_est": RAB_EST,
    "rab_mod": RAB_MOD,
    "rab_rel": RAB_REL,
    "meas_rep_ue": MEAS_REP_UE,
    "nr_meas_rep_ue": NR_MEAS_REP_UE,
    "timing_advance_ue": MEAS_TA,
    "ca_reconf": CA_RECONF,
    "s1_bearer": S1_BEARER,
}
"""``subscription_type`` query values (INVENTORY §3.5) and the types they name."""


class _Subscription(WireModel):
    """What every subscription type has."""

    subscriptionType: str
    callbackReference: CallbackUri | None = None
    requestTestNotification: bool | None = None
    websockNotifConfig: WebsockNotifConfig | None = None
    links: SubscriptionSelfLinks | None = Field(None, alias="_links")
    expiryDeadline: TimeStamp | None = None


# --- filter criteria -------------------------------------------------------------------------


class FilterCriteriaAssoc(WireModel):
    """Clause 6.3.7/6.3.8 filterCriteriaAssoc: which UEs and cells."""

    appInstanceId: str | None = None
    associateId: list[AssociateId] | None = None
    ecgi: list[Ecgi] | None = None


class FilterCriteriaAssocHo(FilterCriteriaAssoc):
    """Clause 6.3.2 filterCriteriaAssocHo: plus the handover statuses (default [3] COMPLETED)."""

    hoStatus: list[HoStatus] | None = None


class FilterCriteriaAssocTri(FilterCriteriaAssoc):
    """Clause 6.3.6 filterCriteriaAssocTri: plus the measurement report triggers."""

    trigger: list[Trigger] | None = None


class FilterCriteriaNrMrs(WireModel):
    """Clause 6.3.11 filterCriteriaNrMrs: UEs, NR cells and 5G report triggers."""

    appInstanceId: str | None = None
    associateId: list[AssociateId] | None = None
    nrcgi: list[Nrcgi] | None = None
    triggerNr: list[TriggerNr] | None = None


class FilterCriteriaQci(WireModel):
    """Clause 6.3.3 filterCriteriaQci: bearers of one QCI, optionally in some cells."""

    appInstanceId: str | None = None
    ecgi: list[Ecgi] | None = None
    qci: UINT8


class FilterCriteriaQci1(FilterCriteriaQci):
    """Clause 6.3.4/6.3.5 filterCriteriaQci: plus the E-RAB identity."""

    erabId: int = Field(ge=0, le=15)


class S1BearerSubscriptionCriteria(WireModel):
    """Clause 6.3.9 S1BearerSubscriptionCriteria."""

    associateId: list[AssociateId] | None = None
    ecgi: list[Ecgi] | None = None
    erabId: list[int] | None = None


# --- the nine types --------------------------------------------------------------------------


class CellChangeSubscription(_Subscription):
    """Clause 6.3.2."""

    subscriptionType: Literal["CellChangeSubscription"]
    filterCriteriaAssocHo: FilterCriteriaAssocHo


class RabEstSubscription(_Subscription):
    """Clause 6.3.3."""

    subscriptionType: Literal["RabEstSubscription"]
    filterCriteriaQci: FilterCriteriaQci


class RabModSubscription(_Subscription):
    """Clause 6.3.4."""

    subscriptionType: Literal["RabModSubscription"]
    filterCriteriaQci: FilterCriteriaQci1


class RabRelSubscription(_Subscription):
    """Clause 6.3.5."""

    subscriptionType: Literal["RabRelSubscription"]
    filterCriteriaQci: FilterCriteriaQci1


class MeasRepUeSubscription(_Subscription):
    """Clause 6.3.6."""

    subscriptionType: Literal["MeasRepUeSubscription"]
    filterCriteriaAssocTri: FilterCriteriaAssocTri


class NrMeasRepUeSubscription(_Subscription):
    """Clause 6.3.11."""

    subscriptionType: Literal["NrMeasRepUeSubscription"]
    filterCriteriaNrMrs: FilterCriteriaNrMrs


class MeasTaSubscription(_Subscription):
    """Clause 6.3.7."""

    subscriptionType: Literal["MeasTaSubscription"]
    filterCriteriaAssoc: FilterCriteriaAssoc


class CaReconfSubscription(_Subscription):
    """Clause 6.3.8."""

    subscriptionType: Literal["CaReconfSubscription"]
    filterCriteriaAssoc: FilterCriteriaAssoc


class S1BearerSubscription(_Subscription):
    """Clause 6.3.9."""

    subscriptionType: Literal["S1BearerSubscription"]
    eventType: list[S1Event] = Field(min_length=1)
    S1BearerSubscriptionCriteria: S1BearerSubscriptionCriteria


AnySubscription = (
    CellChangeSubscription
    | RabEstSubscription
    | RabModSubscription
    | RabRelSubscription
    | MeasRepUeSubscription
    | NrMeasRepUeSubscription
    | MeasTaSubscription
    | CaReconfSubscription
    | S1BearerSubscription
)

SUBSCRIPTION_MODELS: dict[str, type[AnySubscription]] = {
    CELL_CHANGE: CellChangeSubscription,
    RAB_EST: RabEstSubscription,
    RAB_MOD: RabModSubscription,
    RAB_REL: RabRelSubscription,
    MEAS_REP_UE: MeasRepUeSubscription,
    NR_MEAS_REP_UE: NrMeasRepUeSubscription,
    MEAS_TA: MeasTaSubscription,
    CA_RECONF: CaReconfSubscription,
    S1_BEARER: S1BearerSubscription,
}
"""Each ``subscriptionType`` and the model of its body."""
