"""app_lcm/v1 routes (ETSI GS MEC 010-2 v3.1.1 clause 7), served once for the MEC system.

====== ============================================== =========================================
POST   /app_instances                                 201 AppInstanceInfo + Location
GET    /app_instances                                 200 [AppInstanceInfo] (filter, selectors)
GET    /app_instances/{id}                            200 AppInstanceInfo
DELETE /app_instances/{id}                            204 (409 unless NOT_INSTANTIATED)
POST   /app_instances/{id}/instantiate                202 + Location of the AppLcmOpOcc
POST   /app_instances/{id}/terminate                  202 + Location of the AppLcmOpOcc
POST   /app_instances/{id}/operate                    202 + Location of the AppLcmOpOcc
POST   /app_instances/{id}/configure_platform_for_app 202 (see below)
GET    /app_lcm_op_occs                               200 [AppLcmOpOcc] (filter, selectors)
GET    /app_lcm_op_occs/{id}                          200 AppLcmOpOcc
POST   /app_lcm_op_occs/{id}/cancel                   202 (body CancelMode)
POST   /app_lcm_op_occs/{id}/fail                     200 AppLcmOpOcc
POST   /app_lcm_op_occs/{id}/retry                    202
POST   /subscriptions                                 201 *SubscriptionInfo + Location
GET    /subscriptions                                 200 AppInstanceSubscriptionLinkList
GET    /subscriptions/{id}                            200 *SubscriptionInfo
DELETE /subscriptions/{id}                            204
POST   /user_defined_notification                     204 (see below)
====== ============================================== =========================================

Order of checks: an unknown query parameter 400; an unknown resource in the path 404; then the
body: 415 unless JSON, 400 naming every bad field; then what the lifecycle refuses (409 for a
state that does not allow the operation, 404 for an unknown package ...).

Lists take MEC 009 ``filter`` and the attribute selectors on the full representation; by
default (the file's Query.Exclude_default) they leave out ``vimConnectionInfo`` and the
instantiate/terminate/operate links of instances, and ``operationParams`` and ``_links`` of
occurrences. The subscription list takes ``subscriptionType`` (the GS spelling) or
``subscriptiontype`` (the v3.1.1 file's).

``configure_platform_for_app``: the file asks for a Location naming an operation occurrence, yet
AppLcmOpOcc's lcmOperation can only be INSTANTIATE, OPERATE or TERMINATE. meclab applies the
configuration to the instance's MEC platform at once and answers 202 without a Location.

``user_defined_notification`` is, in the file, the subscriber's side: where notifications
arrive. meclab answers it as a subscriber would: 204 for a valid notification of this API, 400
naming the bad field otherwise, so that a client's notification bodies can be checked.
"""

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, parse, read_json
from meclab.http.problem import ProblemError
from meclab.http.query import reject_unknown_query
from meclab.http.routing import PrefixedRouter
from meclab.http.selectors import Filter, Selection, attribute_filter, attribute_selection, select
from meclab.lifecycle import SYSTEM_HOST
from meclab.lifecycle.records import LcmInstance, OpOcc
from meclab.platform.errors import InvalidField
from meclab.platform.subscription import Subscription
from meclab.services.app_lcm.models import (
    NOTIFICATIONS,
    SUBSCRIPTION_INFOS,
    SUBSCRIPTION_REQUESTS,
    SUBSCRIPTION_TYPES,
    AppInstanceInfo,
    AppInstanceSubscriptionLinkList,
    AppLcmOpOcc,
    CancelMode,
    ConfigPlatformForAppRequest,
    CreateAppInstanceRequest,
    InstantiateAppRequest,
    OperateAppRequest,
    TerminateAppRequest,
)
from meclab.services.app_lcm.notifications import API
from meclab.services.app_lcm.views import BASE_PATH, instance_info, op_occ
from meclab.services.subscribing import created, link_list, resource

if TYPE_CHECKING:
    from meclab.services.app_lcm.service import AppLcm

PROBLEM_JSON = {"content": {"application/problem+json": {}}}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request: the problem names the bad field", **PROBLEM_JSON},
    404: {"description": "Not found", **PROBLEM_JSON},
    409: {"description": "The resource's state does not allow this", **PROBLEM_JSON},
}
INSTANCE_DEFAULT_EXCLUDED = (
    "vimConnectionInfo",
    "_links/instantiate",
    "_links/terminate",
    "_links/operate",
)
OCCURRENCE_DEFAULT_EXCLUDED = ("operationParams", "_links")
NOTIFICATION_MODELS = {
    model.model_fields["notificationType"].annotation.__args__[0]: model  # type: ignore[union-attr]
    for model in NOTIFICATIONS
}
"""notificationType -> the notification's model (each model fixes its type as a Literal)."""

FilterParam = Annotated[Filter | None, Depends(attribute_filter)]
SelectionParam = Annotated[Selection, Depends(attribute_selection)]


def accepted(location: str | None = None) -> Response:
    """202 Accepted, empty, with the Location of the occurrence when there is one."""
    headers = {"Location": location} if location is not None else None
    return Response(status_code=202, headers=headers)


def _typed(data: Any, field: str, models: dict[str, Any], what: str) -> Any:
    """``data`` parsed as the model its discriminator ``field`` names; 400 naming it."""
    kind = data.get(field) if isinstance(data, dict) else None
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        reason = f"missing; one of {', '.join(models)}" if kind is None else "unknown value"
        raise InvalidField(field, f"{reason} ({what})")
    return parse(model, data)


def build_router(service: "AppLcm") -> APIRouter:
    """The app_lcm/v1 routes."""
    router = PrefixedRouter(
        prefix=BASE_PATH,
        tags=["MEC 010-2 application lifecycle"],
        dependencies=[Depends(reject_unknown_query)],
        responses=ERRORS,
    )
    lifecycle = service.lifecycle
    urls = service.urls
    registry = service.platforms.subscriptions

    # Every route on one instance, occurrence or subscription resolves it here: the caller's
    # ownership is checked once (AppLcm's docstring).
    async def current_instance(appInstanceId: str) -> LcmInstance:
        inst = lifecycle.instance(appInstanceId)
        await service.owners.check(inst.id, f"application instance {inst.id}")
        return inst

    async def current_occurrence(appLcmOpOccId: str) -> OpOcc:
        op = lifecycle.occurrence(appLcmOpOccId)
        await service.owners.check(op.instance_id, f"operation occurrence {op.id}")
        return op

    async def current_subscription(subscriptionId: str) -> Subscription:
        return registry.owned(SYSTEM_HOST, API, subscriptionId)

    Instance = Annotated[LcmInstance, Depends(current_instance)]
    Occurrence = Annotated[OpOcc, Depends(current_occurrence)]
    Sub = Annotated[Subscription, Depends(current_subscription)]

    # --- application instances --------------------------------------------------------------

    @router.post(
        "/app_instances",
        status_code=201,
        response_model=AppInstanceInfo,
        openapi_extra=body_doc(CreateAppInstanceRequest),
        summary="Create an application instance identifier",
    )
    async def create_instance(request: Request) -> Response:
        body = parse(CreateAppInstanceRequest, await read_json(request))
        placement = body.appPlacementInfo.wire() if body.appPlacementInfo else None
        inst = await lifecycle.create(
            body.appDId, body.appInstanceName, body.appInstanceDescription, placement
        )
        await service.owners.created(inst.id)
        return created(instance_info(urls, inst), urls.instance(inst.id))

    @router.get(
        "/app_instances",
        response_model=list[AppInstanceInfo],
        summary="Application instances (MEC 009 filter and attribute selectors)",
    )
    async def list_instances(flt: FilterParam, selection: SelectionParam) -> JSONResponse:
        mine = await service.owners.visible(lifecycle.instances(), lambda inst: inst.id)
        items = [instance_info(urls, inst) for inst in mine]
        chosen = flt.apply(items) if flt is not None else items
        return JSONResponse(select(chosen, selection, default_excluded=INSTANCE_DEFAULT_EXCLUDED))

    @router.get(
        "/app_instances/{appInstanceId}",
        response_model=AppInstanceInfo,
        summary="One application instance",
    )
    async def get_instance(inst: Instance) -> Response:
        return resource(instance_info(urls, inst))

    @router.delete(
        "/app_instances/{appInstanceId}",
        status_code=204,
        response_class=Response,
        summary="Delete a NOT_INSTANTIATED application instance identifier",
    )
    async def delete_instance(inst: Instance) -> Response:
        await lifecycle.delete(inst.id)
        return Response(status_code=204)

    @router.post(
        "/app_instances/{appInstanceId}/instantiate",
        status_code=202,
        response_class=Response,
        openapi_extra=body_doc(InstantiateAppRequest),
        summary="Instantiate the application instance",
    )
    async def instantiate(inst: Instance, request: Request) -> Response:
        body = parse(InstantiateAppRequest, await read_json(request))
        op = await lifecycle.instantiate(inst.id, body.wire())
        return accepted(urls.occurrence(op.id))

    @router.post(
        "/app_instances/{appInstanceId}/terminate",
        status_code=202,
        response_class=Response,
        openapi_extra=body_doc(TerminateAppRequest),
        summary="Terminate the application instance",
    )
    async def terminate(inst: Instance, request: Request) -> Response:
        body = parse(TerminateAppRequest, await read_json(request))
        op = await lifecycle.terminate(inst.id, body.wire())
        return accepted(urls.occurrence(op.id))

    @router.post(
        "/app_instances/{appInstanceId}/operate",
        status_code=202,
        response_class=Response,
        openapi_extra=body_doc(OperateAppRequest),
        summary="Start or stop the application instance",
    )
    async def operate(inst: Instance, request: Request) -> Response:
        body = parse(OperateAppRequest, await read_json(request))
        op = await lifecycle.operate(inst.id, body.wire())
        return accepted(urls.occurrence(op.id))

    @router.post(
        "/app_instances/{appInstanceId}/configure_platform_for_app",
        status_code=202,
        response_class=Response,
        openapi_extra=body_doc(ConfigPlatformForAppRequest),
        summary="Configure the MEC platform for the application instance",
    )
    async def configure_platform(inst: Instance, request: Request) -> Response:
        body = parse(ConfigPlatformForAppRequest, await read_json(request))
        await lifecycle.configure_platform(inst.id, body.wire())
        return accepted()

    # --- operation occurrences --------------------------------------------------------------

    @router.get(
        "/app_lcm_op_occs",
        response_model=list[AppLcmOpOcc],
        summary="Lifecycle operation occurrences (MEC 009 filter and attribute selectors)",
    )
    async def list_occurrences(flt: FilterParam, selection: SelectionParam) -> JSONResponse:
        mine = await service.owners.visible(lifecycle.occurrences(), lambda op: op.instance_id)
        items = [op_occ(urls, op) for op in mine]
        chosen = flt.apply(items) if flt is not None else items
        return JSONResponse(select(chosen, selection, default_excluded=OCCURRENCE_DEFAULT_EXCLUDED))

    @router.get(
        "/app_lcm_op_occs/{appLcmOpOccId}",
        response_model=AppLcmOpOcc,
        summary="One lifecycle operation occurrence",
    )
    async def get_occurrence(op: Occurrence) -> Response:
        return resource(op_occ(urls, op))

    @router.post(
        "/app_lcm_op_occs/{appLcmOpOccId}/cancel",
        status_code=202,
        response_class=Response,
        openapi_extra=body_doc(CancelMode),
        summary="Cancel an ongoing operation",
    )
    async def cancel(op: Occurrence, request: Request) -> Response:
        body = parse(CancelMode, await read_json(request))
        await lifecycle.cancel(op.id, body.mode())
        return accepted()

    @router.post(
        "/app_lcm_op_occs/{appLcmOpOccId}/fail",
        response_model=AppLcmOpOcc,
        summary="Fail a FAILED_TEMP operation for good",
    )
    async def fail(op: Occurrence, request: Request) -> Response:
        await _empty_body(request)
        return resource(op_occ(urls, await lifecycle.fail(op.id)))

    @router.post(
        "/app_lcm_op_occs/{appLcmOpOccId}/retry",
        status_code=202,
        response_class=Response,
        summary="Retry a FAILED_TEMP operation",
    )
    async def retry(op: Occurrence, request: Request) -> Response:
        await _empty_body(request)
        await lifecycle.retry(op.id)
        return accepted()

    # --- subscriptions ----------------------------------------------------------------------

    @router.post(
        "/subscriptions",
        status_code=201,
        openapi_extra=body_doc(*SUBSCRIPTION_REQUESTS.values()),
        summary="Subscribe to lifecycle notifications",
    )
    async def create_subscription(request: Request) -> Response:
        body = _typed(
            await read_json(request), "subscriptionType", SUBSCRIPTION_REQUESTS, "a subscription"
        )
        wire = body.wire()
        base = urls.subscriptions()

        def href(sub_id: str) -> str:
            wire["id"] = sub_id  # SubscriptionInfo.id; the registry finishes this very body
            return f"{base}/{sub_id}"

        sub = await registry.create(
            host=SYSTEM_HOST,
            api=API,
            type=body.subscriptionType,
            body=wire,
            href=href,
            criteria=None,
            callback=body.callbackUri,
        )
        sub.criteria = SUBSCRIPTION_INFOS[sub.type].model_validate(sub.body)
        return created(sub.body, sub.href)

    @router.get(
        "/subscriptions",
        response_model=AppInstanceSubscriptionLinkList,
        summary="Subscriptions, by link",
    )
    async def list_subscriptions(
        subscriptionType: Annotated[
            str | None, Query(description="Only this type (GS spelling)")
        ] = None,
        subscriptiontype: Annotated[
            str | None, Query(description="Only this type (v3.1.1 file spelling)")
        ] = None,
    ) -> Response:
        wanted = None
        for name, value in (
            ("subscriptionType", subscriptionType),
            ("subscriptiontype", subscriptiontype),
        ):
            if value is None:
                continue
            if value not in SUBSCRIPTION_TYPES:
                raise ProblemError(
                    400,
                    f"unknown {name} {value!r}; one of: {', '.join(SUBSCRIPTION_TYPES)}",
                    invalidParams=[{"name": name, "in": "query", "reason": "unknown value"}],
                )
            wanted = {value} if wanted is None else wanted & {value}
        subs = registry.list(SYSTEM_HOST, API, types=wanted)
        return resource(link_list(urls.subscriptions(), subs))

    @router.get("/subscriptions/{subscriptionId}", summary="One subscription")
    async def get_subscription(sub: Sub) -> Response:
        return resource(sub.body)

    @router.delete(
        "/subscriptions/{subscriptionId}",
        status_code=204,
        response_class=Response,
        summary="Delete a subscription",
    )
    async def delete_subscription(sub: Sub) -> Response:
        await registry.delete(sub)
        return Response(status_code=204)

    @router.post(
        "/user_defined_notification",
        status_code=204,
        response_class=Response,
        openapi_extra=body_doc(*NOTIFICATIONS),
        summary="Check a notification body as a subscriber receives it",
    )
    async def user_defined_notification(request: Request) -> Response:
        _typed(await read_json(request), "notificationType", NOTIFICATION_MODELS, "a notification")
        return Response(status_code=204)

    return router


async def _empty_body(request: Request) -> None:
    """The file says these requests carry no content; ``{}`` is taken as none too."""
    raw = (await request.body()).strip()
    if raw and raw != b"{}":
        raise ProblemError(
            400,
            "this request takes no body",
            invalidParams=[{"name": "", "in": "body", "reason": "must be empty"}],
        )
