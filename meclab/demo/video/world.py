"""The video demo's scenario: fixed cameras, an edge instance on every MEC host, one cloud app.

Every MEC host gets an ``emulated: false`` instance of the one application :data:`APP_NAME`
(:data:`EDGE_PREFIX` + the host's name), with its own emulated address and a DNS rule mapping
the common name :data:`DOMAIN` to that address. A camera asks for ``http://video-edge.mec``:
meclab's MEC DNS answers with the rules of the hosts serving it (of READY instances only), so
each camera reaches the instance on its own serving host, as MEC DNS steering intends. The
cloud component is an application of the scenario's first cloud. Pure functions on the
scenario model, as :mod:`meclab.demo.derive`.
"""

from __future__ import annotations

from dataclasses import dataclass

from meclab.demo.derive import (
    DeriveError,
    Placement,
    clouds,
    fixed_terminals,
    free_addresses,
    free_loopback_ports,
    mec_hosts,
    named_edge_app,
    with_apps,
)
from meclab.scenario.model import Application, Scenario

DOMAIN = "video-edge.mec"
APP_NAME = "video-edge"
EDGE_PREFIX = "video-edge-"
CLOUD_APP = "video-cloud"
NETWORK = "10.77.0.0/24"
"""Where the edge instances' emulated addresses are taken from."""
DNS_RULE_ID = "video-edge-dns"


@dataclass(frozen=True, slots=True)
class Edge:
    """An edge instance: its scenario app, host, emulated address and loopback port."""

    app: str
    host: str
    address: str
    port: int


@dataclass(frozen=True, slots=True)
class VideoWorld:
    """The derived scenario and where the demo's parts are."""

    scenario: Scenario
    cameras: list[str]
    edges: list[Edge]
    cloud_app: str
    cloud_port: int
    zone_edges: dict[str, list[str]]
    """The edge instances of each zone (its MEC hosts'): those MEC DNS may steer its UEs to."""


def video_world(scenario: Scenario, *, cameras: int) -> VideoWorld:
    """The demo's scenario derived from ``scenario``; DeriveError naming what is missing."""
    if cameras < 1:
        raise DeriveError(f"the video demo needs at least one camera, not {cameras}")
    names = fixed_terminals(scenario, cameras, what="cameras")
    hosts = mec_hosts(scenario)
    if not hosts:
        raise DeriveError(f"scenario {scenario.name} has no MEC host for the edge instances")
    cloud_names = clouds(scenario)
    if not cloud_names:
        raise DeriveError(f"scenario {scenario.name} has no cloud for the identification")
    addresses = free_addresses(scenario, NETWORK, len(hosts))
    *edge_ports, cloud_port = free_loopback_ports(len(hosts) + 1)
    edges = [
        Edge(f"{EDGE_PREFIX}{host}", host, address, port)
        for host, address, port in zip(hosts, addresses, edge_ports, strict=True)
    ]
    placements = [
        named_edge_app(
            edge.host,
            edge.app,
            app_name=APP_NAME,
            address=edge.address,
            port=edge.port,
            domain=DOMAIN,
            rule_id=DNS_RULE_ID,
        )
        for edge in edges
    ]
    placements.append(
        Placement(cloud_names[0], Application(name=CLOUD_APP, endpoint=f"127.0.0.1:{cloud_port}"))
    )
    derived = with_apps(scenario, placements, name=f"{scenario.name}-video")
    zone_edges = {
        zone.name: [f"{EDGE_PREFIX}{host.name}" for host in zone.mec_hosts]
        for domain in scenario.domains
        for zone in domain.zones
    }
    return VideoWorld(derived, names, edges, CLOUD_APP, cloud_port, zone_edges)
