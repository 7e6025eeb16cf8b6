"""MEC 013 v3.1.1 subscription resources (clause 7.9 to 7.16).

``/subscriptions/users`` (UserLocationEvent | UserLocationPeriodic; list filters
``subscription_type`` event/periodic and ``address``), ``/subscriptions/zones``
(ZoneLocationEvent | ZoneStatus; ``subscription_type`` event/status and ``zoneId``),
``/subscriptions/area`` (UserArea; ``subscription_type`` event) and ``/subscriptions/distance``
(UserDistance, and v2.2.1's DistanceNotificationSubscription, which shares the path: see
:mod:`.routes_v2`). Each: GET (the NotificationSubscriptionList), POST (201 + Location + ETag),
and per subscription GET (ETag), PUT (If-Match, 412; same type or 422) and DELETE (If-Match).
"""

# No "from __future__ import annotations": FastAPI reads these route signatures, whose
# annotations name dependencies made inside the router builders.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.wire import LinkType
from meclab.services.hosting import host_resolver
from meclab.services.location.dispatch import API_V2, API_V3
from meclab.services.location.models_v2 import (
    DistanceNotificationSubscription,
    DistanceSubscriptionBody,
)
from meclab.services.location.models_v3 import (
    AreaSubscriptionBody,
    NotificationSubscriptionList,
    NotificationSubscriptionListBody,
    SubscriptionReference,
    UserAreaSubscription,
    UserDistanceSubscription,
    UserLocationEventSubscription,
    UserLocationPeriodicSubscription,
    UsersSubscriptionBody,
    Wrapper,
    ZoneLocationEventSubscription,
    ZonesSubscriptionBody,
    ZoneStatusSubscription,
)
from meclab.services.location.reports import Reporter
from meclab.services.location.resources import Subscriptions
from meclab.services.location.routing import ERRORS, STRICT
from meclab.services.location.southbound import canonical
from meclab.services.location.subscription_routes import add_subscription_routes
from meclab.services.subscribing import check_type_filter

USERS = {API_V3: (UserLocationEventSubscription.TYPE, UserLocationPeriodicSubscription.TYPE)}
ZONES = {API_V3: (ZoneLocationEventSubscription.TYPE, ZoneStatusSubscription.TYPE)}
AREA = {API_V3: (UserAreaSubscription.TYPE,)}
DISTANCE = {
    API_V3: (UserDistanceSubscription.TYPE,),
    API_V2: (DistanceNotificationSubscription.TYPE,),
}

Filter = Annotated[str | None, Query()]
"""A single-valued query filter."""

USERS_FILTER = {
    "event": UserLocationEventSubscription.TYPE,
    "periodic": UserLocationPeriodicSubscription.TYPE,
}
ZONES_FILTER = {"event": ZoneLocationEventSubscription.TYPE, "status": ZoneStatusSubscription.TYPE}
AREA_FILTER = {"event": UserAreaSubscription.TYPE}


def subscription_list(href: str, subs: list[Subscription]) -> dict[str, Any]:
    """A v3 NotificationSubscriptionList in its root element (clause 6.3.3)."""
    listed = NotificationSubscriptionList(
        resourceURL=LinkType(href=href),
        subscription=[SubscriptionReference(href=s.href, subscriptionType=s.type) for s in subs],
    )
    return NotificationSubscriptionListBody(notificationSubscriptionList=listed).wire()


def build_v3_router(platforms: Platforms, subs: Subscriptions, reporter: Reporter) -> APIRouter:
    """The v3.1.1 subscription routes (and the shared distance collection)."""
    router = APIRouter(tags=["MEC 013 Location: subscriptions"], dependencies=STRICT)
    current_host = host_resolver(platforms)
    Host = Annotated[str, Depends(current_host)]

    def collection(host: str, path: str) -> str:
        return f"{reporter.base(host)}{path}"

    # --- lists (each has its own filters) -----------------------------------------------------

    @router.get("/subscriptions/users", responses=ERRORS, summary="User subscriptions")
    async def list_users(
        host: Host, subscription_type: Filter = None, address: Filter = None
    ) -> JSONResponse:
        wanted = check_type_filter(subscription_type, USERS_FILTER)
        listed = [
            s
            for s in subs.listed(host, USERS)
            if (wanted is None or s.type == wanted)
            and (address is None or s.body.get("address") in (address, canonical(address)))
        ]
        return JSONResponse(subscription_list(collection(host, "/subscriptions/users"), listed))

    @router.get("/subscriptions/zones", responses=ERRORS, summary="Zone subscriptions")
    async def list_zones(
        host: Host, subscription_type: Filter = None, zoneId: Filter = None
    ) -> JSONResponse:
        wanted = check_type_filter(subscription_type, ZONES_FILTER)
        listed = [
            s
            for s in subs.listed(host, ZONES)
            if (wanted is None or s.type == wanted)
            and (zoneId is None or s.body.get("zoneId") == zoneId)
        ]
        return JSONResponse(subscription_list(collection(host, "/subscriptions/zones"), listed))

    @router.get("/subscriptions/area", responses=ERRORS, summary="Area subscriptions")
    async def list_area(host: Host, subscription_type: Filter = None) -> JSONResponse:
        wanted = check_type_filter(subscription_type, AREA_FILTER)
        listed = [s for s in subs.listed(host, AREA) if wanted is None or s.type == wanted]
        return JSONResponse(subscription_list(collection(host, "/subscriptions/area"), listed))

    @router.get("/subscriptions/distance", responses=ERRORS, summary="Distance subscriptions")
    async def list_distance(host: Host) -> JSONResponse:
        listed = subs.listed(host, DISTANCE)
        return JSONResponse(subscription_list(collection(host, "/subscriptions/distance"), listed))

    # --- creation and single subscriptions (the same for every collection) -------------------

    def add_collection(path: str, body: type[Wrapper], kinds: dict[str, tuple[str, ...]]) -> None:
        name = path.rsplit("/", 1)[-1]
        add_subscription_routes(
            router,
            subs,
            current_host,
            path=path,
            body=body,
            kinds=kinds,
            collection=lambda host: collection(host, path),
            read_body=lambda wrapped: wrapped.only(),
            name=name,
            what=f"subscription ({name})",
        )

    add_collection("/subscriptions/users", UsersSubscriptionBody, USERS)
    add_collection("/subscriptions/zones", ZonesSubscriptionBody, ZONES)
    add_collection("/subscriptions/area", AreaSubscriptionBody, AREA)
    add_collection("/subscriptions/distance", DistanceSubscriptionBody, DISTANCE)
    return router
