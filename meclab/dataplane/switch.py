"""Where a new flow goes and how it is shaped; keeping open flows in line with the world.

For each new flow the switch:

1. resolves the destination to an application (:mod:`.resolve`), unless the entry fixes it;
2. refuses it when a toxiproxy proxy it belongs to is down (``enabled: false``);
3. classifies it against the MEC 011 traffic rules of the hosts serving the UE
   (:func:`meclab.platform.serving.serving_hosts`: fog nodes at its PoA that run apps, then
   its zone's MEC hosts), or of the host a sending application runs on
   (:mod:`.appsource`); their ACTIVE rules of READY instances merged, the lowest priority
   number winning, :mod:`.rules`): DROP refuses a TCP flow (a UDP flow drops its datagrams),
   FORWARD_* sends it to the application owning the rule's ``dstInterface`` address (or, when
   the rule gives none, to the rule's own application), DUPLICATE_* also copies its uplink to
   that application, PASSTHROUGH is as if no rule matched;
4. computes the end-to-end path from the UE (or its terminal app, or the sending application)
   to the application (``World.path``) and shapes both pipelines after it; a UE out of coverage
   is refused; when an MTS session steers the flow, the path is over the access(es) it chose
   (:attr:`Switch.steering`, :mod:`.steering`), here and in every later :meth:`Switch.path_of`;
5. attaches the toxics of its proxies and registers it.

Afterwards :meth:`Switch.refresh` re-applies the path and the rules when the engine or the
platform says something changed. A TCP flow whose rule decision becomes DROP is reset; any other
change of decision applies to new TCP connections only, since an established byte stream cannot
move to another server without breaking it. A UDP flow whose decision changes is closed quietly:
its next datagram opens a new flow under the new decision.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from ipaddress import ip_address
from typing import Protocol

import numpy as np

from meclab.dataplane.appsource import app_hosts, find_app
from meclab.dataplane.capacity import Capacity
from meclab.dataplane.flows import Flow, FlowRegistry, FlowState, Route
from meclab.dataplane.identity import ue_address
from meclab.dataplane.resolve import AppDirectory, AppEntry, is_ip
from meclab.dataplane.rules import Decision, FlowKey, RuleTable, refresh
from meclab.dataplane.shaping.pipeline import Mode, Pipeline
from meclab.dataplane.shaping.toxics import ToxicStage
from meclab.dataplane.stats import FlowStats
from meclab.engine.netchar import PathNetChar, Unreachable
from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.serving import serving_hosts
from meclab.scenario.model import TrafficAction

log = logging.getLogger("meclab.dataplane")

FORWARD = (TrafficAction.FORWARD_DECAPSULATED, TrafficAction.FORWARD_ENCAPSULATED)
DUPLICATE = (TrafficAction.DUPLICATE_DECAPSULATED, TrafficAction.DUPLICATE_ENCAPSULATED)


Identity = tuple[str | None, str]
"""Who a client is: (UE, path source). The source is the UE itself, one of its terminal apps,
or, with no UE, an edge or cloud application sending (:mod:`.appsource`)."""


class RefuseReason(StrEnum):
    """Why a flow was not opened (the SOCKS5 reply code each maps to is in :mod:`.socks5`)."""

    UNKNOWN_UE = "unknown_ue"
    UNRESOLVED = "unresolved"
    NO_COVERAGE = "no_coverage"
    RULE_DROP = "rule_drop"
    PROXY_DOWN = "proxy_down"
    UPSTREAM_FAILED = "upstream_failed"


class Refused(Exception):
    """A flow cannot be opened; ``reason`` says why, the message says it to a person."""

    def __init__(self, reason: RefuseReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class ToxicSource(Protocol):
    """The toxiproxy side, as the switch needs it (see :mod:`.proxies`)."""

    def attached(self, ue: str | None, app: str | None, entry: str | None) -> list[str]:
        """Names of the proxies whose toxics act on such a flow."""

    def is_enabled(self, name: str) -> bool:
        """Whether a proxy is up."""

    def stages(self, flow: Flow, stream: str, now: float) -> list[ToxicStage]:
        """The toxic stages of ``flow`` for ``upstream`` or ``downstream``."""


class SteeringHook(Protocol):
    """MTS steering as the switch consults it (:mod:`.steering`)."""

    def path_of(self, flow: Flow, default: PathNetChar | None) -> PathNetChar | None:
        """The path ``flow`` takes now: over the access(es) a session chose for it, recorded
        in ``flow.steer`` and ``flow.copies``; ``default`` (the serving PoA's path), with
        those cleared, when no session steers it."""


@dataclass(frozen=True, slots=True)
class FlowRequest:
    """A client asks to reach ``host:port``."""

    protocol: str
    """``TCP`` or ``UDP``."""
    ue: str | None
    source: str | None
    """Path origin: the UE itself or one of its terminal apps; or, when ``ue`` is None, the
    application sending (None with ``ue``: nobody identified)."""
    host: str
    port: int
    client: tuple[str, int]
    entry: str
    proxy: str | None = None
    """The toxiproxy proxy whose listener the client came through."""
    app: AppEntry | None = None
    """Fixed destination application (a per-application listener)."""
    external: bool = False
    """An upstream outside the scenario is allowed (a client-made toxiproxy proxy)."""


class Switch:
    """Decides and keeps deciding for every flow; no I/O."""

    def __init__(
        self,
        platforms: Platforms,
        registry: FlowRegistry,
        toxics: ToxicSource,
        responder: Callable[[str], tuple[str, int]],
        *,
        clock: Callable[[], float] = time.monotonic,
        shared_capacity: bool = True,
    ) -> None:
        self.platforms = platforms
        self.registry = registry
        self.toxics = toxics
        self.responder = responder
        """Real address of the built-in responder for ``TCP`` or ``UDP``."""
        self.clock = clock
        self.capacity = Capacity(registry, clock=clock, shared=shared_capacity)
        """The shared capacity of the elements (see :mod:`.capacity`); ``shared_capacity``
        False shares nothing."""
        self.steering: SteeringHook | None = None
        """MTS sessions steering flows over a multi-access terminal's accesses, when set."""
        self.world: World | None = None
        self.apps: AppDirectory | None = None
        self._tables: dict[tuple[tuple[str, ...], tuple[str, ...]], RuleTable] = {}
        """By (hosts in charge, instances pinned)."""
        self._seed = 0

    # --- the world ----------------------------------------------------------------------------

    def load(self, world: World) -> None:
        """A new (or resumed) world: rebuild the application directory."""
        self.world = world
        self.apps = AppDirectory(world)
        self._tables.clear()
        self._seed = world.scenario.seed
        self.capacity.reset(world)

    def _world(self) -> tuple[World, AppDirectory]:
        if self.world is None or self.apps is None:
            raise Refused(RefuseReason.UNRESOLVED, "no scenario is loaded")
        return self.world, self.apps

    def identify(self, name: str) -> Identity | None:
        """Who ``name`` names: a terminal, one of its terminal apps, or a terminal's scenario
        address (``acr:10.0.0.1`` or ``10.0.0.1``); else an edge or cloud application by name
        or appInstanceId (then the UE is None); None if nothing is."""
        world, apps = self.world, self.apps
        if world is None or apps is None:
            return None
        top = world.top
        element = top.elements.get(name)
        if element is not None:
            if element.kind is ElementKind.TERMINAL:
                return name, name
            if element.kind is ElementKind.TERMINAL_APP and element.parent is not None:
                return element.parent, name
        wanted = name if name.startswith("acr:") else f"acr:{name}"
        for terminal in top.terminals:
            if terminal.address == wanted:
                return terminal.name, terminal.name
        app = find_app(apps, self.platforms, name)
        return (None, app.name) if app is not None else None

    def hosts_of(self, ue: str | None, source: str | None) -> list[str]:
        """The hosts whose DNS and traffic rules apply to what this sender sends now: a UE's
        serving hosts, or the host a sending application runs on."""
        world, apps = self._world()
        if ue is not None:
            return serving_hosts(world, self.platforms, ue)
        app = apps.by_name.get(source) if source is not None else None
        return app_hosts(app) if app is not None else []

    def path_end(self, name: str) -> str:
        """The element a path to or from ``name`` ends at: a deployed instance's host."""
        entry = self.apps.by_name.get(name) if self.apps is not None else None
        return entry.path_end if entry is not None else name

    def source_ip(self, ue: str | None, source: str) -> str:
        """The sender's address in the emulated network, as traffic filters see it."""
        if ue is not None:
            return self.ue_ip(ue)
        _, apps = self._world()
        return apps.by_name[source].address

    def ue_ip(self, ue: str) -> str:
        """The UE's address in the emulated network, as traffic filters see it."""
        world, _ = self._world()
        address = world.top.terminals[world.ue(ue)].address.removeprefix("acr:")
        try:
            ip_address(address)
        except ValueError:  # an acr: that is not an IP (acr:ue-name): use its loopback alias
            return ue_address(world.ue(ue))
        return address

    # --- opening ------------------------------------------------------------------------------

    def open(self, request: FlowRequest) -> Flow:
        """Decide a new flow and register it; Refused when it may not be opened."""
        world, apps = self._world()
        ue, source = request.ue, request.source
        app = request.app
        dst_ip = app.address if app is not None else request.host
        if app is None:
            found = apps.resolve(request.host, self.hosts_of(ue, source), self.platforms, ue)
            if found is not None:
                app, dst_ip = found
            elif not (request.external or is_ip(request.host)):
                raise Refused(
                    RefuseReason.UNRESOLVED,
                    f"{request.host} is no application of scenario {world.scenario.name}",
                )
        # an address no application owns may still be steered to one by a traffic rule (local
        # breakout: FORWARD traffic for a remote server to an edge application)
        decision = self._decide(request, dst_ip) if source is not None else None
        duplicate = None
        if decision is not None:
            if decision.action is TrafficAction.DROP:
                if request.protocol == "TCP":
                    raise Refused(
                        RefuseReason.RULE_DROP, f"traffic rule {decision.rule_id} drops this flow"
                    )
            elif decision.action in FORWARD:
                app = self._rule_target(decision, source) or app
            elif decision.action in DUPLICATE:
                copy = self._rule_target(decision, source)
                if copy is not None:
                    duplicate = (copy.name, copy.address, self._target(copy, request.protocol))
        if app is None and not request.external:
            raise Refused(
                RefuseReason.UNRESOLVED,
                f"{request.host} is no application of scenario {world.scenario.name} "
                "and no traffic rule forwards it to one",
            )
        names = self.toxics.attached(ue, app.name if app else None, request.proxy)
        down = [n for n in names if not self.toxics.is_enabled(n)]
        if down:
            raise Refused(RefuseReason.PROXY_DOWN, f"proxy {down[0]} is down")
        path = None
        if app is not None and source is not None:
            try:
                path = world.path(self.path_end(source), app.path_end)
            except Unreachable as exc:
                raise Refused(RefuseReason.NO_COVERAGE, str(exc)) from exc
        target = (
            self._target(app, request.protocol) if app is not None else (request.host, request.port)
        )
        route = Route(
            ue=ue,
            source=source,
            app=app.name if app else None,
            dst_ip=dst_ip,
            dst_port=request.port,
            target=target,
            duplicate=duplicate,
            requested=request.host,
        )
        flow_id = self.registry.next_id()
        mode = Mode.STREAM if request.protocol == "TCP" else Mode.DATAGRAM
        up_rng, down_rng = (
            np.random.default_rng([self._seed, flow_id, direction]) for direction in (0, 1)
        )
        now = self.clock()
        flow = Flow(
            id=flow_id,
            protocol=request.protocol,
            entry=request.entry,
            client=request.client,
            route=route,
            up=Pipeline(mode, up_rng),
            down=Pipeline(mode, down_rng),
            stats=FlowStats(started=now),
            decision=decision,
            proxies=tuple(names),
        )
        if path is not None:
            if self.steering is not None:
                path = self.steering.path_of(flow, path)
            flow.apply_path(path, now)
        self._attach_toxics(flow, now)
        self.registry.add(flow)
        self.capacity.join(flow)
        return flow

    def _target(self, app: AppEntry, protocol: str) -> tuple[str, int]:
        return app.endpoint if app.endpoint is not None else self.responder(protocol)

    def _rule_target(self, decision: Decision, source: str | None) -> AppEntry | None:
        """The application a FORWARD/DUPLICATE rule sends to; None to pass through (no owner,
        or the sending application itself: see :mod:`.appsource`)."""
        _, apps = self._world()
        if decision.dst_ip is not None:
            target = apps.owner(decision.dst_ip, self.platforms)
        else:
            target = apps.by_instance(decision.app_instance_id, self.platforms)
        if target is None:
            log.warning(
                "traffic rule %s sends traffic to %s, which no application owns: passing through",
                decision.rule_id,
                decision.dst_ip or decision.app_instance_id,
            )
        elif target.name == source:
            return None
        return target

    def _decide(self, request: FlowRequest, dst_ip: str) -> Decision | None:
        assert request.source is not None
        hosts = tuple(self.hosts_of(request.ue, request.source))
        pins = tuple(self.platforms.steering.pins(request.ue).values()) if request.ue else ()
        if not hosts and not pins:
            return None
        rules = self.platforms.traffic_rules_in_charge(hosts, request.ue)
        table = refresh(self._tables.get((hosts, pins)), rules)
        self._tables[(hosts, pins)] = table
        key = FlowKey(
            self.source_ip(request.ue, request.source),
            request.client[1],
            dst_ip,
            request.port,
            request.protocol,
        )
        return table.classify(key)

    # --- keeping in line ------------------------------------------------------------------------

    def path_of(self, flow: Flow) -> PathNetChar | None:
        """The flow's path now; None when out of coverage (or nothing to emulate)."""
        world, _ = self._world()
        route = flow.route
        if route.source is None or route.app is None:
            return None
        try:
            path = world.path(self.path_end(route.source), self.path_end(route.app))
        except Unreachable:
            path = None
        except (KeyError, ValueError):  # the world changed under the flow
            return None
        return path if self.steering is None else self.steering.path_of(flow, path)

    def refresh(self, flow: Flow, *, rules: bool = True) -> None:
        """Re-apply path (and rules) to an open flow; reset it when a rule now drops it."""
        route = flow.route
        if route.source is None or route.app is None or flow.state is FlowState.CLOSED:
            return
        now = self.clock()
        changed = flow.apply_path(self.path_of(flow), now)
        self.capacity.follow(flow)  # a handover moves its share to the new PoA
        if rules and flow.state is FlowState.OPEN:
            request = FlowRequest(
                flow.protocol,
                flow.route.ue,
                flow.route.source,
                flow.route.dst_ip,
                flow.route.dst_port,
                flow.client,
                flow.entry,
            )
            try:
                decision = self._decide(request, flow.route.dst_ip)
            except Refused:
                decision = flow.decision
            if _differs(decision, flow.decision):
                dropped = decision is not None and decision.action is TrafficAction.DROP
                if flow.protocol == "UDP" or dropped:
                    flow.decision = decision
                    if flow.relay is not None:
                        flow.relay.abort("rule", reset=dropped)
                    return
            if flow.protocol == "UDP" and self._resolves_elsewhere(flow):
                # a name now means another instance (the UE changed zone): the next datagram
                # opens a flow to it, as a UDP client's next packet would follow new DNS
                if flow.relay is not None:
                    flow.relay.abort("resolved_elsewhere", reset=False)
                return
        if changed and flow.relay is not None:
            flow.relay.reshaped()

    def _resolves_elsewhere(self, flow: Flow) -> bool:
        return self._elsewhere(flow) is not None

    def _elsewhere(self, flow: Flow) -> tuple[AppEntry, str] | None:
        """The application (and address) the name ``flow`` was opened to means now, when it
        is another than the flow's; None when it is the same, or the flow named no name or
        was steered by a traffic rule."""
        _, apps = self._world()
        host = flow.route.requested
        if not host or is_ip(host) or flow.decision is not None:
            return None
        hosts = self.hosts_of(flow.route.ue, flow.route.source)
        found = apps.resolve(host, hosts, self.platforms, flow.route.ue)
        return found if found is not None and found[0].name != flow.route.app else None

    def rerouted(self, flow: Flow) -> Route | None:
        """``flow``'s route to the instance its name means now (a relocation switched it), or
        None when that is where it goes already (or it cannot be told)."""
        found = self._elsewhere(flow)
        if found is None:
            return None
        app, address = found
        return replace(
            flow.route, app=app.name, dst_ip=address, target=self._target(app, flow.protocol)
        )

    def moved(self, flow: Flow, route: Route) -> None:
        """``flow`` carries on along ``route`` (its relay moved it): counted and shaped so."""
        self.registry.reroute(flow, route)
        self.refresh(flow, rules=False)

    def refresh_ue(self, ue: str) -> None:
        for flow in self.registry.of_ue(ue):
            self.refresh(flow)

    def refresh_all(self, *, rules: bool = True) -> None:
        for flow in list(self.registry.open.values()):
            self.refresh(flow, rules=rules)

    def refresh_element(self, element: str) -> None:
        """Network characteristics of ``element`` changed: reshape the flows crossing it."""
        world, _ = self._world()
        poa = element in world.top.poa_index
        for flow in list(self.registry.open.values()):
            hops = flow.path.hops if flow.path is not None else ()
            if (
                element in hops
                or flow.state is FlowState.STALLED
                or (poa and flow.steer is not None)  # another access may now be the choice
            ):
                self.refresh(flow, rules=False)

    def stalled_longer_than(self, timeout_s: float) -> list[Flow]:
        now = self.clock()
        return [
            f
            for f in self.registry.open.values()
            if f.stalled_since is not None and now - f.stalled_since >= timeout_s
        ]

    # --- toxics ---------------------------------------------------------------------------------

    def _attach_toxics(self, flow: Flow, now: float) -> None:
        flow.up.set_toxics(self.toxics.stages(flow, "upstream", now))
        flow.down.set_toxics(self.toxics.stages(flow, "downstream", now))

    def refresh_toxics(self, flows: Sequence[Flow]) -> None:
        now = self.clock()
        for flow in flows:
            self._attach_toxics(flow, now)
            if flow.relay is not None:
                flow.relay.reshaped()


def _differs(a: Decision | None, b: Decision | None) -> bool:
    if a is None or b is None:
        return (a is None) != (b is None)
    return (a.action, a.rule_id, a.dst_ip) != (b.action, b.rule_id, b.dst_ip)
