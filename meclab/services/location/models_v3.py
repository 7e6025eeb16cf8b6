"""ETSI GS MEC 013 v3.1.1 subscriptions (clause 6.3), their parts (clause 6.5) and the root
elements requests come in (notifications: :mod:`.models_v3_notifications`).

Requests reject unknown attributes. ``subscriptionType`` must name the subscription's own type;
the spec's examples spell it in lower camel case (``userAreaSubscription``), so the comparison
ignores case and the stored value is the GS spelling.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any, ClassVar

from pydantic import Field, field_validator, model_validator

from meclab.platform.wire import LinkType, SelfLink, TimeStamp, WireModel
from meclab.services.location.models import OperationStatus


class LocationEventType(StrEnum):
    """Location events a subscription asks for (v3.1.1 LocationEventType)."""

    ENTERING = "ENTERING_AREA_EVENT"
    LEAVING = "LEAVING_AREA_EVENT"


class OccurrenceInfo(StrEnum):
    """Whether a user location event is reported once or every time (clause 6.5.5)."""

    ONE_TIME = "ONE_TIME_EVENT"
    MULTIPLE_TIME = "MULTIPLE_TIME_EVENT"


class DistanceCriteria(StrEnum):
    """What a distance subscription watches for (clause 6.3.9)."""

    ALL_WITHIN = "AllWithinDistance"
    ANY_WITHIN = "AnyWithinDistance"
    ALL_BEYOND = "AllBeyondDistance"
    ANY_BEYOND = "AnyBeyondDistance"


class NotificationResult(StrEnum):
    """Result of a periodic localisation (clause 6.4.5)."""

    SUCCESS = "SUCCESS"
    ABNORMAL = "ABNORMAL"


class UserNumEvent(IntEnum):
    """Which user-count threshold a zone status notification reports (clause 6.4.7)."""

    OVER_ZONE_UPPER_THD = 1
    UNDER_ZONE_LOWER_THD = 2
    OVER_AP_UPPER_THD = 3
    UNDER_AP_LOWER_THD = 4


class AreaShape(IntEnum):
    """Shape of a monitored area (clause 6.5.7)."""

    CIRCLE = 1
    POLYGON = 2


class WebsockNotifConfig(WireModel):
    """Websocket delivery (clause 6.5.4; MEC 009 clause 6.12a)."""

    websocketUri: str | None = None
    requestWebsocketUri: bool | None = None


class ReportingCtrl(WireModel):
    """Reporting controls (clause 6.5.6): a count limit and a minimum spacing in seconds."""

    maximumCount: int | None = Field(None, ge=0)
    maximumFrequency: int | None = Field(None, ge=0)
    minimumInterval: int | None = Field(None, ge=0)


class Point(WireModel):
    """A WGS84 point (clause 6.5.8)."""

    latitude: float = Field(ge=-90.0, le=90.0)
    longitude: float = Field(ge=-180.0, le=180.0)


class AreaInfo(WireModel):
    """A monitored area (clause 6.5.7): a circle (one point and a radius) or a polygon (3 to 15
    points)."""

    shape: AreaShape
    points: list[Point] = Field(min_length=1)
    radius: int | None = Field(None, gt=0)

    @model_validator(mode="after")
    def _shape_fits(self) -> AreaInfo:
        if self.shape is AreaShape.CIRCLE:
            if len(self.points) != 1:
                raise ValueError("a CIRCLE (shape 1) has exactly one point, its centre")
            if self.radius is None:
                raise ValueError("a CIRCLE (shape 1) needs a radius")
        elif not 3 <= len(self.points) <= 15:
            raise ValueError("a POLYGON (shape 2) has 3 to 15 points")
        return self


class UserEventPara(WireModel):
    """The area and occurrence of a user location event subscription (clause 6.5.5)."""

    zoneId: str | None = None
    accessPointList: list[str] | None = None
    occurrenceInfo: OccurrenceInfo | None = None
    reportingLocationReq: bool | None = None

    @model_validator(mode="after")
    def _one_area(self) -> UserEventPara:
        # Clause 6.5.5 note 1: only one of accessPointList and zoneId may be present.
        if self.zoneId is not None and self.accessPointList:
            raise ValueError("give zoneId or accessPointList, not both (MEC 013 clause 6.5.5)")
        return self


class PeriodicEventInfo(WireModel):
    """How many periodic reports, how far apart in seconds (clause 6.3.5)."""

    reportingAmount: float = Field(gt=0)
    reportingInterval: float = Field(gt=0)

    @model_validator(mode="after")
    def _bounded(self) -> PeriodicEventInfo:
        if self.reportingAmount != int(self.reportingAmount):
            raise ValueError("reportingAmount is a number of reports: a whole number")
        # Clause 6.3.5 note: at most 8 639 999 s in all, for OMA MLP and RLP compatibility.
        if self.reportingAmount * self.reportingInterval > MAX_PERIODIC_SPAN_S:
            raise ValueError(
                f"reportingAmount x reportingInterval exceeds {MAX_PERIODIC_SPAN_S} s "
                "(99 days, 23:59:59)"
            )
        return self


MAX_PERIODIC_SPAN_S = 8_639_999


class SubscriptionBase(WireModel):
    """What every MEC 013 v3 subscription has (clause 6.3.4 to 6.3.9)."""

    TYPE: ClassVar[str] = ""

    subscriptionType: str
    callbackReference: str | None = None
    websockNotifConfig: WebsockNotifConfig | None = None
    requestTestNotification: bool | None = None
    clientCorrelator: str | None = None
    expiryDeadline: TimeStamp | None = None
    links: SelfLink | None = Field(None, alias="_links")

    @field_validator("subscriptionType")
    @classmethod
    def _own_type(cls, value: str) -> str:
        if value.lower() != cls.TYPE.lower():
            raise ValueError(f"must be {cls.TYPE!r} in this element")
        return cls.TYPE


class UserLocationEventSubscription(SubscriptionBase):
    """A user entering or leaving an area (clause 6.3.4)."""

    TYPE: ClassVar[str] = "UserLocationEventSubscription"
    address: str
    locationEventCriteria: list[LocationEventType] | None = None
    userEventPara: UserEventPara | None = None


class UserLocationPeriodicSubscription(SubscriptionBase):
    """A user's location every so often (clause 6.3.5)."""

    TYPE: ClassVar[str] = "UserLocationPeriodicSubscription"
    address: str
    periodicEventInfo: PeriodicEventInfo


class ZoneLocationEventSubscription(SubscriptionBase):
    """Users entering or leaving a zone (clause 6.3.6)."""

    TYPE: ClassVar[str] = "ZoneLocationEventSubscription"
    zoneId: str
    addressList: list[str] | None = None
    locationEventCriteria: list[LocationEventType] | None = None
    reportingCtrl: ReportingCtrl | None = None


class ZoneStatusSubscription(SubscriptionBase):
    """The number of users of a zone or its access points crossing thresholds (clause 6.3.7)."""

    TYPE: ClassVar[str] = "ZoneStatusSubscription"
    zoneId: str
    upperNumberOfUsersZoneThreshold: int | None = Field(None, ge=0)
    lowerNumberOfUsersZoneThreshold: int | None = Field(None, ge=0)
    upperNumberOfUsersAPThreshold: int | None = Field(None, ge=0)
    lowerNumberOfUsersAPThreshold: int | None = Field(None, ge=0)
    operationStatus: list[OperationStatus] | None = None
    reportingCtrl: ReportingCtrl | None = None


class UserAreaSubscription(SubscriptionBase):
    """Users entering or leaving a geographic area (clause 6.3.8)."""

    TYPE: ClassVar[str] = "UserAreaSubscription"
    areaDefine: AreaInfo
    addressList: list[str] = Field(min_length=1)
    trackingAccuracy: float = Field(ge=0)
    locationEventCriteria: list[LocationEventType] | None = None
    reportingCtrl: ReportingCtrl | None = None
    reportingLocationReq: bool | None = None


class UserDistanceSubscription(SubscriptionBase):
    """Users coming within or going beyond a distance of each other (clause 6.3.9)."""

    TYPE: ClassVar[str] = "UserDistanceSubscription"
    monitoredAddress: list[str] = Field(min_length=1)
    referenceAddress: list[str] | None = None
    distance: float = Field(ge=0)
    trackingAccuracy: float = Field(ge=0)
    criteria: DistanceCriteria
    checkImmediate: bool
    reportingCtrl: ReportingCtrl | None = None

    @model_validator(mode="after")
    def _pairs(self) -> UserDistanceSubscription:
        # Clause 6.3.9: without referenceAddress, every pair of monitored users is watched.
        if not self.referenceAddress and len(self.monitoredAddress) < 2:
            raise ValueError("without referenceAddress, monitoredAddress needs two users or more")
        return self


SUBSCRIPTION_TYPES: dict[str, type[SubscriptionBase]] = {
    cls.TYPE: cls
    for cls in (
        UserLocationEventSubscription,
        UserLocationPeriodicSubscription,
        ZoneLocationEventSubscription,
        ZoneStatusSubscription,
        UserAreaSubscription,
        UserDistanceSubscription,
    )
}
"""The v3 subscription types by subscriptionType."""


def root_element(type_name: str) -> str:
    """The root element of a type: ``UserAreaSubscription`` -> ``userAreaSubscription``."""
    return type_name[:1].lower() + type_name[1:]


class Wrapper(WireModel):
    """Base of request root elements: one of several subscription types, exactly one given."""

    @model_validator(mode="before")
    @classmethod
    def _wrapped(cls, data: Any) -> Any:
        if isinstance(data, dict) and "subscriptionType" in data:
            keys = " or ".join(f'{{"{k}": {{...}}}}' for k in cls.model_fields)
            raise ValueError(
                f"MEC 013 bodies travel in their root element: send {keys} (clause 6.3)"
            )
        return data

    @model_validator(mode="after")
    def _exactly_one(self) -> Wrapper:
        given = [k for k in type(self).model_fields if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of: {', '.join(type(self).model_fields)}")
        return self

    def only(self) -> SubscriptionBase:
        """The one subscription the body holds."""
        return next(v for k in type(self).model_fields if (v := getattr(self, k)) is not None)


class UsersSubscriptionBody(Wrapper):
    userLocationEventSubscription: UserLocationEventSubscription | None = None
    userLocationPeriodicSubscription: UserLocationPeriodicSubscription | None = None


class ZonesSubscriptionBody(Wrapper):
    zoneLocationEventSubscription: ZoneLocationEventSubscription | None = None
    zoneStatusSubscription: ZoneStatusSubscription | None = None


class AreaSubscriptionBody(Wrapper):
    userAreaSubscription: UserAreaSubscription | None = None


class SubscriptionReference(WireModel):
    """One subscription of a list (the spec's ``Subscription`` type, clause 6.3.3)."""

    href: str
    subscriptionType: str


class NotificationSubscriptionList(WireModel):
    """The subscriptions of a collection, by link (clause 6.3.3)."""

    resourceURL: LinkType
    subscription: list[SubscriptionReference] = Field(default_factory=list)


class NotificationSubscriptionListBody(WireModel):
    notificationSubscriptionList: NotificationSubscriptionList
