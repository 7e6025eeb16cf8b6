"""The AMS on every MEC host: subscription kinds, MEC 011 registration, the port's notices."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.http.problem import ProblemError
from meclab.platform.errors import InvalidField
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionApi
from meclab.platform.wire import TimeStamp
from meclab.runtime import Runtime
from meclab.services.ams.bodies import terminal_of
from meclab.services.ams.models import (
    SUBSCRIPTION_MODELS,
    AmsSubscription,
    ExpiryNotification,
    MobilityProcedureSubscription,
    TestNotification,
)
from meclab.services.ams.notify import API, Notices
from meclab.services.ams.port import AmsPort
from meclab.services.hosting import mount_per_host
from meclab.services.platform_service import PlatformService
from meclab.services.ueid.registry import tag_index

BASE_PATH = "/amsi/v1"
SERVICE = PlatformService(
    name="amsi", category_id="amsi", category_name="AMSI", version="2.2.1", path=BASE_PATH
)


class Ams:
    """ETSI GS MEC 021 Application Mobility Service on every MEC host (see the package)."""

    def __init__(self, platforms: Platforms, runtime: Runtime, port: AmsPort) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.port = port
        self._terminals: dict[str, str] | None = None
        platforms.subscriptions.register_api(
            SubscriptionApi(
                name=API,
                parse=lambda kind, body: SUBSCRIPTION_MODELS[kind].model_validate(body),
                expiry_notification=expiry_notification_of,
                test_notification=test_notification_of,
            )
        )
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        self.notices = Notices(platforms.subscriptions, lambda: platforms.base_url)
        port.on_notice(self.notices)

    async def _loaded(self, world: World, resumed: bool) -> None:
        self._terminals = tag_index(world)

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every host."""
        from meclab.services.ams.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))

    # --- what the routes share ----------------------------------------------------------

    def url(self, host: str, path: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}{path}")

    def terminals(self) -> dict[str, str]:
        """Every spelling of a terminal's identity -> its name (503 before a world loads)."""
        if self._terminals is None:
            raise ProblemError(503, "no world is loaded yet")
        return self._terminals

    def check_subscription(self, host: str, criteria: AmsSubscription) -> None:
        """400 for a filter naming an instance that is not on ``host``, or no terminal."""
        wanted = criteria.filterCriteria.appInstanceId
        if wanted is not None:
            app = self.platforms.apps.get(wanted)
            if app is None or app.host != host:
                raise InvalidField(
                    "filterCriteria.appInstanceId",
                    f"{wanted!r} is no application instance of {host}",
                )
        if isinstance(criteria, MobilityProcedureSubscription):
            for i, associate in enumerate(criteria.filterCriteria.associateId or []):
                terminal_of(self.terminals(), associate, f"filterCriteria.associateId[{i}]")


def expiry_notification_of(sub: Subscription, now: float) -> dict[str, Any]:
    """ExpiryNotification (clause 7.4.4), the subscription's last notification."""
    deadline = sub.body.get("expiryDeadline") or TimeStamp.of(now)  # as the subscriber wrote it
    return ExpiryNotification.model_validate(
        {
            "notificationType": "ExpiryNotification",
            "timeStamp": TimeStamp.of(now),
            "_links": {"subscription": {"href": sub.href}},
            "expiryDeadline": deadline,
        }
    ).wire()


def test_notification_of(sub: Subscription) -> dict[str, Any]:
    """TestNotification (clause 7.4.6)."""
    return TestNotification.model_validate(
        {"notificationType": "TestNotification", "_links": {"subscription": {"href": sub.href}}}
    ).wire()
