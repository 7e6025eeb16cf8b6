"""MEC 013 v2.2.1 subscription resources, for apps written for the ETSI MEC Sandbox.

``/subscriptions/userTracking``, ``/zonalTraffic``, ``/zoneStatus``, ``/area/circle``,
``/periodic`` and ``/distance``: GET (the v2.2.1 NotificationSubscriptionList: full bodies under
the type's element, and ``resourceURL``), POST (201 + Location + ETag), and per subscription
GET, PUT (If-Match) and DELETE. Under v3.1.1's base path, ``/subscriptions/distance`` is v3.1.1's
(:mod:`.routes_v3`: it takes either version's body, and its list is v3.1.1's); under v2.2.1's
own base path it is the one here. Lists hold the host's v2.2.1 subscriptions, whichever base
path created them.

These routes are included before v3's, since ``/subscriptions/area/circle`` would otherwise be
taken for the v3 area subscription ``circle``.
"""

# No "from __future__ import annotations": FastAPI reads these route signatures, whose
# annotations name dependencies made inside the router builders.

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from meclab.platform.errors import InvalidField
from meclab.platform.platform import Platforms
from meclab.platform.wire import WireModel
from meclab.services.hosting import host_resolver
from meclab.services.location.dispatch import API_V2
from meclab.services.location.models_v2 import (
    CircleBody,
    CircleNotificationSubscription,
    DistanceBody,
    DistanceNotificationSubscription,
    NotificationSubscriptionListBodyV2,
    PeriodicBody,
    PeriodicNotificationSubscription,
    UserTrackingBody,
    UserTrackingSubscription,
    V2Subscription,
    ZonalTrafficBody,
    ZonalTrafficSubscription,
    ZoneStatusBody,
    ZoneStatusSubscriptionV2,
)
from meclab.services.location.models_v3 import root_element
from meclab.services.location.reports import Reporter
from meclab.services.location.resources import Subscriptions, represent
from meclab.services.location.routing import ERRORS, STRICT
from meclab.services.location.subscription_routes import add_subscription_routes

COLLECTIONS: tuple[tuple[str, type[WireModel], type[V2Subscription]], ...] = (
    ("/subscriptions/userTracking", UserTrackingBody, UserTrackingSubscription),
    ("/subscriptions/zonalTraffic", ZonalTrafficBody, ZonalTrafficSubscription),
    ("/subscriptions/zoneStatus", ZoneStatusBody, ZoneStatusSubscriptionV2),
    ("/subscriptions/area/circle", CircleBody, CircleNotificationSubscription),
    ("/subscriptions/periodic", PeriodicBody, PeriodicNotificationSubscription),
)
"""The v2.2.1 collections whose paths v3.1.1 does not have."""
DISTANCE = ("/subscriptions/distance", DistanceBody, DistanceNotificationSubscription)
"""The v2.2.1 collection whose path v3.1.1 has too."""


def inner(body: WireModel) -> V2Subscription:
    """The subscription a v2.2.1 root element holds."""
    value: V2Subscription = next(iter(dict(body).values()))  # each class above holds one
    return value


def check_v2(model: V2Subscription) -> None:
    """What v2.2.1 allows but meclab's world cannot honour."""
    if isinstance(model, ZonalTrafficSubscription) and model.interestRealm:
        raise InvalidField(
            "zonalTrafficSubscription.interestRealm",
            "meclab access points declare no interest realm, so this subscription could never "
            "notify; leave it out to follow the whole zone",
        )


def build_v2_router(
    platforms: Platforms, subs: Subscriptions, reporter: Reporter, *, distance: bool
) -> APIRouter:
    """The v2.2.1 subscription routes; the distance collection too if ``distance`` (under
    v2.2.1's own base path)."""
    tag = (
        "MEC 013 Location v2.2.1: subscriptions"
        if distance
        else "MEC 013 Location: v2.2.1 subscriptions"
    )
    router = APIRouter(tags=[tag], dependencies=STRICT)
    current_host = host_resolver(platforms)
    Host = Annotated[str, Depends(current_host)]

    def add_collection(path: str, body: type[WireModel], model: type[V2Subscription]) -> None:
        kinds = {API_V2: (model.TYPE,)}
        root = root_element(model.TYPE)
        name = path.removeprefix("/subscriptions/").replace("/", "_")

        @router.get(path, responses=ERRORS, summary=f"{model.TYPE}s", name=f"list_{name}")
        async def listed(host: Host) -> JSONResponse:
            found: list[Any] = [represent(s)[root] for s in subs.listed(host, kinds)]
            href = f"{reporter.base(host)}{path}"
            answer = NotificationSubscriptionListBodyV2.model_validate(
                {"notificationSubscriptionList": {root: found, "resourceURL": href}}
            )
            return JSONResponse(answer.wire())

        def read_body(wrapped: Any) -> V2Subscription:
            requested = inner(wrapped)
            check_v2(requested)
            return requested

        add_subscription_routes(
            router,
            subs,
            current_host,
            path=path,
            body=body,
            kinds=kinds,
            collection=lambda host: f"{reporter.base(host)}{path}",
            read_body=read_body,
            name=name,
            what=model.TYPE,
        )

    for path, body, model in (*COLLECTIONS, DISTANCE) if distance else COLLECTIONS:
        add_collection(path, body, model)
    return router
