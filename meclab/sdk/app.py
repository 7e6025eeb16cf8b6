"""``EdgeApp``: the MEC 011 life of an edge application instance, in a few lines.

A minimal edge app (``myapp/__main__.py``; run it as ``python -m myapp``, or let
``meclab run myapp.__main__:app --host mec-a`` give it its environment)::

    from aiohttp import web
    from meclab.sdk.app import EdgeApp

    app = EdgeApp()                                   # where, and who, from the environment
    app.offer("greeter", "/hello", liveness=True)      # a service, registered once ready

    @app.get("/hello")                                # finished before termination confirms
    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"hello": request.query.get("name", "world")})

    @app.on_start
    async def started(app: EdgeApp) -> None:
        for service in await app.find(name="edge-svc"):
            print("found", app.uri_of(service))

    if __name__ == "__main__":
        app.run()

What :meth:`EdgeApp.serve` does, in order: serve the app's aiohttp routes on its endpoint,
``confirm_ready`` (MEC 011 clause 5.2.2), subscribe to its own AppTermination, register the
offered services (sending liveness heartbeats when the platform gives them an interval), run
the ``on_start`` hooks, then wait. On an AppTerminationNotification (clause 5.2.3) it refuses
new requests (503), lets running work finish, deregisters its services and subscriptions and
sends ``confirm_termination``, all within ``maxGracefulTimeout``, then stops. On SIGTERM or
SIGINT (:meth:`run`) or :meth:`stop` it deregisters the same way (and confirms termination if
the platform had asked for it). Services are deregistered before the confirmation because the
platform removes the instance when it is confirmed; clause 5.2.3 has the application do its
own clean-up first.

The environment (:meth:`EdgeApp.from_env` reads it; :class:`~meclab.sdk.config.PlatformConfig`
documents the platform's own variables ``MEC_PLATFORM_URL``, ``MEC_API_ROOT``,
``MEC_ACCESS_TOKEN``, ``MEC_CA_FILE``, ``MEC_TLS_VERIFY``):

========================  ==================================================================
``MEC_APP_INSTANCE_ID``   the appInstanceId this process plays (required)
``MEC_APP_ENDPOINT``      ``host:port`` the app's HTTP server listens on; meclab's data
                          plane relays the app's traffic there. Default ``127.0.0.1:0``
                          (a free port)
``MEC_APP_CALLBACK_URL``  the base URL the platform reaches that server at (notifications,
                          service URIs); default ``http://`` + the endpoint listened on
========================  ==================================================================

Notifications arrive on the app's own server: :attr:`EdgeApp.notifications` is a
:class:`~meclab.sdk.receiver.NotificationReceiver` mounted there, which takes the app's
AppTerminationNotifications at :data:`TERMINATION_PATH` and hands out callback URLs for the
app's other subscriptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from meclab.platform.service_info import CategoryRef, ServiceInfo
from meclab.sdk.clients.app_support import AppSupportClient
from meclab.sdk.clients.service_mgmt import ServiceMgmtClient, rest_service
from meclab.sdk.config import PlatformConfig
from meclab.sdk.errors import ConfigError, MecApiError, SdkError, ServiceNotFound
from meclab.sdk.http import HttpClient
from meclab.sdk.notifications import Api
from meclab.sdk.problem import problem_response
from meclab.sdk.receiver import PREFIX, NotificationReceiver
from meclab.services.mec011.models import AppTerminationNotification, OperationActionType

log = logging.getLogger("meclab.sdk.app")

ENV_INSTANCE = "MEC_APP_INSTANCE_ID"
ENV_ENDPOINT = "MEC_APP_ENDPOINT"
ENV_CALLBACK = "MEC_APP_CALLBACK_URL"

TERMINATION_KEY = "app-termination"
TERMINATION_PATH = f"{PREFIX}/{TERMINATION_KEY}"
"""Where the app's server takes AppTerminationNotifications."""

CONFIRM_MARGIN_S = 0.5
"""Time kept back from ``maxGracefulTimeout`` for deregistering and confirming: running work
gets the rest."""

Hook = Callable[["EdgeApp"], Awaitable[None]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True, slots=True)
class Offer:
    """A service the application offers, registered once it is ready."""

    name: str
    path: str
    version: str
    category: CategoryRef | None
    liveness_s: int | None
    uri: str | None


def _split_endpoint(endpoint: str) -> tuple[str, int]:
    host, sep, port = endpoint.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"{ENV_ENDPOINT}={endpoint!r} is not host:port (port 0 picks one)")
    return host.strip("[]"), int(port)


class EdgeApp:
    """One edge application instance on a MEC platform (see the module docstring).

    ``config``, ``app_instance_id``, ``endpoint`` and ``callback_url`` come from the
    environment when not given.
    """

    def __init__(
        self,
        *,
        config: PlatformConfig | None = None,
        app_instance_id: str | None = None,
        endpoint: str | None = None,
        callback_url: str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._environ = environ
        self._config = config
        self._instance = app_instance_id
        self._endpoint = endpoint
        self._callback = callback_url
        self.web = web.Application(middlewares=[self._gate])
        """The app's own aiohttp application: add routes here or with :meth:`get`/:meth:`post`."""
        self.notifications = NotificationReceiver()
        """Notifications to the app's own server; :meth:`~NotificationReceiver.callback_url`
        gives URLs for the app's subscriptions once serving."""
        self.notifications.mount(self.web)
        self._offers: list[Offer] = []
        self._on_start: list[Hook] = []
        self.services: list[ServiceInfo] = []
        """The services registered, as the platform answered (serInstanceId, links)."""
        self._subscriptions: list[str] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._stopped = asyncio.Event()
        self.terminating: OperationActionType | None = None
        """The platform's operationAction once it asked the instance to wind down."""
        self._confirmed = False
        self._http: HttpClient | None = None
        self.url: str | None = None
        """The base URL of the app's server, once serving."""

    # --- configuration ----------------------------------------------------------------

    def _env(self) -> Mapping[str, str]:
        return os.environ if self._environ is None else self._environ

    @property
    def config(self) -> PlatformConfig:
        """The platform's configuration (from the environment unless given)."""
        if self._config is None:
            self._config = PlatformConfig.from_env(self._environ)
        return self._config

    @property
    def app_instance_id(self) -> str:
        """The appInstanceId this process plays."""
        if self._instance is None:
            value = self._env().get(ENV_INSTANCE, "").strip()
            if not value:
                raise ConfigError(f"{ENV_INSTANCE} is not set: give the appInstanceId to play")
            self._instance = value
        return self._instance

    # --- what the application declares ------------------------------------------------

    def get(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator: a GET route of the app's server."""
        return self._route("GET", path)

    def post(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator: a POST route of the app's server."""
        return self._route("POST", path)

    def _route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        def add(handler: Handler) -> Handler:
            self.web.router.add_route(method, path, handler)
            return handler

        return add

    def offer(
        self,
        name: str,
        path: str = "/",
        *,
        version: str = "1.0",
        category: CategoryRef | None = None,
        liveness: bool | int = False,
        uri: str | None = None,
    ) -> None:
        """Offer service ``name``, served at ``path`` of the app's server (or at ``uri``).

        ``liveness`` asks for heartbeats: True at an interval the platform picks, a number
        of seconds to propose one (the platform's answer is what heartbeats follow)."""
        if not path.startswith("/"):
            raise ConfigError(f"service {name!r}: path {path!r} must start with '/'")
        interval = None if liveness is False else 0 if liveness is True else int(liveness)
        self._offers.append(Offer(name, path, version, category, interval, uri))

    def unsubscribe_on_exit(self, href: str) -> None:
        """Delete the subscription at ``href`` (of any ETSI API) when the app winds down, with
        its own AppTermination subscription."""
        self._subscriptions.append(href)

    def on_start(self, hook: Hook) -> Hook:
        """Decorator: ``await hook(app)`` once the instance is ready and its services offered."""
        self._on_start.append(hook)
        return hook

    # --- while running ----------------------------------------------------------------

    @property
    def http(self) -> HttpClient:
        """The session to the platform (while serving)."""
        if self._http is None:
            raise SdkError("the app is not serving: call serve() or run() first")
        return self._http

    @property
    def app_support(self) -> AppSupportClient:
        return AppSupportClient(self.http)

    @property
    def service_mgmt(self) -> ServiceMgmtClient:
        return ServiceMgmtClient(self.http)

    async def find(
        self, *, name: str | None = None, category: str | None = None
    ) -> list[ServiceInfo]:
        """The services the platform lists with serName ``name`` or category id ``category``
        (both absent: every one)."""
        if name is not None and category is not None:
            raise ConfigError("find by name or by category, not both (MEC 011 8.2.3.3.1)")
        return await self.service_mgmt.services(ser_name=name, ser_category_id=category)

    @staticmethod
    def uri_of(service: ServiceInfo) -> str:
        """The URI to call ``service`` at (its transport's first endpoint URI)."""
        endpoint = service.transportInfo.endpoint if service.transportInfo else None
        if endpoint is None or not endpoint.uris:
            raise ServiceNotFound(f"service {service.serName!r} gives no endpoint URI")
        return endpoint.uris[0]

    async def service_uri(self, name: str) -> str:
        """The URI of the first service named ``name`` (ServiceNotFound if none)."""
        found = await self.find(name=name)
        if not found:
            raise ServiceNotFound(f"the platform lists no service named {name!r}")
        return self.uri_of(found[0])

    @contextlib.asynccontextmanager
    async def work(self) -> AsyncIterator[None]:
        """A unit of background work that termination waits for (requests to the app's
        routes are counted already); SdkError once the instance is terminating."""
        if self.terminating is not None:
            raise SdkError("the instance is terminating: it takes no new work")
        self._in_flight += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    @web.middleware
    async def _gate(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(PREFIX + "/"):  # notifications pass, termination above all
            return await handler(request)
        if self.terminating is not None:
            return problem_response(503, "terminating", title="Service Unavailable")
        async with self.work():
            return await handler(request)

    # --- life ---------------------------------------------------------------------------

    async def serve(self) -> None:
        """Serve until stopped or terminated (see the module docstring)."""
        endpoint = self._endpoint or self._env().get(ENV_ENDPOINT) or "127.0.0.1:0"
        host, port = _split_endpoint(endpoint)
        instance = self.app_instance_id
        runner = web.AppRunner(self.web, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, host, port)
            await site.start()
            bound = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            shown = f"[{host}]" if ":" in host else host
            self.url = (
                self._callback or self._env().get(ENV_CALLBACK) or f"http://{shown}:{bound}"
            ).rstrip("/")
            self.notifications.set_base_url(self.url)
            async with HttpClient(self.config) as http:
                self._http = http
                try:
                    await self._start(instance)
                    await self._stopped.wait()
                finally:
                    await self._wind_down(instance)
                    self._http = None
        finally:
            await runner.cleanup()

    async def _start(self, instance: str) -> None:
        try:
            await self.app_support.confirm_ready(instance)
        except MecApiError as exc:
            if exc.status != 409:
                raise
            # The platform holds the instance READY already: this process restarts it.
            log.info("instance %s was READY already: serving it again", instance)
        log.info("instance %s ready, serving at %s", instance, self.url)
        callback = self.notifications.callback_url(
            Api.MEC011, self._on_termination, key=TERMINATION_KEY
        )
        sub = await self.app_support.subscribe_termination(instance, callback)
        self._subscriptions.append(sub.location)
        for offer in self._offers:
            info = rest_service(
                offer.name,
                offer.uri or f"{self.url}{offer.path}",
                version=offer.version,
                category=offer.category,
                liveness_interval_s=offer.liveness_s,
            )
            created = await self.service_mgmt.register_service(instance, info)
            self.services.append(created.value)
            if created.value.livenessInterval:
                self._spawn(self._heartbeats(created.value))
        for hook in self._on_start:
            await hook(self)

    async def _heartbeats(self, service: ServiceInfo) -> None:
        # Twice per interval: a heartbeat due exactly at the interval would be late whenever
        # the request takes a moment (the platform marks a service INACTIVE once it is).
        period = (service.livenessInterval or 1) / 2
        while True:
            await asyncio.sleep(period)
            try:
                await self.service_mgmt.heartbeat(service)
            except SdkError as exc:
                log.warning("heartbeat of %s failed: %s", service.serName, exc)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _on_termination(self, note: object) -> None:
        if not isinstance(note, AppTerminationNotification):
            log.warning("ignored a %s sent to the termination URL", type(note).__name__)
            return
        if self.terminating is None:
            self.terminating = note.operationAction
            self._spawn(self._terminate(note))

    async def _terminate(self, note: AppTerminationNotification) -> None:
        log.info("%s: %d s to finish", note.operationAction.value, note.maxGracefulTimeout)
        budget = max(0.0, note.maxGracefulTimeout - CONFIRM_MARGIN_S)
        if self._in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._idle.wait(), budget)
        self.stop()

    async def _wind_down(self, instance: str) -> None:
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        mgmt, support = self.service_mgmt, self.app_support
        for service in self.services:
            await _quietly(mgmt.deregister_service(instance, service.serInstanceId or ""))
        self.services = []
        for href in self._subscriptions:
            await _quietly(self.http.delete(href))
        self._subscriptions = []
        if self.terminating is not None and not self._confirmed:
            await support.confirm_termination(instance, self.terminating)
            self._confirmed = True
            log.info("instance %s confirmed %s", instance, self.terminating.value)

    def stop(self) -> None:
        """Deregister and return from :meth:`serve` (safe to call from a signal handler)."""
        self._stopped.set()

    def run(self) -> None:
        """Serve until SIGTERM, SIGINT or termination by the platform (blocking)."""

        async def main() -> None:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self.stop)
            await self.serve()

        asyncio.run(main())


async def _quietly(call: Awaitable[Any]) -> None:
    """A clean-up call; already gone (404) is fine, other failures are logged."""
    try:
        await call
    except MecApiError as exc:
        if exc.status != 404:
            log.warning("clean-up failed: %s", exc)
    except SdkError as exc:
        log.warning("clean-up failed: %s", exc)
