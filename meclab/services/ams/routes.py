"""AMS routes: the API surface as a table (ETSI GS MEC 021 V2.2.1 clause 8), and its checks.

=======  ===============================================  ===================================
GET      /app_mobility_services                           RegistrationInfo[] (filter/selectors)
POST     /app_mobility_services                           201 + Location + ETag
GET      /app_mobility_services/{id}                      200 + ETag
PUT      /app_mobility_services/{id}                      If-Match (412); id in body = path
DELETE   /app_mobility_services/{id}                      If-Match (412), 204
POST     /app_mobility_services/{id}/deregister_task      204: deregistered once expiryTime ends
GET      /subscriptions                                   SubscriptionLinkList (by type)
POST     /subscriptions                                   201 + Location + ETag
GET      /subscriptions/{subscriptionId}                  200 + ETag
PUT      /subscriptions/{subscriptionId}                  If-Match (412), same type (422)
DELETE   /subscriptions/{subscriptionId}                  If-Match (412), 204
GET      /queries/adjacent_app_instances                  AdjacentAppInstanceInfo[] (filter/sel.)
=======  ===============================================  ===================================

Checks, in this order: unknown query parameters (400), unknown host or resource (404), a
non-JSON (415) or malformed (400) body, If-Match (412), an invalid body (400 naming the
attribute), then what the mobility manager refuses (404 for an instance not on the host, 422 for
a device registered twice). ``subscriptiontype`` is the v2.2.1 file's spelling; the GS's
``subscriptionType`` is accepted too (INVENTORY §3.6). A subscription filter naming an
application instance that is not on the host, or an AssociateId naming no terminal, is a 400
naming the attribute (``filterCriteria.appInstanceId``, ``filterCriteria.associateId[i]``).

Ownership in secure mode (issue 12): a registration is its consumer instance's (the mobility
manager checks it, :mod:`.port`), a subscription its creator's. Listings show the caller its
own; another instance's registration or subscription answers 403 (after the 404 for an unknown
one); the operator sees and changes all. The adjacent-instance query answers any instance.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.http.selectors import Filter, Selection, attribute_filter, attribute_selection, select
from meclab.mobility.registry import Registration
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.platform.subscription import Subscription
from meclab.services.ams.bodies import (
    adjacent_body,
    devices_of,
    parse_registration,
    parse_subscription,
    registration_body,
)
from meclab.services.ams.models import (
    SHORT_TYPES,
    AdjacentAppInfoSubscription,
    AmsSubscription,
    MobilityProcedureSubscription,
    MobilityStatus,
    RegistrationInfo,
)
from meclab.services.ams.notify import API
from meclab.services.hosting import host_resolver
from meclab.services.subscribing import (
    check_type_filter,
    created,
    delivery_of,
    expiry_of,
    link_list,
    resource,
    without_alternative,
)

if TYPE_CHECKING:
    from meclab.services.ams.service import Ams

SUBSCRIPTION_BODY = body_doc(MobilityProcedureSubscription, AdjacentAppInfoSubscription)
REGISTRATION_BODY = body_doc(RegistrationInfo)
FilterParam = Annotated[Filter | None, Depends(attribute_filter)]
SelectionParam = Annotated[Selection, Depends(attribute_selection)]
UNPROCESSABLE: dict[int | str, dict[str, Any]] = {
    422: {"description": "A valid body the AMS cannot serve (e.g. a device registered twice)"}
}


def _queried(items: list[dict[str, Any]], flt: Filter | None, selection: Selection, key: str):
    chosen = flt.apply(items) if flt is not None else items
    return select(chosen, selection, mandatory=(key,))


def stored_subscription(criteria: AmsSubscription) -> tuple[AmsSubscription, dict[str, Any]]:
    """The subscription as kept: a MobilityProcedureSubscription without ``mobilityStatus``
    gets the default ``[1]`` (clause 7.3.2: "shall be used and included in the response")."""
    if isinstance(criteria, MobilityProcedureSubscription) and not (
        criteria.filterCriteria.mobilityStatus
    ):
        criteria = criteria.model_copy(deep=True)
        criteria.filterCriteria.mobilityStatus = [MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED]
    body = criteria.wire()
    body.pop("_links", None)  # the platform sets the links
    return criteria, body


def build_router(ams: "Ams") -> APIRouter:
    """Every AMS route, for one mount point."""
    router = PrefixedRouter(
        prefix="/amsi/v1", tags=["MEC 021 AMS"], dependencies=[Depends(reject_unknown_query)]
    )
    host_dep = Annotated[str, Depends(host_resolver(ams.platforms))]
    registry = ams.platforms.subscriptions
    port = ams.port

    # --- registrations ------------------------------------------------------------------

    def href_of(host: str, registration_id: str) -> str:
        return ams.url(host, f"/app_mobility_services/{registration_id}")

    @router.get("/app_mobility_services", summary="The registrations of this host")
    async def list_registrations(
        host: host_dep, flt: FilterParam, selection: SelectionParam
    ) -> JSONResponse:
        items = [registration_body(r) for r in port.registrations(host)]
        return JSONResponse(_queried(items, flt, selection, "serviceConsumerId"))

    @router.post(
        "/app_mobility_services",
        status_code=201,
        summary="Register for application mobility",
        openapi_extra=REGISTRATION_BODY,
        responses=UNPROCESSABLE,
    )
    async def register(host: host_dep, request: Request) -> JSONResponse:
        info = parse_registration(await read_json(request), None)
        registration = await port.register(
            host,
            info.serviceConsumerId.appInstanceId,
            info.serviceConsumerId.mepId,
            devices_of(info, ams.terminals()),
            info.expiryTime or None,
        )
        return created(registration_body(registration), href_of(host, registration.id))

    async def registration(host: host_dep, appMobilityServiceId: str) -> Registration:
        return port.registration(host, appMobilityServiceId)

    CurrentRegistration = Annotated[
        Registration, Depends(matching(registration, lambda r: etag_of(registration_body(r))))
    ]

    @router.get("/app_mobility_services/{appMobilityServiceId}", summary="Read a registration")
    async def get_registration(
        found: Annotated[Registration, Depends(registration)],
    ) -> JSONResponse:
        return resource(registration_body(found))

    @router.put(
        "/app_mobility_services/{appMobilityServiceId}",
        summary="Replace a registration (e.g. report a context transferred)",
        openapi_extra=REGISTRATION_BODY,
        responses=UNPROCESSABLE,
    )
    async def put_registration(
        host: host_dep, found: CurrentRegistration, request: Request
    ) -> JSONResponse:
        info = parse_registration(await read_json(request), found.id)
        updated = await port.update(
            host,
            found.id,
            info.serviceConsumerId.appInstanceId,
            info.serviceConsumerId.mepId,
            devices_of(info, ams.terminals()),
            info.expiryTime or None,
        )
        return resource(registration_body(updated))

    @router.delete(
        "/app_mobility_services/{appMobilityServiceId}", status_code=204, summary="Deregister"
    )
    async def delete_registration(host: host_dep, found: CurrentRegistration) -> Response:
        await port.deregister(host, found.id)
        return Response(status_code=204)

    @router.post(
        "/app_mobility_services/{appMobilityServiceId}/deregister_task",
        status_code=204,
        summary="Deregister once the registration's expiryTime has run out",
    )
    async def deregister_task(
        host: host_dep, found: Annotated[Registration, Depends(registration)]
    ) -> Response:
        await port.deregister_task(host, found.id)
        return Response(status_code=204)

    # --- subscriptions ------------------------------------------------------------------

    @router.get("/subscriptions", summary="List the subscriptions of this host")
    async def list_subscriptions(
        host: host_dep,
        subscriptiontype: Annotated[
            str | None, Query(description="mobility_proc or adj_app_info")
        ] = None,
        subscriptionType: Annotated[  # the GS's spelling (v2.1.1 file)
            str | None, Query(include_in_schema=False)
        ] = None,
    ) -> JSONResponse:
        if subscriptiontype is not None and subscriptionType is not None:
            raise ProblemError(
                400,
                "give subscriptiontype once (subscriptionType is the same parameter)",
                invalidParams=[{"name": "subscriptionType", "in": "query", "reason": "twice"}],
            )
        name = "subscriptiontype" if subscriptionType is None else "subscriptionType"
        wanted = check_type_filter(subscriptiontype or subscriptionType, SHORT_TYPES, name)
        subs = registry.list(host, API, types=None if wanted is None else [wanted])
        return JSONResponse(link_list(ams.url(host, "/subscriptions"), subs, member="subscription"))

    @router.post(
        "/subscriptions",
        status_code=201,
        summary="Create a subscription",
        openapi_extra=SUBSCRIPTION_BODY,
        responses=UNPROCESSABLE,
    )
    async def create_subscription(host: host_dep, request: Request) -> JSONResponse:
        criteria = parse_subscription(await read_json(request))
        ams.check_subscription(host, criteria)
        wire = criteria.wire()
        callback, websocket = delivery_of(wire)
        criteria, body = stored_subscription(criteria)
        sub = await registry.create(
            host=host,
            api=API,
            type=criteria.subscriptionType,
            body=without_alternative(body, websocket),
            href=lambda sub_id: ams.url(host, f"/subscriptions/{sub_id}"),
            criteria=criteria,
            callback=callback,
            websocket=websocket,
            expiry=expiry_of(wire, ams.platforms.wall()),
            test_notification=bool(criteria.requestTestNotification),
        )
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
        ams.check_subscription(host, criteria)
        wire = criteria.wire()
        callback, websocket = delivery_of(wire)
        criteria, body = stored_subscription(criteria)
        await registry.replace(
            sub,
            body=without_alternative(body, websocket),
            criteria=criteria,
            callback=callback,
            websocket=websocket,
            expiry=expiry_of(wire, ams.platforms.wall()),
        )
        return resource(sub.body)

    @router.delete("/subscriptions/{subscriptionId}", status_code=204, summary="Delete one")
    async def delete_subscription(sub: Current) -> Response:
        await registry.delete(sub)
        return Response(status_code=204)

    # --- adjacent application instances -------------------------------------------------

    @router.get(
        "/queries/adjacent_app_instances",
        summary="Instances on other hosts of the applications that have one on this host",
    )
    async def adjacent_app_instances(
        host: host_dep, flt: FilterParam, selection: SelectionParam
    ) -> JSONResponse:
        items = [adjacent_body(a) for a in port.adjacent(host)]
        return JSONResponse(_queried(items, flt, selection, "appInstanceCommLink"))

    return router
