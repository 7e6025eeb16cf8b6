"""What the relocation demo shows: one table row per relocation, and a timeline per mode.

The table (:func:`table`): mode, relocation (its id, short), UE, source and target host, the
final state, when its steps were reached (ms from detection: TRIGGERED, CONFIRMED, COMPLETED),
the context as the source edge reported pushing it (bytes, ms, the first push), how many pushes
the source and the target reported, and what the client saw around the switch: the longest
time between two answers, and the answers without context (of all answers there).

The plot (:func:`plot`): per mode, which instance answered each frame over simulation time
(two lanes, the source's first), answers without context marked, frames not answered on a lane
of their own, each relocation step a vertical line, the time the walker spent on the target
cell shaded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meclab.demo.relocation.outcome import ModeRun, Relocation

if TYPE_CHECKING:
    from matplotlib.axes import Axes

STEPS = ("TRIGGERED", "CONFIRMED", "COMPLETED")
"""The steps whose times the table shows."""
LANE_COLOURS = ("tab:blue", "tab:cyan")
"""The source instance's answers, the target's."""
STEP_COLOURS = {
    "DETECTED": "0.55",
    "STARTING_TARGET": "tab:olive",
    "TRIGGERED": "tab:purple",
    "CONFIRMED": "tab:orange",
    "COMPLETED": "tab:green",
    "FAILED": "tab:red",
}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _steps(r: Relocation) -> str:
    return " / ".join(_ms(r.reached_ms(state)) for state in STEPS)


def _push(r: Relocation, what: Callable[[dict[str, Any]], str]) -> str:
    return what(r.pushed[0]) if r.pushed else "-"


COLUMNS: tuple[tuple[str, Callable[[Relocation], str]], ...] = (
    ("mode", lambda r: r.mode),
    ("relocation", lambda r: r.id[:8]),
    ("UE", lambda r: r.ue),
    ("source -> target", lambda r: f"{r.source_host} -> {r.target_host}"),
    ("state", lambda r: r.state),
    ("trig / conf / done ms", _steps),
    ("context B", lambda r: _push(r, lambda p: str(p["size"]))),
    ("push ms", lambda r: _push(r, lambda p: _ms(p["seconds"] * 1000.0))),
    ("pushes out/in", lambda r: f"{len(r.pushed)}/{len(r.arrived)}"),
    ("gap ms", lambda r: _ms(r.gap_ms)),
    ("no context", lambda r: f"{r.without_context}/{r.answered}"),
)


def table(runs: Sequence[ModeRun]) -> list[str]:
    """The table's lines: a header, then one row per relocation of each run, in order."""
    rows = [[cell(r) for _, cell in COLUMNS] for run in runs for r in run.relocations]
    header = [name for name, _ in COLUMNS]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return [
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _panel(ax: Axes, run: ModeRun) -> None:
    """One mode's lanes: the instances top down (source first), "no answer" below them."""
    for start, end in run.on_target:
        ax.axvspan(start, end, color="0.93", zorder=0)
    lanes = {instance: len(run.instances) - i for i, instance in enumerate(run.instances)}
    for (instance, y), colour in zip(lanes.items(), LANE_COLOURS, strict=True):
        kept = [a.t for a in run.answers if a.instance == instance and a.with_context]
        ax.plot(kept, [y] * len(kept), "|", color=colour, markersize=9, label=instance)
    cold = [
        (a.t, lanes[a.instance])
        for a in run.answers
        if a.with_context is False and a.instance in lanes
    ]
    if cold:
        ax.plot(*zip(*cold, strict=True), "x", color="tab:red", label="without context")
    failed = [a.t for a in run.answers if a.arrived is None]
    if failed:
        ax.plot(failed, [0] * len(failed), "|", color="0.4", markersize=9, label="no answer")
    drawn: set[str] = set()
    for step in (step for relocation in run.relocations for step in relocation.steps):
        ax.axvline(
            step.t,
            color=STEP_COLOURS.get(step.state, "0.3"),
            linestyle="--",
            linewidth=0.9,
            label=None if step.state in drawn else step.state,
        )
        drawn.add(step.state)
    names = dict(zip(lanes.values(), run.hosts, strict=True))
    ticks = [*names, 0] if failed else list(names)
    ax.set_yticks(ticks, [names.get(y, "no answer") for y in ticks])
    ax.set_ylim(min(ticks) - 0.6, max(ticks) + 0.6)
    ax.set_title(
        f"{run.mode}: {len(run.relocations)} relocations, "
        f"answers without context: {run.without_context}",
        fontsize=10,
    )
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)


def plot(runs: Sequence[ModeRun], path: Path, *, title: str) -> Path:
    """A PNG of the runs, one panel per mode (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    height = 2.4 * len(runs) + 0.9
    fig, axes = plt.subplots(len(runs), 1, sharex=True, figsize=(12, height), squeeze=False)
    fig.suptitle(title)
    for ax, run in zip(axes[:, 0], runs, strict=True):
        _panel(ax, run)
    axes[-1, 0].set_xlabel("simulation time (s); shaded: the walker on the target cell")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
