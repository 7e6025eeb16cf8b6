"""A deterministic generator of large synthetic city worlds.

``generate(ues=100_000, cells=1_000)`` builds a whole :class:`~meclab.scenario.model.Scenario`
from one seed: the same arguments always give the same world, down to the last byte of its YAML.

The world, seen from above (x east, y north, metres around ``center``)::

    4G macro layer    a jittered square grid, inter-site distance 500 m, covering the whole city
    zones             contiguous rectangular blocks of that grid, one MEC host at each centre
    5G small cells    one dense downtown cluster around ``center``, 200 m apart
    Wi-Fi APs         hotspots of about eight APs, 70 m apart, scattered over the city
    UEs               pedestrians, vehicles and stationary devices inside the 4G footprint

Only the 4G layer covers the whole area: the macro radius is chosen so that every point of the
city is inside at least one 4G cell even after jitter, hence a UE that keeps 4G in its radio
priority is never out of coverage. Within each layer (and each Wi-Fi hotspot) neighbouring cells
overlap, so a UE moving inside the 5G cluster or a hotspot hands over without a gap.

Randomness comes only from ``numpy.random.default_rng(seed)`` and is drawn in a fixed order
(macro jitter, 5G jitter, Wi-Fi hotspots, zone metro latencies, UEs), so adding a UE never moves a
cell, and two runs with equal arguments agree exactly.
"""

from __future__ import annotations

import math
from ipaddress import IPv4Address
from typing import Any

import numpy as np
from numpy.typing import NDArray

from meclab.scenario.loader import validate_document
from meclab.scenario.model import Scenario

DEFAULT_CENTER = (13.4050, 52.5200)
"""Berlin, Mitte: flat, inland and at a latitude where a local projection is accurate."""

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), the same the engine's local projection uses."""

MAX_CELLS = 1_000_000
"""Beyond this the 20-bit eNB ids run out and the world is a country, not a city."""
UE_ADDRESS_BLOCKS = 128 * 256
"""UE addresses live in 10.0.0.0/9: 32,768 /24 blocks ..."""
UE_HOSTS_PER_BLOCK = 254
"""... of 254 hosts each (.1 to .254; .0 and .255 look like network and broadcast addresses)."""
MAX_UES = UE_ADDRESS_BLOCKS * UE_HOSTS_PER_BLOCK
MAX_ZONES = 1024
"""A MEC host per zone; edge addresses 10.128.0.0/9 and 4-digit names would allow more, but a city
with more than a thousand MEC hosts is no longer a city."""
DEFAULT_MAX_ZONES = 64

# Share of each radio layer among the cells, rounded half up; there is always one 4G cell.
LTE_SHARE = 0.60
NR_SHARE = 0.25

GRID_JITTER = 0.15
"""Each site moves by up to this fraction of the spacing along each axis."""

LTE_SPACING_M = 500.0
"""3GPP TR 36.814 urban macro inter-site distance."""
LTE_RADIUS_M = 1.1 * LTE_SPACING_M
"""A point of the city is at most (sqrt(2)/2 + sqrt(2) * GRID_JITTER) * spacing ~ 0.92 * spacing
from a macro site; 1.1 leaves ~90 m of margin for rounding and for projections other than ours."""
CITY_MARGIN = 0.25
"""UEs roam up to this fraction of the spacing beyond the outermost macro sites."""

NR_SPACING_M = 200.0
NR_RADIUS_M = 160.0
"""Two jittered neighbours are at most ~1.33 * spacing = 267 m apart: 2 * 160 m overlaps."""
WIFI_SPACING_M = 70.0
WIFI_RADIUS_M = 50.0
"""Same rule as NR: ~93 m between neighbours at most, 100 m of combined reach."""
WIFI_HOTSPOT_SIZE = 8

MCC, MNC = "001", "01"
"""The 3GPP test PLMN (TS 23.003 reserves MCC 001 for testing)."""
APP_DOMAIN = "app.example.com"
"""The FQDN every edge instance answers for; each MEC host's DNS rule points it at the local one."""
CLOUD_APP_IP = "203.0.113.10"
"""TEST-NET-3 (RFC 5737): the cloud app's public address, which traffic rules break out locally."""

# Radio link characteristics by type: 5G and Wi-Fi are the low-latency layers (TS 38.913 aims at
# 4 ms user-plane latency for eMBB; LTE is typically 10-20 ms one way).
RADIO_NETCHAR: dict[str, dict[str, Any]] = {
    "4G": {
        "latency_ms": 15.0,
        "jitter_ms": 4.0,
        "loss_pct": 0.1,
        "throughput_dl_mbps": 100.0,
        "throughput_ul_mbps": 50.0,
    },
    "5G": {
        "latency_ms": 4.0,
        "jitter_ms": 1.0,
        "loss_pct": 0.01,
        "throughput_dl_mbps": 1000.0,
        "throughput_ul_mbps": 200.0,
    },
    "WIFI": {
        "latency_ms": 5.0,
        "jitter_ms": 2.0,
        "jitter_distribution": "pareto",
        "loss_pct": 0.2,
        "throughput_dl_mbps": 300.0,
        "throughput_ul_mbps": 150.0,
    },
}
INTERNET_NETCHAR = {
    "latency_ms": 25.0,
    "jitter_ms": 5.0,
    "jitter_distribution": "paretonormal",
    "loss_pct": 0.05,
    "throughput_dl_mbps": 1000.0,
    "throughput_ul_mbps": 1000.0,
}
CORE_NETCHAR = {
    "latency_ms": 6.0,
    "jitter_ms": 1.5,
    "loss_pct": 0.01,
    "throughput_dl_mbps": 10000.0,
    "throughput_ul_mbps": 10000.0,
}
CLOUD_NETCHAR = {"latency_ms": 12.0, "jitter_ms": 2.0, "throughput_dl_mbps": 10000.0}
MEC_HOST_NETCHAR = {"latency_ms": 0.5, "jitter_ms": 0.1}
ZONE_METRO_LATENCY_MS = (1.5, 4.0)
"""Metro aggregation latency, drawn per zone so that zones differ a little."""

# UE mobility classes: (share, speed range m/s, step length range m).
PEDESTRIAN, VEHICLE, STATIONARY = 0, 1, 2
UE_CLASS_SHARES = (0.55, 0.30, 0.15)
PEDESTRIAN_SPEED_MPS = (1.0, 2.0)
VEHICLE_SPEED_MPS = (8.0, 20.0)
PEDESTRIAN_STEP_M = (50.0, 400.0)
VEHICLE_STEP_M = (300.0, 2500.0)
MAX_WAYPOINTS = 6
END_OF_PATH = ("loop", "reverse", "stop")
END_OF_PATH_SHARES = (0.45, 0.35, 0.20)
# Every choice keeps 4G, the only layer that covers the whole city.
RADIO_PRIORITIES: tuple[tuple[str, ...], ...] = (
    ("5G", "4G", "WIFI"),
    ("5G", "4G"),
    ("4G",),
    ("WIFI", "4G"),
    ("4G", "WIFI"),
)
RADIO_PRIORITY_SHARES = (0.65, 0.10, 0.10, 0.10, 0.05)

COORD_DECIMALS = 7
"""1e-7 degree is about 1 cm: exact enough, and the YAML stays short."""


def generate(
    *,
    ues: int,
    cells: int,
    seed: int = 0,
    zones: int | None = None,
    center: tuple[float, float] = DEFAULT_CENTER,
) -> Scenario:
    """Build a validated synthetic city world.

    Args:
        ues: number of terminals, 0 to 8,323,072 (the 10.0.0.0/9 address plan).
        cells: number of points of access, 1 to 1,000,000: about 60 % 4G macro cells
            (at least one), 25 % 5G small cells and 15 % Wi-Fi access points.
        seed: seeds every random draw (non-negative, at most 2**63 - 1); it also becomes the
            scenario's own ``seed``.
        zones: number of zones, each a contiguous block of the macro grid with one MEC host at
            its centre. By default ``round(sqrt(cells) / 2)`` clamped to [1, 64]; at most the
            number of macro sites in full grid rows (and 1024).
        center: ``(longitude, latitude)`` of the city centre, WGS84 degrees; latitude within
            +/-80 so that the local projection stays accurate.

    Returns:
        A scenario with one operator (test PLMN 001/01) holding the zones, one operator cloud
        with a cloud application, and the UEs: names ``ue-000001``..., addresses
        ``acr:10.0.0.1``..., IMSIs ``00101`` followed by a 10-digit serial. Each MEC host runs one
        edge application instance (``app_name`` ``edge-app``) producing one service, with a DNS
        rule resolving ``app.example.com`` to the local instance and a traffic rule breaking
        the cloud app's address out to it.

    Raises:
        ValueError: an argument is out of range; the message names it.
    """
    _check_int("ues", ues, 0, MAX_UES)
    _check_int("cells", cells, 1, MAX_CELLS)
    _check_int("seed", seed, 0, 2**63 - 1)
    lon0, lat0 = _check_center(center)

    n_lte, n_nr, n_wifi = _layer_counts(cells)
    grid = _MacroGrid(n_lte)
    if zones is None:
        zones = min(max(round(math.sqrt(cells) / 2), 1), DEFAULT_MAX_ZONES, grid.zone_capacity)
    elif grid.zone_capacity < MAX_ZONES:
        why = (
            f" for cells={cells} (every zone needs one of the {grid.zone_capacity} 4G macro"
            " sites in full grid rows)"
        )
        _check_int("zones", zones, 1, grid.zone_capacity, why=why)
    else:
        _check_int("zones", zones, 1, MAX_ZONES)

    rng = np.random.default_rng(seed)
    lte_xy = grid.sites + _jitter(rng, grid.sites.shape, LTE_SPACING_M)
    nr_nominal = _cluster(n_nr, NR_SPACING_M)
    nr_xy = nr_nominal + _jitter(rng, nr_nominal.shape, NR_SPACING_M)
    wifi_xy = _wifi_hotspots(rng, n_wifi, grid.area)
    blocks, zone_centres = grid.zone_blocks(zones)
    metro_latency = rng.uniform(*ZONE_METRO_LATENCY_MS, size=zones)

    poa_xy = np.concatenate([lte_xy, nr_xy, wifi_xy])
    # Macro sites belong to their own block (jitter must not move them across a border); small
    # cells and APs to the block of the nearest nominal macro site.
    poa_zone = np.concatenate(
        [blocks[grid.row, grid.col], grid.zone_at(nr_xy, blocks), grid.zone_at(wifi_xy, blocks)]
    )
    ue = _UePlan.draw(rng, ues, grid.area)

    to_lonlat = _Projection(lon0, lat0)
    poa_lonlat = to_lonlat(poa_xy)
    ue_lonlat = to_lonlat(ue.points)
    _check_extent(center, cells, np.concatenate([poa_lonlat, ue_lonlat.reshape(-1, 2)]))

    doc: dict[str, Any] = {
        "name": f"city-c{cells}-u{ues}-s{seed}",
        "description": (
            f"Synthetic city around {lon0:.4f},{lat0:.4f}: {n_lte} 4G macro cells, {n_nr} 5G small"
            f" cells, {n_wifi} Wi-Fi APs, {zones} zones with a MEC host each, {ues} UEs"
            f" (meclab.scenario.generator, seed {seed})."
        ),
        "seed": seed,
        "netchar": INTERNET_NETCHAR,
        "domains": [
            {
                "name": f"operator-{MCC}-{MNC}",
                "mcc": MCC,
                "mnc": MNC,
                "netchar": CORE_NETCHAR,
                "zones": _zones(
                    zones,
                    to_lonlat(zone_centres),
                    metro_latency,
                    poa_lonlat,
                    poa_zone,
                    (n_lte, n_nr, n_wifi),
                ),
                "clouds": [_cloud()],
                "terminals": _terminals(ue, ue_lonlat),
            }
        ],
    }
    # The generator's output must always be valid; if it is not, that is a bug here, and the
    # ScenarioError names the field.
    return validate_document(doc, source="<generator>")


# --- arguments ---------------------------------------------------------------------------


def _check_int(name: str, value: object, low: int, high: int, why: str = "") -> None:
    # bool is an int subclass; generate(ues=True) is a mistake, not one UE.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high}{why}, got {value}")


def _check_center(center: Any) -> tuple[float, float]:
    # Any pair will do (tuple, list, numpy array); a string is never one.
    try:
        raw_lon, raw_lat = center
    except (TypeError, ValueError):
        raise ValueError(f"center must be a (longitude, latitude) pair, got {center!r}") from None
    if isinstance(center, str):
        raise ValueError(f"center must be a (longitude, latitude) pair, got {center!r}")
    try:
        lon, lat = float(raw_lon), float(raw_lat)
    except (TypeError, ValueError):
        raise ValueError(f"center must hold two numbers, got {center!r}") from None
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        raise ValueError(f"center longitude must be within -180..180, got {raw_lon!r}")
    if not (math.isfinite(lat) and -80.0 <= lat <= 80.0):
        raise ValueError(f"center latitude must be within -80..80, got {raw_lat!r}")
    return lon, lat


def _check_extent(center: tuple[float, float], cells: int, lonlat: NDArray[np.float64]) -> None:
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    if lon.min() < -180.0 or lon.max() > 180.0 or lat.min() < -90.0 or lat.max() > 90.0:
        raise ValueError(
            f"center {center!r} is too close to the antimeridian or a pole for a world of"
            f" {cells} cells (longitudes {lon.min():.3f}..{lon.max():.3f})"
        )


def _layer_counts(cells: int) -> tuple[int, int, int]:
    # Round half up rather than Python's round-half-even, so that small counts do not flicker.
    n_lte = max(1, math.floor(cells * LTE_SHARE + 0.5))
    n_nr = min(math.floor(cells * NR_SHARE + 0.5), cells - n_lte)
    return n_lte, n_nr, cells - n_lte - n_nr


# --- geometry ----------------------------------------------------------------------------


class _Projection:
    """Local metres to WGS84, equirectangular around the centre (as meclab.engine.geo does)."""

    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.deg_per_m_y = math.degrees(1.0 / EARTH_RADIUS_M)
        self.deg_per_m_x = self.deg_per_m_y / math.cos(math.radians(lat0))

    def __call__(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        out = np.empty_like(xy)
        out[..., 0] = self.lon0 + xy[..., 0] * self.deg_per_m_x
        out[..., 1] = self.lat0 + xy[..., 1] * self.deg_per_m_y
        return np.round(out, COORD_DECIMALS)


def _jitter(rng: np.random.Generator, shape: tuple[int, ...], spacing: float) -> NDArray[Any]:
    return rng.uniform(-GRID_JITTER * spacing, GRID_JITTER * spacing, size=shape)


def _cluster(count: int, spacing: float) -> NDArray[np.float64]:
    """``count`` nominal sites on a square-ish grid centred on the origin, row by row."""
    if count == 0:
        return np.zeros((0, 2))
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    index = np.arange(count)
    x = (index % cols - (cols - 1) / 2) * spacing
    y = (index // cols - (rows - 1) / 2) * spacing
    return np.stack([x, y], axis=1)


def _wifi_hotspots(
    rng: np.random.Generator, count: int, area: tuple[float, float, float, float]
) -> NDArray[np.float64]:
    """Wi-Fi APs in hotspots of about WIFI_HOTSPOT_SIZE, each hotspot at a random place."""
    if count == 0:
        return np.zeros((0, 2))
    hotspots = max(1, count // WIFI_HOTSPOT_SIZE)
    x0, y0, x1, y1 = area
    centres = np.stack(
        [rng.uniform(x0, x1, size=hotspots), rng.uniform(y0, y1, size=hotspots)], axis=1
    )
    # Sizes differ by at most one and are >= WIFI_HOTSPOT_SIZE when count allows it, so every AP
    # of a multi-AP world has a neighbour in its own hotspot.
    sizes = [count // hotspots + (1 if h < count % hotspots else 0) for h in range(hotspots)]
    parts = [_cluster(size, WIFI_SPACING_M) + centres[h] for h, size in enumerate(sizes)]
    nominal = np.concatenate(parts)
    return nominal + _jitter(rng, nominal.shape, WIFI_SPACING_M)


class _MacroGrid:
    """The 4G macro sites: ``cols`` per row, full rows first, the remainder in a last row."""

    def __init__(self, count: int) -> None:
        self.cols = math.ceil(math.sqrt(count))
        self.full_rows = count // self.cols
        index = np.arange(count)
        self.col, self.row = index % self.cols, index // self.cols
        # Centre the full rows on the origin; a partial last row sits north of them.
        x = (self.col - (self.cols - 1) / 2) * LTE_SPACING_M
        y = (self.row - (self.full_rows - 1) / 2) * LTE_SPACING_M
        self.sites = np.stack([x, y], axis=1)
        half_w = ((self.cols - 1) / 2 + CITY_MARGIN) * LTE_SPACING_M
        half_h = ((self.full_rows - 1) / 2 + CITY_MARGIN) * LTE_SPACING_M
        self.area = (-half_w, -half_h, half_w, half_h)
        """The rectangle where UEs roam: the full rows plus a margin, all under 4G coverage."""

    @property
    def zone_capacity(self) -> int:
        return self.cols * self.full_rows

    def zone_blocks(self, zones: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        """Zone index of every grid position (rows x cols), and each zone's centre.

        Columns are cut into ``zc`` groups and each group's rows into about ``zones / zc``
        blocks; the partial last row joins the block below it, so every block is contiguous.
        """
        zc = round(math.sqrt(zones * self.cols / self.full_rows))
        zc = min(max(zc, math.ceil(zones / self.full_rows)), self.cols, zones)
        per_group = [zones // zc + (1 if g < zones % zc else 0) for g in range(zc)]
        block = np.zeros((self.full_rows + 1, self.cols), dtype=np.intp)
        centres = np.zeros((zones, 2))
        zone = 0
        for col_range, blocks in zip(
            np.array_split(np.arange(self.cols), zc), per_group, strict=True
        ):
            for row_range in np.array_split(np.arange(self.full_rows), blocks):
                block[row_range[0] : row_range[-1] + 1, col_range[0] : col_range[-1] + 1] = zone
                centres[zone] = (
                    (col_range.mean() - (self.cols - 1) / 2) * LTE_SPACING_M,
                    (row_range.mean() - (self.full_rows - 1) / 2) * LTE_SPACING_M,
                )
                zone += 1
        block[self.full_rows] = block[self.full_rows - 1]
        return block, centres

    def zone_at(self, xy: NDArray[np.float64], blocks: NDArray[np.intp]) -> NDArray[np.intp]:
        """Zone of the macro site nearest each point (on the nominal grid)."""
        col = np.rint(xy[:, 0] / LTE_SPACING_M + (self.cols - 1) / 2).astype(np.intp)
        row = np.rint(xy[:, 1] / LTE_SPACING_M + (self.full_rows - 1) / 2).astype(np.intp)
        col = np.clip(col, 0, self.cols - 1)
        row = np.clip(row, 0, self.full_rows - 1)
        return blocks[row, col]


# --- elements ----------------------------------------------------------------------------


def _zones(
    count: int,
    centres: NDArray[np.float64],
    metro_latency: NDArray[np.float64],
    poa_lonlat: NDArray[np.float64],
    poa_zone: NDArray[np.intp],
    layers: tuple[int, int, int],
) -> list[dict[str, Any]]:
    n_lte, n_nr, _ = layers
    width = max(2, len(str(count)))
    cell_width = max(4, len(str(len(poa_zone))))
    zones: list[dict[str, Any]] = []
    for z in range(count):
        label = f"{z + 1:0{width}d}"
        host_ip = str(IPv4Address("10.128.0.10") + 256 * z)
        zones.append(
            {
                "name": f"zone-{label}",
                "netchar": {
                    "latency_ms": round(float(metro_latency[z]), 2),
                    "jitter_ms": 0.5,
                    "loss_pct": 0.001,
                    "throughput_dl_mbps": 10000.0,
                    "throughput_ul_mbps": 10000.0,
                },
                "mec_hosts": [
                    {
                        "name": f"mec-{label}",
                        "position": centres[z].tolist(),
                        "netchar": MEC_HOST_NETCHAR,
                        "apps": [_edge_app(label, host_ip)],
                    }
                ],
                "poas": [],
            }
        )
    positions = poa_lonlat.tolist()
    for i, z in enumerate(poa_zone.tolist()):
        if i < n_lte:
            # ECI = 20-bit eNB id + 8-bit cell id (TS 36.413); one sector per site.
            radio, ident = "4G", {"cell_id": f"{(i + 1) << 8 | 1:07X}"}
            name, radius = f"lte-{i + 1:0{cell_width}d}", LTE_RADIUS_M
        elif i < n_lte + n_nr:
            # NCI = 24-bit gNB id + 12-bit cell id (TS 38.413 allows 22-32 bits of gNB id).
            k = i - n_lte + 1
            radio, ident = "5G", {"cell_id": f"{k << 12 | 1:09X}"}
            name, radius = f"nr-{k:0{cell_width}d}", NR_RADIUS_M
        else:
            # Locally administered unicast MACs (first octet 02), 24 bits of serial.
            k = i - n_lte - n_nr + 1
            mac = f"02:6d:65:{k >> 16 & 0xFF:02x}:{k >> 8 & 0xFF:02x}:{k & 0xFF:02x}"
            radio, ident = "WIFI", {"bssid": mac}
            name, radius = f"wifi-{k:0{cell_width}d}", WIFI_RADIUS_M
        zones[z]["poas"].append(
            {
                "name": name,
                "type": radio,
                "position": positions[i],
                "radius_m": radius,
                **ident,
                "netchar": RADIO_NETCHAR[radio],
            }
        )
    return zones


def _edge_app(label: str, ip: str) -> dict[str, Any]:
    return {
        "name": f"edge-app-{label}",
        "app_name": "edge-app",
        "services_produced": [
            {
                "name": "edge-app-api",
                "uris": [f"http://{ip}:8080/api/v1"],
                "scope_of_locality": "MEC_HOST",
            }
        ],
        "dns_rules": [{"id": "dns-app", "domain_name": APP_DOMAIN, "ip_address": ip, "ttl_s": 30}],
        "traffic_rules": [
            {
                "id": "tr-breakout",
                "priority": 1,
                "filters": [{"dst_address": [f"{CLOUD_APP_IP}/32"], "protocol": ["TCP"]}],
                "action": "FORWARD_DECAPSULATED",
                "dst_interface": {"interface_type": "IP", "dst_ip_address": ip},
            }
        ],
    }


def _cloud() -> dict[str, Any]:
    return {
        "name": "cloud",
        "netchar": CLOUD_NETCHAR,
        "apps": [
            {
                "name": "cloud-app",
                "services_produced": [
                    {
                        "name": "cloud-app-api",
                        "uris": [f"http://{CLOUD_APP_IP}:8080/api/v1"],
                        "consumed_local_only": False,
                    }
                ],
            }
        ],
    }


class _UePlan:
    """Every UE's movement as arrays, drawn in one batch (100k UEs: ~0.1 s here)."""

    def __init__(
        self,
        kind: NDArray[np.intp],
        speed: NDArray[np.float64],
        waypoints: NDArray[np.intp],
        points: NDArray[np.float64],
        end_of_path: NDArray[np.intp],
        priority: NDArray[np.intp],
    ) -> None:
        self.kind, self.speed, self.waypoints = kind, speed, waypoints
        self.points, self.end_of_path, self.priority = points, end_of_path, priority

    @classmethod
    def draw(
        cls, rng: np.random.Generator, count: int, area: tuple[float, float, float, float]
    ) -> _UePlan:
        x0, y0, x1, y1 = area
        kind = rng.choice(3, size=count, p=UE_CLASS_SHARES)
        walking = kind == PEDESTRIAN
        speed = np.where(
            walking,
            rng.uniform(*PEDESTRIAN_SPEED_MPS, size=count),
            rng.uniform(*VEHICLE_SPEED_MPS, size=count),
        )
        speed = np.where(kind == STATIONARY, 0.0, np.round(speed, 2))
        waypoints = np.where(kind == STATIONARY, 1, rng.integers(2, MAX_WAYPOINTS + 1, size=count))
        start = np.stack([rng.uniform(x0, x1, size=count), rng.uniform(y0, y1, size=count)], 1)
        # Pedestrians wander in any direction; vehicles follow the street grid, one axis a leg.
        legs = MAX_WAYPOINTS - 1
        angle = rng.uniform(0.0, 2.0 * math.pi, size=(count, legs))
        axis_angle = rng.integers(0, 4, size=(count, legs)) * (math.pi / 2)
        angle = np.where(walking[:, None], angle, axis_angle)
        length = np.where(
            walking[:, None],
            rng.uniform(*PEDESTRIAN_STEP_M, size=(count, legs)),
            rng.uniform(*VEHICLE_STEP_M, size=(count, legs)),
        )
        steps = np.stack([length * np.cos(angle), length * np.sin(angle)], axis=2)
        points = start[:, None, :] + np.concatenate(
            [np.zeros((count, 1, 2)), np.cumsum(steps, axis=1)], axis=1
        )
        # Clipping keeps every waypoint in the city, hence under 4G coverage.
        points[..., 0] = np.clip(points[..., 0], x0, x1)
        points[..., 1] = np.clip(points[..., 1], y0, y1)
        end_of_path = np.where(
            kind == STATIONARY,
            END_OF_PATH.index("stop"),
            rng.choice(len(END_OF_PATH), size=count, p=END_OF_PATH_SHARES),
        )
        priority = rng.choice(len(RADIO_PRIORITIES), size=count, p=RADIO_PRIORITY_SHARES)
        return cls(kind, speed, waypoints, points, end_of_path, priority)


def _ue_address(index: int) -> str:
    """The address of the ``index``-th UE (from 0): ``acr:10.0.0.1`` ... ``acr:10.0.0.254``,
    ``acr:10.0.1.1`` ..., skipping host parts 0 and 255 of every /24."""
    block, host = divmod(index, UE_HOSTS_PER_BLOCK)
    return f"acr:10.{block >> 8}.{block & 0xFF}.{host + 1}"


def _terminals(plan: _UePlan, lonlat: NDArray[np.float64]) -> list[dict[str, Any]]:
    count = len(plan.kind)
    width = max(6, len(str(count)))
    paths = lonlat.tolist()
    speeds = plan.speed.tolist()
    waypoints = plan.waypoints.tolist()
    ends = [END_OF_PATH[k] for k in plan.end_of_path.tolist()]
    priorities = [list(RADIO_PRIORITIES[k]) for k in plan.priority.tolist()]
    return [
        {
            "name": f"ue-{i + 1:0{width}d}",
            "address": _ue_address(i),
            "imsi": f"{MCC}{MNC}{i + 1:010d}",
            "path": paths[i][: waypoints[i]],
            "velocity_mps": speeds[i],
            "end_of_path": ends[i],
            "radio_priority": priorities[i],
        }
        for i in range(count)
    ]
