"""``run``: the relocation demo end to end, as ``meclab demo relocation`` starts it.

Derive the scenario (:mod:`.world`) and one context key for the application. Then, for each
mode, on a meclab of its own: start meclab at ``speed`` with the walk held, the AR cloud, the
AR edge on both MEC hosts (``meclab run``, ``AR_MOBILITY`` the mode, the same
``MECLAB_CONTEXT_KEY``) and the AR client on the walker, one connection per frame; let the
walker go out and back while the world is sampled; read the relocations off the control API;
stop everything, and keep the relocations and the samples read (``relocations.json``,
``samples.json`` in the mode's directory). Last, build each run's outcome (:mod:`.outcome`),
the table and the plot (:mod:`.report`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from meclab.demo.ar import edge
from meclab.demo.ar.demo import SETTLE_S, Sampler, client_component, cloud_component, command
from meclab.demo.ar.report import Clock
from meclab.demo.relocation.outcome import ModeRun, answers, relocations, spans_on
from meclab.demo.relocation.report import plot, table
from meclab.demo.relocation.world import DOMAIN, Edge, RelocationWorld, relocation_world
from meclab.demo.stage import Component, Stage
from meclab.scenario.builtin import default_scenario
from meclab.scenario.loader import load_file
from meclab.sdk.mobility import Mode
from meclab.sdk.sealing import ENV_KEY, ContextKey

MODES = (Mode.ASSISTED, Mode.SELF)
"""The MEC 021 modes the demo runs, in this order."""
WHAT = {
    Mode.ASSISTED: "MEC-assisted: the platform switches the walker once the context has moved",
    Mode.SELF: "application self-controlled: the platform switches at once, the app pushes",
}


@dataclass(slots=True)
class RelocationReport:
    """What the relocation demo measured, and where its plot is."""

    world: RelocationWorld
    speed: float
    runs: list[ModeRun]
    png: Path

    def lines(self) -> list[str]:
        w = self.world
        out = [
            f"relocation demo on {w.scenario.name} at x{self.speed:g}: {w.walker} from "
            f"{w.source_cell} ({w.source.host}) to {w.target_cell} ({w.target.host}) and back, "
            f"{w.distance_m:.0f} m each way, {w.duration_s:.0f} s simulated"
        ]
        for run in self.runs:
            pairs = zip(run.instances, run.hosts, strict=True)
            by = ", ".join(f"{run.answered_by(i)} by {host}" for i, host in pairs)
            out.append(
                f"{run.mode}: {len(run.answers)} frames sent, answered {by}; "
                f"{run.without_context} without context, {run.retried} after a retry, "
                f"{run.failed} not answered"
            )
        return [*out, "", *table(self.runs), "", f"plot: {self.png}"]

    def __str__(self) -> str:
        return "\n".join(self.lines())


def _edge(world: RelocationWorld, instance: Edge, mode: Mode, key: ContextKey) -> Component:
    return Component.edge_app(
        f"ar-edge-{instance.host}",
        f"{edge.__name__}:Main",
        host=instance.host,
        app=instance.app,
        port=instance.port,
        env={
            edge.ENV_UE: world.address,
            edge.ENV_CLOUD: world.cloud_app,
            edge.ENV_MOBILITY: mode.value,
            ENV_KEY: key.encode(),
        },
    )


def run_mode(
    world: RelocationWorld,
    mode: Mode,
    workdir: Path,
    *,
    speed: float,
    key: ContextKey,
    progress: Callable[[str], None],
) -> ModeRun:
    """One walk in ``mode`` on a meclab of its own in ``workdir``."""
    progress(f"mode {mode.value}: {WHAT.get(mode, mode.value)}")
    run_s = world.duration_s / speed + SETTLE_S
    # the walk waits for the components, as in the AR demo
    with Stage(world.scenario, workdir=workdir, speed=speed, paused=True, say=progress) as stage:
        cloud_run = stage.start(cloud_component(world.cloud_port))
        edges = stage.start_all([_edge(world, e, mode, key) for e in (world.source, world.target)])
        # ready once the source has served the walker once: it follows the user from then
        client_run = stage.start(
            client_component(world.walker, DOMAIN, run_s, flow_per_frame=True, recorded=True)
        )
        command(stage.url, "resume")
        sampler = Sampler(stage.url, world.walker)
        sampler.start()
        crossings = ", ".join(f"{c.after} at t={c.t:.0f} s" for c in world.crossings)
        progress(
            f"{world.walker} walks to {world.target_cell} and back at x{speed:g} ({crossings}): "
            f"{run_s:.0f} s"
        )
        stage.wait([client_run], timeout_s=run_s + 30)
        sampler.done.set()
        sampler.join()
        procedures: list[dict[str, Any]] = stage.control(f"/relocations?ue={world.walker}")
        seen = [f"to {p['target']['host']} {p['state']}" for p in reversed(procedures)]
        progress(f"mode {mode.value}: relocations " + (", ".join(seen) or "none"))
        stage.stop_all(edges)
        stage.stop(cloud_run)
    # beside the components' records: what the demo read of the world, for a look of one's own
    (workdir / "relocations.json").write_text(json.dumps(procedures, indent=1), encoding="utf-8")
    (workdir / "samples.json").write_text(json.dumps(sampler.samples), encoding="utf-8")
    clock = Clock.fit(speed, sampler.samples)
    frames = answers(clock, stage.results(client_run))
    edge_records = [r for e in edges for r in stage.results(e)]
    return ModeRun(
        mode=mode.value,
        instances=(world.source.app, world.target.app),
        hosts=(world.source.host, world.target.host),
        answers=frames,
        relocations=relocations(mode.value, clock, procedures, edge_records, frames),
        on_target=spans_on(sampler.samples, world.target_cell),
    )


def run(
    scenario: Path | None,
    out_dir: Path,
    *,
    modes: Sequence[Mode] = MODES,
    speed: float,
    progress: Callable[[str], None],
) -> RelocationReport:
    """Run the relocation demo on ``scenario`` (the default one when None) in ``out_dir``,
    once per mode of ``modes``, each in a directory of its own there."""
    base = default_scenario() if scenario is None else load_file(scenario)
    world = relocation_world(base)
    key = ContextKey.generate()  # the application's: every instance seals and opens with it
    runs = [
        run_mode(world, mode, out_dir / mode.value, speed=speed, key=key, progress=progress)
        for mode in modes
    ]
    png = plot(
        runs,
        out_dir / "relocation-demo.png",
        title=f"{world.walker}'s AR session across MEC hosts: {world.source.host} and "
        f"{world.target.host}",
    )
    return RelocationReport(world, speed, runs, png)


__all__ = ["MODES", "RelocationReport", "run"]
