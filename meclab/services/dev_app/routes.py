"""MEC 016 routes (ETSI GS MEC 016 V2.2.1 clause 7), under ``{api_root}/dev_app/v1``.

======  =========================================  =============================================
GET     ``/app_list``                              the applications device applications may use,
                                                   filtered by ``appName``, ``appProvider``,
                                                   ``appSoftVersion``, ``vendorId`` (each: any of
                                                   the values, repeated or comma-separated) and
                                                   ``serviceCont`` (0 or 1)
POST    ``/app_contexts``                          a new context: 201, Location, the context with
                                                   its ``contextId`` and instance
PUT     ``/app_contexts/{contextId}``              new ``callbackReference`` and/or appLocation:
                                                   204
DELETE  ``/app_contexts/{contextId}``              204; the instance is released
POST    ``/obtain_app_loc_availability``           where the application could run for the
                                                   terminal: the body with ``availableLocations``
======  =========================================  =============================================

The application of a request is its ``appDId`` when given (then its names and versions must be
that application's), else the one application of ``app_list`` with its ``appName``,
``appProvider``, ``appDVersion`` and, when given, ``appSoftVersion``. meclab offers only the
applications onboarded to it: an ``appPackageSource`` is not fetched (onboard the package with
``app_pkgm`` instead).

meclab gives a context one instance: its ``userAppInstanceInfo`` has one entry, whose
``appLocation``, when given, restricts the hosts (:mod:`.locations`); the answer's entry has the
instance's own location. A request may not carry what the MEC system assigns (``contextId`` at
creation, ``appInstanceId``, ``referenceURI``, ``availableLocations``).

POST answers the context's ETag; PUT and DELETE honour ``If-Match`` with it (412 otherwise), as
every meclab resource does. PUT: only ``callbackReference`` and the appLocation change (as the
GS has it); any other attribute the body gives must be the context's (400 naming it otherwise;
one it leaves out stays as it was). A new appLocation places the context again, among the
hosts it admits: if that gives it another instance, its callback is told
(ApplicationContextUpdateNotification).

Every error is problem details naming the attribute (``invalidParams``).
"""

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, parse, read_json
from meclab.http.etag import etag_of, matching
from meclab.http.problem import ProblemError
from meclab.http.query import list_values, reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.lifecycle.device_apps import AvailableApp
from meclab.platform.errors import InvalidField
from meclab.platform.subscription import Subscription
from meclab.services.dev_app.contexts import BASE_PATH, instance_of
from meclab.services.dev_app.models import (
    AppCharcs,
    AppContext,
    ApplicationList,
    ApplicationLocationAvailability,
    AvailableLocation,
    ListedApp,
    ListedAppInfo,
    LocationConstraints,
    ServiceContinuity,
    VendorSpecificExt,
)
from meclab.services.subscribing import created

if TYPE_CHECKING:
    from meclab.services.dev_app.service import DevApp

CONTEXT_BODY = body_doc(AppContext)
AVAILABILITY_BODY = body_doc(ApplicationLocationAvailability)
INSTANCE = "appInfo.userAppInstanceInfo[0]"
DESCRIPTION_MAX = 128
"""MEC 016 bounds ``appDescription``; an AppD's may be longer, and is cut for the list."""

Filter = Annotated[list[str] | None, Query()]


def _check_lengths(**filters: set[str] | None) -> None:
    for name, values in filters.items():
        for value in values or ():
            if len(value) > 32:
                raise ProblemError(
                    400,
                    f"query parameter {name}: {value!r} is longer than 32 characters",
                    invalidParams=[{"name": name, "in": "query", "reason": "longer than 32"}],
                )


def listed(app: AvailableApp, locations: list[LocationConstraints]) -> ListedApp:
    """An application as ``app_list`` shows it."""
    charcs = AppCharcs(
        memory=app.memory_mb,
        storage=app.storage_mb,
        latency=app.latency_ms,
        bandwidth=app.bandwidth_kbps,
        serviceCont=None
        if app.service_continuity is None
        else ServiceContinuity(int(app.service_continuity)),
    )
    return ListedApp(
        appInfo=ListedAppInfo(
            appDId=app.app_d_id,
            appName=app.app_name,
            appProvider=app.app_provider,
            appSoftVersion=app.app_soft_version,
            appDVersion=app.app_d_version,
            appDescription=app.description[:DESCRIPTION_MAX],
            appLocation=locations,
            appCharcs=charcs if charcs.wire() else None,
        ),
        vendorSpecificExt=None
        if app.vendor_id is None
        else VendorSpecificExt(vendorId=app.vendor_id),
    )


def find_app(
    apps: list[AvailableApp],
    *,
    app_d_id: str | None,
    name: str,
    provider: str,
    d_version: str,
    soft_version: str | None,
) -> AvailableApp:
    """The application a request's ``appInfo`` names (module docstring)."""
    if app_d_id is not None:
        app = next((a for a in apps if a.app_d_id == app_d_id), None)
        if app is None:
            raise ProblemError(
                404,
                f"no application {app_d_id!r} in app_list",
                invalidParams=[{"name": "appInfo.appDId", "in": "body", "reason": "unknown"}],
            )
        for field, given, own in (
            ("appName", name, app.app_name),
            ("appProvider", provider, app.app_provider),
            ("appDVersion", d_version, app.app_d_version),
            ("appSoftVersion", soft_version, app.app_soft_version),
        ):
            if given is not None and given != own:
                raise InvalidField(f"appInfo.{field}", f"application {app_d_id} has {own!r}")
        return app
    matching = [
        a
        for a in apps
        if (a.app_name, a.app_provider, a.app_d_version) == (name, provider, d_version)
        and soft_version in (None, a.app_soft_version)
    ]
    if not matching:
        raise ProblemError(
            404,
            f"no application {name!r} of {provider!r} (appDVersion {d_version!r}"
            + (f", appSoftVersion {soft_version!r}" if soft_version else "")
            + ") in app_list; meclab offers the packages onboarded to it (app_pkgm)",
            invalidParams=[{"name": "appInfo.appName", "in": "body", "reason": "not in app_list"}],
        )
    if len(matching) > 1:
        raise InvalidField(
            "appInfo.appSoftVersion",
            f"{len(matching)} applications match; give appSoftVersion or appDId",
        )
    return matching[0]


def _refuse_assigned(context: AppContext, *, creating: bool) -> None:
    """A request carries none of what the MEC system assigns (module docstring)."""
    if creating and context.contextId is not None:
        raise InvalidField("contextId", "assigned by the MEC system; leave it out")
    entries = context.appInfo.userAppInstanceInfo
    if len(entries) != 1:
        raise InvalidField(
            "appInfo.userAppInstanceInfo", "meclab gives a context one instance: list one"
        )
    if creating:
        for field in ("appInstanceId", "referenceURI"):
            if getattr(entries[0], field) is not None:
                raise InvalidField(f"{INSTANCE}.{field}", "assigned by the MEC system")


def _same(given: object, own: object) -> bool:
    # An absent flag is a false one: a body saying appLocationUpdates=false changes nothing.
    return given == own or (given is False and own is None)


def _compare_untouched(given: AppContext, stored: AppContext) -> None:
    """PUT: what the body gives beside the updatable attributes is the context's."""
    sent = given.model_dump(exclude_none=True, exclude={"callbackReference"})
    own = stored.model_dump(exclude_none=True)
    sent_info = sent.pop("appInfo")
    own_info = own.pop("appInfo")
    for field, value in sent.items():
        if not _same(value, own.get(field)):
            raise InvalidField(field, "only callbackReference and appLocation may change")
    entry = sent_info.pop("userAppInstanceInfo")[0]
    own_entry = own_info.pop("userAppInstanceInfo")[0]
    for field, value in sent_info.items():
        if not _same(value, own_info.get(field)):
            raise InvalidField(
                f"appInfo.{field}", "only callbackReference and appLocation may change"
            )
    for field in ("appInstanceId", "referenceURI"):
        if field in entry and own_entry.get(field) != entry[field]:
            raise InvalidField(f"{INSTANCE}.{field}", "assigned by the MEC system")


def build_router(service: "DevApp") -> APIRouter:
    """The MEC 016 routes."""
    router = PrefixedRouter(
        prefix=BASE_PATH,
        tags=["MEC 016 device application interface"],
        dependencies=[Depends(reject_unknown_query)],
    )
    port = service.lifecycle
    contexts = service.contexts

    def hosts_admitted(app: AvailableApp, location: LocationConstraints) -> list[str]:
        """The hosts of ``app`` a requested location admits; 400 naming it if none."""
        hosts = service.admitted(app.hosts, location)
        if not hosts:
            raise InvalidField(
                f"{INSTANCE}.appLocation",
                f"no host where {app.app_name} can run lies there "
                "(obtain_app_loc_availability lists where it can)",
            )
        return hosts

    @router.get(
        "/app_list",
        summary="The applications available to device applications",
        response_model=ApplicationList,
        response_model_exclude_none=True,
    )
    async def app_list(
        appName: Filter = None,
        appProvider: Filter = None,
        appSoftVersion: Filter = None,
        vendorId: Filter = None,
        serviceCont: Annotated[ServiceContinuity | None, Query()] = None,
    ) -> ApplicationList:
        names, providers, versions, vendors = (
            list_values(appName),
            list_values(appProvider),
            list_values(appSoftVersion),
            list_values(vendorId),
        )
        _check_lengths(
            appName=names, appProvider=providers, appSoftVersion=versions, vendorId=vendors
        )
        apps = [
            a
            for a in port.available()
            if (names is None or a.app_name in names)
            and (providers is None or a.app_provider in providers)
            and (versions is None or a.app_soft_version in versions)
            and (vendors is None or a.vendor_id in vendors)
            and (serviceCont is None or bool(a.service_continuity) == bool(serviceCont))
        ]
        return ApplicationList(appList=[listed(a, service.locations(a.hosts)) for a in apps])

    @router.post(
        "/app_contexts",
        summary="Create an application context",
        status_code=201,
        openapi_extra=CONTEXT_BODY,
        response_model=AppContext,
        response_model_exclude_none=True,
        responses={409: {"description": "No MEC host can take an instance now"}},
    )
    async def create_context(request: Request) -> JSONResponse:
        asked = parse(AppContext, await read_json(request))
        _refuse_assigned(asked, creating=True)
        ue = service.terminals.of(asked.associateDevAppId)
        info = asked.appInfo
        app = find_app(
            port.available(),
            app_d_id=info.appDId,
            name=info.appName,
            provider=info.appProvider,
            d_version=info.appDVersion,
            soft_version=info.appSoftVersion,
        )
        asked_location = info.userAppInstanceInfo[0].appLocation
        hosts = None if asked_location is None else hosts_admitted(app, asked_location)
        context = await contexts.create(
            asked,
            lambda context_id: port.ensure_instance(ue, app.app_d_id, context_id, hosts),
            app.app_d_id,
        )
        assert context.contextId is not None
        return created(context.wire(), contexts.href(context.contextId))

    async def current_context(contextId: str) -> Subscription:
        return contexts.get(contextId)

    def context_etag(record: Subscription) -> str:
        return etag_of(contexts.context(record).wire())

    Current = Annotated[Subscription, Depends(matching(current_context, context_etag))]

    @router.put(
        "/app_contexts/{contextId}",
        summary="Update the callbackReference or appLocation of an application context",
        status_code=204,
        openapi_extra=CONTEXT_BODY,
        response_class=Response,
        responses={412: {"description": "If-Match names another ETag than the context's"}},
    )
    async def update_context(record: Current, request: Request) -> Response:
        given = parse(AppContext, await read_json(request))
        if given.contextId is not None and given.contextId != record.id:
            raise InvalidField("contextId", f"this context is {record.id!r}")
        _refuse_assigned(given, creating=False)
        stored = contexts.context(record)
        _compare_untouched(given, stored)
        location = given.appInfo.userAppInstanceInfo[0].appLocation
        # Every check before the first change: a refused PUT changes nothing.
        moving = None
        if location is not None and location != stored.appInfo.userAppInstanceInfo[0].appLocation:
            ue = service.terminals.of(stored.associateDevAppId)
            app = application_of(stored)
            moving = ue, app.app_d_id, hosts_admitted(app, location)
        if given.callbackReference != stored.callbackReference:
            await contexts.set_callback(record, given.callbackReference)
        if moving is not None:
            ue, app_d_id, hosts = moving
            placement = await port.ensure_instance(ue, app_d_id, record.id, hosts)
            await contexts.move(record, placement)  # tells the callback, the new one if any
        return Response(status_code=204)

    def application_of(stored: AppContext) -> AvailableApp:
        """The application of a context (its appDId, which the MEC system filled in)."""
        app_d_id = stored.appInfo.appDId
        app = next((a for a in port.available() if a.app_d_id == app_d_id), None)
        if app is None:
            raise InvalidField(
                f"{INSTANCE}.appLocation", f"application {app_d_id} is no longer available"
            )
        return app

    @router.delete(
        "/app_contexts/{contextId}",
        summary="Delete an application context",
        status_code=204,
        response_class=Response,
        responses={412: {"description": "If-Match names another ETag than the context's"}},
    )
    async def delete_context(record: Current) -> Response:
        instance = instance_of(contexts.context(record))
        if instance is not None:
            await port.release(instance, record.id)
        await contexts.delete(record, by_system=False)
        return Response(status_code=204)

    @router.post(
        "/obtain_app_loc_availability",
        summary="Where an application could run for the device application's terminal",
        openapi_extra=AVAILABILITY_BODY,
        response_model=ApplicationLocationAvailability,
        response_model_exclude_none=True,
    )
    async def location_availability(request: Request) -> JSONResponse:
        asked = parse(ApplicationLocationAvailability, await read_json(request))
        info = asked.appInfo
        if info.availableLocations is not None:
            raise InvalidField("appInfo.availableLocations", "the MEC system answers these")
        ue = service.terminals.of(asked.associateDevAppId)
        app = find_app(
            port.available(),
            app_d_id=None,
            name=info.appName,
            provider=info.appProvider,
            d_version=info.appDVersion,
            soft_version=info.appSoftVersion,
        )
        found = service.locations(port.locations_for(ue, app.app_d_id))
        answer = asked.model_copy(
            update={
                "appInfo": info.model_copy(
                    update={"availableLocations": [AvailableLocation(appLocation=f) for f in found]}
                )
            }
        )
        return JSONResponse(answer.wire())

    return router
