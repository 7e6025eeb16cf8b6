"""``run``: the AR demo end to end, as ``meclab demo ar`` starts it.

Derive the scenario (:mod:`.walk`), start meclab on it at ``speed``, the cloud, the edge (with
``meclab run``) and the client on the walker; sample the world while the walker goes out and
back; stop everything; build the timeline and the plot (:mod:`.report`).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from meclab.demo.ar import client, cloud, edge
from meclab.demo.ar.levels import Level
from meclab.demo.ar.report import Clock, Timeline, plot, timeline
from meclab.demo.ar.session import ENV_FPS
from meclab.demo.ar.walk import ar_world
from meclab.demo.stage import Component, Stage
from meclab.scenario.builtin import default_scenario
from meclab.scenario.loader import load_file

SAMPLE_S = 0.1
"""How often (real time) the demo samples the walker's RSRP in the world."""
FPS = 10.0
"""Frames per real second the client sends."""
SETTLE_S = 1.5
"""Real seconds the client goes on after the walker is back: the last reports to arrive."""
DRAIN_S = 2 * edge.USAGE_EVERY_S + 0.5
"""Real seconds the edge is left running after the client: its last usage report is sent."""


def cloud_component(port: int) -> Component:
    """The AR cloud component (usage statistics), serving on loopback ``port``."""
    return Component.module(
        "ar-cloud", cloud.__name__, port=port, env={cloud.ENV_ENDPOINT: f"127.0.0.1:{port}"}
    )


def client_component(
    ue: str, edge_app: str, run_s: float, *, flow_per_frame: bool = False, recorded: bool = False
) -> Component:
    """The AR camera on terminal ``ue``, sending :data:`FPS` frames a second to ``edge_app``
    (an application's name, or a name MEC DNS answers) for ``run_s`` seconds; a connection
    per frame with ``flow_per_frame``; ``recorded``: ready once it recorded a first answer."""
    env = {client.ENV_EDGE: edge_app, ENV_FPS: f"{FPS:g}", client.ENV_RUN_S: f"{run_s:g}"}
    if flow_per_frame:
        env[client.ENV_FLOW_PER_FRAME] = "1"
    return Component.module("ar-client", client.__name__, ue=ue, env=env, recorded=recorded)


def command(url: str, kind: str, **fields: object) -> None:
    """Send meclab's control API the command ``{"type": kind, **fields}`` (pause, resume,
    speed with ``speed=``)."""
    body = {"type": kind, **fields}
    response = httpx.post(f"{url}/meclab/v1/events", json=body, timeout=5.0)
    response.raise_for_status()


@dataclass(slots=True)
class ArReport:
    """What the AR demo measured, and where its plot is."""

    scenario: str
    speed: float
    duration_s: float
    timeline: Timeline
    png: Path

    @property
    def frames_sent(self) -> int:
        return len(self.timeline.frames)

    @property
    def frames_by_level(self) -> Counter[str]:
        """Frames the client got an answer for, by the level answered."""
        return Counter(lv.name for _, lv in self.timeline.frames if lv is not None)

    def lines(self) -> list[str]:
        line = self.timeline
        rsrps = [r for _, _, r in line.learned]
        out = [
            f"AR demo on {self.scenario} at x{self.speed:g}: {self.duration_s:g} s simulated",
            f"RSRP the edge learned: {len(rsrps)} reports"
            + (f", {min(rsrps):g} to {max(rsrps):g} dBm" if rsrps else ""),
            "feature levels: " + ", ".join(f"{lv.name} at {t:.0f} s" for t, lv in line.levels),
            f"frames sent {self.frames_sent}, answered "
            + ", ".join(f"{n} {k}" for k, n in sorted(self.frames_by_level.items())),
            f"cloud counted {line.cloud.get('frames', 0)} frames in "
            f"{line.cloud.get('reports', 0)} reports",
            f"cell changes: {len(line.cell_changes)}",
            f"plot: {self.png}",
        ]
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


class Sampler(threading.Thread):
    """Samples the walker in the world through meclab's control API, until stopped."""

    def __init__(self, url: str, walker: str) -> None:
        super().__init__(daemon=True, name="ar-sampler")
        self.url, self.walker = url, walker
        self.samples: list[dict[str, Any]] = []
        self.done = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=f"{self.url}/meclab/v1", timeout=5.0) as http:
            while not self.done.is_set():
                try:
                    world = http.get("/world").json()
                    ue = http.get(f"/terminals/{self.walker}").json()
                except (httpx.HTTPError, ValueError):
                    continue
                self.samples.append(
                    {
                        "wall": time.time(),
                        "time_s": world["time_s"],
                        "rsrp_dbm": ue.get("signal_dbm"),
                        "poa": ue.get("poa"),
                    }
                )
                self.done.wait(SAMPLE_S)


def run(
    scenario: Path | None,
    out_dir: Path,
    *,
    speed: float,
    progress: Callable[[str], None],
) -> ArReport:
    """Run the AR demo on ``scenario`` (the default one when None) in ``out_dir``."""
    base = default_scenario() if scenario is None else load_file(scenario)
    world = ar_world(base)
    run_s = world.duration_s / speed + SETTLE_S
    # The walk waits for the components: at speed it would be half done before they start.
    with Stage(world.scenario, workdir=out_dir, speed=speed, paused=True, say=progress) as stage:
        cloud_run = stage.start(cloud_component(world.cloud_port))
        edge_run = stage.start(
            Component.edge_app(
                "ar-edge",
                f"{edge.__name__}:Main",
                host=world.host,
                app=world.edge_app,
                port=world.edge_port,
                env={
                    edge.ENV_UE: world.scenario_address,
                    edge.ENV_CLOUD: world.cloud_app,
                    ENV_FPS: f"{FPS:g}",
                },
            )
        )
        client_run = stage.start(client_component(world.walker, world.edge_app, run_s))
        command(stage.url, "resume")
        sampler = Sampler(stage.url, world.walker)  # after the pause: wall maps to world linearly
        sampler.start()
        progress(f"{world.walker} walks from {world.cell} and back: {run_s:.0f} s")
        stage.wait([client_run], timeout_s=run_s + 30)
        sampler.done.set()
        sampler.join()
        time.sleep(DRAIN_S)
        stage.stop(edge_run)  # before the cloud: nothing it reports is lost
        stage.stop(cloud_run)
    clock = Clock.fit(speed, sampler.samples)
    line = timeline(
        clock,
        sampler.samples,
        stage.results(edge_run),
        stage.results(client_run),
        stage.results(cloud_run),
    )
    png = plot(
        line,
        out_dir / "ar-demo.png",
        title=f"AR features following the radio: {world.walker} from {world.cell}",
    )
    return ArReport(world.scenario.name, speed, world.duration_s, line, png)


__all__ = ["ArReport", "Level", "run"]
