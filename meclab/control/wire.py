"""Bodies of meclab's control API (``/meclab/v1``), importable with pydantic and the scenario
model alone.

They import nothing of the server side (routes, views, the engine), so that a client, the SDK
among them, reads the API's answers with the very models the routes declare. The one body that
carries the platform core's records, the notification report, is in :mod:`.models`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from meclab.scenario.compute import Compute, EnergyModel
from meclab.scenario.model import JitterDistribution, Latitude, Longitude, NetChar, Position
from meclab.types import RadioType


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- world ---------------------------------------------------------------------------------


class Counts(BaseModel):
    domains: int
    zones: int
    poas: int
    mec_hosts: int
    terminals: int
    connected_terminals: int
    apps: int


class WorldInfo(BaseModel):
    """The running world at a glance."""

    scenario: str
    time_s: float
    """Simulation time of the last tick."""
    speed: float
    paused: bool
    tick_hz: float
    ticks: int
    last_tick_ms: float
    counts: Counts


class Measurement(BaseModel):
    poa: str
    radio: RadioType
    distance_m: float
    signal_dbm: float
    """RSRP (4G/5G) or RSSI (Wi-Fi)."""
    rsrq_db: float | None
    sinr_db: float
    serving: bool
    in_coverage: bool


class TerminalInfo(BaseModel):
    """A terminal now."""

    name: str
    address: str
    imsi: str | None
    domain: str
    position: Position
    velocity_mps: float
    poa: str | None
    zone: str | None
    radio: RadioType | None
    signal_dbm: float | None
    apps: list[str]
    held: bool = False
    """Held where a move put it (``meclab event move``) until released; false while it
    follows its path."""


class ComputeInfo(Compute):
    """Effective compute capacity of a terminal or node."""

    default: bool
    """True when the scenario gives none, so these are its kind's defaults."""


class EnergyInfo(EnergyModel):
    """Effective energy model of a terminal; ``radio`` covers the radio types it may use."""

    default: bool
    """True when the scenario gives no energy figure for this terminal."""


class TerminalDetail(TerminalInfo):
    measurements: list[Measurement]
    compute: ComputeInfo
    energy: EnergyInfo


class TerminalPage(BaseModel):
    total: int
    """Terminals matching the filters, before paging."""
    offset: int
    items: list[TerminalInfo]


class TerminalPositions(BaseModel):
    """Every terminal's position and serving point of access now, as parallel arrays (entry
    ``i`` of each list is terminal ``names[i]``): one compact body a dashboard polls."""

    t: float
    """Simulation time of the last tick."""
    names: list[str]
    lon: list[float]
    lat: list[float]
    poa: list[str | None]
    """Serving point of access; null when out of coverage."""


class PoaInfo(BaseModel):
    name: str
    type: RadioType
    cell_id: str | None
    bssid: str | None
    domain: str
    zone: str
    position: Position
    radius_m: float
    tx_power_dbm: float
    served_terminals: int
    netchar: NetChar


class ZoneInfo(BaseModel):
    name: str
    domain: str
    netchar: NetChar
    poas: list[str]
    mec_hosts: list[str]
    terminals: list[str]
    """Terminals served in this zone now."""


class AppInfo(BaseModel):
    name: str
    kind: Literal["edge", "cloud", "terminal"]
    state: str | None = None
    """Platform state of an edge instance (INSTANTIATED, READY, TERMINATING); null otherwise,
    or once the instance has been terminated."""
    app_name: str
    app_instance_id: str | None
    runs_on: str
    """Compute node (edge, cloud) or terminal."""
    services_produced: list[str]
    connects_to: list[str]
    emulated: bool = True
    """False for an instance the developer runs (``meclab run``); meclab emulates the others."""
    endpoint: str | None = None
    """host:port an instance the developer runs listens at, when the scenario gives one."""


class NodeInfo(BaseModel):
    name: str
    kind: Literal["mec_host", "fog", "cloud"]
    domain: str | None
    zone: str | None
    parent: str
    position: Position | None
    netchar: NetChar
    compute: ComputeInfo
    apps: list[str]
    platform_url: str | None = None
    """A MEC host's MEC platform: the URL its ETSI APIs are under (``api_root`` included);
    null for fog and cloud nodes, or when no platform runs."""
    api_root: str | None = None
    """The path part of ``platform_url``: the API root of this host's ETSI APIs."""


class ElementInfo(BaseModel):
    name: str
    kind: str
    parent: str | None
    netchar: NetChar


class PathInfo(BaseModel):
    """End-to-end network characteristics from one endpoint to another, now."""

    source: str
    destination: str
    latency_ms: float
    """One-way."""
    round_trip_ms: float
    jitter_ms: float
    jitter_distribution: JitterDistribution
    loss_pct: float
    throughput_mbps: float | None
    """Source to destination; null when nothing on the path limits it."""
    throughput_reverse_mbps: float | None
    hops: list[str]


# --- commands ------------------------------------------------------------------------------


class LonLat(_In):
    lon: Longitude
    lat: Latitude


class MoveCommand(_In):
    """Hold a terminal at a position, or at a PoA and attached to it, until released."""

    type: Literal["move"]
    ue: str = Field(min_length=1)
    to: LonLat | None = None
    poa: str | None = Field(None, min_length=1)
    force: bool = False
    """Move to a position far outside the scenario's area all the same (a PoA is inside)."""

    @model_validator(mode="after")
    def _one_target(self) -> MoveCommand:
        if (self.to is None) == (self.poa is None):
            raise ValueError("give exactly one of 'to' (a position) or 'poa' (a point of access)")
        return self


class ReleaseCommand(_In):
    """Let a terminal held by a move follow its path again, from where its path is now."""

    type: Literal["release"]
    ue: str = Field(min_length=1)


class NetCharPatch(_In):
    """Network characteristics to change; fields left out keep their value."""

    latency_ms: float | None = Field(None, ge=0.0, le=60_000.0)
    jitter_ms: float | None = Field(None, ge=0.0, le=60_000.0)
    jitter_distribution: JitterDistribution | None = None
    loss_pct: float | None = Field(None, ge=0.0, le=100.0)
    throughput_dl_mbps: float | None = Field(None, gt=0.0, le=1_000_000.0)
    throughput_ul_mbps: float | None = Field(None, gt=0.0, le=1_000_000.0)
    unlimited: list[Literal["throughput_dl_mbps", "throughput_ul_mbps"]] = Field(
        default_factory=list
    )
    """Throughput limits to remove."""

    def changes(self) -> dict[str, Any]:
        out = self.model_dump(exclude_unset=True, exclude={"unlimited"})
        for key in self.unlimited:
            if key in out:
                raise ValueError(f"{key} is both set and listed as unlimited")
            out[key] = None
        return out


class NetCharCommand(_In):
    """Change the network characteristics of any element."""

    type: Literal["netchar"]
    element: str = Field(min_length=1)
    netchar: NetCharPatch


class PauseCommand(_In):
    type: Literal["pause"]


class ResumeCommand(_In):
    type: Literal["resume"]


class SpeedCommand(_In):
    type: Literal["speed"]
    speed: float = Field(gt=0.0, le=10_000.0)


class TerminateCommand(_In):
    """Terminate (or stop) an application instance gracefully (MEC 011 clause 5.2.3).

    Its AppTermination subscribers are notified with the graceful timeout; the platform waits
    for confirm_termination or the timeout, then removes the instance, its services and its
    subscriptions.
    """

    type: Literal["terminate"]
    app: str = Field(min_length=1)
    """Scenario name or appInstanceId of the instance."""
    action: Literal["TERMINATING", "STOPPING"] = "TERMINATING"
    graceful_timeout_s: int = Field(10, ge=0, le=3600)


Command = Annotated[
    MoveCommand
    | ReleaseCommand
    | NetCharCommand
    | PauseCommand
    | ResumeCommand
    | SpeedCommand
    | TerminateCommand,
    Field(discriminator="type"),
]


class CommandResult(BaseModel):
    """The operator's event as recorded, and the events it caused."""

    event: dict[str, Any]
    consequences: list[dict[str, Any]]


class EventPage(BaseModel):
    items: list[dict[str, Any]]
    """Event records: seq, wall (Unix s), type, t (simulation s) and the event's fields."""
    last_seq: int
    """Highest sequence number in the whole history (to poll for newer ones with ``after``)."""


class ScenarioLoaded(BaseModel):
    scenario: str
    opened: str
    """What became of the world stored under this name: ``new``, ``resumed`` (same scenario
    document: it goes on where it stood) or ``replaced`` (another document: started afresh);
    ``loaded`` when meclab keeps no worlds (an in-memory store)."""
    time_s: float
    """Simulation time the world is at now."""
    terminals: int
    poas: int
    events: list[dict[str, Any]]
