"""MEC 013 records built from a snapshot of the world: what queries answer and what
notifications carry, in one place so that both always describe a user the same way."""

from __future__ import annotations

from urllib.parse import quote

from meclab.platform.platform import Platforms
from meclab.platform.wire import TimeStamp
from meclab.services.location.models import (
    AccessPointInfo,
    ConnectionType,
    LocationInfo,
    MapInfo,
    OperationStatus,
    Origin,
    RelativeLocationInfo,
    RetrievalStatus,
    ServiceError,
    Shape,
    UserInfo,
    Velocity,
    VelocityType,
    ZoneInfo,
)
from meclab.services.location.models_v2 import LocationInfoV2, TerminalLocation
from meclab.services.location.southbound import (
    CONNECTION_TYPES,
    LOCATION_ACCURACY_M,
    Scope,
    Snapshot,
)

BASE = "/location/v2"
"""Base path of MEC 013 (v2.2.1 and v3.1.1 alike: the API's major version is still 2); meclab
serves v3.1.1 there."""
BASE_V2 = "/location/v2.2.1"
"""meclab's base path for the whole of v2.2.1, in v2.2.1's shapes (the rule is in
:mod:`meclab.services.location`)."""

NOT_LOCATED = ServiceError(
    messageId="SVC0001",
    text="The terminal %1 is attached to no access point: it cannot be located",
)
"""OMA ServiceError for a terminal out of coverage (SVC0001: service error)."""


class Reporter:
    """Builds MEC 013 records for the users, zones and access points of a host."""

    def __init__(self, platforms: Platforms, base: str = BASE) -> None:
        self.platforms = platforms
        self.base_path = base
        """The base path the URLs in the records start with (one per version served)."""

    def base(self, host: str) -> str:
        """The absolute URL of the Location API on ``host``."""
        return self.platforms.url(host, self.base_path)

    # --- users --------------------------------------------------------------------------------

    def location(self, snap: Snapshot, i: int) -> LocationInfo:
        """Where terminal ``i`` is, how precisely and how it moves (clause 6.5.3)."""
        lon, lat = snap.lonlat(i)
        speed, bearing = snap.velocity(i)
        return LocationInfo(
            latitude=[lat],
            longitude=[lon],
            shape=Shape.ELLIPSOID_POINT_UNCERT_CIRCLE,
            accuracy=LOCATION_ACCURACY_M,
            velocity=Velocity(
                velocityType=VelocityType.HORIZONTAL,
                bearing=round(bearing) % 360,
                horizontalSpeed=round(speed * 3.6),  # TS 23.032: km/h
            ),
        )

    def location_v2(self, snap: Snapshot, i: int, wall: float) -> LocationInfoV2:
        """v2.2.1 LocationInfo: the same, stamped with its time."""
        v3 = self.location(snap, i)
        return LocationInfoV2(**dict(v3), timestamp=TimeStamp.of(wall))

    def relative(self, snap: Snapshot, i: int) -> RelativeLocationInfo:
        """Terminal ``i`` in metres east and north of the scenario's map origin (clause 6.2.3):
        the engine's own coordinates."""
        x, y = snap.position(i)
        projection = snap.world.projection
        return RelativeLocationInfo(
            X=round(x, 3),  # millimetres: below that, only the float arithmetic speaks
            Y=round(y, 3),
            mapInfo=MapInfo(
                mapId=snap.world.scenario.name,
                origin=Origin(latitude=projection.lat0, longitude=projection.lon0),
            ),
        )

    def user_url(self, host: str, address: str) -> str:
        return f"{self.base(host)}/queries/users?address={quote(address, safe='')}"

    def user(self, snap: Snapshot, i: int, host: str, wall: float) -> UserInfo:
        """A located terminal as a MEC 013 user (clause 6.2.2)."""
        address = snap.address(i)
        return UserInfo(
            address=address,
            accessPointId=snap.poa(i) or "",
            zoneId=snap.zone(i) or "",
            resourceURL=self.user_url(host, address),
            timestamp=TimeStamp.of(wall),
            locationInfo=self.location(snap, i),
            relativeLocationInfo=self.relative(snap, i),
        )

    def terminal_location(self, snap: Snapshot, i: int, wall: float) -> TerminalLocation:
        """v2.2.1 TerminalLocation: the location, or why there is none."""
        address = snap.address(i)
        if not snap.located(i):
            return TerminalLocation(
                address=address,
                locationRetrievalStatus=RetrievalStatus.NOT_RETRIEVED,
                errorInformation=ServiceError(
                    messageId=NOT_LOCATED.messageId, text=NOT_LOCATED.text, variables=[address]
                ),
            )
        return TerminalLocation(
            address=address,
            locationRetrievalStatus=RetrievalStatus.RETRIEVED,
            currentLocation=self.location_v2(snap, i, wall),
        )

    # --- zones and access points --------------------------------------------------------------

    def zone_url(self, host: str, zone: str) -> str:
        return f"{self.base(host)}/queries/zones/{quote(zone, safe='')}"

    def zone(self, snap: Snapshot, scope: Scope, zone: str) -> ZoneInfo:
        """A zone with its number of access points and users (OMA ZonalPresence ZoneInfo)."""
        poas = scope.zone_poas[zone]
        return ZoneInfo(
            zoneId=zone,
            numberOfAccessPoints=len(poas),
            numberOfUnserviceableAccessPoints=0,  # the engine has no failure model for PoAs
            numberOfUsers=sum(snap.served(c) for c in poas),
            resourceURL=self.zone_url(scope.host, zone),
        )

    def access_point(self, snap: Snapshot, scope: Scope, c: int) -> AccessPointInfo:
        """PoA ``c`` as a MEC 013 access point."""
        world = snap.world
        name = world.poa_names[c]
        poa = world.top.poas[c]
        lon, lat = poa.position[0], poa.position[1]
        return AccessPointInfo(
            accessPointId=name,
            connectionType=ConnectionType(CONNECTION_TYPES[poa.type]),
            operationStatus=OperationStatus.SERVICEABLE,
            numberOfUsers=snap.served(c),
            resourceURL=(
                f"{self.zone_url(scope.host, scope.poa_zone[name])}/accessPoints/"
                f"{quote(name, safe='')}"
            ),
            locationInfo=LocationInfo(latitude=[lat], longitude=[lon], shape=Shape.ELLIPSOID_POINT),
        )
