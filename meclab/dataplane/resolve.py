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
        """The application of a platform instance id, or None."""
        instance = platforms.apps.get(app_instance_id)
        if instance is None or instance.name is None:
            return None
        return self.by_name.get(instance.name)

    def resolve(
        self, host: str, dns_hosts: Sequence[str], platforms: Platforms
    ) -> tuple[AppEntry, str] | None:
        """The application ``host`` means for a sender whose DNS rules are those of
        ``dns_hosts`` (a UE's serving hosts, an application's own host; empty: none), and the
        emulated address it resolved to; None when it names no application (see the module
        docstring)."""
        host = host.strip("[]").rstrip(".")
        if is_ip(host):
            entry = self.owner(host, platforms)
            return (entry, host) if entry is not None else None
        if dns_hosts:
            ip = resolve_name_at(host, dns_hosts, platforms)
            if ip is not None:
                entry = self.owner(ip, platforms)
                return (entry, ip) if entry is not None else None
        exact = self.by_name.get(host)
        if exact is not None:
            return exact, exact.address
        # names are case-insensitive on the wire (RFC 4343); scenario names need not be
        entry = self._by_lower.get(host.lower().removesuffix("." + APP_DOMAIN))
        return (entry, entry.address) if entry is not None else None
