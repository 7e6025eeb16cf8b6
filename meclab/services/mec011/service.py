"""MEC 011 on every MEC host: both APIs mounted, their subscriptions known, terminations run."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request, Response

from meclab.http.routing import HotRoutes
from meclab.platform.apps import AppInstance, OperationAction
from meclab.platform.platform import Platforms
from meclab.platform.service_info import ServiceState
from meclab.platform.subscriptions import SubscriptionApi
from meclab.services.hosting import host_paths, mount_per_host
from meclab.services.mec011 import app_support, service_mgmt
from meclab.services.mec011.availability import Availability, parse_stored
from meclab.services.mec011.routing import APP_SUPPORT_API, SERVICE_MGMT, SERVICE_MGMT_API
from meclab.services.mec011.termination import Terminations


def _termination_target(_: str, body: dict[str, object]) -> object:
    """Criteria of a stored AppTerminationNotificationSubscription: the watched instance."""
    return body["appInstanceId"]


class Mec011:
    """MEC 011 app support and service management on every MEC host."""

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms
        self.availability = Availability(platforms)
        self.terminations = Terminations(platforms)
        self.discovery: Callable[[Request], Awaitable[Response]] | None = None
        """The service discovery endpoint, once the routes are built."""
        # Before the platforms restore stored subscriptions: they need to know the APIs.
        platforms.subscriptions.register_api(
            SubscriptionApi(APP_SUPPORT_API, parse=_termination_target)
        )
        platforms.subscriptions.register_api(SubscriptionApi(SERVICE_MGMT_API, parse=parse_stored))
        platforms.services.listeners.append(self.availability.on_change)
        platforms.reset_listeners.append(self.terminations.reset)

    def mount(self, app: FastAPI) -> None:
        """Serve both APIs on every host, and tie background work to the app's lifespan."""
        # One router per API serves both mount points: its dependencies read the host from the
        # path, and building FastAPI routes is what costs (~5 ms a route).
        for router in (app_support.build_router(self), service_mgmt.build_router(self)):
            mount_per_host(app, self.platforms, lambda router=router: router)
        # Discovery, the route every application calls, is also served ahead of FastAPI.
        endpoint = self.discovery
        assert endpoint is not None  # set by service_mgmt.build_router
        paths = host_paths(self.platforms, f"{SERVICE_MGMT}/services")
        app.add_middleware(HotRoutes, routes=[(path, endpoint) for path in paths])
        # An included router's lifespan runs inside the app's, after the platforms are built.
        app.include_router(APIRouter(lifespan=self._lifespan))

    @asynccontextmanager
    async def _lifespan(self, _: FastAPI) -> AsyncIterator[None]:
        self._fresh_heartbeats()
        await self.terminations.resume()
        try:
            yield
        finally:
            await self.terminations.close()

    def _fresh_heartbeats(self) -> None:
        # Producers could not reach a stopped meclab: their liveness is counted from now, not
        # from their last heartbeat before the stop (MEC 011 clause 8.2.10).
        now = self.platforms.wall()
        for record in self.platforms.services.records.values():
            if record.info.livenessInterval and record.info.state is ServiceState.ACTIVE:
                record.last_heartbeat = now

    async def terminate(
        self, instance: AppInstance, action: OperationAction, graceful_timeout_s: int
    ) -> None:
        """Start the graceful termination (or stop) of an instance (MEC 011 clause 5.2.3).

        Returns once the instance is TERMINATING and its subscribers are notified; waiting for
        its confirmation and removing it go on in the background. 409 if it is terminating.
        """
        await self.terminations.start(instance, action, graceful_timeout_s)
