"""The HTTP application: every API meclab serves, assembled on one ASGI app.

Assembly order: shared HTTP conventions (problem details, canonical headers), meclab's control
API, the ETSI MEC APIs on every MEC host (:mod:`meclab.services.hosting`), the notification
websocket, metrics, the API docs (Swagger UI served from local files, no CDN) and the
dashboard (:mod:`meclab.ui`).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import shutil
import ssl
import tempfile
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, WebSocket, WebSocketDisconnect
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from meclab import __version__
from meclab.control.deployments import build_deployments_router
from meclab.control.models import NotificationReport
from meclab.control.relocations import build_relocations_router
from meclab.control.routes import PREFIX as CONTROL_API
from meclab.control.routes import build_router
from meclab.control.topology import build_topology_router
from meclab.dataplane.plane import DataPlane, DataPlaneError
from meclab.engine.world import World
from meclab.http.headers import CanonicalHeaders
from meclab.http.openapi import install_openapi
from meclab.http.problem import install_problem_handlers
from meclab.http.requests import RequestCounter
from meclab.lifecycle.context_keys import ContextKeys
from meclab.lifecycle.device_contexts import DeviceContexts
from meclab.lifecycle.manager import Lifecycle
from meclab.lifecycle.packages import PackageRegistry
from meclab.lifecycle.process import ProcessBackend
from meclab.metrics import Metrics
from meclab.mobility.manager import Mobility, own_address
from meclab.observe.calls import TraceCalls
from meclab.observe.feeds import TraceFeeds
from meclab.observe.history import INTERVAL_S, History
from meclab.observe.routes import build_history_router
from meclab.observe.trace import Trace
from meclab.observe.trace_routes import build_trace_router
from meclab.platform.apps import AppInstance, OperationAction
from meclab.platform.delivery import CLOSE_SUBSCRIPTION_GONE, Notifier
from meclab.platform.platform import Platforms
from meclab.platform.serving import serving_hosts
from meclab.runtime import Runtime
from meclab.secure_mode import Limits, SecureMode
from meclab.security.authority import Authority
from meclab.services.ams.service import Ams
from meclab.services.app_lcm.service import AppLcm
from meclab.services.app_pkgm.service import AppPkgm
from meclab.services.bwm.service import Bwm
from meclab.services.dev_app.service import DevApp
from meclab.services.granting.service import Granting
from meclab.services.hosting import api_root_path, host_apis
from meclab.services.location.service import Location
from meclab.services.mec011.service import Mec011
from meclab.services.mts.service import Mts
from meclab.services.rnis.service import Rnis
from meclab.services.ueid.service import UeIdentity
from meclab.services.wai.service import Wai
from meclab.ui.routes import build_ui_router

SYSTEM_APIS = ("/app_pkgm/v1", "/app_lcm/v1", "/granting/v1", "/dev_app/v1")
"""The MEC system's APIs (MEC 010-2, MEC 016), served once under the API root, not per host."""

MAX_NAMES = 10_000
"""App instance names the trace remembers (then it starts again)."""

DOCS_ASSETS = Path(fastapi_offline.__file__).parent / "static"
"""Swagger UI's script and style sheet, shipped inside a PyPI package."""


def settle_heap() -> None:
    """Put the long-lived objects of a freshly built world out of the garbage collector's way.

    A full collection walks every tracked object; with a 10,000-terminal world and its
    platforms that took ~150 ms every few seconds, stalling ticks and notifications
    (bench/mec_aware.py: notification p99 187 ms before, 33 ms after). What a previous world
    left frozen is unfrozen and collected first.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def _cancelled(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


class _PlatformControl:
    """The platforms as the control API sees them."""

    def __init__(self, platforms: Platforms, mec011_service: Mec011) -> None:
        self.platforms = platforms
        self.mec011 = mec011_service

    async def terminate(self, app: str, action: str, graceful_timeout_s: int) -> None:
        instance = self.platforms.app_named(app)
        await self.mec011.terminate(instance, OperationAction(action), graceful_timeout_s)

    def app_states(self) -> dict[str, str]:
        return {a.name: a.state.value for a in self.platforms.apps.values() if a.name}

    def platform_url(self, host: str) -> tuple[str, str]:
        # Every host, the first among them, is served under /hosts/<host>.
        return self.platforms.base_url, f"{self.platforms.api_root}/hosts/{host}"

    def notification_report(self) -> NotificationReport:
        notifier = self.platforms.notifier
        return NotificationReport(
            delivered=notifier.delivered,
            pending=notifier.pending_total(),
            given_up=notifier.given_up,
            undelivered=list(notifier.undelivered),
        )


def create_app(
    runtime: Runtime,
    *,
    tick: bool = True,
    base_url: str = "http://127.0.0.1:8080",
    api_root: str = "",
    metrics: Metrics | None = None,
    dataplane: DataPlane | None = None,
    data_dir: Path | None = None,
    on_started: Callable[[], None] | None = None,
    security: Authority | None = None,
    limits: Limits | None = None,
    callback_trust: ssl.SSLContext | None = None,
    settle: bool = True,
) -> FastAPI:
    """An ASGI app serving ``runtime`` and the MEC platforms of its world.

    ``base_url`` is where clients reach this app; it prefixes the links in resources and
    notifications. ``api_root`` (``/sbx1/mep``) is the path every ETSI API is served under
    (:mod:`meclab.services.hosting`); ValueError if it is no plain absolute path. With
    ``tick`` the world advances while the app runs. The platforms are built when the app
    starts (its lifespan), from whatever world the runtime holds then, and rebuilt whenever
    the runtime loads another scenario. ``data_dir`` keeps onboarded packages and the
    deployed instances' working directories (default: a temporary directory, gone at exit).
    With ``security`` the app runs in secure mode (:mod:`meclab.secure_mode`): every API wants
    an access token, and ``limits`` bound each client's requests. ``callback_trust``
    verifies the certificates of ``https`` notification callbacks (default: the system's CAs).
    ``settle``: put each world built out of the garbage collector's way (:func:`settle_heap`),
    which pays for a long-lived meclab; a test's world, built and dropped within a second,
    skips it (it costs 0.2-0.4 s in a test process's large heap).
    """
    metrics = metrics or Metrics()
    if dataplane is not None and dataplane.metrics is None:
        dataplane.metrics = metrics
    platforms = Platforms(
        runtime.store,
        base_url=base_url,
        api_root=api_root_path(api_root),
        notifier=Notifier(metrics=metrics, store=runtime.store, trust=callback_trust),
    )
    mec011_service = Mec011(platforms)
    scratch = Path(tempfile.mkdtemp(prefix="meclab-")) if data_dir is None else None
    data_dir = scratch or data_dir
    assert data_dir is not None
    packages = PackageRegistry(data_dir / "packages")

    secure = (
        SecureMode(security, platforms, base_url=base_url, limits=limits, metrics=metrics)
        if security is not None
        else None
    )

    def process_environment(instance: AppInstance, required: list[str]) -> dict[str, str]:
        env = {"MECLAB_URL": base_url}
        socks = dataplane.entry_points().socks5 if dataplane is not None else None
        if socks is not None:
            env["MECLAB_SOCKS_URL"] = f"socks5://{socks}"
        if secure is not None:
            env |= secure.environment(instance, required)
        return env

    lifecycle = Lifecycle(
        platforms,
        packages,
        ProcessBackend(),
        directory=data_dir / "instances",
        announce_termination=mec011_service.terminate,
        environment=process_environment,
        context_keys=ContextKeys(data_dir),
    )

    def instance_address(instance: AppInstance) -> tuple[str | None, int | None]:
        # where the data plane reaches an instance (scenario applications get their address
        # there); without a data plane, what the instance itself says
        switch = dataplane.switch if dataplane is not None else None
        entry = (
            switch.apps.by_instance(instance.app_instance_id, platforms)
            if switch is not None and switch.apps is not None
            else None
        )
        if entry is None:
            return own_address(instance)
        # the relay takes a flow to the address on any port to the application: name its
        # process's port, else HTTP's
        return entry.address, entry.endpoint[1] if entry.endpoint else 80

    mobility = Mobility(platforms, runtime, lifecycle, address_of=instance_address)

    async def on_load(world: World, resumed: bool) -> None:
        await platforms.load(world, resumed)
        if settle:
            settle_heap()

    runtime.on_load(on_load)

    def serving_host(world: World, ue: str) -> str | None:
        hosts = serving_hosts(world, platforms, ue)
        return hosts[0] if hosts else None

    history = History(
        metrics,
        lambda: platforms.world,
        serving_host=serving_host,
        dataplane=dataplane,
    )

    names: dict[str, str] = {}
    """App instance names seen, kept after the instance is gone: its last notifications (its
    termination's) are delivered after its removal."""

    def app_name(app_instance_id: str) -> str:
        instance = platforms.apps.get(app_instance_id)
        if instance is None or not instance.name:
            return names.get(app_instance_id, app_instance_id)
        if len(names) >= MAX_NAMES:
            names.clear()
        names[app_instance_id] = instance.name
        return instance.name

    def world_time() -> float | None:
        return platforms.world.state.t if platforms.world is not None else None

    # the dashboard's sequence diagram: API calls (TraceCalls, below), deliveries, events and
    # lifecycle steps, each handed to its layer as a callback
    trace = Trace(world_time=world_time)
    feeds = TraceFeeds(trace, app_name)
    platforms.notifier.observers.append(feeds.on_delivery)
    platforms.app_observers.append(feeds.on_app)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as started:
            started.callback(runtime.bus.subscribe(feeds.on_events))
            # Whatever started is stopped again, in reverse order, even if a later step fails.
            if platforms.world is None and runtime.opened is not None:
                await platforms.load(runtime.world, runtime.opened == "resumed")
            await platforms.start()
            started.push_async_callback(platforms.stop)
            started.push_async_callback(packages.close)
            started.push_async_callback(lifecycle.close)  # processes end before the platforms
            mobility.start()
            started.push_async_callback(mobility.close)  # no relocation starts one any more
            if dataplane is not None:
                try:
                    await dataplane.start(runtime, platforms)  # after the platforms: it reads rules
                except DataPlaneError as exc:
                    app.state.startup_error = str(exc)
                    raise
                started.push_async_callback(dataplane.stop)
            started.push_async_callback(runtime.stop)
            if settle:
                settle_heap()
            if tick:
                runtime.start()
                # the charts' history, sampled while the world runs (tests sample it themselves)
                sampler = asyncio.get_running_loop().create_task(
                    history.run(INTERVAL_S), name="meclab-history"
                )
                started.push_async_callback(_cancelled, sampler)
            if on_started is not None:
                on_started()
            yield

    app = FastAPI(
        title="meclab",
        version=__version__,
        summary="ETSI MEC APIs over an emulated world of cells, MEC hosts and moving terminals",
        description=(
            f"The ETSI MEC API paths listed here (under `{platforms.api_root or '/'}`) are those "
            "of the first MEC host; every MEC host serves the same operations under "
            f"`{platforms.api_root}/hosts/{{host}}/...` (`GET /meclab/v1/nodes` lists them).\n\n"
            "meclab's own endpoints stay at the root: the control API `/meclab/v1`, `/metrics`, "
            "`/docs` and this document. The toxiproxy-compatible fault injection API is served "
            "on the data plane's own port; its document is "
            "`GET /meclab/v1/dataplane/toxiproxy/openapi.json`.\n\n"
            "Every error is RFC 7807 problem details (`application/problem+json`)."
        ),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_problem_handlers(app)
    app.include_router(build_router(runtime, _PlatformControl(platforms, mec011_service)))
    app.include_router(build_deployments_router(lifecycle, CONTROL_API))
    app.include_router(build_relocations_router(mobility, CONTROL_API))
    app.include_router(build_topology_router(runtime, platforms, CONTROL_API))
    app.include_router(build_history_router(history, INTERVAL_S))
    app.include_router(build_trace_router(trace))
    if dataplane is not None:
        app.include_router(dataplane.router())
        app.state.dataplane = dataplane
    device_contexts = DeviceContexts(lifecycle)
    mts, bwm = Mts(platforms, runtime), Bwm(platforms, runtime)
    if dataplane is not None:  # the relay enforces the MTS sessions and the BWM allocations
        mts.port = dataplane.steering
        bwm.port = dataplane.bandwidth
    # Each service registers its subscription kinds now, before the lifespan restores them.
    services = {
        "mec011": mec011_service,
        "wai": Wai(platforms, runtime),
        "ueid": UeIdentity(platforms, runtime),
        "rnis": Rnis(platforms, runtime),
        "location": Location(platforms, runtime),
        "ams": Ams(platforms, runtime, mobility),
        "mts": mts,
        "app_pkgm": AppPkgm(platforms, packages),
        "app_lcm": AppLcm(platforms, lifecycle),
        "granting": Granting(platforms, lifecycle),
        "dev_app": DevApp(platforms, device_contexts),
        "bwm": bwm,
    }
    device_contexts.context_users = services["dev_app"].context_users
    if dataplane is not None:
        services["rnis"].meter = dataplane  # layer 2 measurements from the relayed load
    for service in services.values():
        service.mount(app)
    if secure is not None:
        secure.install(app)
    system_apis = [f"{platforms.api_root}{path}" for path in SYSTEM_APIS]
    install_openapi(app, apis=[CONTROL_API, *system_apis], per_host=host_apis(app))
    app.state.runtime = runtime
    app.state.platforms = platforms
    app.state.services = services
    """Every ETSI API's service object, by short name."""
    app.state.metrics = metrics
    app.state.history = history
    app.state.trace = trace
    app.state.lifecycle = lifecycle
    app.state.mobility = mobility
    if scratch is not None:  # removed with the app
        weakref.finalize(app, shutil.rmtree, scratch, ignore_errors=True)
    app.state.packages = packages
    app.state.secure = secure

    @app.websocket("/meclab/ws/notifications/{sub_id}")
    async def notification_socket(websocket: WebSocket, sub_id: str) -> None:
        """Notifications of a subscription made with ``requestWebsocketUri``, one JSON per frame."""
        sub = platforms.subscriptions.find(sub_id)
        if sub is None or not sub.websocket:
            await websocket.close(CLOSE_SUBSCRIPTION_GONE, "no websocket subscription with this id")
            return
        if secure is not None and not await secure.authenticate_socket(
            websocket, sub.host, sub.owner
        ):
            return
        await websocket.accept()
        platforms.notifier.attach_websocket(sub, websocket)
        try:
            while True:
                await websocket.receive_text()  # nothing is expected; this waits for the close
        except WebSocketDisconnect:
            pass
        finally:
            platforms.notifier.detach_websocket(sub, websocket)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def prometheus_metrics() -> Response:
        """Counters and histograms of requests, notifications, the world and the data plane,
        in the Prometheus text exposition format."""
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    app.include_router(build_ui_router())  # the dashboard: / and /ui/<asset>
    app.mount("/meclab/static/docs", StaticFiles(directory=DOCS_ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="meclab API",
            swagger_js_url="/meclab/static/docs/swagger-ui-bundle.js",
            swagger_css_url="/meclab/static/docs/swagger-ui.css",
            swagger_favicon_url="/meclab/static/docs/favicon.png",
        )

    def etsi_apis() -> set[str]:
        # each ETSI API's base path under the root (/rni/v2), read at the first request, when
        # every service is mounted
        root = platforms.api_root
        return {p[len(root) :] for p in [*host_apis(app), *system_apis]}

    # Outside authentication, so that refused calls are traced and counted too.
    app.add_middleware(
        TraceCalls,
        trace=trace,
        apis=etsi_apis,
        system_apis=[path.split("/")[1] for path in SYSTEM_APIS],
        default_host=lambda: platforms.default_host,
        app_name=app_name,
        api_root=platforms.api_root,
    )
    app.add_middleware(
        RequestCounter,
        child=metrics.api_requests.labels,
        apis=etsi_apis,
        api_root=platforms.api_root,
    )
    # Outermost: rewrite header names after everything else has set them.
    app.add_middleware(CanonicalHeaders)
    return app
