"""The MEC platforms of every host, built from the world and kept in the store.

Every MEC host and fog node of the scenario runs a platform. Its application instances come
from the scenario (what an app descriptor declares: name, appInstanceId, services, DNS and
traffic rules) and from applications registering at run time (MEC 011 ``/registrations``).
Instances the scenario marks ``emulated`` are played by meclab: they are READY from the start
and their services are registered.

An emulated application outside every MEC host (in a cloud) has no platform, but its services
are the MEC system's too: meclab's MEC management registers them, with the cloud as where they
live (:meth:`Platforms._offer_cloud_services`). Which hosts see one follows its
``scopeOfLocality`` (:mod:`meclab.platform.services`): MEC_SYSTEM is every host, since the
deployment is one MEC system; ZONE_GROUP the hosts of the cloud's operator, if it is in one;
MEC_HOST, ZONE and the NFVI scopes name a place no cloud is, so such a service is local to no
host and seen only where ``consumedLocalOnly`` is false lets it be.

Loading a new scenario resets every platform; resuming the stored one restores app instances,
services, rules and subscriptions as they were, without notifying anyone again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.platform.apps import AppAction, AppInstance, AppState
from meclab.platform.delivery import Notifier
from meclab.platform.errors import Forbidden, InvalidField, NotFound
from meclab.platform.rules import (
    DnsRule,
    TrafficRule,
    dns_rule_from_scenario,
    traffic_rule_from_scenario,
)
from meclab.platform.service_info import (
    CategoryRef,
    EndPointInfo,
    SecurityInfo,
    ServiceInfo,
    ServiceState,
    TransportInfo,
)
from meclab.platform.services import ServiceRecord, ServiceRegistry
from meclab.platform.steering import Steering
from meclab.platform.subscriptions import SubscriptionRegistry
from meclab.scenario.model import Application, ServiceProduced
from meclab.store.base import Store

log = logging.getLogger("meclab.platform")

APPS = "apps"
SERVICES = "services"
WITHDRAWN = "withdrawn_services"
"""The platform's own services withdrawn at the last stop: offered again under the same id."""
LIVENESS_CHECK_S = 1.0

HOST_KINDS = (ElementKind.MEC_HOST, ElementKind.FOG)

RulesListener = Callable[[AppInstance], Awaitable[None]]
LoadedListener = Callable[[World, bool], Awaitable[None]]
ResetListener = Callable[[], Awaitable[None]]
RemovalListener = Callable[[AppInstance], Awaitable[None]]
RuleT = TypeVar("RuleT", DnsRule, TrafficRule)


@dataclass(frozen=True, slots=True)
class HostInfo:
    """Where a platform's host sits."""

    name: str
    kind: ElementKind
    zone: str | None
    domain: str | None


class Platforms:
    """Every MEC host's platform: app instances, services, rules, subscriptions."""

    def __init__(
        self,
        store: Store,
        *,
        base_url: str = "http://127.0.0.1:8080",
        api_root: str = "",
        notifier: Notifier | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.base_url = base_url.rstrip("/")
        self.api_root = api_root
        """Path prefix of every host's ETSI APIs (``/sbx1/mep``; empty: at the root)."""
        self.wall = wall
        self.notifier = notifier or Notifier(wall=wall, store=store)
        self.hosts: dict[str, HostInfo] = {}
        self.default_host: str | None = None
        self.apps: dict[str, AppInstance] = {}
        self.services = ServiceRegistry(self._locate, self._persist_service)
        self.subscriptions = SubscriptionRegistry(
            store, self.notifier, websocket_url=self.websocket_url, wall=wall
        )
        self.steering = Steering()
        """Terminals served by a given instance rather than by their serving hosts'."""
        self.rules_listeners: list[RulesListener] = []
        self.rules_version = 0
        """Grows whenever any instance's rules or readiness change: a cheap cache key."""
        """Told after an instance's DNS or traffic rules, or its readiness, changed."""
        self.removal_listeners: list[RemovalListener] = []
        """Told after an instance was removed (its credential goes with it)."""
        self.app_observers: list[Callable[[AppInstance, str], None]] = []
        """Told of each instance's lifecycle step (``registered``, an action such as
        ``confirm_ready``, ``removed``), with the instance after it; they must not block."""
        self.reset_listeners: list[ResetListener] = []
        """Told after a new scenario replaced every platform (API modules drop their own state)."""
        self.loaded_listeners: list[LoadedListener] = []
        """Told once every platform is built or restored, with the world and whether it was
        resumed (API modules then offer their platform services: :meth:`offer_service`)."""
        self._liveness: asyncio.Task[None] | None = None
        self.world: World | None = None

    # --- URLs -------------------------------------------------------------------------------

    def prefix(self, host: str) -> str:
        """Path prefix of a host's APIs: the default host's are also at the API root."""
        return self.api_root if host == self.default_host else f"{self.api_root}/hosts/{host}"

    def url(self, host: str, path: str) -> str:
        """Absolute URL of ``path`` (e.g. ``/mec_service_mgmt/v1/services``) on a host."""
        return f"{self.base_url}{self.prefix(host)}{path}"

    def websocket_url(self, sub_id: str) -> str:
        base = self.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return f"{base}/meclab/ws/notifications/{sub_id}"

    # --- loading ----------------------------------------------------------------------------

    def _locate(self, node: str) -> tuple[str | None, str | None]:
        """A compute node's (zone, domain): a MEC host's, a fog node's or a cloud's."""
        element = self.world.top.elements.get(node) if self.world is not None else None
        return (element.zone, element.domain) if element else (None, None)

    async def load(self, world: World, resumed: bool) -> None:
        """Build every platform for ``world``; restore stored state when ``resumed``."""
        self.world = world
        top = world.top
        self.hosts = {
            name: HostInfo(name, e.kind, e.zone, e.domain)
            for name, e in top.elements.items()
            if e.kind in HOST_KINDS
        }
        self.default_host = next(iter(self.hosts), None)
        self.apps.clear()
        self.steering.clear()  # the mobility manager pins again from what it restores
        self.services.reset()
        if resumed:
            for _, data in await self.store.items(APPS):
                app = AppInstance.from_store(data)
                if app.host in self.hosts:
                    self.apps[app.app_instance_id] = app
            stored = [ServiceRecord.from_store(d) for _, d in await self.store.items(SERVICES)]
            # The store lists them by id; views list them in registration order.
            self.services.reset(
                r for r in sorted(stored, key=lambda r: r.seq) if r.host in top.nodes
            )
            count = await self.subscriptions.restore()
            await self.notifier.restore(
                self.subscriptions.find, missing="subscription ended before the restart"
            )
            for listener in list(self.loaded_listeners):
                await listener(world, True)
            log.info(
                "platforms resumed: %d app instances, %d services, %d subscriptions",
                len(self.apps),
                len(self.services.records),
                count,
            )
            return
        await self.store.clear(APPS)
        await self.store.clear(SERVICES)
        await self.store.clear(WITHDRAWN)
        await self.subscriptions.clear()
        # Left pending by an earlier run (stopped or crashed) for subscriptions now gone.
        await self.notifier.restore(self.subscriptions.find, missing="scenario replaced")
        for listener in list(self.reset_listeners):
            await listener()
        for host in self.hosts:
            for app in top.nodes[host].apps:
                await self._instantiate(host, app)
        await self._offer_cloud_services(world)
        for listener in list(self.loaded_listeners):
            await listener(world, False)

    async def _instantiate(self, host: str, app: Application) -> None:
        assert app.app_instance_id is not None and app.app_name is not None
        instance = AppInstance(
            app_instance_id=app.app_instance_id,
            host=host,
            app_name=app.app_name,
            app_provider=app.provider,
            state=AppState.READY if app.emulated else AppState.INSTANTIATED,
            name=app.name,
            emulated=app.emulated,
            version=app.version,
            dns_rules={r.id: dns_rule_from_scenario(r) for r in app.dns_rules},
            traffic_rules={r.id: traffic_rule_from_scenario(r) for r in app.traffic_rules},
        )
        self.apps[instance.app_instance_id] = instance
        await self._persist_app(instance)
        if app.emulated:
            for produced in app.services_produced:
                info = service_info_from_scenario(produced, app)
                await self.services.add(
                    host, instance.app_instance_id, info, self.wall(), emulated=True
                )

    async def _offer_cloud_services(self, world: World) -> None:
        """Register the services of the emulated applications in clouds (module docstring)."""
        for name, node in world.top.nodes.items():
            if world.top.kind(name) is not ElementKind.CLOUD:
                continue
            for app in node.apps:
                if not app.emulated:
                    continue
                for produced in app.services_produced:
                    info = service_info_from_scenario(produced, app)
                    await self.services.add(
                        name, app.app_instance_id, info, self.wall(), emulated=True
                    )

    # --- running ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start delivery and the liveness watch."""
        await self.notifier.start()
        if self._liveness is None:
            self._liveness = asyncio.get_running_loop().create_task(
                self._watch_liveness(), name="meclab-liveness"
            )

    async def stop(self, drain_s: float = 2.0) -> None:
        """Withdraw the platform's own services (subscribers are told, for up to ``drain_s``),
        then stop the liveness watch, expiry timers and delivery."""
        if self._liveness is not None:
            self._liveness.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._liveness
            self._liveness = None
        for record in [r for r in self.services.records.values() if r.owner is None]:
            key = f"{record.host}|{record.info.serName}"
            await self.store.put(WITHDRAWN, key, {"id": record.id, "seq": record.seq})
            await self.services.remove(record)
        self.subscriptions.close()
        await self.notifier.close(drain_s=drain_s)

    # --- the platform's own services ----------------------------------------------------------

    async def offer_service(self, host: str, info: ServiceInfo) -> ServiceRecord:
        """Register a service the platform itself provides (RNIS, Location ...) on ``host``.

        Idempotent: when the host already has the platform's service of that name (meclab was
        resumed after a crash), it stays as it is and nobody is notified again. The platform's
        services are withdrawn at :meth:`stop` (subscribers get REMOVED) and offered anew at
        the next start (ADDED).
        """
        for record in self.services.records.values():
            if record.host == host and record.owner is None and record.info.serName == info.serName:
                return record
        key = f"{host}|{info.serName}"
        withdrawn = await self.store.get(WITHDRAWN, key)
        again = (withdrawn["id"], withdrawn["seq"]) if withdrawn else None
        await self.store.delete(WITHDRAWN, key)
        return await self.services.add(host, None, info, self.wall(), emulated=True, again=again)

    async def _watch_liveness(self) -> None:
        while True:
            await asyncio.sleep(LIVENESS_CHECK_S)
            try:
                for record in await self.services.check_liveness(self.wall()):
                    log.warning(
                        "service %s (%s) missed its heartbeats: INACTIVE",
                        record.info.serName,
                        record.id,
                    )
            except Exception:  # the watch must survive one bad round
                log.exception("liveness check failed")

    # --- app instances ----------------------------------------------------------------------

    def host(self, name: str) -> HostInfo:
        info = self.hosts.get(name)
        if info is None:
            raise NotFound(f"no MEC host named {name!r}")
        return info

    def app(self, host: str, app_instance_id: str) -> AppInstance:
        """An instance on ``host``; NotFound for an unknown id or one on another host."""
        app = self.apps.get(app_instance_id)
        if app is None or app.host != host:
            raise NotFound(f"no application instance {app_instance_id!r} on {host}")
        return app

    def app_named(self, name: str) -> AppInstance:
        """An instance by its scenario name or appInstanceId, on any host."""
        for app in self.apps.values():
            if name in (app.name, app.app_instance_id):
                return app
        raise NotFound(f"no application instance named {name!r}")

    def apps_on(self, host: str) -> list[AppInstance]:
        return [a for a in self.apps.values() if a.host == host]

    def require_ready(self, app: AppInstance) -> None:
        """Forbidden unless the instance has confirmed it is ready."""
        if not app.ready:
            raise Forbidden(
                f"application instance {app.app_instance_id} is {app.state}: "
                "confirm it ready (POST .../confirm_ready) first"
            )

    async def transition(self, app: AppInstance, action: AppAction) -> AppState:
        """Apply a state-machine action (IllegalTransition: 409) and store the result."""
        was_ready = app.ready
        state = app.apply(action)
        await self._persist_app(app)
        for observe in self.app_observers:
            observe(app, action.value)
        if app.ready != was_ready:
            # Rules act only while READY: confirm_ready starts them, and terminating a READY
            # instance stops them, which the data plane must hear of as well.
            await self._rules_changed(app)
        return state

    def holder_of(self, app_instance_id: str) -> str | None:
        """What already has this appInstanceId: an instance on a MEC host, or an application
        the scenario declares anywhere (a cloud or fog node's too); None when it is free."""
        known = self.apps.get(app_instance_id)
        if known is not None:
            return f"instance {app_instance_id} ({known.name or known.app_name}) on {known.host}"
        top = self.world.top if self.world is not None else None
        for app in top.apps.values() if top is not None else ():
            if app.app_instance_id == app_instance_id:
                return f"the scenario's application {app.name} on {top.elements[app.name].parent}"
        return None

    async def add_app(self, app: AppInstance) -> AppInstance:
        """A new instance registered at run time; 400 naming appInstanceId when another
        instance, or an application of the scenario, already has its id."""
        if not app.app_instance_id:
            app.app_instance_id = str(uuid.uuid4())
        holder = self.holder_of(app.app_instance_id)
        if holder is not None:
            raise InvalidField("appInstanceId", f"already the id of {holder}")
        self.apps[app.app_instance_id] = app
        await self._persist_app(app)
        for observe in self.app_observers:
            observe(app, "registered")
        return app

    async def save_app(self, app: AppInstance) -> None:
        """Store an instance after changing it."""
        await self._persist_app(app)

    async def remove_app(self, app: AppInstance) -> None:
        """Remove an instance with its services (subscribers are told) and its subscriptions."""
        # Its own subscriptions go first: it would otherwise be sent, and fail to receive,
        # the removal of its own services, and those would show up as undelivered.
        await self.subscriptions.delete_owned(app.app_instance_id)
        for record in self.services.owned_by(app.app_instance_id):
            await self.services.remove(record)
        self.apps.pop(app.app_instance_id, None)
        await self.store.delete(APPS, app.app_instance_id)
        await self.steering.forget_instance(app.app_instance_id)
        app.dns_rules.clear()
        app.traffic_rules.clear()
        await self._rules_changed(app)
        for listener in list(self.removal_listeners):
            await listener(app)
        for observe in self.app_observers:
            observe(app, "removed")
        log.info(
            "application instance %s (%s) removed from %s",
            app.app_instance_id,
            app.app_name,
            app.host,
        )

    # --- rules ------------------------------------------------------------------------------

    async def put_dns_rule(self, app: AppInstance, rule: DnsRule) -> DnsRule:
        """Replace one of an instance's DNS rules (NotFound for an id it does not have)."""
        if rule.dnsRuleId not in app.dns_rules:
            raise NotFound(
                f"application instance {app.app_instance_id} has no DNS rule {rule.dnsRuleId!r}"
            )
        app.dns_rules[rule.dnsRuleId] = rule
        await self._persist_app(app)
        await self._rules_changed(app)
        return rule

    async def put_traffic_rule(self, app: AppInstance, rule: TrafficRule) -> TrafficRule:
        """Replace one of an instance's traffic rules (NotFound for an id it does not have)."""
        if rule.trafficRuleId not in app.traffic_rules:
            raise NotFound(
                f"application instance {app.app_instance_id} has no traffic rule "
                f"{rule.trafficRuleId!r}"
            )
        app.traffic_rules[rule.trafficRuleId] = rule
        await self._persist_app(app)
        await self._rules_changed(app)
        return rule

    async def replace_rules(
        self,
        app: AppInstance,
        *,
        dns_rules: list[DnsRule] | None = None,
        traffic_rules: list[TrafficRule] | None = None,
    ) -> None:
        """Replace all of an instance's DNS rules, traffic rules, or both (None: kept)."""
        if dns_rules is not None:
            app.dns_rules = {r.dnsRuleId: r for r in dns_rules}
        if traffic_rules is not None:
            app.traffic_rules = {r.trafficRuleId: r for r in traffic_rules}
        await self._persist_app(app)
        await self._rules_changed(app)

    def effective_dns_rules(self, host: str) -> list[tuple[AppInstance, DnsRule]]:
        """ACTIVE DNS rules of READY instances on ``host``: the ones that answer queries."""
        return [
            (app, rule)
            for app in self.apps_on(host)
            if app.ready
            for rule in app.dns_rules.values()
            if rule.state.value == "ACTIVE"
        ]

    def pinned_instances(self, ue: str | None) -> list[AppInstance]:
        """The READY instances :attr:`steering` pins terminal ``ue`` to (none for None)."""
        if ue is None:
            return []
        found = (self.apps.get(i) for i in self.steering.pins(ue).values())
        return [app for app in found if app is not None and app.ready]

    def dns_rules_in_charge(
        self, hosts: Sequence[str], ue: str | None = None
    ) -> list[list[tuple[AppInstance, DnsRule]]]:
        """The DNS rules answering for an asker, in precedence order: those of the instances
        ``ue`` is pinned to (one group), then each of ``hosts`` (the hosts in charge, most
        local first) without the instances a pin supersedes (:mod:`.steering`)."""
        pinned = self.pinned_instances(ue)
        superseded = {app.app_key for app in pinned}
        groups = [[(app, rule) for app in pinned for rule in _active(app.dns_rules)]]
        for host in hosts:
            groups.append(
                [
                    pair
                    for pair in self.effective_dns_rules(host)
                    if pair[0].app_key not in superseded
                ]
            )
        return [group for group in groups if group]

    def traffic_rules_in_charge(
        self, hosts: Sequence[str], ue: str | None = None
    ) -> list[tuple[AppInstance, TrafficRule]]:
        """The traffic rules classifying an asker's flows: those of ``hosts`` and of the
        instances ``ue`` is pinned to (which supersede their application's instances on
        ``hosts``), highest priority (0) first."""
        pinned = self.pinned_instances(ue)
        superseded = {app.app_key for app in pinned}
        found = [(app, rule) for app in pinned for rule in _active(app.traffic_rules)]
        for host in hosts:
            found += [
                pair
                for pair in self.effective_traffic_rules(host)
                if pair[0].app_key not in superseded
            ]
        return sorted(found, key=lambda pair: pair[1].priority)

    def effective_traffic_rules(self, host: str) -> list[tuple[AppInstance, TrafficRule]]:
        """ACTIVE traffic rules of READY instances on ``host``, highest priority (0) first."""
        found = [
            (app, rule)
            for app in self.apps_on(host)
            if app.ready
            for rule in app.traffic_rules.values()
            if rule.state.value == "ACTIVE"
        ]
        return sorted(found, key=lambda pair: pair[1].priority)

    # --- persistence ------------------------------------------------------------------------

    async def _persist_app(self, app: AppInstance) -> None:
        await self.store.put(APPS, app.app_instance_id, app.to_store())

    async def _persist_service(self, record: ServiceRecord | str) -> None:
        if isinstance(record, str):
            await self.store.delete(SERVICES, record)
        else:
            await self.store.put(SERVICES, record.id, record.to_store())

    async def _rules_changed(self, app: AppInstance) -> None:
        self.rules_version += 1
        for listener in list(self.rules_listeners):
            await listener(app)


def _active(rules: Mapping[str, RuleT]) -> list[RuleT]:
    return [rule for rule in rules.values() if rule.state.value == "ACTIVE"]


def service_info_from_scenario(produced: ServiceProduced, app: Application) -> ServiceInfo:
    """The ServiceInfo an emulated app registers for a service its descriptor declares."""
    category = produced.category
    return ServiceInfo(
        serName=produced.name,
        serCategory=None
        if category is None
        else CategoryRef(
            href=category.href or f"urn:meclab:category:{category.id}",
            id=category.id,
            name=category.name,
            version=category.version,
        ),
        version=produced.version,
        state=ServiceState.ACTIVE,
        transportInfo=TransportInfo(
            id=f"{app.name}-{produced.name}-transport",
            name=f"{produced.transport.value} {produced.transport_protocol}",
            type=produced.transport,
            protocol=produced.transport_protocol,
            version=produced.transport_version,
            endpoint=EndPointInfo(
                uris=produced.uris or [f"http://{app.name}.meclab.local/{produced.name}"]
            ),
            security=SecurityInfo(),
        ),
        serializer=produced.serializer,
        scopeOfLocality=produced.scope_of_locality,
        consumedLocalOnly=produced.consumed_local_only,
        livenessInterval=produced.liveness_interval_s,
    )


def wire_links(**links: str) -> dict[str, Any]:
    """``_links`` from keyword hrefs: ``wire_links(self=url)`` -> ``{"self": {"href": url}}``."""
    return {name: {"href": href} for name, href in links.items()}
