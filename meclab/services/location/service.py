"""Location on every MEC host: the registry entry, notifications and routes of both versions."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from meclab.http.routing import PrefixedRouter
from meclab.platform.platform import Platforms
from meclab.platform.subscriptions import SubscriptionApi
from meclab.runtime import Runtime
from meclab.services.hosting import mount_per_host
from meclab.services.location.criteria_v2 import parse_v2
from meclab.services.location.criteria_v3 import parse_v3
from meclab.services.location.dispatch import API_V2, API_V3, Dispatcher
from meclab.services.location.notify_v3 import test_notification
from meclab.services.location.reports import BASE, BASE_V2, Reporter
from meclab.services.location.resources import Subscriptions
from meclab.services.location.routes_queries import build_query_router
from meclab.services.location.routes_v2 import build_v2_router
from meclab.services.location.routes_v3 import build_v3_router
from meclab.services.location.southbound import LocationView
from meclab.services.platform_service import PlatformService

SERVICE = PlatformService(
    name="location",
    category_id="location",
    category_name="Location",
    version="3.1.1",
    path=BASE,
)
"""How the Location API presents itself in MEC 011 service management."""


class Location:
    """The Location API of every MEC host: registry entries, notifications and routes."""

    def __init__(self, platforms: Platforms, runtime: Runtime) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.view = LocationView(runtime, platforms)
        self.reporter = Reporter(platforms)
        self.reporter_v2 = Reporter(platforms, BASE_V2)
        self.dispatcher = Dispatcher(platforms, self.view, self.reporter)
        self.subscriptions = Subscriptions(platforms, self.view, self.dispatcher)
        registry = platforms.subscriptions
        # MEC 013 defines TestNotification but no ExpiryNotification: expired subscriptions
        # just end.
        registry.register_api(
            SubscriptionApi(API_V3, parse_v3, test_notification=test_notification)
        )
        registry.register_api(SubscriptionApi(API_V2, parse_v2))
        SERVICE.attach(platforms)
        runtime.bus.subscribe(self.dispatcher.on_events)
        runtime.on_tick(self.dispatcher.on_tick)

    def router(self) -> APIRouter:
        """Every Location route under ``/location/v2``: v3.1.1 and the v2.2.1 collections."""
        router = PrefixedRouter(prefix=BASE)
        # v2.2.1 first: its /subscriptions/area/circle must win over v3's /area/{id}.
        router.include_router(
            build_v2_router(self.platforms, self.subscriptions, self.reporter, distance=False)
        )
        router.include_router(build_query_router(self.platforms, self.view, self.reporter))
        router.include_router(build_v3_router(self.platforms, self.subscriptions, self.reporter))
        return router

    def router_v2(self) -> APIRouter:
        """Every v2.2.1 route, in v2.2.1's shapes, under ``/location/v2.2.1``."""
        reporter = self.reporter_v2
        router = PrefixedRouter(prefix=BASE_V2)
        router.include_router(
            build_v2_router(self.platforms, self.subscriptions, reporter, distance=True)
        )
        router.include_router(build_query_router(self.platforms, self.view, reporter, v2=True))
        return router

    def mount(self, app: FastAPI) -> None:
        """Serve both versions on every MEC host (the default host's also at the API root)."""
        mount_per_host(app, self.platforms, self.router)
        mount_per_host(app, self.platforms, self.router_v2)
