"""A demo's scenario, derived from another: its applications placed on the world's nodes.

Pure functions on :class:`~meclab.scenario.model.Scenario`: nothing is read or started here.
The result is validated again as a whole (names unique across the scenario, addresses,
appInstanceIds, references), so a demo that collides with the given scenario fails with the
scenario's own error naming the path.
"""

from __future__ import annotations

import random
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_address
from pathlib import Path

from meclab.scenario.loader import validate_document
from meclab.scenario.model import Application, ComputeNode, DnsRule, Scenario, Terminal


class DeriveError(ValueError):
    """The given scenario cannot host the demo (too few fixed terminals, no cloud ...)."""


@dataclass(frozen=True, slots=True)
class Placement:
    """An application to add to the compute node named ``node``."""

    node: str
    app: Application


def compute_nodes(scenario: Scenario) -> Iterator[tuple[str, ComputeNode]]:
    """Every compute node with its kind (``mec_host``, ``fog``, ``cloud``), in scenario order."""
    for cloud in scenario.clouds:
        yield "cloud", cloud
    for domain in scenario.domains:
        for cloud in domain.clouds:
            yield "cloud", cloud
        for zone in domain.zones:
            for host in zone.mec_hosts:
                yield "mec_host", host
            for poa in zone.poas:
                for fog in poa.fog_nodes:
                    yield "fog", fog


def mec_hosts(scenario: Scenario) -> list[str]:
    """The names of the MEC hosts, in scenario order."""
    return [node.name for kind, node in compute_nodes(scenario) if kind == "mec_host"]


def clouds(scenario: Scenario) -> list[str]:
    """The names of the clouds (public ones first, then the operators'), in scenario order."""
    return [node.name for kind, node in compute_nodes(scenario) if kind == "cloud"]


def terminals(scenario: Scenario) -> Iterator[Terminal]:
    """Every terminal, in scenario order."""
    for domain in scenario.domains:
        yield from domain.terminals


def fixed_terminals(scenario: Scenario, count: int, *, what: str = "terminals") -> list[str]:
    """The first ``count`` terminals that do not move (velocity 0 or a one-point path).

    DeriveError naming how many there are when there are fewer (``what`` says what they are
    for, as in "cameras").
    """
    fixed = [t.name for t in terminals(scenario) if t.velocity_mps == 0 or len(t.path) == 1]
    if len(fixed) < count:
        have = ", ".join(fixed) if fixed else "none"
        raise DeriveError(
            f"scenario {scenario.name} has {len(fixed)} fixed terminals ({have}); "
            f"{count} {what} need as many (a terminal with velocity_mps 0)"
        )
    return fixed[:count]


def used_addresses(scenario: Scenario) -> set[str]:
    """Every emulated IP address the scenario's applications and DNS rules name."""
    used: set[str] = set()
    for _, node in compute_nodes(scenario):
        for app in node.apps:
            if app.address is not None:
                used.add(str(ip_address(app.address)))
            used.update(str(ip_address(rule.ip_address)) for rule in app.dns_rules)
    return used


def free_addresses(scenario: Scenario, network: str, count: int) -> list[str]:
    """``count`` host addresses of ``network`` that nothing in the scenario uses, lowest first;
    DeriveError when the network has too few."""
    used = used_addresses(scenario)
    chosen: list[str] = []
    for host in IPv4Network(network).hosts():
        if str(host) not in used:
            chosen.append(str(host))
            if len(chosen) == count:
                return chosen
    raise DeriveError(
        f"network {network} has fewer than {count} addresses the scenario leaves free"
    )


SPARE_PORTS = 2048
"""How many ports just below the kernel's ephemeral range :func:`free_loopback_ports` draws from."""


def ephemeral_ports() -> range:
    """The ports the kernel hands out for a bind to port 0 and for outgoing connections (Linux's
    ``ip_local_port_range``; elsewhere IANA's dynamic range)."""
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
    except (OSError, ValueError):
        return range(49152, 65536)
    return range(int(low), int(high) + 1)


def free_loopback_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports of 127.0.0.1 that nothing listens on now (all held open
    together, so they differ); a component then binds its own.

    Drawn at random from the :data:`SPARE_PORTS` just below the ephemeral range: a port the
    kernel chose for a bind to 0 and that was released could be chosen again for any other
    socket (one of meclab's own data plane ports, started between this choice and the
    component's bind), while these it never chooses by itself.
    """
    low = ephemeral_ports().start
    candidates = random.sample(
        range(max(1024, low - SPARE_PORTS), low), k=min(SPARE_PORTS, low - 1024)
    )
    sockets: list[socket.socket] = []
    try:
        for port in candidates:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:  # in use, or in TIME_WAIT
                sock.close()
                continue
            sockets.append(sock)
            if len(sockets) == count:
                return [int(s.getsockname()[1]) for s in sockets]
        raise DeriveError(f"fewer than {count} free loopback ports below {low}")
    finally:
        for sock in sockets:
            sock.close()


def named_edge_app(
    host: str,
    name: str,
    *,
    app_name: str,
    address: str,
    port: int,
    domain: str,
    rule_id: str,
    app_instance_id: str | None = None,
) -> Placement:
    """A demo's own edge process (``emulated: false``, at loopback ``port``) as instance
    ``name`` of application ``app_name`` on ``host``, at emulated ``address``, which the MEC
    DNS of ``host``'s zone answers for ``domain`` (rule ``rule_id``)."""
    return Placement(
        host,
        Application(
            name=name,
            app_name=app_name,
            app_instance_id=app_instance_id,
            emulated=False,
            address=address,
            endpoint=f"127.0.0.1:{port}",
            dns_rules=[DnsRule(id=rule_id, domain_name=domain, ip_address=address)],
        ),
    )


def with_apps(scenario: Scenario, placements: Iterable[Placement], *, name: str) -> Scenario:
    """A copy of ``scenario`` named ``name`` with each placement's app added to its node.

    DeriveError naming a node that does not exist; the scenario's ScenarioError when the result
    is not a valid scenario (an app name already taken ...). ``scenario`` is left unchanged.
    """
    derived = scenario.model_copy(deep=True)
    nodes = {node.name: node for _, node in compute_nodes(derived)}
    for placement in placements:
        node = nodes.get(placement.node)
        if node is None:
            known = ", ".join(sorted(nodes)) or "none"
            raise DeriveError(
                f"no compute node {placement.node!r} in scenario {scenario.name} "
                f"for app {placement.app.name} (nodes: {known})"
            )
        node.apps.append(placement.app.model_copy(deep=True))
    derived.name = name
    return validate_document(derived.model_dump(mode="json"), f"{name} (derived)")
