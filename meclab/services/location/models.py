"""ETSI GS MEC 013 v3.1.1 data types of the queries, and the types every other body shares.

Class names are the spec's schema names and attributes its wire names, so a model reads like
its table in the GS (clause 6.2 to 6.5; the query types come from the OMA ZonalPresence and
TerminalLocation APIs that clause 6.2 adopts). MEC 013 bodies travel inside OMA-style root
elements (``{"userList": {...}}``): the ``...Body`` classes are those wrappers, and they are the
genuine wire format of this API (INVENTORY §3.10), unlike the doc2oas wrappers of other APIs.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Any

from pydantic import Field

from meclab.platform.wire import LinkType, TimeStamp, WireModel

__all__ = [
    "AccessPointInfo",
    "AccessPointInfoBody",
    "AccessPointList",
    "AccessPointListBody",
    "CivicAddress",
    "ConnectionType",
    "LinkType",
    "LocationInfo",
    "MapInfo",
    "OperationStatus",
    "Origin",
    "RelativeLocationInfo",
    "RetrievalStatus",
    "ServiceError",
    "TerminalDistance",
    "TerminalDistanceBody",
    "TimeStamp",
    "UserInfo",
    "UserList",
    "UserListBody",
    "Velocity",
    "VelocityType",
    "ZoneInfo",
    "ZoneInfoBody",
    "ZoneList",
    "ZoneListBody",
]


class ConnectionType(StrEnum):
    """Radio technology of an access point (v3.1.1 enumeration)."""

    LTE = "LTE"
    WIFI = "Wifi"
    WIMAX = "Wimax"
    NR = "5G NR"
    UNKNOWN = "UNKNOWN"


class OperationStatus(StrEnum):
    """Operation status of an access point (OMA ZonalPresence, adopted by MEC 013 clause 6.2)."""

    SERVICEABLE = "Serviceable"
    UNSERVICEABLE = "Unserviceable"
    UNKNOWN = "Unknown"


class RetrievalStatus(StrEnum):
    """Whether a terminal's location could be obtained (OMA TerminalLocation)."""

    RETRIEVED = "Retrieved"
    NOT_RETRIEVED = "NotRetrieved"
    ERROR = "Error"


class Shape(IntEnum):
    """TS 23.032 shapes of a LocationInfo (MEC 013 clause 6.5.3, ``shape``)."""

    ELLIPSOID_ARC = 1
    ELLIPSOID_POINT = 2
    ELLIPSOID_POINT_ALTITUDE = 3
    ELLIPSOID_POINT_ALTITUDE_UNCERT_ELLIPSOID = 4
    ELLIPSOID_POINT_UNCERT_CIRCLE = 5
    ELLIPSOID_POINT_UNCERT_ELLIPSE = 6
    POLYGON = 7


class VelocityType(IntEnum):
    """What a Velocity holds (TS 23.032 clause 8)."""

    HORIZONTAL = 1
    HORIZONTAL_VERTICAL = 2
    HORIZONTAL_UNCERT = 3
    HORIZONTAL_VERTICAL_UNCERT = 4


class Velocity(WireModel):
    """A target's velocity (TS 23.032 clause 8; horizontal speed in km/h, bearing in degrees)."""

    velocityType: VelocityType
    bearing: int = Field(ge=0, le=360)
    horizontalSpeed: int = Field(ge=0)
    verticalSpeed: int | None = None
    uncertainty: int | None = None
    verticalUncertainty: int | None = None


class LocationInfo(WireModel):
    """A position as TS 23.032 shapes describe it (clause 6.5.3)."""

    latitude: list[float] = Field(min_length=1)
    longitude: list[float] = Field(min_length=1)
    shape: Shape
    altitude: float | None = None
    accuracy: int | None = None
    accuracySemiMinor: int | None = None
    accuracyAltitude: int | None = None
    orientationMajorAxis: int | None = None
    confidence: int | None = None
    innerRadius: int | None = None
    uncertaintyRadius: int | None = None
    offsetAngle: int | None = None
    includedAngle: int | None = None
    velocity: Velocity | None = None


class Origin(WireModel):
    """Where a local map's origin lies in WGS84."""

    latitude: float
    longitude: float
    altitude: float | None = None


class MapInfo(WireModel):
    """The local map a relative location is given on (clause 6.2.4)."""

    mapId: str
    origin: Origin | None = None
    ancillaryMapInfo: dict[str, Any] | None = None


class RelativeLocationInfo(WireModel):
    """A position in metres east (X) and north (Y) of a map's origin (clause 6.2.3)."""

    X: float
    Y: float
    Z: float | None = None
    mapInfo: MapInfo


class ServiceError(WireModel):
    """Why a location could not be obtained (OMA ServiceError)."""

    messageId: str
    text: str
    variables: list[str] | None = None


class CivicAddress(WireModel):
    """A civic address (IETF RFC 4776 / 5139 elements, as MEC 013 v3.1.1 lists them).

    meclab's world has no civic addresses; the type exists so that bodies that carry one parse.
    """

    country: str
    A1: str | None = None
    A2: str | None = None
    A3: str | None = None
    A4: str | None = None
    A5: str | None = None
    A6: str | None = None
    PRD: str | None = None
    POD: str | None = None
    STS: str | None = None
    HNO: str | None = None
    HNS: str | None = None
    LMK: str | None = None
    LOC: str | None = None
    NAM: str | None = None
    PC: str | None = None
    BLD: str | None = None
    UNIT: str | None = None
    FLR: str | None = None
    ROOM: str | None = None
    PLC: str | None = None
    PCN: str | None = None
    POBOX: str | None = None
    ADDCODE: str | None = None
    SEAT: str | None = None
    RD: str | None = None
    RDSEC: str | None = None
    RDBR: str | None = None
    RDSUBBR: str | None = None
    PRM: str | None = None
    POM: str | None = None
    usageRules: str | None = None
    method: str | None = None
    providedBy: str | None = None


class UserInfo(WireModel):
    """A user attached to an access point in the scope of the service (clause 6.2.2)."""

    address: str
    accessPointId: str
    zoneId: str
    resourceURL: str
    timestamp: TimeStamp
    locationInfo: LocationInfo | None = None
    civicInfo: CivicAddress | None = None
    relativeLocationInfo: RelativeLocationInfo | None = None
    ancillaryInfo: str | None = None


class UserList(WireModel):
    """Users, as a query or a distance notification reports them (OMA ZonalPresence)."""

    resourceURL: str
    user: list[UserInfo] = Field(default_factory=list)


class ZoneInfo(WireModel):
    """A zone and how many access points and users it has (OMA ZonalPresence)."""

    zoneId: str
    numberOfAccessPoints: int
    numberOfUnserviceableAccessPoints: int
    numberOfUsers: int
    resourceURL: str


class ZoneList(WireModel):
    """Zones (OMA ZonalPresence)."""

    resourceURL: str
    zone: list[ZoneInfo] = Field(default_factory=list)


class AccessPointInfo(WireModel):
    """An access point of a zone (OMA ZonalPresence)."""

    accessPointId: str
    connectionType: ConnectionType
    operationStatus: OperationStatus
    numberOfUsers: int
    resourceURL: str
    locationInfo: LocationInfo | None = None
    interestRealm: str | None = None
    timezone: str | None = None


class AccessPointList(WireModel):
    """The access points of a zone (OMA ZonalPresence)."""

    zoneId: str
    resourceURL: str
    accessPoint: list[AccessPointInfo] = Field(default_factory=list)


class TerminalDistance(WireModel):
    """A distance between a terminal and a point or another terminal (OMA TerminalLocation)."""

    distance: int
    """Metres."""
    accuracy: int | None = None
    timestamp: TimeStamp | None = None


# --- root elements (the wire form of each response) -----------------------------------------


class UserListBody(WireModel):
    userList: UserList


class ZoneListBody(WireModel):
    zoneList: ZoneList


class ZoneInfoBody(WireModel):
    zoneInfo: ZoneInfo


class AccessPointListBody(WireModel):
    accessPointList: AccessPointList


class AccessPointInfoBody(WireModel):
    accessPointInfo: AccessPointInfo


class TerminalDistanceBody(WireModel):
    terminalDistance: TerminalDistance
