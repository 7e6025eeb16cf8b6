"""The MEC 013 queries (clause 7.3 to 7.8 of v3.1.1; the same resources in v2.2.1).

* ``GET /queries/users``: the located users of the host's scope; ``zoneId``, ``accessPointId``
  and ``address`` are repeatable; values of one parameter are alternatives, parameters combine
  (AND). Values that match nothing give an empty list, as a filter does.
* ``GET /queries/zones`` (``zoneId`` repeatable), ``/queries/zones/{zoneId}``,
  ``.../accessPoints`` (``accessPointId`` repeatable; v2.2.1's ``interestRealm``, which no
  meclab access point has, so that it matches none), ``.../accessPoints/{accessPointId}``:
  404 for a zone or access point outside the host's scope.
* ``GET /queries/distance``: between two users (``address`` twice) or a user and a point
  (``address`` once with ``latitude`` and ``longitude``: the exploded form of v3's ``location``
  object, and v2.2.1's own parameters); v2.2.1's ``requester`` is accepted and not used. A user
  that cannot be located answers 404, as an unknown one does.

Both versions have these resources. Under v3.1.1's base path they answer v3.1.1's bodies;
under v2.2.1's (``v2=True``), users and access points answer in v2.2.1's shapes
(:mod:`.models_v2_queries`), built from the same records; zones and distances are alike in both.
"""

# No "from __future__ import annotations": FastAPI reads these route signatures, whose
# annotations name dependencies made inside the router builders.

import math
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from meclab.http.problem import ProblemError
from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms
from meclab.platform.wire import TimeStamp
from meclab.services.hosting import host_resolver
from meclab.services.location.models import (
    AccessPointInfoBody,
    AccessPointList,
    AccessPointListBody,
    TerminalDistance,
    TerminalDistanceBody,
    UserList,
    UserListBody,
    ZoneInfoBody,
    ZoneList,
    ZoneListBody,
)
from meclab.services.location.models_v2_queries import (
    AccessPointInfoBodyV2,
    AccessPointInfoV2,
    AccessPointListBodyV2,
    AccessPointListV2,
    UserListBodyV2,
    UserListV2,
)
from meclab.services.location.reports import Reporter
from meclab.services.location.routing import ERRORS, STRICT
from meclab.services.location.southbound import (
    DISTANCE_ERROR_RATIO,
    LOCATION_ACCURACY_M,
    LocationView,
    Scope,
    canonical,
)

Values = Annotated[list[str] | None, Query()]


def _bad_query(name: str, reason: str) -> ProblemError:
    return ProblemError(
        400,
        f"query parameter '{name}': {reason}",
        invalidParams=[{"name": name, "in": "query", "reason": reason}],
    )


def build_query_router(
    platforms: Platforms, view: LocationView, reporter: Reporter, *, v2: bool = False
) -> APIRouter:
    """The query routes of the Location API, in v2.2.1's shapes if ``v2``."""
    tag = "MEC 013 Location v2.2.1: queries" if v2 else "MEC 013 Location: queries"
    router = APIRouter(tags=[tag], dependencies=STRICT)
    Host = Annotated[str, Depends(host_resolver(platforms))]

    def scope_of(host: str) -> Scope:
        return view.scope(host)

    def zone_in(scope: Scope, zone: str) -> str:
        if zone not in scope.zone_poas:
            raise NotFound(f"no zone {zone!r} on operator {scope.domain!r}")
        return zone

    @router.get(
        "/queries/users",
        response_model=UserListBodyV2 if v2 else UserListBody,
        responses=ERRORS,
        summary="Located users, by zone, access point or address",
    )
    async def users(
        host: Host,
        zoneId: Values = None,
        accessPointId: Values = None,
        address: Values = None,
    ) -> JSONResponse:
        scope = scope_of(host)
        snap = view.snapshot()
        wall = platforms.wall()
        wanted = {canonical(a) for a in address or ()}
        found = []
        for i in scope.users:
            if not snap.located(i):
                continue
            if zoneId and snap.zone(i) not in zoneId:
                continue
            if accessPointId and snap.poa(i) not in accessPointId:
                continue
            if wanted and snap.address(i) not in wanted:
                continue
            found.append(reporter.user(snap, i, host, wall))
        body = UserList(resourceURL=f"{reporter.base(host)}/queries/users", user=found)
        if v2:
            return JSONResponse(UserListBodyV2(userList=UserListV2.of(body)).wire())
        return JSONResponse(UserListBody(userList=body).wire())

    @router.get(
        "/queries/zones",
        response_model=ZoneListBody,
        responses=ERRORS,
        summary="The zones of the host's operator",
    )
    async def zones(host: Host, zoneId: Values = None) -> JSONResponse:
        scope = scope_of(host)
        snap = view.snapshot()
        listed = [reporter.zone(snap, scope, z) for z in scope.zones if not zoneId or z in zoneId]
        body = ZoneList(resourceURL=f"{reporter.base(host)}/queries/zones", zone=listed)
        return JSONResponse(ZoneListBody(zoneList=body).wire())

    @router.get(
        "/queries/zones/{zoneId}",
        response_model=ZoneInfoBody,
        responses=ERRORS,
        summary="One zone",
    )
    async def zone(zoneId: str, host: Host) -> JSONResponse:
        scope = scope_of(host)
        info = reporter.zone(view.snapshot(), scope, zone_in(scope, zoneId))
        return JSONResponse(ZoneInfoBody(zoneInfo=info).wire())

    @router.get(
        "/queries/zones/{zoneId}/accessPoints",
        response_model=AccessPointListBodyV2 if v2 else AccessPointListBody,
        responses=ERRORS,
        summary="The access points of a zone",
    )
    async def access_points(
        zoneId: str,
        host: Host,
        accessPointId: Values = None,
        interestRealm: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        scope = scope_of(host)
        snap = view.snapshot()
        poas = scope.zone_poas[zone_in(scope, zoneId)]
        listed = [
            reporter.access_point(snap, scope, c)
            for c in poas
            if (not accessPointId or snap.world.poa_names[c] in accessPointId)
            and interestRealm is None  # no meclab access point declares an interest realm
        ]
        body = AccessPointList(
            zoneId=zoneId,
            resourceURL=f"{reporter.zone_url(host, zoneId)}/accessPoints",
            accessPoint=listed,
        )
        if v2:
            return JSONResponse(
                AccessPointListBodyV2(accessPointList=AccessPointListV2.of(body)).wire()
            )
        return JSONResponse(AccessPointListBody(accessPointList=body).wire())

    @router.get(
        "/queries/zones/{zoneId}/accessPoints/{accessPointId}",
        response_model=AccessPointInfoBodyV2 if v2 else AccessPointInfoBody,
        responses=ERRORS,
        summary="One access point of a zone",
    )
    async def access_point(zoneId: str, accessPointId: str, host: Host) -> JSONResponse:
        scope = scope_of(host)
        zone_in(scope, zoneId)
        if scope.poa_zone.get(accessPointId) != zoneId:
            raise NotFound(f"zone {zoneId!r} has no access point {accessPointId!r}")
        c = view.world.top.poa_index[accessPointId]
        info = reporter.access_point(view.snapshot(), scope, c)
        if v2:
            return JSONResponse(
                AccessPointInfoBodyV2(accessPointInfo=AccessPointInfoV2.of(info)).wire()
            )
        return JSONResponse(AccessPointInfoBody(accessPointInfo=info).wire())

    @router.get(
        "/queries/distance",
        response_model=TerminalDistanceBody,
        responses=ERRORS,
        summary="Distance between two users, or from a user to a point",
    )
    async def distance(
        host: Host,
        address: Values = None,
        latitude: Annotated[float | None, Query(ge=-90.0, le=90.0)] = None,
        longitude: Annotated[float | None, Query(ge=-180.0, le=180.0)] = None,
        requester: Annotated[str | None, Query()] = None,
    ) -> JSONResponse:
        addresses = address or []
        point = latitude is not None or longitude is not None
        if len(addresses) not in (1, 2):
            raise _bad_query("address", "give one user (with a location) or two users")
        if len(addresses) == 2 and point:
            raise _bad_query("latitude", "a location is only for the distance from one user")
        if len(addresses) == 1 and (latitude is None or longitude is None):
            raise _bad_query(
                "latitude" if latitude is None else "longitude",
                "the distance from one user needs a location: latitude and longitude",
            )
        scope = scope_of(host)
        snap = view.snapshot()
        located = []
        for a in addresses:
            i = scope.user(a)
            if i is None:
                raise NotFound(f"no user {a!r} on operator {scope.domain!r}")
            if not snap.located(i):
                raise NotFound(f"user {a!r} is attached to no access point: it cannot be located")
            located.append(i)
        if latitude is not None and longitude is not None:
            metres = snap.distance_to(located[0], snap.to_xy(longitude, latitude))
        else:
            metres = snap.distance(located[0], located[1])
        body = TerminalDistance(
            distance=round(metres),
            accuracy=LOCATION_ACCURACY_M * len(located)
            + math.ceil(round(metres * DISTANCE_ERROR_RATIO, 6)),
            timestamp=TimeStamp.of(platforms.wall()),
        )
        return JSONResponse(TerminalDistanceBody(terminalDistance=body).wire())

    return router
