"""The live context of one placement decision, as plain frozen records.

A :class:`Context` says, as of one moment, what each placement offers the task: the terminal's
own processor; and, for the edge and the cloud when the UE can reach them, the path from the UE
(one-way latency and jitter, loss, throughput up and down) and the node at its end (cores, clock,
tasks running there now). It also carries the terminal's energy model and the price of compute
per placement. Context sources (:mod:`meclab.sdk.offload.sources`) build them; policies read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from meclab.sdk.offload.errors import InvalidContext
from meclab.sdk.offload.task import Placement


def _positive(name: str, value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise InvalidContext(name, f"must be a finite number > 0, got {value!r}")


def _non_negative(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise InvalidContext(name, f"must be a finite number >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class Link:
    """The network path between the UE and a node, as the engine composes it (one-way figures)."""

    latency_ms: float
    jitter_ms: float = 0.0
    loss_pct: float = 0.0
    up_mbps: float | None = None
    """UE to node; None when nothing on the path limits it."""
    down_mbps: float | None = None
    """Node to UE; None when nothing on the path limits it."""

    def __post_init__(self) -> None:
        _non_negative("latency_ms", self.latency_ms)
        _non_negative("jitter_ms", self.jitter_ms)
        if not (math.isfinite(self.loss_pct) and 0 <= self.loss_pct < 100):
            raise InvalidContext("loss_pct", f"must be in [0, 100), got {self.loss_pct!r}")
        for name in ("up_mbps", "down_mbps"):
            rate = getattr(self, name)
            if rate is not None:
                _positive(name, rate)


@dataclass(frozen=True, slots=True)
class Node:
    """A processor shared among its tasks (processor sharing, one core per task at most)."""

    cores: int
    speed_ghz: float
    """Clock of one core: cycles per second / 1e9."""
    active_tasks: int = 0
    """Tasks running on it now (its load)."""

    def __post_init__(self) -> None:
        if not isinstance(self.cores, int) or self.cores < 1:
            raise InvalidContext("cores", f"must be an integer >= 1, got {self.cores!r}")
        _positive("speed_ghz", self.speed_ghz)
        if not isinstance(self.active_tasks, int) or self.active_tasks < 0:
            raise InvalidContext(
                "active_tasks", f"must be an integer >= 0, got {self.active_tasks!r}"
            )


@dataclass(frozen=True, slots=True)
class Site:
    """A remote placement: the node and the path to it."""

    node: Node
    link: Link


@dataclass(frozen=True, slots=True)
class EnergyModel:
    """The terminal's energy: per cycle computed, per bit sent and received on its current radio,
    and the power it draws while it waits idle for a result (the model of Kumar and Lu, "Cloud
    computing for mobile users: can offloading computation save energy?", IEEE Computer 2010)."""

    cpu_nj_per_cycle: float
    tx_nj_per_bit: float
    rx_nj_per_bit: float
    idle_w: float

    def __post_init__(self) -> None:
        for name in ("cpu_nj_per_cycle", "tx_nj_per_bit", "rx_nj_per_bit", "idle_w"):
            _non_negative(name, getattr(self, name))


@dataclass(frozen=True, slots=True)
class Prices:
    """Price of one giga-cycle of compute per placement, in the application's price unit.

    The ETSI white paper on developing software for MEC notes that edge resources cost more than
    the cloud's; the defaults say only that (edge twice the cloud, an assumption of meclab's),
    and the terminal's own cycles are free (their cost is energy)."""

    terminal: float = 0.0
    edge: float = 2.0
    cloud: float = 1.0

    def __post_init__(self) -> None:
        for name in ("terminal", "edge", "cloud"):
            _non_negative(name, getattr(self, name))

    def of(self, placement: Placement) -> float:
        """Price per giga-cycle at ``placement``."""
        return float(getattr(self, placement.value))


@dataclass(frozen=True, slots=True)
class Context:
    """Everything one decision may use, as of simulation (or wall) time ``t``."""

    terminal: Node
    energy: EnergyModel
    edge: Site | None = None
    """None when no edge node is reachable now (out of coverage, or the app has none)."""
    cloud: Site | None = None
    """None when the cloud is not reachable now."""
    prices: Prices = field(default_factory=Prices)
    t: float = 0.0
    radio: str | None = None
    """The UE's current radio type ("4G", "5G", "WIFI"), None out of coverage: a coarse context
    for learners."""

    def site(self, placement: Placement) -> Site | None:
        """The remote site of ``placement`` (None for the terminal or when unreachable)."""
        if placement is Placement.EDGE:
            return self.edge
        if placement is Placement.CLOUD:
            return self.cloud
        return None

    def available(self) -> tuple[Placement, ...]:
        """The placements possible now: the terminal always, the edge and cloud when reachable."""
        out = [Placement.TERMINAL]
        if self.edge is not None:
            out.append(Placement.EDGE)
        if self.cloud is not None:
            out.append(Placement.CLOUD)
        return tuple(out)

    def node(self, placement: Placement) -> Node:
        """The node that would run the task at ``placement`` (must be available)."""
        if placement is Placement.TERMINAL:
            return self.terminal
        site = self.site(placement)
        if site is None:
            raise InvalidContext(placement.value, "is not reachable in this context")
        return site.node

    def with_load(self, placement: Placement, extra_tasks: int) -> Context:
        """This context with ``extra_tasks`` more tasks running at ``placement``."""
        if extra_tasks == 0 or placement not in self.available():
            return self
        node = self.node(placement)
        loaded = replace(node, active_tasks=node.active_tasks + extra_tasks)
        if placement is Placement.TERMINAL:
            return replace(self, terminal=loaded)
        site = self.site(placement)
        assert site is not None  # available() said so
        return replace(self, **{placement.value: replace(site, node=loaded)})

    def without(self, placement: Placement) -> Context:
        """This context with ``placement`` unreachable (the terminal cannot be removed)."""
        if placement is Placement.TERMINAL:
            raise InvalidContext("terminal", "cannot be removed: it is always available")
        return replace(self, **{placement.value: None})
