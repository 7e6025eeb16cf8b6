"""What the AR demo shows: a timeline of the run in simulation time, a short report, a plot.

The components record wall-clock times (an application knows no simulation time, and RNIS
notifications are stamped with wall time); the demo also samples the world itself (meclab's
control API: simulation time, the walker's serving cell and RSRP). :class:`Clock` maps one to
the other: simulation time = speed x wall + offset, with the offset read off those samples.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meclab.demo.ar.levels import FULL_DBM, HYSTERESIS_DB, REDUCED_DBM, Level
from meclab.demo.results import last_of


@dataclass(frozen=True, slots=True)
class Clock:
    """Wall clock to simulation time, for a run at one speed."""

    speed: float
    offset: float
    start: float = 0.0
    """Simulation time when the walk began: the demo holds the world there (paused) while the
    components start, so whatever happened before maps to it."""

    @classmethod
    def fit(cls, speed: float, samples: Sequence[dict[str, Any]]) -> Clock:
        """From truth samples (``wall`` read after the answer, ``time_s`` the last tick's
        time, never ahead of the clock): the largest offset they allow."""
        if not samples:
            raise ValueError("no sample of the world's time to map wall time by")
        offset = max(s["time_s"] - speed * s["wall"] for s in samples)
        return cls(speed, offset, min(s["time_s"] for s in samples))

    def world(self, wall: float) -> float:
        return max(self.start, self.speed * wall + self.offset)

    def wall(self, t: float) -> float:
        """The wall-clock time at simulation time ``t`` (after the start)."""
        return (t - self.offset) / self.speed


@dataclass(slots=True)
class Timeline:
    """The run in simulation seconds, from the records of the demo and its components."""

    truth: list[tuple[float, float | None, str | None]]
    """(t, RSRP dBm, serving cell) as the world had it."""
    learned: list[tuple[float, float, float]]
    """(t the edge heard it, t of the report's timeStamp, RSRP dBm) as the edge learned it."""
    levels: list[tuple[float, Level]]
    """(t, level) each time the edge changed level."""
    frames: list[tuple[float, Level | None]]
    """(t sent, level answered; None if the frame failed) for each frame the client sent."""
    cell_changes: list[tuple[float, str, str]]
    cloud: dict[str, Any] = field(default_factory=dict)
    """The cloud's totals."""
    edge_usage: Counter[str] = field(default_factory=Counter)
    """Frames the edge reported to the cloud, by level."""


def timeline(
    clock: Clock,
    truth: Sequence[dict[str, Any]],
    edge: Sequence[dict[str, Any]],
    client: Sequence[dict[str, Any]],
    cloud: Sequence[dict[str, Any]],
) -> Timeline:
    """The timeline of the records (see :class:`Timeline`)."""
    w = clock.world
    usage: Counter[str] = Counter()
    for r in edge:
        if r["kind"] == "usage":
            usage.update(r["by_level"])
    totals = last_of(cloud, "totals")
    return Timeline(
        truth=[(s["time_s"], s["rsrp_dbm"], s["poa"]) for s in truth],
        learned=[
            (w(r["wall"]), w(r["stamp"] if r.get("stamp") else r["wall"]), r["rsrp_dbm"])
            for r in edge
            if r["kind"] == "rsrp"
        ],
        levels=[(w(r["wall"]), Level[r["level"]]) for r in edge if r["kind"] == "level"],
        frames=[
            (w(r["wall"]), Level[r["level"]] if r["kind"] == "frame" else None)
            for r in client
            if r["kind"] in ("frame", "frame_failed")
        ],
        cell_changes=[
            (w(r["wall"]), r["src"], r["trg"]) for r in edge if r["kind"] == "cell_change"
        ],
        cloud=totals,
        edge_usage=usage,
    )


def plot(line: Timeline, path: Path, *, title: str) -> Path:
    """A PNG of the run: RSRP with the thresholds, the feature level, frames per second."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    fig, (ax_rsrp, ax_level, ax_fps) = plt.subplots(3, 1, sharex=True, figsize=(10, 8))
    fig.suptitle(title)
    truth = [(t, r) for t, r, _ in line.truth if r is not None]
    if truth:
        ax_rsrp.plot(*zip(*truth, strict=True), color="0.6", label="RSRP in the world")
    if line.learned:
        ax_rsrp.plot(
            [x[0] for x in line.learned],
            [x[2] for x in line.learned],
            "o",
            markersize=3,
            label="RSRP the edge learned (RNIS)",
        )
    for level, y in ((Level.FULL, FULL_DBM), (Level.REDUCED, REDUCED_DBM)):
        ax_rsrp.axhline(y, color="tab:red", linewidth=1)
        ax_rsrp.axhline(y + HYSTERESIS_DB, color="tab:red", linewidth=0.8, linestyle=":")
        ax_rsrp.annotate(f"{level.name} from {y:g} dBm", (0, y), fontsize=8, va="bottom")
    ax_rsrp.set_ylabel("RSRP (dBm)")
    ax_rsrp.legend(loc="lower right", fontsize=8)
    if line.levels:
        times = [t for t, _ in line.levels]
        end = max([times[-1], *(t for t, _ in line.frames)])
        ax_level.step(
            [*times, end], [lv for _, lv in line.levels] + [line.levels[-1][1]], where="post"
        )
    ax_level.set_yticks([lv.value for lv in Level], [lv.name for lv in Level])
    ax_level.set_ylabel("AR features")
    for t, _, _ in line.cell_changes:
        for ax in (ax_rsrp, ax_level):
            ax.axvline(t, color="tab:purple", linestyle="--", linewidth=0.8)
    ok = [t for t, lv in line.frames if lv is not None]
    if ok and line.truth:
        span = max(1.0, (ok[-1] - ok[0]) / 60)
        bins = Counter(int((t - ok[0]) // span) for t in ok)
        xs = sorted(bins)
        ax_fps.plot([ok[0] + (b + 0.5) * span for b in xs], [bins[b] / span for b in xs])
    ax_fps.set_ylabel("frames answered\nper simulated s")
    ax_fps.set_xlabel("simulation time (s)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
