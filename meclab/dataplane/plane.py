"""The data plane assembled: responder, switch, entry points, follower, toxiproxy API, DNS.

::

    client ──SOCKS5 :1080──┐                       ┌──► application's real process
    client ──app port ─────┼─► gate ─► switch ─────┤        (scenario ``endpoint``)
    (toxiproxy listeners)──┘    │   (resolve, rules,└──► built-in responder
                                 │    path, toxics)
                              relay (tcp.py / udp.py): pipeline per direction, outbox
                                 ▲
    engine events (bus) ─► follower ─► reshape / stall / reset, shares moved (capacity.py)
    engine ticks ─► capacity: each element's throughput (PoA, host...) divided among its flows
    MTS sessions (services.mts, port) ─► steering: the access(es) each matched flow crosses
    BWM allocations (services.bwm, port) ─► bandwidth: guarantees in the capacity's Shares
    MEC 011 rule changes ─► switch.refresh_all
    pins (application mobility) ─► switch.refresh_ue, reset of the UE's flows to the old instance
    toxiproxy API :8474 ─► proxy table ─► toxic stages of the flows concerned
    DNS :5353 (meclab.dataplane.dns) answers with the MEC DNS rules

Nothing here needs root: every socket is an ordinary one on the loopback (or ``host``), UEs
are told apart by SOCKS5 usernames or loopback aliases, and all shaping is in user space.

Typical use (what ``meclab up`` does)::

    plane = DataPlane(metrics=metrics)
    await plane.start(runtime, platforms)     # after the platforms are loaded
    app.include_router(plane.router())
    ...
    await plane.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from fastapi import APIRouter

from meclab.dataplane.bandwidth import Allocations
from meclab.dataplane.dns_server import DnsServer
from meclab.dataplane.flows import FlowRegistry
from meclab.dataplane.follow import STALL_TIMEOUT_S, Follower
from meclab.dataplane.gate import Gate, close_server
from meclab.dataplane.identity import UE_NETWORK
from meclab.dataplane.kernel import KernelCapabilities, detect
from meclab.dataplane.listeners import ProxyListener
from meclab.dataplane.proxies import ProxyRecord, ProxyTable
from meclab.dataplane.resolve import APP_DOMAIN, AppEntry
from meclab.dataplane.responder import Responder
from meclab.dataplane.socks5 import serve as serve_socks5
from meclab.dataplane.stats import FlowCollector
from meclab.dataplane.steering import Steering
from meclab.dataplane.switch import Switch
from meclab.dataplane.tcp import TcpRelay
from meclab.dataplane.toxiproxy import ToxiproxyService, build_app
from meclab.engine.world import World
from meclab.metrics import Metrics
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.platform.steering import OpenFlows, PinChange
from meclab.runtime import Runtime
from meclab.sockets import listen_tcp

log = logging.getLogger("meclab.dataplane")

RESPONDER_PORT = 80
MOVE_QUIET_S = 0.005
"""A flow moved to a relocated instance (policy ``flows: move``) moves once its upstream has
been quiet this long, its last answer delivered: a response's pieces come closer together."""
MOVE_WITHIN_S = 5.0
"""A flow that does not pause that long within this time is reset instead."""
"""The emulated port an application proxy names when the responder stands in for the app."""


class DataPlaneError(RuntimeError):
    """The data plane cannot start (a port is taken); the message names the option to change."""


def _hostport(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class AppEndpoint:
    """Where one application is reachable through the data plane."""

    name: str
    node: str
    address: str
    """Emulated address (what DNS rules give and traffic rules name)."""
    names: list[str]
    """Names a SOCKS5h client may use: its scenario name, ``<name>.meclab.local``, and the
    domain names of its instance's DNS rules."""
    port: str | None
    """Its own TCP/UDP port (its toxiproxy proxy's ``listen``)."""
    runs_at: str
    """``responder``, or the ``host:port`` of its real process."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "node": self.node,
            "address": self.address,
            "names": self.names,
            "port": self.port,
            "runs_at": self.runs_at,
        }


@dataclass(frozen=True, slots=True)
class EntryPoints:
    """Every address a client uses to reach the data plane."""

    socks5: str | None
    dns: str | None
    toxiproxy: str | None
    ue_addresses: str
    apps: list[AppEndpoint] = field(default_factory=list)
    kernel: str | None = None
    """Whether kernel rate limiting could be used here, and why not."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "socks5": self.socks5,
            "socks5_usage": (
                f"curl -x socks5h://<ue>@{self.socks5} http://<app>/" if self.socks5 else None
            ),
            "socks5_username": "a terminal, one of its terminal apps or its address; or an edge "
            "or cloud application (name or appInstanceId) sending to another",
            "dns": self.dns,
            "toxiproxy": self.toxiproxy,
            "ue_addresses": self.ue_addresses,
            "ue_address_rule": "the UE at index i (scenario order, from 0) is "
            f"{UE_NETWORK.network_address} + i + 1",
            "apps": [a.to_dict() for a in self.apps],
            "kernel_rate_limiting": self.kernel,
        }

    def banner(self, *, max_apps: int = 8) -> list[str]:
        """Lines for ``meclab up`` to print under its own."""
        lines = []
        if self.socks5:
            lines.append(
                f"  data plane   socks5h://<ue>@{self.socks5}  "
                f"(curl -x socks5h://<ue>@{self.socks5} http://<app>/)"
            )
        if self.dns:
            lines.append(f"  MEC DNS      {self.dns} (udp/tcp; UE = source {self.ue_addresses})")
        if self.toxiproxy:
            lines.append(f"  toxiproxy    http://{self.toxiproxy}")
        shown = [a for a in self.apps if a.port][:max_apps]
        for app in shown:
            lines.append(f"  app port     {app.port:<22} {app.name} ({app.address}, {app.runs_at})")
        if len(self.apps) > len(shown):
            more = len(self.apps) - len(shown)
            lines.append(f"  ...          {more} more: GET /meclab/v1/dataplane")
        return lines


class DataPlane:
    """Real bytes through the emulated network (see the module docstring).

    Ports: ``socks_port``, ``dns_port`` and ``toxiproxy_port`` may be 0 (any free port) or
    None (that entry point is off). ``app_port_base``: the first application's port, the next
    one +1 and so on; None gives each a free port.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        socks_port: int | None = 1080,
        dns_port: int | None = 5353,
        toxiproxy_port: int | None = 8474,
        app_port_base: int | None = None,
        dns_upstream: tuple[str, int] | None = None,
        metrics: Metrics | None = None,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        shared_capacity: bool = True,
    ) -> None:
        self.host = host
        self.shared_capacity = shared_capacity
        """False: no element's throughput is shared (each flow as if alone on its path)."""
        self.socks_port = socks_port
        self.dns_port = dns_port
        self.toxiproxy_port = toxiproxy_port
        self.app_port_base = app_port_base
        self.dns_upstream = dns_upstream
        self.metrics = metrics
        self.stall_timeout_s = stall_timeout_s
        self.clock = clock
        self.registry = FlowRegistry()
        self.table = ProxyTable()
        self.listeners: dict[str, ProxyListener] = {}
        self.responder = Responder(self._describe)
        self.steering = Steering()
        """The MTS service's SteeringPort (:mod:`.steering`): set it as ``Mts.port``."""
        self.bandwidth = Allocations()
        """The BWM service's BandwidthPort (:mod:`.bandwidth`): set it as ``Bwm.port``."""
        self.runtime: Runtime | None = None
        self.platforms: Platforms | None = None
        self.switch: Switch | None = None
        self.gate: Gate | None = None
        self.follower: Follower | None = None
        self.service: ToxiproxyService | None = None
        self.dns: DnsServer | None = None
        self.kernel: KernelCapabilities | None = None
        """What kernel rate limiting could use here (probed at start, in the background)."""
        self._kernel_probe: asyncio.Task[None] | None = None
        self._socks: asyncio.Server | None = None
        self._api: web.AppRunner | None = None
        self._api_address: str | None = None
        self._collector: FlowCollector | None = None
        self._running = False

    # --- life -------------------------------------------------------------------------------

    async def start(self, runtime: Runtime, platforms: Platforms) -> None:
        """Open every entry point for ``runtime``'s world; DataPlaneError if a port is taken."""
        self.runtime, self.platforms = runtime, platforms
        await self.responder.start()
        self.switch = Switch(
            platforms,
            self.registry,
            self.table,
            self.responder.address,
            clock=self.clock,
            shared_capacity=self.shared_capacity,
        )
        self.steering.attach(self.switch)
        self.gate = Gate(self.switch, self.registry, clock=self.clock)
        self.follower = Follower(self.switch, stall_timeout_s=self.stall_timeout_s)
        self.service = ToxiproxyService(self.table, self, self.host)
        self._running = True
        try:
            if runtime.opened is not None:
                await self._load(runtime.world)
            runtime.on_load(self._on_load)
            runtime.on_tick(self._on_tick)
            platforms.rules_listeners.append(self._rules_changed)
            platforms.steering.listeners.append(self._pin_changed)
            if self.socks_port is not None:
                with self._opening("SOCKS5", "--socks-port"):
                    self._socks = await serve_socks5(self.gate, self.host, self.socks_port)
            if self.toxiproxy_port is not None:
                await self._start_api()
            if self.dns_port is not None:
                self.dns = DnsServer(
                    platforms, host=self.host, port=self.dns_port, upstream=self.dns_upstream
                )
                with self._opening("DNS", "--dns-port"):
                    await self.dns.start()
            self.follower.start(runtime.bus)
            self._kernel_probe = asyncio.get_running_loop().create_task(self._probe_kernel())
            if self.metrics is not None:
                self._collector = FlowCollector(self.registry.samples, lambda: self.registry.totals)
                self.metrics.registry.register(self._collector)
        except BaseException:
            await self.stop()
            raise
        points = self.entry_points()
        log.info(
            "data plane: SOCKS5 %s, DNS %s, toxiproxy %s, %d application ports",
            points.socks5,
            points.dns,
            points.toxiproxy,
            sum(1 for a in points.apps if a.port),
        )

    async def _probe_kernel(self) -> None:
        # In the background: the probe makes and removes a namespace (~0.1 s), and what it
        # finds is a report, not a condition of starting (issue 5: "never required").
        self.kernel = await asyncio.to_thread(detect)
        log.info("data plane: %s; rates are shaped in user space", self.kernel.summary())

    @contextlib.contextmanager
    def _opening(self, what: str, option: str) -> Iterator[None]:
        """Turn an OSError while opening an entry point into a DataPlaneError naming it."""
        try:
            yield
        except OSError as exc:
            raise DataPlaneError(
                f"cannot open the {what} entry point on {self.host}: {exc.strerror or exc} "
                f"(choose another port with {option})"
            ) from exc

    async def _start_api(self) -> None:
        assert self.service is not None and self.toxiproxy_port is not None
        runner = web.AppRunner(build_app(self.service), access_log=None)
        await runner.setup()
        self._api = runner
        with self._opening("toxiproxy API", "--toxiproxy-port"):
            sock = listen_tcp(self.host, self.toxiproxy_port)
        await web.SockSite(runner, sock).start()
        self._api_address = _hostport(self.host, sock.getsockname()[1])

    async def stop(self) -> None:
        """Close every entry point and every flow."""
        self._running = False
        if self._kernel_probe is not None:
            self._kernel_probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._kernel_probe
            self._kernel_probe = None
        if self.follower is not None:
            await self.follower.stop()
        if self.platforms is not None and self._rules_changed in self.platforms.rules_listeners:
            self.platforms.rules_listeners.remove(self._rules_changed)
        if self.platforms is not None and self._pin_changed in self.platforms.steering.listeners:
            self.platforms.steering.listeners.remove(self._pin_changed)
        if self.gate is not None:
            self.gate.close_all("stopped")
        await close_server(self._socks)
        self._socks = None
        for listener in list(self.listeners.values()):
            await listener.stop()
        self.listeners.clear()
        if self._api is not None:
            await self._api.cleanup()
            self._api = None
        if self.dns is not None:
            await self.dns.stop()
            self.dns = None
        await self.responder.stop()
        if self._collector is not None and self.metrics is not None:
            self.metrics.registry.unregister(self._collector)
            self._collector = None

    async def _on_load(self, world: World, resumed: bool) -> None:
        if not resumed:  # resumed, the MTS and BWM services hand back what they stored
            self.steering.reset()
            self.bandwidth.reset()
        if self._running:
            await self._load(world)

    async def _on_tick(self, world: World) -> None:
        # (the runtime keeps its listeners: a stopped data plane's stays, doing nothing)
        if self._running and self.switch is not None:
            self.steering.tick()  # an access that got better without an event on the path
            self.switch.capacity.tick(world)

    async def _load(self, world: World) -> None:
        """A world was loaded or resumed: close the old flows, give every app its proxy."""
        assert self.switch is not None and self.gate is not None
        self.gate.close_all("scenario_changed")
        self.switch.load(world)
        self.bandwidth.attach(self.switch)  # the capacity starts afresh: guarantees again
        for name, proxy in list(self.table.proxies.items()):
            if proxy.builtin:
                await self.unlisten(proxy)
                del self.table.proxies[name]
        assert self.switch.apps is not None
        for index, app in enumerate(self.switch.apps.by_name.values()):
            if app.name in self.table.proxies:  # a client-made proxy already has the name
                continue
            port = 0 if self.app_port_base is None else self.app_port_base + index
            upstream = (
                _hostport(*app.endpoint)
                if app.endpoint is not None
                else _hostport(app.address, RESPONDER_PORT)
            )
            await self._add_app_proxy(app.name, port, upstream)
        await self._sync_deployed()

    async def _add_app_proxy(self, app: str, port: int, upstream: str) -> None:
        """The built-in proxy of an application: ``port`` on the data plane's host."""
        proxy = ProxyRecord(
            name=app, listen=_hostport(self.host, port), upstream=upstream, app=app, builtin=True
        )
        self.table.proxies[app] = proxy
        try:
            await self.listen(proxy)
        except Exception as exc:  # one app's port must not keep the others off the plane
            log.warning("no port for application %s: %s", app, exc)
            proxy.enabled = False

    async def _rules_changed(self, app: AppInstance) -> None:
        if self.switch is not None and self.switch.world is not None:
            await self._sync_deployed()
            self.switch.refresh_all(rules=True)

    async def _pin_changed(self, change: PinChange) -> None:
        switch = self.switch
        if switch is None or switch.world is None or switch.apps is None:
            return
        platforms = self.platforms
        if change.flows is not OpenFlows.KEEP and change.before is not None and platforms:
            old = switch.apps.by_instance(change.before, platforms)
            for flow in switch.registry.of_ue(change.ue):
                relay = flow.relay
                if old is None or flow.route.app != old.name or relay is None:
                    continue
                if change.flows is OpenFlows.MOVE and isinstance(relay, TcpRelay):
                    route = switch.rerouted(flow)  # where a new flow to that name goes now
                    if route is not None:
                        relay.move(
                            route, switch.moved, quiet_s=MOVE_QUIET_S, within_s=MOVE_WITHIN_S
                        )
                        continue
                relay.abort("relocated", reset=True)  # (a UDP flow: the next datagram follows)
        switch.refresh_ue(change.ue)

    async def _sync_deployed(self) -> None:
        """Deployed instances that became READY get an entry and a proxy; gone ones lose both."""
        assert self.switch is not None and self.switch.apps is not None
        assert self.platforms is not None
        added, removed = self.switch.apps.sync_deployed(self.platforms)
        for name in removed:
            proxy = self.table.proxies.get(name)
            if proxy is not None and proxy.builtin:
                await self.unlisten(proxy)
                del self.table.proxies[name]
        for entry in added:
            if entry.name not in self.table.proxies and entry.endpoint is not None:
                await self._add_app_proxy(entry.name, 0, _hostport(*entry.endpoint))

    # --- proxies (ProxyHooks) -----------------------------------------------------------------

    def _app(self, name: str | None) -> AppEntry | None:
        if name is None or self.switch is None or self.switch.apps is None:
            return None
        return self.switch.apps.by_name.get(name)

    def prepare(self, proxy: ProxyRecord) -> None:
        """Read a client-made proxy's name and upstream: ``<ue>@<app>``, or an app upstream."""
        switch = self.switch
        if switch is None or switch.world is None or switch.apps is None:
            return
        ue_name, at, app_name = proxy.name.partition("@")
        if at and app_name in switch.apps.by_name:
            identity = switch.identify(ue_name)
            if identity is not None and identity[0] is not None:
                proxy.ue, proxy.app = identity[0], app_name
                return
        host = proxy.upstream.rpartition(":")[0]
        assert self.platforms is not None
        found = switch.apps.resolve(host, (), self.platforms)
        proxy.app = found[0].name if found is not None else None

    async def listen(self, proxy: ProxyRecord) -> None:
        assert self.gate is not None
        await self.unlisten(proxy)
        listener = ProxyListener(self.gate, proxy, self._app(proxy.app), udp=proxy.builtin)
        await listener.start()
        self.listeners[proxy.name] = listener

    async def unlisten(self, proxy: ProxyRecord) -> None:
        listener = self.listeners.pop(proxy.name, None)
        if listener is not None:
            await listener.stop()
        entry = f"proxy:{proxy.name}"
        for flow in list(self.registry.open.values()):
            if flow.entry == entry and flow.relay is not None:
                flow.relay.abort("proxy_closed")

    def changed(self, proxy: ProxyRecord, *, down: bool) -> None:
        assert self.switch is not None
        affected = []
        for flow in list(self.registry.open.values()):
            entry = flow.entry.removeprefix("proxy:") if flow.entry.startswith("proxy:") else None
            names = tuple(self.table.attached(flow.route.ue, flow.route.app, entry))
            if proxy.name in names or proxy.name in flow.proxies or names != flow.proxies:
                had = proxy.name in flow.proxies
                flow.proxies = names
                if down and had and flow.relay is not None:
                    flow.relay.abort("proxy_down")
                else:
                    affected.append(flow)
        self.switch.refresh_toxics(affected)

    # --- views --------------------------------------------------------------------------------

    def _describe(self, peer: tuple[str, int]) -> tuple[dict[str, Any], int | None]:
        """The responder asks who a connection is."""
        flow = self.gate.by_upstream.get(peer) if self.gate is not None else None
        if flow is None:
            return {"app": None, "note": "no flow of the meclab data plane"}, None
        app = self._app(flow.route.app)
        world = self.switch.world if self.switch is not None else None
        facts: dict[str, Any] = {
            "app": flow.route.app,
            "app_instance_id": app.app_instance_id if app else None,
            "node": app.node if app else None,
            "node_kind": app.node_kind.value if app else None,
            "address": f"{flow.route.dst_ip}:{flow.route.dst_port}",
            "ue": flow.route.ue,
            "source": flow.route.source,
            "source_app": flow.route.source_app,
            "poa": world.serving_poa(flow.route.ue) if world and flow.route.ue else None,
            "path": list(flow.path.hops) if flow.path else None,
            "one_way_latency_ms": flow.path.latency_ms if flow.path else None,
            "flow": flow.id,
            "t": world.state.t if world else None,
            "served_by": "meclab built-in responder",
        }
        return facts, flow.route.dst_port

    def entry_points(self) -> EntryPoints:
        """Where clients reach the data plane now."""
        apps: list[AppEndpoint] = []
        switch = self.switch
        if switch is not None and switch.apps is not None:
            rule_names: dict[str, list[str]] = {}
            if self.platforms is not None:
                for instance in self.platforms.apps.values():
                    # a deployed instance's entry is named by its appInstanceId
                    rule_names[instance.name or instance.app_instance_id] = sorted(
                        {r.domainName for r in instance.dns_rules.values()}
                    )
            for app in switch.apps.by_name.values():
                proxy = self.table.proxies.get(app.name)
                apps.append(
                    AppEndpoint(
                        name=app.name,
                        node=app.node,
                        address=app.address,
                        names=[app.name, f"{app.name}.{APP_DOMAIN}", *rule_names.get(app.name, [])],
                        port=proxy.listen if proxy is not None and proxy.enabled else None,
                        runs_at=_hostport(*app.endpoint) if app.endpoint else "responder",
                    )
                )
        socks = None
        if self._socks is not None and self._socks.sockets:
            socks = _hostport(self.host, self._socks.sockets[0].getsockname()[1])
        dns = _hostport(self.host, self.dns.port) if self.dns is not None else None
        kernel = self.kernel.summary() if self.kernel is not None else "being probed"
        return EntryPoints(socks, dns, self._api_address, str(UE_NETWORK), apps, kernel)

    def flows(self, *, include_closed: bool = False) -> list[dict[str, Any]]:
        """Every open flow (and the recently closed ones) as plain data."""
        now = self.clock()
        rows = [f.to_dict(now) for f in self.registry.open.values()]
        if include_closed:
            rows += [f.to_dict(now) for f in self.registry.closed]
        return rows

    def accesses(self) -> list[dict[str, Any]]:
        """The load of every element (PoA, MEC host, zone...) that shares a capacity (see
        :mod:`.capacity`)."""
        if self.switch is None:
            return []
        capacity = self.switch.capacity
        return [capacity.load(poa) for poa in capacity.accesses()]

    def access_load(self, poa: str) -> dict[str, Any] | None:
        """The load of ``poa`` (:meth:`.capacity.Capacity.load`; any sharing element, a PoA for
        RNIS), or None while the data plane has not started or when it shares no capacity in
        either direction."""
        if self.switch is None or poa not in self.switch.capacity.accesses():
            return None
        return self.switch.capacity.load(poa)

    def router(self) -> APIRouter:
        """The control API's data-plane routes (see :mod:`.routes`)."""
        from meclab.dataplane.routes import build_router

        return build_router(self)
