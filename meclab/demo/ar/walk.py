"""The AR demo's scenario: one more terminal, walking away from a 4G cell and back.

The walker starts at the cell's site, goes :data:`OUT_S` seconds at :data:`VELOCITY_MPS` on
bearing :data:`BEARING_DEG`, and comes back the same way, then stops. On the default scenario
(``4g-fontvieille``, bearing 210°: south-south-west, towards the sea and away from every other
4G cell) that is 634 m out: meclab's LTE path loss (:mod:`meclab.engine.radio`: RSRP about
-25.4 - 30 log10(d) dBm) gives -95 dBm at 209 m and -105 dBm at 452 m, so the walk crosses both
feature thresholds going out (about -109.4 dBm at the far end, still inside the 750 m radius)
and again coming back. The walker uses 4G only, so that its measurement reports are LTE ones
(MeasRepUe) throughout.

The edge component plays an ``emulated: false`` application on the cell's zone's MEC host
(it hears only the cells of its own zone); the cloud component is an application of the
scenario's first cloud. Pure functions on the scenario model, as :mod:`meclab.demo.derive`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from meclab.demo.derive import DeriveError, Placement, clouds, free_loopback_ports, with_apps
from meclab.scenario.model import Application, Scenario, Terminal
from meclab.types import EndOfPath, RadioType

CELL = "4g-fontvieille"
BEARING_DEG = 210.0
OUT_S = 288.0
VELOCITY_MPS = 2.2
"""A brisk walker: 634 m out in 288 s."""
WALKER = "ar-walker"
WALKER_ADDRESS = "acr:10.0.9.1"
EDGE_APP = "ar-demo-edge"
CLOUD_APP = "ar-demo-cloud"
METRES_PER_DEGREE = 111_320.0
"""Of latitude (and of longitude at the equator): plenty at city scale."""


@dataclass(frozen=True, slots=True)
class ArWorld:
    """The derived scenario and where the demo's parts are."""

    scenario: Scenario
    walker: str
    cell: str
    host: str
    edge_app: str
    edge_port: int
    cloud_app: str
    cloud_port: int
    duration_s: float
    """Simulation seconds from the start to the walker's return."""
    scenario_address: str = WALKER_ADDRESS
    """The walker's UE address (``acr:``)."""


def destination(lon: float, lat: float, bearing_deg: float, distance_m: float) -> list[float]:
    """[lon, lat] ``distance_m`` from a point on a bearing (clockwise from north)."""
    b = math.radians(bearing_deg)
    north, east = distance_m * math.cos(b), distance_m * math.sin(b)
    return [
        lon + east / (METRES_PER_DEGREE * math.cos(math.radians(lat))),
        lat + north / METRES_PER_DEGREE,
    ]


def ar_world(
    scenario: Scenario,
    *,
    cell: str = CELL,
    bearing_deg: float = BEARING_DEG,
    out_s: float = OUT_S,
    velocity_mps: float = VELOCITY_MPS,
) -> ArWorld:
    """The demo's scenario derived from ``scenario``; DeriveError naming what is missing."""
    found = [
        (domain, zone, poa)
        for domain in scenario.domains
        for zone in domain.zones
        for poa in zone.poas
        if poa.name == cell
    ]
    if not found:
        raise DeriveError(f"scenario {scenario.name} has no point of access {cell!r}")
    domain, zone, poa = found[0]
    if poa.type is not RadioType.LTE:
        raise DeriveError(f"{cell} is a {poa.type} cell; the AR demo walks from a 4G one")
    if not zone.mec_hosts:
        raise DeriveError(f"zone {zone.name} of {cell} has no MEC host for the edge component")
    cloud_names = clouds(scenario)
    if not cloud_names:
        raise DeriveError(f"scenario {scenario.name} has no cloud for the statistics")
    host = zone.mec_hosts[0].name
    edge_port, cloud_port = free_loopback_ports(2)
    placements = [
        Placement(
            host, Application(name=EDGE_APP, emulated=False, endpoint=f"127.0.0.1:{edge_port}")
        ),
        Placement(cloud_names[0], Application(name=CLOUD_APP, endpoint=f"127.0.0.1:{cloud_port}")),
    ]
    derived = with_apps(scenario, placements, name=f"{scenario.name}-ar")
    lon, lat = poa.position[0], poa.position[1]
    far = destination(lon, lat, bearing_deg, velocity_mps * out_s)
    walker = Terminal(
        name=WALKER,
        address=WALKER_ADDRESS,
        path=[(lon, lat), (far[0], far[1]), (lon, lat)],
        velocity_mps=velocity_mps,
        end_of_path=EndOfPath.STOP,
        radio_priority=[RadioType.LTE],
    )
    target = next(d for d in derived.domains if d.name == domain.name)
    target.terminals.append(walker)
    checked = with_apps(derived, [], name=derived.name)
    return ArWorld(
        checked, WALKER, cell, host, EDGE_APP, edge_port, CLOUD_APP, cloud_port, 2 * out_s
    )
