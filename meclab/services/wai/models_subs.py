"""MEC 028 subscriptions and notifications (ETSI GS MEC 028 V2.3.1 clauses 6.3 and 6.4).

The request body of ``POST``/``PUT /subscriptions`` is one of three types, told apart by
``subscriptionType`` (the harvested v2.3.1 file collapses them to AssocStaSubscription; the
first-party v2.2.6 file keeps the ``oneOf``, INVENTORY §3.10). meclab reads the discriminator
first, then validates the body against its type, so an error names the attributes of the type
the client meant.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Literal

from pydantic import Field

from meclab.platform.wire import LinkType, SelfLink, TimeStamp, WireModel
from meclab.services.wai.models import StaDataRate
from meclab.services.wai.models_ids import UINT8, UINT32, ApIdentity, StaIdentity
from meclab.services.wai.models_measure import (
    BeaconReport,
    ChannelLoad,
    MeasurementInfo,
    NeighborReport,
)

ASSOC_STA = "AssocStaSubscription"
STA_DATA_RATE = "StaDataRateSubscription"
MEASUREMENT_REPORT = "MeasurementReportSubscription"

SHORT_TYPES = {
    "assoc_sta": ASSOC_STA,
    "sta_data_rate": STA_DATA_RATE,
    "measure_report": MEASUREMENT_REPORT,
}
"""``subscription_type`` query values (clause 7.4.3.1) and the types they name."""


class WebsockNotifConfig(WireModel):
    """Clause 6.5.42 (MEC 009 clause 6.12a)."""

    websocketUri: str | None = None
    requestWebsocketUri: bool | None = None


class _Subscription(WireModel):
    """What every WAI subscription type has (Table 6.3.2-1 and its siblings)."""

    callbackReference: str | None = None
    requestTestNotification: bool | None = None
    websockNotifConfig: WebsockNotifConfig | None = None
    links: SelfLink | None = Field(None, alias="_links")
    expiryDeadline: TimeStamp | None = None


class StationCountTrigger(IntEnum):
    """AssocStaSubscription ``notificationEvent.trigger`` (clause 6.3.2)."""

    AT_LEAST = 1
    """The number of associated stations is greater than or equal to the threshold."""
    AT_MOST = 2
    """The number of associated stations is less than or equal to the threshold."""


class AssocStaEvent(WireModel):
    """AssocStaSubscription ``notificationEvent``."""

    trigger: StationCountTrigger
    threshold: int = Field(ge=0, le=UINT8)


class AssocStaSubscription(_Subscription):
    """Clause 6.3.2: the stations associated with one AP."""

    subscriptionType: Literal["AssocStaSubscription"]
    apId: ApIdentity
    notificationPeriod: int | None = Field(None, ge=1, le=UINT8)
    """Seconds of simulation time between periodic notifications."""
    notificationEvent: AssocStaEvent | None = None


class RateTrigger(IntEnum):
    """StaDataRateSubscription ``notificationEvent.trigger`` (clause 6.3.3)."""

    DL_AT_LEAST = 1
    DL_AT_MOST = 2
    UL_AT_LEAST = 3
    UL_AT_MOST = 4
    BOTH_AT_LEAST = 5
    BOTH_AT_MOST = 6
    EITHER_AT_LEAST = 7
    EITHER_AT_MOST = 8


class StaDataRateEvent(WireModel):
    """StaDataRateSubscription ``notificationEvent`` (thresholds in kbit/s)."""

    trigger: RateTrigger
    downlinkRateThreshold: int | None = Field(None, ge=0, le=UINT32)
    uplinkRateThreshold: int | None = Field(None, ge=0, le=UINT32)


class StaDataRateSubscription(_Subscription):
    """Clause 6.3.3: the data rates of some stations."""

    subscriptionType: Literal["StaDataRateSubscription"]
    staId: list[StaIdentity] = Field(min_length=1)
    notificationPeriod: int | None = Field(None, ge=1, le=UINT8)
    notificationEvent: StaDataRateEvent | None = None


class MeasurementReportSubscription(_Subscription):
    """Clause 6.3.5: measurement reports of some stations."""

    subscriptionType: Literal["MeasurementReportSubscription"]
    staId: list[StaIdentity] = Field(min_length=1)
    measurementId: str = Field(min_length=1)
    measurementInfo: MeasurementInfo


WaiSubscription = AssocStaSubscription | StaDataRateSubscription | MeasurementReportSubscription

SUBSCRIPTION_MODELS: dict[str, type[WaiSubscription]] = {
    ASSOC_STA: AssocStaSubscription,
    STA_DATA_RATE: StaDataRateSubscription,
    MEASUREMENT_REPORT: MeasurementReportSubscription,
}


class SubscriptionLink(WireModel):
    href: str
    subscriptionType: str


class SubscriptionLinkList(WireModel):
    """Clause 6.3.4. Unlike MEC 009's generic list, WAI puts the entries beside ``_links``,
    in an array named ``subscription``."""

    links: SelfLink = Field(alias="_links")
    subscription: list[SubscriptionLink] = Field(default_factory=list)


# --- notifications -----------------------------------------------------------------------


class AssocStaNotification(WireModel):
    """Clause 6.4.2: the stations associated with an AP now."""

    notificationType: Literal["AssocStaNotification"]
    timeStamp: TimeStamp | None = None
    apId: ApIdentity
    staId: list[StaIdentity] | None = None


class StaDataRateNotification(WireModel):
    """Clause 6.4.3."""

    notificationType: Literal["StaDataRateNotification"]
    timeStamp: TimeStamp | None = None
    staDataRate: list[StaDataRate] | None = None


class MeasurementReportNotification(WireModel):
    """Clause 6.4.5 (no STA statistics: see :mod:`.models_measure`)."""

    notificationType: Literal["MeasurementReportNotification"]
    timeStamp: TimeStamp | None = None
    beaconReport: list[BeaconReport] | None = None
    channelLoad: list[ChannelLoad] | None = None
    neighborReport: list[NeighborReport] | None = None


class SubscriptionLinks(WireModel):
    subscription: LinkType


class ExpiryNotification(WireModel):
    """Clause 6.4.4."""

    notificationType: Literal["ExpiryNotification"]
    links: SubscriptionLinks = Field(alias="_links")
    expiryDeadline: TimeStamp


class TestNotification(WireModel):
    """Clause 6.4.6 (MEC 009 clause 6.12a)."""

    __test__ = False  # not a pytest test class, despite its name

    notificationType: Literal["TestNotification"]
    links: SubscriptionLinks = Field(alias="_links")
