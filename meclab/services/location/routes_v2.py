"""MEC 013 v2.2.1 subscription resources, for apps written for the ETSI MEC Sandbox.

``/subscriptions/userTracking``, ``/zonalTraffic``, ``/zoneStatus``, ``/area/circle`` and
``/periodic``: GET (the v2.2.1 NotificationSubscriptionList: full bodies under the type's
element, and ``resourceURL``), POST (201 + Location + ETag), and per subscription GET, PUT
(If-Match) and DELETE. ``/subscriptions/distance`` is shared with v3.1.1 (:mod:`.routes_v3`):
it takes either version's body and answers each subscription in its own version's shape; its
list is v3's.

These routes are included before v3's, since ``/subscriptions/area/circle`` would otherwise be
taken for the v3 area subscription ``circle``.
"""

# No "from __future__ import annotations": FastAPI reads these route signatures, whose
# annotations name dependencies made inside the router builders.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from meclab.http.body import body_doc, json_body
from meclab.platform.errors import InvalidField
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.wire import WireModel
from meclab.services.hosting import host_resolver
from meclab.services.location.dispatch import API_V2
from meclab.services.location.models_v2 import (
    CircleNotificationSubscription,
    PeriodicNotificationSubscription,
    UserTrackingSubscription,
    V2Subscription,
    ZonalTrafficSubscription,
    ZoneStatusSubscriptionV2,
)
from meclab.services.location.models_v3 import root_element
from meclab.services.location.reports import Reporter
from meclab.services.location.resources import Subscriptions, if_match, represent
from meclab.services.location.routing import ERRORS, STRICT, WRITE_ERRORS
from meclab.services.subscribing import resource


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


COLLECTIONS: tuple[tuple[str, type[WireModel], type[V2Subscription]], ...] = (
    ("/subscriptions/userTracking", UserTrackingBody, UserTrackingSubscription),
    ("/subscriptions/zonalTraffic", ZonalTrafficBody, ZonalTrafficSubscription),
    ("/subscriptions/zoneStatus", ZoneStatusBody, ZoneStatusSubscriptionV2),
    ("/subscriptions/area/circle", CircleBody, CircleNotificationSubscription),
    ("/subscriptions/periodic", PeriodicBody, PeriodicNotificationSubscription),
)


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


def build_v2_router(platforms: Platforms, subs: Subscriptions, reporter: Reporter) -> APIRouter:
    """The v2.2.1 subscription routes."""
    router = APIRouter(tags=["MEC 013 Location: v2.2.1 subscriptions"], dependencies=STRICT)
    Host = Annotated[str, Depends(host_resolver(platforms))]

    def add_collection(path: str, body: type[WireModel], model: type[V2Subscription]) -> None:
        kinds = {API_V2: (model.TYPE,)}
        root = root_element(model.TYPE)
        Body = Annotated[Any, Depends(json_body(body))]
        name = path.removeprefix("/subscriptions/").replace("/", "_")

        async def owned(subscriptionId: str, host: Host) -> Subscription:
            return subs.find(host, subscriptionId, kinds)

        Owned = Annotated[Subscription, Depends(owned)]

        async def matching(request: Request, sub: Owned) -> Subscription:
            if_match(request, sub)
            return sub

        Matching = Annotated[Subscription, Depends(matching)]

        @router.get(path, responses=ERRORS, summary=f"{model.TYPE}s", name=f"list_{name}")
        async def listed(host: Host) -> JSONResponse:
            found: list[Any] = [represent(s)[root] for s in subs.listed(host, kinds)]
            href = f"{reporter.base(host)}{path}"
            return JSONResponse(
                {"notificationSubscriptionList": {root: found, "resourceURL": href}}
            )

        @router.post(
            path,
            status_code=201,
            responses=WRITE_ERRORS,
            openapi_extra=body_doc(body),
            summary=f"Create a {model.TYPE}",
            name=f"create_{name}",
        )
        async def create(host: Host, wrapped: Body) -> JSONResponse:
            requested = inner(wrapped)
            check_v2(requested)
            return await subs.create(host, requested, f"{reporter.base(host)}{path}")

        @router.get(
            f"{path}/{{subscriptionId}}",
            responses=ERRORS,
            summary=f"One {model.TYPE}",
            name=f"get_{name}",
        )
        async def read(sub: Owned) -> JSONResponse:
            return resource(represent(sub))

        @router.put(
            f"{path}/{{subscriptionId}}",
            responses=WRITE_ERRORS,
            openapi_extra=body_doc(body),
            summary=f"Replace a {model.TYPE}",
            name=f"put_{name}",
        )
        async def replace(sub: Matching, wrapped: Body) -> JSONResponse:
            requested = inner(wrapped)
            check_v2(requested)
            return await subs.replace(sub, requested)

        @router.delete(
            f"{path}/{{subscriptionId}}",
            status_code=204,
            response_class=Response,
            responses=WRITE_ERRORS,
            summary=f"Delete a {model.TYPE}",
            name=f"delete_{name}",
        )
        async def delete(request: Request, sub: Owned) -> Response:
            return await subs.delete(request, sub)

    for path, body, model in COLLECTIONS:
        add_collection(path, body, model)
    return router
