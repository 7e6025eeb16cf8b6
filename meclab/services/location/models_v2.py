"""ETSI GS MEC 013 v2.2.1 subscriptions and notifications, kept for ETSI MEC Sandbox clients.

Apps written for the ETSI MEC Sandbox and AdvantEDGE use the v2.2.1 resources
(``/subscriptions/userTracking``, ``zonalTraffic``, ``zoneStatus``, ``distance``,
``area/circle``, ``periodic``). They differ from v3 in shape: no ``subscriptionType`` (the root
element names the type), an OMA ``callbackReference`` object (``notifyURL``, ``callbackData``),
``resourceURL`` instead of ``_links``, a ``duration`` in seconds instead of an
``expiryDeadline``, and ``link`` lists in notifications.
"""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field, model_validator

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.location.models import (
    LocationInfo,
    OperationStatus,
    RetrievalStatus,
    ServiceError,
)
from meclab.services.location.models_v3 import DistanceCriteria, UserDistanceSubscription, Wrapper


class UserEventType(StrEnum):
    """Zonal presence events (v2.2.1 UserEventType)."""

    ENTERING = "Entering"
    LEAVING = "Leaving"
    TRANSFERRING = "Transferring"


class EnteringLeavingCriteria(StrEnum):
    """Which crossing of a circle to report (v2.2.1 EnteringLeavingCriteria)."""

    ENTERING = "Entering"
    LEAVING = "Leaving"


class CallbackReference(WireModel):
    """Where and how to notify (OMA REST NetAPI common CallbackReference)."""

    notifyURL: str
    callbackData: str | None = None
    notificationFormat: Literal["XML", "JSON"] | None = None

    @model_validator(mode="after")
    def _json_only(self) -> CallbackReference:
        if self.notificationFormat == "XML":
            raise ValueError("meclab sends notifications as JSON only (notificationFormat JSON)")
        return self


class Link(WireModel):
    """A related resource (v2.2.1 Link)."""

    rel: str
    href: str


class V2Subscription(WireModel):
    """What every v2.2.1 subscription has."""

    TYPE: ClassVar[str] = ""
    callbackReference: CallbackReference
    clientCorrelator: str | None = None
    resourceURL: str | None = None


class UserTrackingSubscription(V2Subscription):
    """A user entering, leaving or moving between access points of zones (v2.2.1)."""

    TYPE: ClassVar[str] = "UserTrackingSubscription"
    address: str
    userEventCriteria: list[UserEventType] | None = None


class ZonalTrafficSubscription(V2Subscription):
    """Users entering, leaving or moving within a zone (v2.2.1)."""

    TYPE: ClassVar[str] = "ZonalTrafficSubscription"
    zoneId: str
    interestRealm: list[str] | None = None
    userEventCriteria: list[UserEventType] | None = None
    duration: int | None = Field(None, ge=0)


class ZoneStatusSubscriptionV2(V2Subscription):
    """The number of users of a zone or of one of its access points passing a threshold."""

    TYPE: ClassVar[str] = "ZoneStatusSubscription"
    zoneId: str
    numberOfUsersZoneThreshold: int | None = Field(None, ge=0)
    numberOfUsersAPThreshold: int | None = Field(None, ge=0)
    operationStatus: list[OperationStatus] | None = None


class TrackingSubscriptionV2(V2Subscription):
    """What the three terminal-location subscriptions share (OMA TerminalLocation)."""

    duration: int | None = Field(None, ge=0)
    frequency: int = Field(ge=0)
    requester: str | None = None
    link: list[Link] | None = None


class CircleNotificationSubscription(TrackingSubscriptionV2):
    """Terminals entering or leaving a circle (v2.2.1)."""

    TYPE: ClassVar[str] = "CircleNotificationSubscription"
    address: list[str] = Field(min_length=1)
    latitude: float = Field(ge=-90.0, le=90.0)
    longitude: float = Field(ge=-180.0, le=180.0)
    radius: float = Field(gt=0)
    trackingAccuracy: float = Field(ge=0)
    enteringLeavingCriteria: EnteringLeavingCriteria
    checkImmediate: bool
    count: int | None = Field(None, ge=0)


class DistanceNotificationSubscription(TrackingSubscriptionV2):
    """Terminals coming within or going beyond a distance of others (v2.2.1)."""

    TYPE: ClassVar[str] = "DistanceNotificationSubscription"
    monitoredAddress: list[str] = Field(min_length=1)
    referenceAddress: list[str] | None = None
    distance: float = Field(ge=0)
    trackingAccuracy: float = Field(ge=0)
    criteria: DistanceCriteria
    checkImmediate: bool
    count: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _pairs(self) -> DistanceNotificationSubscription:
        if not self.referenceAddress and len(self.monitoredAddress) < 2:
            raise ValueError("without referenceAddress, monitoredAddress needs two terminals")
        return self


class PeriodicNotificationSubscription(TrackingSubscriptionV2):
    """Terminals' locations every ``frequency`` seconds (v2.2.1)."""

    TYPE: ClassVar[str] = "PeriodicNotificationSubscription"
    address: list[str] = Field(min_length=1)
    requestedAccuracy: int = Field(ge=0)
    frequency: int = Field(gt=0)


V2_TYPES: dict[str, type[V2Subscription]] = {
    cls.TYPE: cls
    for cls in (
        UserTrackingSubscription,
        ZonalTrafficSubscription,
        ZoneStatusSubscriptionV2,
        CircleNotificationSubscription,
        DistanceNotificationSubscription,
        PeriodicNotificationSubscription,
    )
}
"""The v2.2.1 subscription types by name (their root element, capitalised)."""


# --- root elements ----------------------------------------------------------------------------


class UserTrackingBody(WireModel):
    userTrackingSubscription: UserTrackingSubscription


class ZonalTrafficBody(WireModel):
    zonalTrafficSubscription: ZonalTrafficSubscription


class ZoneStatusBody(WireModel):
    zoneStatusSubscription: ZoneStatusSubscriptionV2


class CircleBody(WireModel):
    circleNotificationSubscription: CircleNotificationSubscription


class PeriodicBody(WireModel):
    periodicNotificationSubscription: PeriodicNotificationSubscription


class DistanceBody(WireModel):
    distanceNotificationSubscription: DistanceNotificationSubscription


class DistanceSubscriptionBody(Wrapper):
    """``/subscriptions/distance`` under v3.1.1's base path takes either version's distance
    subscription (and answers each in its own root element)."""

    userDistanceSubscription: UserDistanceSubscription | None = None
    distanceNotificationSubscription: DistanceNotificationSubscription | None = None


class NotificationSubscriptionListV2(WireModel):
    """The subscriptions of a v2.2.1 collection: full bodies under their type's element (the
    one of the collection), and the collection's URL."""

    resourceURL: str
    userTrackingSubscription: list[UserTrackingSubscription] | None = None
    zonalTrafficSubscription: list[ZonalTrafficSubscription] | None = None
    zoneStatusSubscription: list[ZoneStatusSubscriptionV2] | None = None
    circleNotificationSubscription: list[CircleNotificationSubscription] | None = None
    periodicNotificationSubscription: list[PeriodicNotificationSubscription] | None = None
    distanceNotificationSubscription: list[DistanceNotificationSubscription] | None = None


class NotificationSubscriptionListBodyV2(WireModel):
    notificationSubscriptionList: NotificationSubscriptionListV2


# --- notifications --------------------------------------------------------------------------


class ZonalPresenceNotification(WireModel):
    """A user entered, left or moved within a zone (v2.2.1)."""

    zoneId: str
    address: str
    userEventType: UserEventType
    currentAccessPointId: str
    previousAccessPointId: str | None = None
    interestRealm: str | None = None
    timestamp: TimeStamp
    callbackData: str | None = None
    link: list[Link] | None = None


class ZoneStatusNotificationV2(WireModel):
    """A zone's or access point's number of users passed its threshold (v2.2.1)."""

    zoneId: str
    accessPointId: str | None = None
    numberOfUsersInZone: int | None = None
    numberOfUsersInAP: int | None = None
    operationStatus: OperationStatus | None = None
    timestamp: TimeStamp
    callbackData: str | None = None
    link: list[Link] | None = None


class LocationInfoV2(LocationInfo):
    """v2.2.1 LocationInfo: v3's, plus when it was measured."""

    timestamp: TimeStamp | None = None


class TerminalLocation(WireModel):
    """A terminal's address and location, or why it has none (OMA TerminalLocation)."""

    address: str
    locationRetrievalStatus: RetrievalStatus
    currentLocation: LocationInfoV2 | None = None
    errorInformation: ServiceError | None = None


class SubscriptionNotification(WireModel):
    """A circle, distance or periodic notification (v2.2.1)."""

    terminalLocation: list[TerminalLocation]
    enteringLeavingCriteria: EnteringLeavingCriteria | None = None
    distanceCriteria: DistanceCriteria | None = None
    isFinalNotification: bool | None = None
    callbackData: str | None = None
    link: list[Link] | None = None
