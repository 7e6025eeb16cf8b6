"""MEC 012 RNIS on every MEC host: the wiring of models, southbound, dispatch and routes.

``Rnis(platforms, runtime)`` registers the API's subscriptions with the shared core (their
criteria parser, ExpiryNotification and TestNotification), offers the service in each host's
MEC 011 registry (``rni``, category RNI, version 2.2.1, ``/rni/v2``; withdrawn at stop), and
listens to the world: the bus for events, the runtime's ticks for measurements, the platforms'
load for rebuilding its derived state. :meth:`Rnis.mount` serves the routes on every host.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.http.problem import ProblemError
from meclab.platform.errors import NotFound, Unprocessable
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionApi
from meclab.platform.wire import TimeStamp
from meclab.runtime import Runtime
from meclab.services.hosting import mount_per_host
from meclab.services.platform_service import PlatformService
from meclab.services.rnis.criteria import (
    Criteria,
    app_instance_field,
    parse_stored,
    read_subscription,
)
from meclab.services.rnis.dispatch import API, Dispatcher
from meclab.services.rnis.measured import LoadMeter
from meclab.services.rnis.models_common import LinkType, NotificationLinks
from meclab.services.rnis.models_notifications import ExpiryNotification, TestNotification
from meclab.services.rnis.models_subscriptions import AnySubscription
from meclab.services.rnis.queries import Queries
from meclab.services.rnis.triggers import ReportConfig
from meclab.services.subscribing import delivery_of, expiry_of, without_alternative

BASE_PATH = "/rni/v2"
SERVICE = PlatformService(
    name="rni", category_id="rni", category_name="RNI", version="2.2.1", path=BASE_PATH
)


@dataclass(frozen=True, slots=True)
class _Request:
    """A subscription request body, read."""

    model: AnySubscription
    criteria: Criteria
    stored: dict[str, Any]
    """The body as RNIS keeps it: defaults written in, one delivery alternative, no _links."""
    callback: str | None
    websocket: bool


class Rnis:
    """Radio network information on every MEC host (module docstring)."""

    def __init__(
        self, platforms: Platforms, runtime: Runtime, *, config: ReportConfig | None = None
    ) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.dispatch = Dispatcher(platforms, config or ReportConfig(), runtime.wall)
        self.meter: LoadMeter | None = None
        """The data plane's measured load of the cells, when one runs (:mod:`.measured`)."""
        platforms.subscriptions.register_api(
            SubscriptionApi(API, parse_stored, self._expiry_notification, self._test_notification)
        )
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self._reset)
        runtime.bus.subscribe(self.dispatch.on_events)
        runtime.on_tick(self.dispatch.on_tick)

    def mount(self, app: FastAPI) -> None:
        """Serve ``/rni/v2`` on every MEC host."""
        from meclab.services.rnis.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))

    # --- lifecycle -------------------------------------------------------------------------

    async def _loaded(self, world: World, resumed: bool) -> None:
        self.dispatch.load(world)

    async def _reset(self) -> None:
        self.dispatch.watches.clear()

    # --- queries ---------------------------------------------------------------------------

    def queries(self) -> Queries:
        """The query answers of the world as it is now."""
        view = self.dispatch.view
        if view is None:
            raise ProblemError(503, "no world is loaded yet")
        return Queries(self.platforms, view, self.dispatch.bearers, self.runtime.wall(), self.meter)

    # --- subscriptions ---------------------------------------------------------------------

    def href(self, host: str, sub_id: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}/subscriptions/{sub_id}")

    def collection(self, host: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}/subscriptions")

    def get(self, host: str, sub_id: str) -> Subscription:
        """A subscription of ``host`` for a request: NotFound, or Forbidden unless the caller's."""
        return self.platforms.subscriptions.owned(host, API, sub_id)

    def _read(self, host: str, body: Any) -> _Request:
        """A request body, validated and ready to store (400/422 problems otherwise)."""
        model, criteria = read_subscription(body)
        if criteria.app_instance_id is not None:
            try:
                self.platforms.app(host, criteria.app_instance_id)
            except NotFound:
                field = app_instance_field(model)
                raise Unprocessable(
                    f"{field}: no application instance {criteria.app_instance_id!r} on {host}",
                    invalidParams=[
                        {"name": field, "in": "body", "reason": "unknown application instance"}
                    ],
                ) from None
        raw = model.wire()
        callback, websocket = delivery_of(raw)
        stored = without_alternative(raw, websocket)
        stored.pop("_links", None)  # RNIS sets it
        return _Request(model, criteria, stored, callback, websocket)

    async def create(self, host: str, body: Any) -> Subscription:
        """POST /subscriptions: a new subscription of any of the nine types."""
        request = self._read(host, body)
        registry = self.platforms.subscriptions
        sub = await registry.create(
            host=host,
            api=API,
            type=request.model.subscriptionType,
            body=request.stored,
            href=lambda sub_id: self.href(host, sub_id),
            criteria=request.criteria,
            callback=request.callback,
            websocket=request.websocket,
            expiry=expiry_of(request.stored, registry.wall()),
            test_notification=bool(request.model.requestTestNotification),
        )
        self.dispatch.prime(sub)
        return sub

    async def replace(self, host: str, sub: Subscription, body: Any) -> Subscription:
        """PUT /subscriptions/{id}: the same type, a new body (its precondition was met)."""
        request = self._read(host, body)
        if request.model.subscriptionType != sub.type:
            raise Unprocessable(
                f"subscription {sub.id} is a {sub.type}; a PUT cannot make it a "
                f"{request.model.subscriptionType}",
                invalidParams=[
                    {
                        "name": "subscriptionType",
                        "in": "body",
                        "reason": "differs from the resource",
                    }
                ],
            )
        registry = self.platforms.subscriptions
        sub = await registry.replace(
            sub,
            body=request.stored,
            criteria=request.criteria,
            callback=request.callback,
            websocket=request.websocket,
            expiry=expiry_of(request.stored, registry.wall()),
        )
        self.dispatch.prime(sub)
        return sub

    async def delete(self, sub: Subscription) -> None:
        """DELETE /subscriptions/{id} (its precondition was met)."""
        await self.platforms.subscriptions.delete(sub)
        self.dispatch.forget(sub.id)

    # --- notifications about the subscription itself ----------------------------------------

    @staticmethod
    def _links(sub: Subscription) -> NotificationLinks:
        return NotificationLinks(subscription=LinkType(href=sub.href))

    def _expiry_notification(self, sub: Subscription, unix: float) -> dict[str, Any]:
        """Clause 6.4.9, sent at the deadline as the subscription's last notification. The
        deadline is the resource's own TimeStamp, to the nanosecond."""
        stored = sub.body.get("expiryDeadline")
        deadline = (
            TimeStamp.model_validate(stored)
            if isinstance(stored, dict)
            else TimeStamp.of(sub.expiry if sub.expiry is not None else unix)
        )
        return ExpiryNotification(
            notificationType="ExpiryNotification",
            timeStamp=TimeStamp.of(unix),
            _links=self._links(sub),
            expiryDeadline=deadline,
        ).wire()

    def _test_notification(self, sub: Subscription) -> dict[str, Any]:
        """Clause 6.4.12 (MEC 009 clause 6.12a)."""
        return TestNotification(notificationType="TestNotification", _links=self._links(sub)).wire()
