"""What the dashboard charts: a second-by-second history of the platform, the cells and some
terminals, kept in bounded rings so that a page opened (or reloaded) sees the last minutes.

Every :data:`INTERVAL_S` a :class:`History` takes one sample (:meth:`History.sample`):

* **platform**: from meclab's own metrics (:mod:`meclab.metrics`), the rates over the interval
  just ended of notifications delivered, given up (undelivered) and failed attempts, of API
  requests and of 4xx and 5xx answers, and the p50/p95/p99 delivery latency of the
  notifications delivered in that interval (the latency histogram's bucket counts differenced
  between two samples and interpolated linearly within a bucket, as Prometheus's
  ``histogram_quantile`` does; None for an interval with no delivery);
* **every cell** (point of access): the terminals it serves, its load per direction (what the
  data plane measured where it carries flows on the cell's capacity, otherwise the engine's
  traffic model, the one RNIS's layer 2 figures use) and the mean signal of its terminals
  (RSRP; RSSI for a Wi-Fi access point). Cells are few (hundreds), so this is a few numpy
  operations over the world's arrays, whatever the number of terminals;
* **watched terminals** only: RSRP and RSRQ of the serving cell, throughput of the terminal's
  data plane flows, and the one-way latency of its path to the MEC host serving it. Keeping
  every terminal of a 10,000-terminal world would cost far more than it is worth, so a terminal
  is watched from the moment someone asks for its history (:meth:`History.watch`), at most
  :data:`MAX_WATCHED` at once; the one asked for least recently is dropped first.

Each ring keeps :data:`WINDOW` samples (10 minutes). Times are wall-clock seconds (Unix time).
Nothing here does I/O: the sampler task (:meth:`History.run`) only calls :meth:`sample` on a
timer, so tests call it with the time they choose.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from meclab.engine.netchar import Unreachable
from meclab.engine.radio import LOAD_PER_UE, cell_load
from meclab.engine.world import World
from meclab.metrics import Metrics

log = logging.getLogger("meclab.observe")

INTERVAL_S = 1.0
"""Seconds between two samples."""
WINDOW = 600
"""Samples each ring keeps: 10 minutes at one a second."""
MAX_WATCHED = 64
"""Terminals whose history is kept at once."""

PLATFORM_UNITS = {
    "notifications": "1/s",
    "latency_p50": "s",
    "latency_p95": "s",
    "latency_p99": "s",
    "undelivered": "1/s",
    "failed_attempts": "1/s",
    "requests": "1/s",
    "requests_etsi": "1/s",
    "errors_4xx": "1/s",
    "errors_5xx": "1/s",
}
"""The platform's series and their units."""
CELL_UNITS = {
    "served": "terminals",
    "load_dl": "ratio",
    "load_ul": "ratio",
    "load_measured": "bool",
    "rsrp_dbm": "dBm",
}
"""Each cell's series and their units (``load_measured``: 1 when the data plane measured the
load in at least one direction, 0 when both come from the model)."""
TERMINAL_UNITS = {
    "rsrp_dbm": "dBm",
    "rsrq_db": "dB",
    "throughput_dl_mbps": "Mbit/s",
    "throughput_ul_mbps": "Mbit/s",
    "path_latency_ms": "ms",
}
"""A watched terminal's series and their units (``rsrp_dbm`` is RSSI on Wi-Fi, where
``rsrq_db`` is None; every figure is None while out of coverage)."""


class FlowSource(Protocol):
    """What reports the data plane's flows: :meth:`meclab.dataplane.plane.DataPlane.flows`."""

    def flows(self) -> list[dict[str, Any]]: ...

    def access_load(self, poa: str) -> Mapping[str, Any] | None: ...

    def accesses(self) -> list[dict[str, Any]]: ...


class Ring:
    """The last ``capacity`` samples of some named series, each a row of ``width`` values
    (one per cell, say) or a scalar (``width`` None), with their times."""

    def __init__(self, names: Iterable[str], capacity: int, width: int | None = None) -> None:
        self.capacity = capacity
        shape: tuple[int, ...] = (capacity,) if width is None else (capacity, width)
        self.t = np.zeros(capacity, dtype=np.float64)
        # float32: a cell's 600 x 5 samples then take 12 kB; the figures carry no more digits
        self.values = {name: np.full(shape, np.nan, dtype=np.float32) for name in names}
        self.count = 0
        """Samples appended ever (the ring holds the last ``capacity`` of them)."""

    def append(self, t: float, row: Mapping[str, Any]) -> None:
        i = self.count % self.capacity
        self.t[i] = t
        for name, values in self.values.items():
            values[i] = row.get(name, math.nan)
        self.count += 1

    def nbytes(self) -> int:
        return self.t.nbytes + sum(v.nbytes for v in self.values.values())

    def _order(self, since: float | None) -> NDArray[np.intp]:
        n = min(self.count, self.capacity)
        start = self.count - n
        idx = np.arange(start, self.count) % self.capacity
        if since is not None:
            idx = idx[self.t[idx] > since]
        return idx

    def read(
        self, since: float | None = None, column: int | None = None
    ) -> tuple[list[float], dict[str, list[float | None]]]:
        """Times and series in time order, newer than ``since`` if given; of one ``column``
        for a ring of rows. NaN becomes None (JSON has no NaN)."""
        idx = self._order(since)
        series = {}
        for name, values in self.values.items():
            picked = values[idx] if column is None else values[idx, column]
            series[name] = [None if math.isnan(v) else round(v, 6) for v in picked.tolist()]
        return self.t[idx].tolist(), series


def quantile(q: float, bounds: NDArray[np.float64], counts: NDArray[np.float64]) -> float:
    """The ``q``-quantile of observations counted in cumulative buckets ``counts`` with upper
    ``bounds`` (the last +Inf), interpolated linearly within its bucket; NaN without any.

    A quantile in the +Inf bucket is the highest finite bound (what can be said of it)."""
    total = counts[-1]
    if total <= 0:
        return math.nan
    rank = q * total
    b = int(np.searchsorted(counts, rank, side="left"))
    if b >= len(bounds) - 1:
        return float(bounds[-2])
    lower = 0.0 if b == 0 else float(bounds[b - 1])
    below = 0.0 if b == 0 else float(counts[b - 1])
    inside = float(counts[b]) - below
    if inside <= 0:
        return float(bounds[b])
    return lower + (float(bounds[b]) - lower) * (rank - below) / inside


@dataclass(slots=True)
class _Totals:
    """The platform counters' totals at one sample."""

    t: float
    delivered: float
    undelivered: float
    failed: float
    requests: float
    requests_etsi: float
    errors_4xx: float
    errors_5xx: float
    buckets: NDArray[np.float64]


def _sum(collector: Any) -> float:
    return math.fsum(
        s.value
        for family in collector.collect()
        for s in family.samples
        if s.name.endswith("_total")
    )


def _read_totals(metrics: Metrics, t: float) -> _Totals:
    requests = etsi = e4 = e5 = 0.0
    for family in metrics.api_requests.collect():
        for s in family.samples:
            if not s.name.endswith("_total"):
                continue
            requests += s.value
            if s.labels["api"] != "control":
                etsi += s.value
            if s.labels["code"] == "4xx":
                e4 += s.value
            elif s.labels["code"] == "5xx":
                e5 += s.value
    buckets: dict[float, float] = {}
    for family in metrics.notification_latency.collect():
        for s in family.samples:
            if s.name.endswith("_bucket"):
                le = float(s.labels["le"])
                buckets[le] = buckets.get(le, 0.0) + s.value
    return _Totals(
        t=t,
        delivered=_sum(metrics.notifications_sent),
        undelivered=_sum(metrics.notifications_undelivered),
        failed=_sum(metrics.notification_attempts_failed),
        requests=requests,
        requests_etsi=etsi,
        errors_4xx=e4,
        errors_5xx=e5,
        buckets=np.array([buckets[k] for k in sorted(buckets)], dtype=np.float64),
    )


class _Cells:
    """The cells' rings for one world."""

    def __init__(self, world: World, capacity: int) -> None:
        self.world = world
        self.names = list(world.poa_names)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.ring = Ring(CELL_UNITS, capacity, width=len(self.names))


class History:
    """Bounded histories of the platform, every cell and the watched terminals.

    ``world`` gives the world now (it changes when a scenario is loaded: the cells' and
    terminals' histories then start again), ``serving_host`` the MEC host serving a terminal
    (None when none does), ``dataplane`` the flows and their load, when meclab runs one.
    """

    def __init__(
        self,
        metrics: Metrics,
        world: Callable[[], World | None],
        *,
        serving_host: Callable[[World, str], str | None] | None = None,
        dataplane: FlowSource | None = None,
        window: int = WINDOW,
        max_watched: int = MAX_WATCHED,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self._world = world
        self._serving_host = serving_host
        self.dataplane = dataplane
        self.window = window
        self.max_watched = max_watched
        self.clock = clock
        self.platform = Ring(PLATFORM_UNITS, window)
        self._cells: _Cells | None = None
        self.watched: OrderedDict[str, Ring] = OrderedDict()
        """Watched terminals' rings, least recently asked for first."""
        self._last: _Totals | None = None
        self.cost_s = 0.0
        """Time spent sampling, in total (perf counter seconds)."""
        self.samples = 0

    # --- reading --------------------------------------------------------------------------

    def cells(self) -> _Cells | None:
        """The cells' rings of the current world (new, empty ones after a load)."""
        world = self._world()
        if world is None:
            return None
        if self._cells is None or self._cells.world is not world:
            self._cells = _Cells(world, self.window)
            self.watched.clear()  # terminals of another world
        return self._cells

    def cell(self, name: str) -> tuple[Ring, int]:
        """The cells' ring and the column of cell ``name``; KeyError for an unknown cell."""
        cells = self.cells()
        if cells is None or name not in cells.index:
            raise KeyError(name)
        return cells.ring, cells.index[name]

    def watch(self, name: str) -> Ring:
        """The ring of terminal ``name``, watched from now on (sampled at once when new);
        KeyError for an unknown terminal. The terminal asked for least recently is dropped
        when more than ``max_watched`` would be watched."""
        cells = self.cells()
        if cells is None or name not in cells.world.top.ue_index:
            raise KeyError(name)
        ring = self.watched.get(name)
        if ring is not None:
            self.watched.move_to_end(name)
            return ring
        ring = self.watched[name] = Ring(TERMINAL_UNITS, self.window)
        while len(self.watched) > self.max_watched:
            self.watched.popitem(last=False)
        self._sample_terminals(cells.world, self.clock(), [name])
        return ring

    def nbytes(self) -> int:
        """Memory the rings hold (bounded: the window times the cells and watched terminals)."""
        cells = self._cells.ring.nbytes() if self._cells is not None else 0
        return self.platform.nbytes() + cells + sum(r.nbytes() for r in self.watched.values())

    # --- sampling -------------------------------------------------------------------------

    def sample(self, now: float | None = None) -> None:
        """Take one sample of everything at wall time ``now`` (default: the clock's)."""
        started = time.perf_counter()
        now = self.clock() if now is None else now
        self._sample_platform(now)
        cells = self.cells()
        if cells is not None:
            self._sample_cells(cells, now)
            if self.watched:
                self._sample_terminals(cells.world, now, list(self.watched))
        self.samples += 1
        self.cost_s += time.perf_counter() - started

    def _sample_platform(self, now: float) -> None:
        totals = _read_totals(self.metrics, now)
        last, self._last = self._last, totals
        if last is None or now <= last.t:
            return  # the first sample is the baseline rates are counted from
        dt = now - last.t

        def rate(field: str) -> float:
            return max(0.0, getattr(totals, field) - getattr(last, field)) / dt

        row = {
            "notifications": rate("delivered"),
            "undelivered": rate("undelivered"),
            "failed_attempts": rate("failed"),
            "requests": rate("requests"),
            "requests_etsi": rate("requests_etsi"),
            "errors_4xx": rate("errors_4xx"),
            "errors_5xx": rate("errors_5xx"),
        }
        bounds = np.array(self.metrics.notification_latency._upper_bounds, dtype=np.float64)
        # no bucket samples at all before the first observation (a labelled histogram has
        # no child yet): all zero then
        before = last.buckets if len(last.buckets) else np.zeros(len(bounds))
        after = totals.buckets if len(totals.buckets) else np.zeros(len(bounds))
        if len(before) == len(after) == len(bounds):
            counts = after - before
            for q, name in ((0.5, "latency_p50"), (0.95, "latency_p95"), (0.99, "latency_p99")):
                row[name] = quantile(q, bounds, counts)
        self.platform.append(now, row)

    def _sample_cells(self, cells: _Cells, now: float) -> None:
        world = cells.world
        st = world.state
        n = len(cells.names)
        served = st.served.astype(np.float64)
        attached = st.serving >= 0
        sums = np.bincount(st.serving[attached], weights=st.signal_dbm[attached], minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(served > 0, sums / np.maximum(served, 1), np.nan)
        load_dl = cell_load(st.served)
        load_ul = np.minimum(1.0, LOAD_PER_UE * served)
        measured = np.zeros(n)
        if self.dataplane is not None:
            for access in self.dataplane.accesses():
                c = cells.index.get(access.get("poa") or "")
                if c is None:
                    continue
                for way, loads in (("down", load_dl), ("up", load_ul)):
                    figures = access.get(way)
                    if figures and figures["flows"] and figures["utilisation"] is not None:
                        loads[c] = min(1.0, float(figures["utilisation"]))
                        measured[c] = 1.0
        cells.ring.append(
            now,
            {
                "served": served,
                "load_dl": load_dl,
                "load_ul": load_ul,
                "load_measured": measured,
                "rsrp_dbm": mean,
            },
        )

    def _sample_terminals(self, world: World, now: float, names: list[str]) -> None:
        throughput: dict[str, list[float]] = {}
        if self.dataplane is not None:
            for flow in self.dataplane.flows():
                ue = flow.get("ue")
                if ue in self.watched:
                    pair = throughput.setdefault(ue, [0.0, 0.0])
                    pair[0] += flow["throughput_down_mbps"]
                    pair[1] += flow["throughput_up_mbps"]
        for name in names:
            row: dict[str, float] = {}
            measured = world.measurements(name)
            if measured and measured[0].serving:
                serving = measured[0]
                row["rsrp_dbm"] = serving.signal_dbm
                if serving.rsrq_db is not None:
                    row["rsrq_db"] = serving.rsrq_db
                host = self._serving_host(world, name) if self._serving_host else None
                if host is not None:
                    with contextlib.suppress(Unreachable, KeyError, ValueError):
                        row["path_latency_ms"] = world.path(name, host).latency_ms
            if self.dataplane is not None:
                down, up = throughput.get(name, (0.0, 0.0))
                row["throughput_dl_mbps"], row["throughput_ul_mbps"] = down, up
            self.watched[name].append(now, row)

    # --- the timer ------------------------------------------------------------------------

    async def run(self, interval_s: float = INTERVAL_S) -> None:
        """Sample every ``interval_s`` seconds until cancelled, on a fixed schedule."""
        loop = asyncio.get_running_loop()
        scheduled = loop.time()
        while True:
            try:
                self.sample()
            except Exception:  # a bad sample must not end the history
                log.exception("history sample failed")
            scheduled += interval_s
            now = loop.time()
            if scheduled < now:
                scheduled = now + interval_s
            await asyncio.sleep(scheduled - now)
