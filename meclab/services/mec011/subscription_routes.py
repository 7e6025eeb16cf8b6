"""The four subscription routes both MEC 011 APIs have, written once.

``/applications/{appInstanceId}/subscriptions`` (GET list, POST) and ``.../{subscriptionId}``
(GET, DELETE) under app support (AppTerminationNotificationSubscription, clause 7.2.9/7.2.10)
and under service management (SerAvailabilityNotificationSubscription, clause 8.2.8/8.2.9).
A subscription belongs to the instance in the path; another instance's id answers 404. MEC 011
has neither PUT on subscriptions, nor websockets, test notifications or expiry (INVENTORY §3.5).
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations,
# which name aliases local to the router builder (``App``, ``Owned`` ...).
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response

from meclab.http.body import body_doc, json_body
from meclab.platform.apps import AppInstance
from meclab.platform.errors import NotFound
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.wire import SubscriptionLinkList, WireModel
from meclab.services.mec011.routing import ERRORS, STRICT, app_resolver, current
from meclab.services.subscribing import created, delivery_of, link_list, resource


@dataclass(frozen=True)
class SubscriptionKind:
    """One API's subscriptions, as its routes need them."""

    api: str
    """Its name in the subscription registry."""
    base: str
    """The API's base path, e.g. ``/mec_app_support/v1``."""
    model: type[WireModel]
    subscription_type: str
    criteria: Callable[[AppInstance, Any], Any]
    """(subscriber, parsed body) -> what events are matched against; raises InvalidField."""


def add_subscription_routes(
    router: APIRouter, platforms: Platforms, kind: SubscriptionKind
) -> None:
    """Add the subscription routes of ``kind`` to ``router``."""
    App = Annotated[AppInstance, Depends(app_resolver(platforms))]
    registry = platforms.subscriptions

    def collection(app: AppInstance) -> str:
        return platforms.url(
            app.host, f"{kind.base}/applications/{app.app_instance_id}/subscriptions"
        )

    async def owned(app: App, subscriptionId: str) -> Subscription:
        sub = registry.get(app.host, kind.api, subscriptionId)
        if sub.owner != app.app_instance_id:
            raise NotFound(
                f"application instance {app.app_instance_id} has no subscription {subscriptionId!r}"
            )
        return sub

    Owned = Annotated[Subscription, Depends(owned)]
    Body = Annotated[Any, Depends(json_body(kind.model))]

    @router.get(
        "/applications/{appInstanceId}/subscriptions",
        dependencies=STRICT,
        response_model=SubscriptionLinkList,
        responses=ERRORS,
        summary="The instance's subscriptions, by link",
    )
    async def list_subscriptions(app: App) -> Response:
        subs = registry.list(app.host, kind.api, owner=app.app_instance_id)
        return resource(link_list(collection(app), subs))

    @router.post(
        "/applications/{appInstanceId}/subscriptions",
        dependencies=STRICT,
        status_code=201,
        response_model=kind.model,
        responses=ERRORS,
        openapi_extra=body_doc(kind.model),
        summary=f"Create a {kind.subscription_type}",
    )
    async def create_subscription(app: App, body: Body) -> Response:
        criteria = kind.criteria(app, body)
        wire = body.wire()
        wire.pop("_links", None)  # the platform sets it
        callback, _ = delivery_of(wire, websocket_allowed=False)
        base = collection(app)
        sub = await registry.create(
            host=app.host,
            api=kind.api,
            type=kind.subscription_type,
            body=wire,
            href=lambda sub_id: f"{base}/{sub_id}",
            criteria=criteria,
            owner=app.app_instance_id,
            callback=callback,
        )
        return created(sub.body, sub.href)

    @router.get(
        "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
        dependencies=STRICT,
        response_model=kind.model,
        responses=ERRORS,
        summary=f"One {kind.subscription_type}",
    )
    async def get_subscription(sub: Owned) -> Response:
        return resource(sub.body)

    @router.delete(
        "/applications/{appInstanceId}/subscriptions/{subscriptionId}",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses=ERRORS,
        summary="Delete a subscription",
    )
    async def delete_subscription(
        sub: Annotated[Subscription, Depends(current(owned, lambda s: s.body))],
    ) -> Response:
        await registry.delete(sub)
        return Response(status_code=204)
