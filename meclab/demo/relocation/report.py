"""What the relocation demo shows: one table row per relocation, and a timeline per mode.

The table (:func:`table`): mode, relocation (its id, short), UE, source and target host, the
final state, when its steps were reached (ms from detection: TRIGGERED, CONFIRMED, COMPLETED),
the context as the source edge reported pushing it (bytes, ms, the first push), how many pushes
the source and the target reported, and what the client saw around the switch: the longest
time between two answers, and the answers without context (of all answers there).

The plot (:func:`plot`): a row per mode. First, which instance answered each frame over the
whole walk in simulation time (two lanes, the source's first), answers without context marked,
frames not answered on a lane of their own, each relocation step a vertical line, the time the
walker spent on the target cell shaded. Then, for each relocation, the same around its switch
in real milliseconds from its detection (each answer when it came, the frames the table counts
there), with the context pushes as bars from start to answer.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from meclab.demo.relocation.outcome import Answer, ModeRun, Relocation, Step

if TYPE_CHECKING:
    from matplotlib.axes import Axes

STEPS = ("TRIGGERED", "CONFIRMED", "COMPLETED")
"""The steps whose times the table shows."""
LANE_COLOURS = ("tab:blue", "tab:cyan")
"""The source instance's answers, the target's."""
PUSH_COLOUR = "0.15"
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


def _marks(
    ax: Axes,
    run: ModeRun,
    x_of: Callable[[Answer], float | None],
    steps: Sequence[tuple[float, Step]],
) -> None:
    """The answers in their lanes at ``x_of(answer)`` (None: not shown), the steps at their
    x: the instances top down (source first), "no answer" below them."""
    lanes = {instance: len(run.instances) - i for i, instance in enumerate(run.instances)}
    shown = [(x, a) for a in run.answers if (x := x_of(a)) is not None]
    for (instance, y), colour in zip(lanes.items(), LANE_COLOURS, strict=True):
        kept = [x for x, a in shown if a.instance == instance and a.with_context]
        ax.plot(kept, [y] * len(kept), "|", color=colour, markersize=9, label=instance)
    cold = [
        (x, lanes[a.instance]) for x, a in shown if a.with_context is False and a.instance in lanes
    ]
    if cold:
        ax.plot(*zip(*cold, strict=True), "x", color="tab:red", label="without context")
    failed = [x for x, a in shown if a.arrived is None]
    if failed:
        ax.plot(failed, [0] * len(failed), "|", color="0.4", markersize=9, label="no answer")
    drawn: set[str] = set()
    for x, step in steps:
        ax.axvline(
            x,
            color=STEP_COLOURS.get(step.state, "0.3"),
            linestyle="--",
            linewidth=0.9,
            label=None if step.state in drawn else step.state,
        )
        drawn.add(step.state)
    names = dict(zip(lanes.values(), run.hosts, strict=True))
    ticks = [*names, 0] if any(a.arrived is None for a in run.answers) else list(names)
    ax.set_yticks(ticks, [names.get(y, "no answer") for y in ticks])
    ax.set_ylim(min(ticks) - 0.6, max(ticks) + 0.6)


def _walk(ax: Axes, run: ModeRun) -> None:
    for start, end in run.on_target:
        ax.axvspan(start, end, color="0.93", zorder=0)
    steps = [(step.t, step) for r in run.relocations for step in r.steps]
    _marks(ax, run, lambda a: a.t, steps)
    ax.set_title(
        f"{run.mode}: {len(run.relocations)} relocations, "
        f"answers without context: {run.without_context}",
        fontsize=10,
    )
    ax.set_xlabel("simulation time (s); shaded: the walker on the target cell", fontsize=8)


def _switch(ax: Axes, run: ModeRun, r: Relocation) -> None:
    def ms(wall: float) -> float:
        return (wall - r.detected) * 1000.0

    low, high = r.window
    _marks(
        ax,
        run,
        lambda a: ms(a.arrived or a.sent) if low <= a.sent <= high else None,
        [(step.at_ms, step) for step in r.steps],
    )
    for i, push in enumerate(r.pushed):
        ax.hlines(
            1.5,
            ms(push["wall"] - push["seconds"]),
            ms(push["wall"]),
            color=PUSH_COLOUR,
            linewidth=4,
            label=None if i else "context pushed",
        )
    ax.set_xlim(ms(low), ms(high))
    ax.set_title(f"{run.mode} {r.id[:8]}: to {r.target_host}", fontsize=9)
    ax.set_xlabel("real ms from detection, answers when they came", fontsize=8)
    ax.tick_params(labelleft=False)


def plot(runs: Sequence[ModeRun], path: Path, *, title: str) -> Path:
    """A PNG of the runs, one row per mode (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")  # no display: a file only
    import matplotlib.pyplot as plt

    zooms = max((len(run.relocations) for run in runs), default=0)
    fig, axes = plt.subplots(
        len(runs),
        1 + zooms,
        figsize=(6 + 3.6 * zooms, 2.6 * len(runs) + 1.4),
        squeeze=False,
        gridspec_kw={"width_ratios": [2.4] + [1] * zooms},
    )
    fig.suptitle(title)
    labels: dict[str, object] = {}
    for row, run in zip(axes, runs, strict=True):
        _walk(row[0], run)
        for ax, relocation in zip(row[1:], run.relocations, strict=False):
            _switch(ax, run, relocation)
        for ax in row[1 + len(run.relocations) :]:
            ax.axis("off")
        for ax in row:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                labels.setdefault(label, handle)
    fig.legend(
        labels.values(), labels.keys(), loc="lower center", ncol=min(len(labels), 5), fontsize=8
    )
    fig.tight_layout(rect=(0, 0.09, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
