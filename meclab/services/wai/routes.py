"""WAI routes: the API surface as a table (ETSI GS MEC 028 V2.3.1 clause 7), and subscriptions.

=======  ==================================  ===============================================
GET      /queries/ap/ap_information          APs of the host's zone (MEC 009 filter/selectors)
GET      /queries/sta/sta_information        their stations
GET      /subscriptions                      SubscriptionLinkList (``subscription_type``)
POST     /subscriptions                      201 + Location + ETag
GET      /subscriptions/{subscriptionId}     200 + ETag
PUT      /subscriptions/{subscriptionId}     If-Match (412), same subscriptionType (422)
DELETE   /subscriptions/{subscriptionId}     If-Match (412), 204
GET      /measurements                       MeasurementConfigLinkList
POST     /measurements                       201 + Location + ETag
GET      /measurements/{measurementConfigId} 200 + ETag
PUT      /measurements/{measurementConfigId} If-Match (412)
DELETE   /measurements/{measurementConfigId} If-Match (412), 204
=======  ==================================  ===============================================

Checks, in this order: unknown query parameters (400), unknown host or resource (404), a
non-JSON (415) or malformed (400) body, If-Match (412), an invalid body (400), rules a schema
cannot express (400/422). Every error is problem+json. The queries and the measurement routes
are in :mod:`.routes_info`.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.platform.subscription import Subscription
from meclab.services.hosting import host_resolver
from meclab.services.subscribing import (
    check_type_filter,
    created,
    delivery_of,
    expiry_of,
    resource,
    without_alternative,
)
from meclab.services.wai.bodies import parse_subscription
from meclab.services.wai.models_subs import (
    SHORT_TYPES,
    AssocStaSubscription,
    MeasurementReportSubscription,
    StaDataRateSubscription,
    SubscriptionLinkList,
    WaiSubscription,
)
from meclab.services.wai.routes_info import UNPROCESSABLE, add_info_routes
from meclab.services.wai.triggers import API

if TYPE_CHECKING:
    from meclab.services.wai.service import Wai

SUBSCRIPTION_BODY = body_doc(
    AssocStaSubscription, StaDataRateSubscription, MeasurementReportSubscription
)


def build_router(wai: "Wai") -> APIRouter:
    """Every WAI route, for one mount point."""
    router = PrefixedRouter(
        prefix="/wai/v2", tags=["MEC 028 WAI"], dependencies=[Depends(reject_unknown_query)]
    )
    host_dep = Annotated[str, Depends(host_resolver(wai.platforms))]
    registry = wai.platforms.subscriptions

    def stored_body(criteria: WaiSubscription, websocket: bool) -> dict[str, Any]:
        body = criteria.wire()
        body.pop("_links", None)  # the platform sets the links
        return without_alternative(body, websocket)

    @router.get("/subscriptions", summary="List the subscriptions of this host")
    async def list_subscriptions(
        host: host_dep,
        subscription_type: Annotated[
            str | None, Query(description="assoc_sta, sta_data_rate or measure_report")
        ] = None,
    ) -> JSONResponse:
        wanted = check_type_filter(subscription_type, SHORT_TYPES)
        subs = registry.list(host, API, types=None if wanted is None else [wanted])
        body = SubscriptionLinkList.model_validate(
            {
                "_links": {"self": {"href": wai.url(host, "/subscriptions")}},
                "subscription": [{"href": s.href, "subscriptionType": s.type} for s in subs],
            }
        )
        return JSONResponse(body.wire())

    @router.post(
        "/subscriptions",
        status_code=201,
        summary="Create a subscription",
        openapi_extra=SUBSCRIPTION_BODY,
        responses=UNPROCESSABLE,
    )
    async def create_subscription(host: host_dep, request: Request) -> JSONResponse:
        criteria = parse_subscription(await read_json(request))
        wai.check_subscription(host, criteria)
        wire = criteria.wire()
        callback, websocket = delivery_of(wire)
        expiry = expiry_of(wire, wai.platforms.wall())
        sub = await registry.create(
            host=host,
            api=API,
            type=criteria.subscriptionType,
            body=stored_body(criteria, websocket),
            href=lambda sub_id: wai.url(host, f"/subscriptions/{sub_id}"),
            criteria=criteria,
            callback=callback,
            websocket=websocket,
            expiry=expiry,
            test_notification=bool(criteria.requestTestNotification),
        )
        wai.triggers.watch(sub, wai.view())
        return created(sub.body, sub.href)

    async def subscription(host: host_dep, subscriptionId: str) -> Subscription:
        return registry.owned(host, API, subscriptionId)

    Current = Annotated[
        Subscription, Depends(matching(subscription, lambda sub: etag_of(sub.body)))
    ]

    @router.get("/subscriptions/{subscriptionId}", summary="Read a subscription")
    async def get_subscription(sub: Annotated[Subscription, Depends(subscription)]) -> JSONResponse:
        return resource(sub.body)

    @router.put(
        "/subscriptions/{subscriptionId}",
        summary="Replace a subscription",
        openapi_extra=SUBSCRIPTION_BODY,
        responses=UNPROCESSABLE,
    )
    async def put_subscription(host: host_dep, sub: Current, request: Request) -> JSONResponse:
        criteria = parse_subscription(await read_json(request))
        if criteria.subscriptionType != sub.type:
            raise Unprocessable(
                f"subscription {sub.id} is a {sub.type}; a PUT replaces it with the "
                f"same type, not {criteria.subscriptionType}"
            )
        if criteria.links is not None and criteria.links.self.href != sub.href:
            raise InvalidField("_links.self.href", f"this subscription is {sub.href}")
        wai.check_subscription(host, criteria)
        wire = criteria.wire()
        callback, websocket = delivery_of(wire)
        await registry.replace(
            sub,
            body=stored_body(criteria, websocket),
            criteria=criteria,
            callback=callback,
            websocket=websocket,
            expiry=expiry_of(wire, wai.platforms.wall()),
        )
        wai.triggers.watch(sub, wai.view())
        return resource(sub.body)

    @router.delete("/subscriptions/{subscriptionId}", status_code=204, summary="Delete one")
    async def delete_subscription(sub: Current) -> Response:
        await registry.delete(sub)
        return Response(status_code=204)

    add_info_routes(router, wai, host_dep)
    return router
