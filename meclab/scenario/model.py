"""The scenario: a world described as data.

Hierarchy (as DESIGN.md sketches it)::

    deployment (Scenario)
    ├── netchar          inter-domain / public network
    ├── clouds[]         public cloud nodes ─► apps[]
    └── domains[]        operators (MCC/MNC)
        ├── netchar      the operator's core, crossed between zones
        ├── clouds[]     operator cloud nodes ─► apps[]
        ├── terminals[]  the operator's subscribers (UEs) ─► apps[]
        └── zones[]
            ├── netchar      the zone's metro network, crossed beyond a PoA
            ├── mec_hosts[]  ─► apps[]
            └── poas[]       4G cell (ECGI), 5G cell (NR cell id), Wi-Fi AP (BSSID)
                ├── netchar  the radio link
                └── fog_nodes[] ─► apps[]

Terminals move, so they hang from their home operator rather than from a PoA;
which PoA serves them is the engine's business. Every element has a name that
is unique in the whole scenario; references between elements use these names.

Positions are WGS84 ``[longitude, latitude]`` pairs, GeoJSON order.
Structural rules (types, ranges, unknown fields) live here; rules that span
elements (unique names and ids, references) live in :mod:`.references`.
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from ipaddress import ip_address, ip_network
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from meclab.scenario.compute import Compute, EnergyModel
from meclab.scenario.strict import StrictModel
from meclab.types import (
    EndOfPath,
    FilterType,
    InterfaceType,
    IpAddressType,
    LocalityType,
    RadioType,
    RuleState,
    SerializerType,
    TrafficAction,
    TransportType,
)

Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$"),
]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Position = tuple[Longitude, Latitude]

APP_INSTANCE_NAMESPACE = uuid.UUID("6d6563ab-0000-4000-8000-6d65636c6162")
"""Namespace of the appInstanceIds meclab derives from app names when a scenario gives none."""


class JitterDistribution(StrEnum):
    """Shape of the delay variation around the mean latency."""

    NORMAL = "normal"
    UNIFORM = "uniform"
    PARETO = "pareto"
    PARETO_NORMAL = "paretonormal"


class NetChar(StrictModel):
    """Network characteristics of one element.

    Latency and jitter are one-way. A throughput of ``None`` means unlimited at this level.
    ``ul`` is the direction towards the core (away from terminals), ``dl`` towards terminals.
    """

    latency_ms: float = Field(0.0, ge=0.0, le=60_000.0)
    jitter_ms: float = Field(0.0, ge=0.0, le=60_000.0)
    jitter_distribution: JitterDistribution = JitterDistribution.NORMAL
    loss_pct: float = Field(0.0, ge=0.0, le=100.0)
    throughput_dl_mbps: float | None = Field(None, gt=0.0, le=1_000_000.0)
    throughput_ul_mbps: float | None = Field(None, gt=0.0, le=1_000_000.0)


class RadioSettings(StrictModel):
    """Deployment-wide radio parameters of the engine."""

    hysteresis_db: float = Field(3.0, ge=0.0, le=30.0)
    """A neighbour of the same radio type must beat the serving cell by this margin, and the
    serving cell is kept until its signal falls this far below its coverage edge."""


# --- applications -------------------------------------------------------------------------


class ServiceCategory(StrictModel):
    """MEC 011 CategoryRef."""

    href: str = Field("", max_length=2048)
    id: str = Field(min_length=1, max_length=128)
    name: str = Field(min_length=1, max_length=128)
    version: str = Field("1.0", min_length=1, max_length=32)


class ServiceProduced(StrictModel):
    """A service an application offers, as an app descriptor's appServiceProduced states it."""

    name: str = Field(min_length=1, max_length=128)
    version: str = Field("1.0", min_length=1, max_length=32)
    category: ServiceCategory | None = None
    transport: TransportType = TransportType.REST_HTTP
    transport_protocol: str = Field("HTTP", min_length=1, max_length=32)
    transport_version: str = Field("2.0", min_length=1, max_length=32)
    serializer: SerializerType = SerializerType.JSON
    uris: list[str] = Field(default_factory=list)
    scope_of_locality: LocalityType = LocalityType.MEC_HOST
    consumed_local_only: bool = True
    liveness_interval_s: int | None = Field(None, ge=1, le=86_400)


class ServiceRequired(StrictModel):
    """A service an application needs (appServiceRequired)."""

    name: str = Field(min_length=1, max_length=128)
    version: str | None = Field(None, max_length=32)


def _check_ip(value: str) -> str:
    ip_address(value)
    return value


def _check_endpoint(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ValueError(f"endpoint {value!r} is not host:port with a port in 1-65535")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"endpoint {value!r}: an IPv6 address goes in brackets, [::1]:80")
        ip_address(host[1:-1])
    elif ":" in host:
        raise ValueError(f"endpoint {value!r}: write an IPv6 address in brackets, [::1]:80")
    return value


def _check_cidr(values: list[str]) -> list[str]:
    for value in values:
        ip_network(value, strict=False)
    return values


def _check_ports(values: list[str]) -> list[str]:
    for value in values:
        low, _, high = value.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"port {value!r} is not a number or a range such as 8000-8080")
        lo, hi = int(low), int(high or low)
        if not 0 <= lo <= hi <= 65535:
            raise ValueError(f"port range {value!r} is outside 0-65535 or reversed")
    return values


class DnsRule(StrictModel):
    """MEC 011 DnsRule as an app descriptor carries it (appDNSRule)."""

    id: str = Field(min_length=1, max_length=128)
    domain_name: str = Field(min_length=1, max_length=253)
    ip_address_type: IpAddressType = IpAddressType.IP_V4
    ip_address: Annotated[str, AfterValidator(_check_ip)]
    ttl_s: int | None = Field(None, ge=0, le=2_147_483_647)
    state: RuleState = RuleState.ACTIVE

    @model_validator(mode="after")
    def _address_matches_type(self) -> DnsRule:
        version = ip_address(self.ip_address).version
        if (version == 4) != (self.ip_address_type is IpAddressType.IP_V4):
            raise ValueError(f"ip_address {self.ip_address} is not of type {self.ip_address_type}")
        return self


class TrafficFilter(StrictModel):
    """MEC 011 TrafficFilter (the fields a meclab data plane can match)."""

    src_address: Annotated[list[str], AfterValidator(_check_cidr)] = Field(default_factory=list)
    dst_address: Annotated[list[str], AfterValidator(_check_cidr)] = Field(default_factory=list)
    src_port: Annotated[list[str], AfterValidator(_check_ports)] = Field(default_factory=list)
    dst_port: Annotated[list[str], AfterValidator(_check_ports)] = Field(default_factory=list)
    protocol: list[str] = Field(default_factory=list)
    tag: list[str] = Field(default_factory=list)
    qci: int | None = Field(None, ge=0, le=255)
    dscp: int | None = Field(None, ge=0, le=63)
    tc: int | None = Field(None, ge=0, le=255)


class DestinationInterface(StrictModel):
    """MEC 011 DestinationInterface."""

    interface_type: InterfaceType = InterfaceType.IP
    dst_ip_address: Annotated[str, AfterValidator(_check_ip)] | None = None
    dst_mac_address: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


class TrafficRule(StrictModel):
    """MEC 011 TrafficRule as an app descriptor carries it (appTrafficRule)."""

    id: str = Field(min_length=1, max_length=128)
    filter_type: FilterType = FilterType.FLOW
    priority: int = Field(0, ge=0, le=255)
    filters: list[TrafficFilter] = Field(min_length=1)
    action: TrafficAction
    dst_interface: DestinationInterface | None = None
    state: RuleState = RuleState.ACTIVE


class Application(StrictModel):
    """An edge or cloud application instance on a compute node."""

    name: Name
    emulated: bool = True
    """meclab stands in for this instance: it confirms it ready and registers its services at
    start. Set false for the instance your own process plays: it then registers itself over
    MEC 011 (confirm_ready, services, rules) as a real one must."""
    app_instance_id: str | None = Field(None, min_length=1, max_length=128)
    """MEC appInstanceId; derived from the name (UUID v5) when absent."""
    app_name: str | None = Field(None, min_length=1, max_length=128)
    """The application it is an instance of; several instances may share one app name."""
    provider: str = Field("meclab", min_length=1, max_length=128)
    version: str = Field("1.0", min_length=1, max_length=32)
    services_produced: list[ServiceProduced] = Field(default_factory=list)
    services_required: list[ServiceRequired] = Field(default_factory=list)
    dns_rules: list[DnsRule] = Field(default_factory=list)
    traffic_rules: list[TrafficRule] = Field(default_factory=list)
    netchar: NetChar = Field(default_factory=NetChar)
    address: Annotated[str, AfterValidator(_check_ip)] | None = None
    """The instance's IP address inside the emulated network (what DNS rules and traffic rules
    name); the data plane derives one when absent (see meclab.dataplane.identity)."""
    endpoint: Annotated[str, AfterValidator(_check_endpoint)] | None = None
    """``host:port`` where the real process listens (``[v6]:port`` for IPv6); absent, meclab's
    built-in responder stands in for the app on the data plane."""

    @model_validator(mode="after")
    def _derive_ids(self) -> Application:
        if self.app_instance_id is None:
            self.app_instance_id = str(uuid.uuid5(APP_INSTANCE_NAMESPACE, self.name))
        if self.app_name is None:
            self.app_name = self.name
        return self


class TerminalApp(StrictModel):
    """The terminal part of an application, running on a UE."""

    name: Name
    app_name: str | None = Field(None, min_length=1, max_length=128)
    connects_to: list[Name] = Field(default_factory=list)
    """Names of the edge or cloud applications this component talks to."""
    netchar: NetChar = Field(default_factory=NetChar)


# --- compute nodes -----------------------------------------------------------------------


class ComputeNode(StrictModel):
    """A place applications run: a MEC host, a fog node or a cloud."""

    name: Name
    position: Position | None = None
    netchar: NetChar = Field(default_factory=NetChar)
    compute: Compute | None = None
    """Cores, speed and memory; the default for its kind when absent (meclab.scenario.compute)."""
    apps: list[Application] = Field(default_factory=list)


class ApiLimits(StrictModel):
    """Each application instance's share of a MEC host's API capacity, enforced in secure
    mode (``meclab up --secure``): a token bucket per instance, 429 with Retry-After beyond."""

    rate_per_s: float = Field(200.0, gt=0, le=1_000_000)
    """Requests per second one instance may make to this host's APIs, sustained."""
    burst: float = Field(400.0, ge=1, le=10_000_000)
    """Requests it may make at once after a quiet spell."""


class MecHost(ComputeNode):
    """A MEC host serving a zone; it runs its own MEC platform."""

    position: Position
    api: ApiLimits = Field(default_factory=ApiLimits)


# --- radio -------------------------------------------------------------------------------


class PointOfAccess(StrictModel):
    """A 4G cell, 5G cell or Wi-Fi access point.

    ``cell_id`` is the E-UTRAN cell identity (28 bits) of a 4G cell or the NR cell identity
    (36 bits) of a 5G cell, in hexadecimal; ``bssid`` is a Wi-Fi AP's MAC address.
    """

    name: Name
    type: RadioType
    position: Position
    radius_m: float = Field(gt=0.0, le=100_000.0)
    """Coverage radius: a terminal further away cannot attach."""
    tx_power_dbm: float | None = Field(None, ge=-30.0, le=80.0)
    """Transmit power; the radio type's default when absent (see engine/radio.py)."""
    cell_id: str | None = Field(None, pattern=r"^(0[xX])?[0-9A-Fa-f]{1,9}$")
    bssid: str | None = Field(None, pattern=r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")
    netchar: NetChar = Field(default_factory=NetChar)
    fog_nodes: list[ComputeNode] = Field(default_factory=list)


# --- terminals ---------------------------------------------------------------------------


class Terminal(StrictModel):
    """A UE that moves along a path."""

    name: Name
    address: str = Field(pattern=r"^acr:\S+$", max_length=128)
    """The UE address as MEC APIs name it, e.g. ``acr:10.0.0.1``."""
    imsi: str | None = Field(None, pattern=r"^[0-9]{6,15}$")
    path: list[Position] = Field(min_length=1)
    velocity_mps: float = Field(0.0, ge=0.0, le=350.0)
    end_of_path: EndOfPath = EndOfPath.LOOP
    radio_priority: list[RadioType] = Field(
        default_factory=lambda: [RadioType.NR, RadioType.LTE, RadioType.WIFI],
        min_length=1,
        max_length=3,
    )
    """Radio types the terminal may use, most preferred first."""
    multi_access: list[RadioType] | None = Field(None, max_length=3)
    """Radio types the terminal can use at the same time (a phone on 5G and Wi-Fi at once),
    each also in ``radio_priority``, at least two; the accesses MTS may steer its traffic over
    (ETSI GS MEC 015). None, the default: one radio at a time, the most preferred in reach."""
    netchar: NetChar = Field(default_factory=NetChar)
    compute: Compute | None = None
    """Cores, speed and memory; a phone's default when absent (meclab.scenario.compute)."""
    energy: EnergyModel | None = None
    """Energy per cycle, per radio bit and idle; what is left out keeps the default
    (meclab.scenario.compute)."""
    apps: list[TerminalApp] = Field(default_factory=list)

    @model_validator(mode="after")
    def _distinct_priorities(self) -> Terminal:
        if len(set(self.radio_priority)) != len(self.radio_priority):
            raise ValueError("radio_priority lists a radio type twice")
        return self

    @model_validator(mode="after")
    def _multi_access_radios(self) -> Terminal:
        if self.multi_access is None:
            return self
        if len(set(self.multi_access)) != len(self.multi_access):
            raise ValueError("multi_access lists a radio type twice")
        if len(self.multi_access) < 2:
            raise ValueError(
                "multi_access lists one radio type; one at a time is the default: leave it "
                "out, or list two or more"
            )
        unusable = [str(r) for r in self.multi_access if r not in self.radio_priority]
        if unusable:
            raise ValueError(
                f"multi_access lists {', '.join(unusable)}, which radio_priority does not list"
            )
        return self

    @model_validator(mode="after")
    def _energy_for_usable_radios(self) -> Terminal:
        given = self.energy.radio if self.energy is not None else {}
        unused = [str(r) for r in given if r not in self.radio_priority]
        if unused:
            raise ValueError(
                f"energy.radio gives figures for {', '.join(unused)}, which radio_priority "
                "does not list"
            )
        return self


# --- hierarchy ---------------------------------------------------------------------------


class Zone(StrictModel):
    """A zone of an operator's network, typically served by one MEC host."""

    name: Name
    netchar: NetChar = Field(default_factory=NetChar)
    mec_hosts: list[MecHost] = Field(default_factory=list)
    poas: list[PointOfAccess] = Field(default_factory=list)


class Domain(StrictModel):
    """An operator (PLMN)."""

    name: Name
    mcc: str = Field(pattern=r"^[0-9]{3}$")
    mnc: str = Field(pattern=r"^[0-9]{2,3}$")
    netchar: NetChar = Field(default_factory=NetChar)
    zones: list[Zone] = Field(default_factory=list)
    clouds: list[ComputeNode] = Field(default_factory=list)
    terminals: list[Terminal] = Field(default_factory=list)


class Scenario(StrictModel):
    """A whole deployment: the root of a scenario file."""

    meclab: Literal[1] = 1
    """Scenario format version."""
    name: Name
    description: str = Field("", max_length=4096)
    seed: int = Field(0, ge=0, le=2**63 - 1)
    """Seeds every random draw (jitter, loss) so a scenario replays exactly."""
    secure: bool = False
    """Run meclab in secure mode with this scenario, as ``meclab up --secure`` does (read when
    meclab starts): access tokens, TLS, request limits."""
    radio: RadioSettings = Field(default_factory=RadioSettings)
    netchar: NetChar = Field(default_factory=NetChar)
    clouds: list[ComputeNode] = Field(default_factory=list)
    domains: list[Domain] = Field(min_length=1)
