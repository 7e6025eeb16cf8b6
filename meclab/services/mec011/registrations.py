"""MEC 011 v3 application instance registration (``/registrations``, clause 7.2.13, 7.2.14).

``isInsByMec`` (AppInfo, clause 7.1.2.6: "whether the application instance is instantiated by
the MEC Management") means, in meclab: the instance is one the scenario declares. The scenario
plays MEC management; it instantiates the instances of its app descriptors. Hence:

* **take-over**: an AppInfo whose ``appInstanceId`` names an instance the scenario declares on
  this host registers that instance (``isInsByMec`` true; false is a contradiction: 400). Its
  ``appName`` must be the instance's. An instance meclab plays (``emulated``) cannot be
  registered by anyone else (409), nor can one already registered (409: PUT to update).
* **run-time instance**: any other AppInfo (``isInsByMec`` false or absent) creates a new
  instance on this host, with the given ``appInstanceId`` or a new UUID. It was started outside
  MEC management, so its ``endpoint`` is required (clause 7.1.2.6) and ``isInsByMec`` true
  with an unknown id is a 400 naming ``appInstanceId``. So is an id something else already
  has: an instance on another host, or an application the scenario declares anywhere (a cloud
  app's, say), which would make one id name two instances (MEC 011 lists no 409 here).

Either way the instance is INSTANTIATED until it confirms ready (clause 5.2.2), as any
instance the platform did not start itself. The stored AppInfo carries the ``appInstanceId``
and ``isInsByMec`` the platform settled on.

In secure mode (issue 12) a registration is its instance's own: an application instance
registers itself only (403 for an AppInfo naming another ``appInstanceId``; without one, the
caller's id is the instance's), and reads, updates or deletes only its own registration; the
operator may do all of it for any instance.

DELETE ends a registration. A run-time instance then has nothing left that manages it: it is
removed with its services (subscribers are told) and subscriptions. A scenario instance lives
on (its life is MEC management's, MEC 010-2), it only forgets its AppInfo and may register
again. PUT answers 204 as the v3 file states, with the new ETag.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations,
# which name aliases local to the router builder (``App``, ``Owned`` ...).
import uuid
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Response

from meclab.http.body import body_doc, json_body
from meclab.http.etag import etag_of
from meclab.platform.access import check_owner, owner_for_new
from meclab.platform.apps import AppInstance, AppState
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.platform.platform import Platforms
from meclab.services.hosting import host_resolver
from meclab.services.mec011.models import AppInfo
from meclab.services.mec011.routing import APP_SUPPORT, ERRORS, STRICT, current
from meclab.services.subscribing import created, resource

if TYPE_CHECKING:
    from meclab.services.mec011.service import Mec011


def declared_by_scenario(app: AppInstance) -> bool:
    """Whether the scenario declares the instance (it has an element name there)."""
    return app.name is not None


def _check_consistent(app: AppInstance, info: AppInfo) -> None:
    """400 for an AppInfo that contradicts what the platform knows of the instance."""
    if info.appName != app.app_name:
        raise InvalidField(
            "appName", f"instance {app.app_instance_id} is an instance of {app.app_name!r}"
        )
    declared = declared_by_scenario(app)
    if declared and info.isInsByMec is False:
        raise InvalidField(
            "isInsByMec",
            f"instance {app.app_instance_id} is declared by the scenario, i.e. instantiated "
            "by MEC management: true or absent",
        )
    if not declared and info.isInsByMec:
        raise InvalidField(
            "isInsByMec", f"instance {app.app_instance_id} was not instantiated by MEC management"
        )
    if not declared and info.endpoint is None:
        raise InvalidField("endpoint", "required when isInsByMec is false (MEC 011 7.1.2.6)")


def _stored(app: AppInstance, info: AppInfo) -> dict[str, object]:
    settled = {"appInstanceId": app.app_instance_id, "isInsByMec": declared_by_scenario(app)}
    return info.model_copy(update=settled).wire()


async def register(platforms: Platforms, host: str, info: AppInfo) -> AppInstance:
    """Register an instance on ``host`` from its AppInfo (see module docstring)."""
    instance_id = info.appInstanceId or owner_for_new()
    if instance_id is not None:
        check_owner(instance_id, f"the registration of application instance {instance_id}")
    known = platforms.apps.get(instance_id) if instance_id else None
    if known is not None:
        if known.host != host:
            # The id is taken, as by any other holder (Platforms.add_app): a bad field, since
            # MEC 011 lists no 409 for this POST.
            raise InvalidField(
                "appInstanceId", f"already the id of {platforms.holder_of(known.app_instance_id)}"
            )
        if known.emulated:
            raise Conflict(
                f"instance {known.app_instance_id} is played by meclab; set emulated: false "
                "in the scenario to play it yourself"
            )
        if known.registration is not None or not declared_by_scenario(known):
            raise Conflict(
                f"instance {known.app_instance_id} is registered; "
                f"PUT {APP_SUPPORT}/registrations/{known.app_instance_id} to update it"
            )
        _check_consistent(known, info)
        known.registration = _stored(known, info)
        await platforms.save_app(known)
        return known
    if info.isInsByMec:
        raise InvalidField(
            "appInstanceId",
            f"with isInsByMec true, give the appInstanceId of an instance the scenario declares "
            f"on {host}",
        )
    if info.endpoint is None:
        raise InvalidField("endpoint", "required when isInsByMec is false (MEC 011 7.1.2.6)")
    app = AppInstance(
        app_instance_id=instance_id or str(uuid.uuid4()),
        host=host,
        app_name=info.appName,
        app_provider=info.appProvider or "",
        state=AppState.INSTANTIATED,
    )
    app.registration = _stored(app, info)
    return await platforms.add_app(app)


def add_registration_routes(router: APIRouter, mec011: "Mec011") -> None:
    """Add the four ``/registrations`` routes to the app support ``router``."""
    platforms = mec011.platforms
    Host = Annotated[str, Depends(host_resolver(platforms))]
    Body = Annotated[AppInfo, Depends(json_body(AppInfo))]

    def href(app: AppInstance) -> str:
        return platforms.url(app.host, f"{APP_SUPPORT}/registrations/{app.app_instance_id}")

    async def registered(appInstanceId: str, host: Host) -> AppInstance:
        app = platforms.apps.get(appInstanceId)
        if app is None or app.host != host or app.registration is None:
            raise NotFound(f"no registration of application instance {appInstanceId!r} on {host}")
        check_owner(appInstanceId, f"the registration of application instance {appInstanceId}")
        return app

    Registered = Annotated[AppInstance, Depends(registered)]
    current_registration = current(registered, lambda app: app.registration)
    Current = Annotated[AppInstance, Depends(current_registration)]

    @router.post(
        "/registrations",
        dependencies=STRICT,
        status_code=201,
        response_model=AppInfo,
        responses={**ERRORS, 409: {"description": "Already registered, or played by meclab"}},
        openapi_extra=body_doc(AppInfo),
        summary="Register an application instance with the platform",
    )
    async def create_registration(host: Host, body: Body) -> Response:
        app = await register(platforms, host, body)
        assert app.registration is not None
        return created(app.registration, href(app))

    @router.get(
        "/registrations/{appInstanceId}",
        dependencies=STRICT,
        response_model=AppInfo,
        responses=ERRORS,
        summary="An instance's registration",
    )
    async def get_registration(app: Registered) -> Response:
        assert app.registration is not None
        return resource(app.registration)

    @router.put(
        "/registrations/{appInstanceId}",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={**ERRORS, 412: {"description": "If-Match does not match the ETag"}},
        openapi_extra=body_doc(AppInfo),
        summary="Update an instance's registration",
    )
    async def put_registration(
        app: Current,
        body: Annotated[AppInfo, Depends(json_body(AppInfo, after=current_registration))],
    ) -> Response:
        if body.appInstanceId is not None and body.appInstanceId != app.app_instance_id:
            raise InvalidField(
                "appInstanceId", f"must be {app.app_instance_id!r}, the instance in the path"
            )
        _check_consistent(app, body)
        app.registration = _stored(app, body)
        await platforms.save_app(app)
        return Response(status_code=204, headers={"ETag": etag_of(app.registration)})

    @router.delete(
        "/registrations/{appInstanceId}",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={**ERRORS, 412: {"description": "If-Match does not match the ETag"}},
        summary="Deregister an instance",
    )
    async def delete_registration(app: Current) -> Response:
        if declared_by_scenario(app):
            app.registration = None
            await platforms.save_app(app)
        else:
            await mec011.terminations.remove(app)
        return Response(status_code=204)
