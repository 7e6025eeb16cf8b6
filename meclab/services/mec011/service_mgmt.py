"""MEC 011 service management API (``/mec_service_mgmt/v1``, clause 8): its 14 routes.

* ``/services`` and ``/services/{serviceId}``: the services the addressed host sees (clause
  8.2.3, 8.2.4), with the discovery filters of :class:`.views.ServiceQuery`;
* ``/transports``: the transports the platform provides (clause 8.2.5);
* ``/applications/{appInstanceId}/services`` (GET, POST) and ``.../{serviceId}`` (GET, PUT,
  DELETE): the services that instance produces (clause 8.2.6, 8.2.7). Registering needs the
  instance READY (403 otherwise, clause 5.2.2); PUT and DELETE stay open while it terminates,
  so that it can deregister its services in its grace period (clause 5.2.3);
* ``.../subscriptions`` (SerAvailabilityNotificationSubscription, :mod:`.subscription_routes`);
* ``/liveness/{serInstanceId}`` (GET, PATCH): the "Individual mecServiceLiveness" resource
  whose URI the platform allocates (clause 8.2.10) for services registered with a
  ``livenessInterval``.

In secure mode (issue 12) discovery (``/services``, ``/transports``) answers any
authenticated instance; an instance's own services and subscriptions answer it and the
operator only (403: :func:`.routing.app_resolver`), and so does a service's liveness resource
(its producer's heartbeat).
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations,
# which name aliases local to the router builder (``App``, ``Owned`` ...).
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, json_body
from meclab.http.etag import matching
from meclab.http.routing import PrefixedRouter
from meclab.platform.access import check_owner
from meclab.platform.apps import AppInstance
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.platform.platform import Platforms
from meclab.platform.service_info import ServiceInfo, ServiceState, TransportInfo
from meclab.platform.services import ServiceRecord
from meclab.platform.wire import TimeStamp
from meclab.services.hosting import host_resolver
from meclab.services.mec011.availability import criteria_of
from meclab.services.mec011.models import (
    SER_AVAILABILITY_SUBSCRIPTION,
    EndPointInfo,
    SerAvailabilityNotificationSubscription,
    ServiceLivenessInfo,
    ServiceLivenessUpdate,
)
from meclab.services.mec011.routing import (
    ERRORS,
    SERVICE_MGMT,
    SERVICE_MGMT_API,
    STRICT,
    app_resolver,
    current,
)
from meclab.services.mec011.subscription_routes import SubscriptionKind, add_subscription_routes
from meclab.services.mec011.views import (
    QUERY_PARAMETERS,
    BodyCache,
    ServiceQuery,
    app_service_url,
    platform_transports,
    service_body,
    service_etag,
    service_query,
    service_url,
)
from meclab.services.subscribing import resource

if TYPE_CHECKING:
    from meclab.services.mec011.service import Mec011

DEFAULT_LIVENESS_INTERVAL_S = 30
"""What the platform picks when a producer proposes ``livenessInterval`` 0 (clause 8.1.2.2)."""

PRECONDITION = {412: {"description": "If-Match does not match the ETag"}}


def _endpoint_problem(endpoint: EndPointInfo) -> str | None:
    given = [n for n in ("uris", "fqdn", "addresses", "alternative") if getattr(endpoint, n)]
    if len(given) != 1:
        # Clause 8.1.5.3 note: exactly one of them shall be present.
        return f"give exactly one of uris, fqdn, addresses, alternative (got {len(given)})"
    return None


def settle(platforms: Platforms, host: str, info: ServiceInfo) -> ServiceInfo:
    """A ServiceInfo from a POST or PUT body, as the platform keeps it (400 naming the field).

    Either ``transportId`` (a transport the platform provides, :func:`platform_transports`)
    or ``transportInfo`` (one the application provides), not both (clause 8.1.2.2 note 2);
    stored, it always has ``transportInfo``. ``livenessInterval`` 0 asks the platform to pick.
    ``isLocal`` and ``_links`` are the platform's to set and are ignored.
    """
    if (info.transportId is None) == (info.transportInfo is None):
        raise InvalidField("transportId", "give either transportId or transportInfo, not both")
    transport = info.transportInfo
    if info.transportId is not None:
        offered = {t.id: t for t in platform_transports(platforms, host)}
        transport = offered.get(info.transportId)
        if transport is None:
            raise InvalidField(
                "transportId",
                f"no platform transport {info.transportId!r}; GET {SERVICE_MGMT}/transports "
                f"lists them ({', '.join(offered)})",
            )
    assert transport is not None
    problem = _endpoint_problem(transport.endpoint)
    if problem is not None:
        raise InvalidField("transportInfo.endpoint", problem)
    interval = info.livenessInterval
    return info.model_copy(
        update={
            "transportId": None,
            "transportInfo": transport,
            "livenessInterval": DEFAULT_LIVENESS_INTERVAL_S if interval == 0 else interval,
            "isLocal": None,
            "links": None,
        }
    )


def build_router(mec011: "Mec011") -> APIRouter:
    """The service management routes, served at the root and under ``/hosts/{host}``."""
    platforms = mec011.platforms
    services = platforms.services
    router = PrefixedRouter(prefix=SERVICE_MGMT, tags=["MEC 011 service management"])
    bodies = BodyCache(platforms)
    App = Annotated[AppInstance, Depends(app_resolver(platforms))]
    current_host = host_resolver(platforms)
    Host = Annotated[str, Depends(current_host)]
    Query = Annotated[ServiceQuery, Depends(service_query)]
    Body = Annotated[ServiceInfo, Depends(json_body(ServiceInfo))]

    def one(record: ServiceRecord, host: str, href: str, status: int = 200) -> Response:
        headers = {"ETag": service_etag(record)}
        if status == 201:
            headers["Location"] = href
        body = service_body(platforms, record, host, href)
        return JSONResponse(body, status_code=status, headers=headers)

    # --- discovery ----------------------------------------------------------------------

    async def list_services(request: Request) -> Response:
        # The hottest route of the platform: it reads the request itself instead of through
        # FastAPI dependencies, whose resolution cost a third of the request (bench/mec011.py).
        query = await service_query(request)
        host = await current_host(request)
        return Response(bodies.listing(query, host), media_type="application/json")

    mec011.discovery = list_services
    router.add_api_route(
        "/services",
        list_services,
        methods=["GET"],
        response_model=list[ServiceInfo],
        responses=ERRORS,
        summary="The services this MEC host sees, filtered",
        openapi_extra={"parameters": QUERY_PARAMETERS},
    )

    @router.get(
        "/services/{serviceId}",
        dependencies=STRICT,
        response_model=ServiceInfo,
        responses=ERRORS,
        summary="One service this MEC host sees",
    )
    async def get_service(host: Host, serviceId: str) -> Response:
        record = services.get(host, serviceId)
        return one(record, host, service_url(platforms, host, record.id))

    @router.get(
        "/transports",
        dependencies=STRICT,
        response_model=list[TransportInfo],
        responses=ERRORS,
        summary="The transports the platform provides",
    )
    async def list_transports(host: Host) -> Response:
        return JSONResponse([t.wire() for t in platform_transports(platforms, host)])

    # --- an instance's services ---------------------------------------------------------

    async def ready_app(app: App) -> AppInstance:
        platforms.require_ready(app)  # 403: clause 5.2.2, services come after confirm_ready
        return app

    async def owned(app: App, serviceId: str) -> ServiceRecord:
        record = services.records.get(serviceId)
        if record is None or record.owner != app.app_instance_id:
            raise NotFound(
                f"application instance {app.app_instance_id} has no service {serviceId!r}"
            )
        return record

    Owned = Annotated[ServiceRecord, Depends(owned)]
    current_service = matching(owned, service_etag)
    Current = Annotated[ServiceRecord, Depends(current_service)]

    @router.get(
        "/applications/{appInstanceId}/services",
        response_model=list[ServiceInfo],
        responses=ERRORS,
        summary="The services the instance produces, filtered",
        openapi_extra={"parameters": QUERY_PARAMETERS},
    )
    async def list_app_services(query: Query, app: App) -> Response:
        return JSONResponse(
            [
                service_body(platforms, record, app.host, app_service_url(platforms, record))
                for record in services.owned_by(app.app_instance_id)
                if query.matches(record, services.is_local(record, app.host))
            ]
        )

    @router.post(
        "/applications/{appInstanceId}/services",
        dependencies=STRICT,
        status_code=201,
        response_model=ServiceInfo,
        responses={**ERRORS, 403: {"description": "The instance has not confirmed ready"}},
        openapi_extra=body_doc(ServiceInfo),
        summary="Register a service the instance produces",
    )
    async def create_service(
        app: Annotated[AppInstance, Depends(ready_app)], body: Body
    ) -> Response:
        if body.serInstanceId is not None:
            raise InvalidField("serInstanceId", "shall be absent: the platform assigns it")
        info = settle(platforms, app.host, body)
        record = await services.add(app.host, app.app_instance_id, info, platforms.wall())
        return one(record, app.host, app_service_url(platforms, record), status=201)

    @router.get(
        "/applications/{appInstanceId}/services/{serviceId}",
        dependencies=STRICT,
        response_model=ServiceInfo,
        responses=ERRORS,
        summary="One service the instance produces",
    )
    async def get_app_service(record: Owned) -> Response:
        return one(record, record.host, app_service_url(platforms, record))

    @router.put(
        "/applications/{appInstanceId}/services/{serviceId}",
        dependencies=STRICT,
        response_model=ServiceInfo,
        responses={**ERRORS, **PRECONDITION},
        openapi_extra=body_doc(ServiceInfo),
        summary="Update a service the instance produces",
    )
    async def put_app_service(
        record: Current,
        body: Annotated[ServiceInfo, Depends(json_body(ServiceInfo, after=current_service))],
    ) -> Response:
        if body.serInstanceId is not None and body.serInstanceId != record.id:
            raise InvalidField("serInstanceId", f"must be {record.id!r}, the service in the path")
        info = settle(platforms, record.host, body)
        if info.livenessInterval and record.last_heartbeat is None:
            record.last_heartbeat = platforms.wall()  # liveness starts now, as at registration
        await services.replace(record, info)
        return one(record, record.host, app_service_url(platforms, record))

    @router.delete(
        "/applications/{appInstanceId}/services/{serviceId}",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={**ERRORS, **PRECONDITION},
        summary="Deregister a service the instance produces",
    )
    async def delete_app_service(record: Current) -> Response:
        await services.remove(record)
        return Response(status_code=204)

    add_subscription_routes(
        router,
        platforms,
        SubscriptionKind(
            api=SERVICE_MGMT_API,
            base=SERVICE_MGMT,
            model=SerAvailabilityNotificationSubscription,
            subscription_type=SER_AVAILABILITY_SUBSCRIPTION,
            criteria=criteria_of,
        ),
    )

    # --- liveness -----------------------------------------------------------------------

    async def alive(host: Host, serInstanceId: str) -> ServiceRecord:
        record = services.records.get(serInstanceId)
        # The resource lives on the producer's host, and only for services with liveness.
        if record is None or record.host != host or not record.info.livenessInterval:
            raise NotFound(f"no liveness resource for service {serInstanceId!r} on {host}")
        # The producer's heartbeat resource: another instance may not read or beat it.
        check_owner(record.owner, f"the liveness of service {serInstanceId}")
        return record

    Alive = Annotated[ServiceRecord, Depends(alive)]

    def liveness(record: ServiceRecord) -> dict[str, object]:
        # last_heartbeat is set at registration for every service with liveness; meclab
        # keeps an emulated producer's services ACTIVE without heartbeats.
        beat = record.last_heartbeat if record.last_heartbeat is not None else platforms.wall()
        return ServiceLivenessInfo(
            state=record.info.state,
            timeStamp=TimeStamp.of(beat),
            interval=record.info.livenessInterval or 0,
        ).wire()

    current_liveness = current(alive, liveness)

    @router.get(
        "/liveness/{serInstanceId}",
        dependencies=STRICT,
        response_model=ServiceLivenessInfo,
        responses=ERRORS,
        summary="A service's liveness",
    )
    async def get_liveness(record: Alive) -> Response:
        return resource(liveness(record))

    @router.patch(
        "/liveness/{serInstanceId}",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={
            **ERRORS,
            409: {"description": "The service is SUSPENDED by its producer"},
            **PRECONDITION,
        },
        openapi_extra=body_doc(ServiceLivenessUpdate),
        summary="A heartbeat: the service is alive",
    )
    async def heartbeat(
        record: Annotated[ServiceRecord, Depends(current_liveness)],
        body: Annotated[
            ServiceLivenessUpdate, Depends(json_body(ServiceLivenessUpdate, after=current_liveness))
        ],
    ) -> Response:
        if body.state is not ServiceState.ACTIVE:
            # Clause 8.1.2.5: a heartbeat "shall be set to ACTIVE"; other states are set
            # with PUT on the service itself.
            raise InvalidField(
                "state", "a heartbeat is ACTIVE; change the state with PUT on the service"
            )
        if record.info.state is ServiceState.SUSPENDED:
            # The producer suspended it on purpose (PUT); a heartbeat must not resume it.
            raise Conflict(f"service {record.id} is SUSPENDED; PUT it ACTIVE to resume it")
        await services.heartbeat(record, platforms.wall())
        # 204: the interval stays as decided at registration (clause 8.2.10.3.3).
        return Response(status_code=204)

    return router
