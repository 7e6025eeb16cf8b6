"""ETSI GS MEC 013 Location API v3.1.1, with the v2.2.1 subscription resources, on every MEC host.

::

    models.py, models_v3.py, models_v2.py   the contract: bodies of both versions
    routes_queries.py, routes_v3.py,        northbound: queries; v3 subscriptions (and the
    routes_v2.py, resources.py, routing.py  shared distance collection); v2.2.1 subscriptions
    southbound.py, reports.py               the world as MEC 013 sees it (scope of a host,
                                            users, zones, access points, positions)
    criteria*.py, notify_v3.py, tracking.py what each subscription watches and reports
    dispatch.py                             engine events and ticks -> notifications

Scope: each MEC host's instance reports on the host's operator domain (its zones, their points
of access and the operator's terminals); see :mod:`.southbound`. Base path ``/location/v2``
(both versions); the service registers in each host's MEC 011 registry as ``location``.
"""

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
from meclab.services.location.reports import BASE, Reporter
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
        """Every Location route, under the API's base path."""
        router = PrefixedRouter(prefix=BASE)
        # v2.2.1 first: its /subscriptions/area/circle must win over v3's /area/{id}.
        router.include_router(build_v2_router(self.platforms, self.subscriptions, self.reporter))
        router.include_router(build_query_router(self.platforms, self.view, self.reporter))
        router.include_router(build_v3_router(self.platforms, self.subscriptions, self.reporter))
        return router

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every MEC host (the default host's also at the root)."""
        mount_per_host(app, self.platforms, self.router)
