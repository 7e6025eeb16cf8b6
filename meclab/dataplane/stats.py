"""Per-flow counters: bytes each way, throughput, measured RTT; and their Prometheus view.

Counting happens where bytes are written (what the far end got), on the relay's hot path, so
it is a few integer additions; Prometheus reads the counters only when scraped, through a
custom collector (:class:`FlowCollector`) registered on meclab's own registry, rather than
updating labelled prometheus_client metrics per chunk.

Measured RTT: for request/response traffic, from a request's first bytes arriving at the relay
to the first bytes of the answer leaving it towards the client, so it includes the emulated path
both ways and the application's own think time, as the client sees it (the loopback hops between
client, relay and server add some tens of microseconds). One probe is outstanding at a time;
samples are smoothed as TCP does (RFC 6298 §2: SRTT with alpha = 1/8).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

METER_WINDOW_S = 1.0
"""Throughput is the bytes delivered over the last complete window of this length."""
RTT_ALPHA = 1.0 / 8.0
"""RFC 6298 §2.3 smoothing gain."""


@dataclass(slots=True)
class Meter:
    """Bytes per second over the last complete window (from the first byte on)."""

    window_start: float | None = None
    window_bytes: int = 0
    rate_Bps: float = 0.0

    def add(self, n: int, now: float) -> None:
        if self.window_start is None:
            self.window_start = now
        elapsed = now - self.window_start
        if elapsed >= METER_WINDOW_S:
            self.rate_Bps = self.window_bytes / elapsed  # an idle gap lowers it, as it should
            self.window_start = now
            self.window_bytes = 0
        self.window_bytes += n

    def rate(self, now: float) -> float:
        if self.window_start is None:
            return 0.0
        elapsed = now - self.window_start
        if elapsed >= METER_WINDOW_S:  # the window is over (nothing sent since): what it held
            return self.window_bytes / elapsed
        return self.rate_Bps


@dataclass(slots=True)
class FlowStats:
    """Counters of one flow."""

    started: float
    bytes_up: int = 0
    bytes_down: int = 0
    dropped_up: int = 0
    dropped_down: int = 0
    rtt_s: float | None = None
    """Smoothed RTT (SRTT)."""
    rtt_last_s: float | None = None
    rtt_samples: int = 0
    up: Meter = field(default_factory=Meter)
    down: Meter = field(default_factory=Meter)

    def sent_up(self, n: int, now: float) -> None:
        self.bytes_up += n
        self.up.add(n, now)

    def sent_down(self, n: int, now: float) -> None:
        self.bytes_down += n
        self.down.add(n, now)

    def rtt_sample(self, sample_s: float) -> None:
        self.rtt_last_s = sample_s
        self.rtt_samples += 1
        if self.rtt_s is None:
            self.rtt_s = sample_s
        else:
            self.rtt_s += RTT_ALPHA * (sample_s - self.rtt_s)


@dataclass(slots=True)
class Totals:
    """What closed flows of one label set moved, kept for Prometheus counters."""

    bytes_up: int = 0
    bytes_down: int = 0
    dropped_up: int = 0
    dropped_down: int = 0
    flows: int = 0


Labels = tuple[str, str, str, str]
"""(ue, source_app, app, protocol); "" where unknown or not the case (an application sends:
no UE; a UE sends: no source application)."""


@dataclass(slots=True)
class FlowSample:
    """One open flow as the collector sees it."""

    labels: Labels
    stats: FlowStats


class FlowCollector(Collector):
    """Prometheus view of the data plane, read at scrape time.

    * ``meclab_dataplane_bytes_total{ue,source_app,app,protocol,direction}``: bytes delivered,
    * ``meclab_dataplane_dropped_bytes_total{ue,source_app,app,protocol,direction}``: bytes
      dropped (UDP loss, traffic rules, toxics, queue overflow),
    * ``meclab_dataplane_flows_total{ue,source_app,app,protocol}``: flows opened,
    * ``meclab_dataplane_open_flows{protocol}``,
    * ``meclab_dataplane_rtt_seconds{ue,source_app,app,protocol}``: smoothed RTT of the most
      recently measured open flow of that route.

    ``source_app`` is the edge or cloud application sending (:mod:`.appsource`), empty for a
    UE's flow; ``ue`` is empty for an application's.
    """

    def __init__(
        self,
        open_flows: Callable[[], Iterator[FlowSample]],
        totals: Callable[[], dict[Labels, Totals]],
    ) -> None:
        self._open = open_flows
        self._totals = totals

    def describe(self) -> list[object]:
        return []  # unchecked collector: families are produced at scrape time only

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        labels = ["ue", "source_app", "app", "protocol"]
        sent = CounterMetricFamily(
            "meclab_dataplane_bytes",
            "Bytes delivered by the data plane",
            labels=[*labels, "direction"],
        )
        dropped = CounterMetricFamily(
            "meclab_dataplane_dropped_bytes",
            "Bytes the data plane dropped (loss, rules, toxics, overflow)",
            labels=[*labels, "direction"],
        )
        flows = CounterMetricFamily("meclab_dataplane_flows", "Flows opened", labels=labels)
        open_count = GaugeMetricFamily(
            "meclab_dataplane_open_flows", "Flows open now", labels=["protocol"]
        )
        rtt = GaugeMetricFamily(
            "meclab_dataplane_rtt_seconds", "Smoothed RTT measured through the relay", labels=labels
        )
        merged: dict[Labels, Totals] = {
            k: Totals(v.bytes_up, v.bytes_down, v.dropped_up, v.dropped_down, v.flows)
            for k, v in self._totals().items()
        }
        per_protocol: dict[str, int] = {"TCP": 0, "UDP": 0}
        rtts: dict[Labels, float] = {}
        for sample in self._open():
            t = merged.setdefault(sample.labels, Totals())
            s = sample.stats
            t.bytes_up += s.bytes_up
            t.bytes_down += s.bytes_down
            t.dropped_up += s.dropped_up
            t.dropped_down += s.dropped_down
            protocol = sample.labels[3]
            per_protocol[protocol] = per_protocol.get(protocol, 0) + 1
            if s.rtt_s is not None:
                rtts[sample.labels] = s.rtt_s
        for key, t in merged.items():
            sent.add_metric([*key, "up"], t.bytes_up)
            sent.add_metric([*key, "down"], t.bytes_down)
            dropped.add_metric([*key, "up"], t.dropped_up)
            dropped.add_metric([*key, "down"], t.dropped_down)
            flows.add_metric(list(key), t.flows)
        for protocol, count in per_protocol.items():
            open_count.add_metric([protocol], count)
        for key, value in rtts.items():
            rtt.add_metric(list(key), value)
        yield from (sent, dropped, flows, open_count, rtt)
