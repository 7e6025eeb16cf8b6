"""Destination → application: which edge or cloud app a client means, and where it really runs.

A client names a destination the way it would on a real network: an IP address, or a name (a
SOCKS5h client passes names through; see :mod:`.socks5`). For UE ``u``:

1. an IP address is the application that owns it (below);
2. a name is first resolved as the MEC DNS server would answer ``u`` now: an ACTIVE DNS rule of
   a host serving ``u`` (:func:`meclab.dataplane.dns.resolve_name`), giving an address, then
   the application owning it; so ``ar.guide.meclab.example`` reaches the instance of the zone
   the UE is in, and another after a handover. For an application sending (see
   :mod:`.appsource`) the rules are those of the host it runs on;
3. else a name is an application's scenario name, bare or under ``meclab.local``
   (``ar-guide-backend``, ``ar-guide-backend.meclab.local``: the URIs meclab gives emulated
   services' transports).

Who owns an address: the application whose scenario ``address`` it is (an application without
one gets ``198.18.0.0/15`` + its index, :func:`meclab.dataplane.identity.app_address`), else an
application instance whose DNS rule (any state) maps a name to it. Two applications claiming one
address: the first in scenario order wins.

Where it really runs: the application's ``endpoint`` (its real process), or, absent, the
built-in responder (:mod:`.responder`).

Instances the lifecycle deployed (MEC 010-2, MEC 016) are applications too, once READY: named by
their appInstanceId, owning the emulated address the lifecycle gave them, reached at their
process's endpoint; their network path ends at their MEC host (they are no scenario element).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address

from meclab.dataplane.dns import resolve_name_at
from meclab.dataplane.identity import app_address
from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.platform.platform import Platforms

APP_DOMAIN = "meclab.local"
"""Applications are also reachable as ``<name>.meclab.local``."""


@dataclass(frozen=True, slots=True)
class AppEntry:
    """One scenario application as the data plane sees it."""

    name: str
    """Scenario element name."""
    node: str
    """The compute node (MEC host, fog node, cloud) it runs on."""
    node_kind: ElementKind
    address: str
    """Emulated address."""
    endpoint: tuple[str, int] | None
    """Where its real process listens; None: the built-in responder stands in."""
    app_instance_id: str
    element: str | None = None
    """The topology element paths to it end at, when not ``name``: a deployed instance's host."""

    @property
    def path_end(self) -> str:
        """Where the engine's end-to-end paths to (or from) this application end."""
        return self.element or self.name


def parse_endpoint(text: str) -> tuple[str, int]:
    """``host:port`` or ``[v6]:port`` as a pair."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def is_ip(text: str) -> bool:
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


class AppDirectory:
    """The applications of one world, by name and by address."""

    def __init__(self, world: World) -> None:
        self.by_name: dict[str, AppEntry] = {}
        self.by_ip: dict[str, AppEntry] = {}
        self._by_lower: dict[str, AppEntry] = {}
        self.deployed: set[str] = set()
        """Names (appInstanceIds) of the entries :meth:`sync_deployed` added."""
        top = world.top
        for index, (name, app) in enumerate(top.apps.items()):
            node = top.node_of(name)
            entry = AppEntry(
                name=name,
                node=node,
                node_kind=top.elements[node].kind,
                address=app.address or app_address(index),
                endpoint=parse_endpoint(app.endpoint) if app.endpoint else None,
                app_instance_id=app.app_instance_id or name,
            )
            self.by_name[name] = entry
            self._by_lower.setdefault(name.lower(), entry)
            self.by_ip.setdefault(str(ip_address(entry.address)), entry)

    def sync_deployed(self, platforms: Platforms) -> tuple[list[AppEntry], list[str]]:
        """Bring the deployed instances up to date with the platforms: READY instances with an
        address and an endpoint are in, others out. Returns (added entries, removed names)."""
        current: dict[str, AppEntry] = {}
        for instance in platforms.apps.values():
            if not (instance.ready and instance.address and instance.endpoint):
                continue
            if instance.name is not None:  # a scenario application: already an entry
                continue
            node = platforms.hosts.get(instance.host)
            if node is None:
                continue
            current[instance.app_instance_id] = AppEntry(
                name=instance.app_instance_id,
                node=instance.host,
                node_kind=node.kind,
                address=instance.address,
                endpoint=parse_endpoint(instance.endpoint),
                app_instance_id=instance.app_instance_id,
                element=instance.host,
            )
        removed = [name for name in self.deployed if current.get(name) != self.by_name.get(name)]
        for name in removed:
            entry = self.by_name.pop(name)
            self._by_lower.pop(name.lower(), None)
            if self.by_ip.get(str(ip_address(entry.address))) is entry:
                del self.by_ip[str(ip_address(entry.address))]
            self.deployed.discard(name)
        added = [e for name, e in current.items() if name not in self.deployed]
        for entry in added:
            self.by_name[entry.name] = entry
            self._by_lower.setdefault(entry.name.lower(), entry)
            self.by_ip.setdefault(str(ip_address(entry.address)), entry)
            self.deployed.add(entry.name)
        return added, [name for name in removed if name not in current]

    def owner(self, ip: str, platforms: Platforms | None) -> AppEntry | None:
        """The application owning emulated address ``ip``, or None."""
        try:
            canonical = str(ip_address(ip))
        except ValueError:
            return None
        found = self.by_ip.get(canonical)
        if found is not None or platforms is None:
            return found
        for instance in platforms.apps.values():
            if instance.name is None or instance.name not in self.by_name:
                continue
            for rule in instance.dns_rules.values():
                if str(ip_address(rule.ipAddress)) == canonical:
                    return self.by_name[instance.name]
        return None

    def by_instance(self, app_instance_id: str, platforms: Platforms) -> AppEntry | None:
        """The application of a platform instance id (a scenario application, or a deployed
        instance the directory has synced), or None."""
        instance = platforms.apps.get(app_instance_id)
        if instance is None:
            return None
        return self.by_name.get(instance.name if instance.name is not None else app_instance_id)

    def resolve(
        self, host: str, dns_hosts: Sequence[str], platforms: Platforms, ue: str | None = None
    ) -> tuple[AppEntry, str] | None:
        """The application ``host`` means for a sender whose DNS rules are those of
        ``dns_hosts`` (a UE's serving hosts, an application's own host; empty: none) and, for
        UE ``ue``, of the instances it is pinned to; and the emulated address it resolved to;
        None when it names no application (see the module docstring)."""
        host = host.strip("[]").rstrip(".")
        if is_ip(host):
            entry = self.owner(host, platforms)
            return (entry, host) if entry is not None else None
        if dns_hosts or ue is not None:
            ip = resolve_name_at(host, dns_hosts, platforms, ue)
            if ip is not None:
                entry = self.owner(ip, platforms)
                return (entry, ip) if entry is not None else None
        exact = self.by_name.get(host)
        if exact is not None:
            return exact, exact.address
        # names are case-insensitive on the wire (RFC 4343); scenario names need not be
        entry = self._by_lower.get(host.lower().removesuffix("." + APP_DOMAIN))
        return (entry, entry.address) if entry is not None else None
