"""ETSI GS MEC 013 v3.1.1 notifications (clause 6.4).

Notifications carry ``_links.subscription`` (the GS tables; the OpenAPI file's ``_links`` type
only knows ``self``, a doc2oas simplification) and travel in their root element, as every
MEC 013 body does: ``{"userAreaNotification": {...}}``.
"""

from __future__ import annotations

from pydantic import Field

from meclab.platform.wire import LinkType, TimeStamp, WireModel
from meclab.services.location.models import (
    CivicAddress,
    LocationInfo,
    OperationStatus,
    RelativeLocationInfo,
    UserList,
)
from meclab.services.location.models_v3 import (
    DistanceCriteria,
    LocationEventType,
    NotificationResult,
    UserNumEvent,
)


class NotificationLinks(WireModel):
    """``_links`` of a notification: the subscription it is sent for."""

    subscription: LinkType


class TestNotification(WireModel):
    """Sent once on request, to check the subscriber is reachable (clause 6.4.3)."""

    __test__ = False  # not a pytest test class, whatever its name
    notificationType: str
    links: NotificationLinks = Field(alias="_links")


class NotificationBase(WireModel):
    notificationType: str
    timeStamp: TimeStamp | None = None
    links: NotificationLinks = Field(alias="_links")


class UserLocationEventNotification(NotificationBase):
    """A user entered or left the subscription's area (clause 6.4.4)."""

    address: str | None = None
    userLocationEvent: LocationEventType
    zoneId: str | None = None
    accessPointId: str | None = None
    locationInfo: LocationInfo | None = None
    civicInfo: CivicAddress | None = None
    relativeLocationInfo: RelativeLocationInfo | None = None


class UserLocationPeriodicNotification(NotificationBase):
    """A user's location, one of a series (clause 6.4.5)."""

    address: str | None = None
    accessPointId: str | None = None
    zoneId: str | None = None
    locationInfo: LocationInfo | None = None
    civicInfo: CivicAddress | None = None
    relativeLocationInfo: RelativeLocationInfo | None = None
    result: NotificationResult
    isFinalNotification: bool | None = None


class ZoneLocationEventNotification(NotificationBase):
    """A user entered or left the subscription's zone (clause 6.4.6)."""

    address: str
    userLocationEvent: LocationEventType
    zoneId: str


class ZoneStatusNotification(NotificationBase):
    """A zone's or access point's number of users crossed a threshold (clause 6.4.7)."""

    zoneId: str
    accessPointId: str | None = None
    userNumEvent: UserNumEvent | None = None
    operationStatus: OperationStatus | None = None


class UserAreaNotification(NotificationBase):
    """A user entered or left the subscription's geographic area (clause 6.4.8)."""

    address: str
    userLocationEvent: LocationEventType
    locationInfo: LocationInfo | None = None
    civicInfo: CivicAddress | None = None
    relativeLocationInfo: RelativeLocationInfo | None = None


class UserDistanceNotification(NotificationBase):
    """The watched distance condition became true (clause 6.4.9)."""

    monitoredUsers: UserList
    distanceEvent: DistanceCriteria
