"""ETSI GS MEC 013 v2.2.1 shapes of the query answers, served under the v2.2.1 base path.

Both versions have the same query resources (clause 7.3 to 7.8), and most of their bodies
agree; three do not:

* ``ConnectionType`` lists cell sizes (Femto, Pico, Micro, Macro ...) and Wi-Fi and WiMAX, where
  v3.1.1 lists radio technologies (LTE, 5G NR ...): a v2.2.1 client cannot read ``"LTE"``.
* ``UserInfo`` lacks v3.1.1's ``civicInfo`` and ``relativeLocationInfo``, and has its own
  ``contextLocationInfo``; its ``LocationInfo`` carries a ``timestamp``.
* ``AccessPointInfo`` differs by its ``ConnectionType`` only.

ZoneInfo, ZoneList and TerminalDistance are the same in both (:mod:`.models`). Each v2.2.1
class here is built from the v3.1.1 record of the same thing (``of``), so that both versions
always describe the world alike.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.location.models import (
    AccessPointInfo,
    AccessPointList,
    ConnectionType,
    OperationStatus,
    UserInfo,
    UserList,
)
from meclab.services.location.models_v2 import LocationInfoV2


class ConnectionTypeV2(StrEnum):
    """Kind of an access point (v2.2.1 enumeration: cell sizes, not radio technologies)."""

    FEMTO = "Femto"
    LTE_FEMTO = "LTE-femto"
    SMALLCELL = "Smallcell"
    LTE_SMALLCELL = "LTE-smallcell"
    WIFI = "Wifi"
    PICO = "Pico"
    MICRO = "Micro"
    MACRO = "Macro"
    WIMAX = "Wimax"
    UNKNOWN = "Unknown"


CONNECTION_TYPES_V2: dict[ConnectionType, ConnectionTypeV2] = {
    # A scenario's cells have a radius but no size class; a 4G or 5G cell is reported as the
    # operator's ordinary (macro) cell, since v2.2.1 has no value for the radio technology.
    ConnectionType.LTE: ConnectionTypeV2.MACRO,
    ConnectionType.NR: ConnectionTypeV2.MACRO,
    ConnectionType.WIFI: ConnectionTypeV2.WIFI,
    ConnectionType.WIMAX: ConnectionTypeV2.WIMAX,
    ConnectionType.UNKNOWN: ConnectionTypeV2.UNKNOWN,
}
"""The v2.2.1 ConnectionType of each v3.1.1 one."""


class UserInfoV2(WireModel):
    """A user attached to an access point in the scope of the service (v2.2.1 clause 6.2.2)."""

    address: str
    accessPointId: str
    zoneId: str
    resourceURL: str
    timestamp: TimeStamp
    locationInfo: LocationInfoV2 | None = None
    contextLocationInfo: str | None = None
    ancillaryInfo: str | None = None

    @classmethod
    def of(cls, user: UserInfo) -> UserInfoV2:
        """The v2.2.1 form of a v3.1.1 user: its location stamped with the user's time."""
        location = user.locationInfo
        return cls(
            address=user.address,
            accessPointId=user.accessPointId,
            zoneId=user.zoneId,
            resourceURL=user.resourceURL,
            timestamp=user.timestamp,
            locationInfo=(
                None
                if location is None
                else LocationInfoV2(**dict(location), timestamp=user.timestamp)
            ),
            ancillaryInfo=user.ancillaryInfo,
        )


class UserListV2(WireModel):
    """Users, as the v2.2.1 users query answers them."""

    resourceURL: str
    user: list[UserInfoV2] = Field(default_factory=list)

    @classmethod
    def of(cls, users: UserList) -> UserListV2:
        return cls(resourceURL=users.resourceURL, user=[UserInfoV2.of(u) for u in users.user])


class AccessPointInfoV2(WireModel):
    """An access point of a zone (v2.2.1)."""

    accessPointId: str
    connectionType: ConnectionTypeV2
    operationStatus: OperationStatus
    numberOfUsers: int
    resourceURL: str
    locationInfo: LocationInfoV2 | None = None
    interestRealm: str | None = None
    timezone: str | None = None

    @classmethod
    def of(cls, point: AccessPointInfo) -> AccessPointInfoV2:
        fields = dict(point)
        location = point.locationInfo
        return cls(
            **{
                **fields,
                "connectionType": CONNECTION_TYPES_V2[point.connectionType],
                "locationInfo": None if location is None else LocationInfoV2(**dict(location)),
            }
        )


class AccessPointListV2(WireModel):
    """The access points of a zone (v2.2.1)."""

    zoneId: str
    resourceURL: str
    accessPoint: list[AccessPointInfoV2] = Field(default_factory=list)

    @classmethod
    def of(cls, points: AccessPointList) -> AccessPointListV2:
        return cls(
            zoneId=points.zoneId,
            resourceURL=points.resourceURL,
            accessPoint=[AccessPointInfoV2.of(p) for p in points.accessPoint],
        )


# --- root elements ----------------------------------------------------------------------------


class UserListBodyV2(WireModel):
    userList: UserListV2


class AccessPointListBodyV2(WireModel):
    accessPointList: AccessPointListV2


class AccessPointInfoBodyV2(WireModel):
    accessPointInfo: AccessPointInfoV2
