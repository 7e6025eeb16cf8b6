"""``run``: the video analytics demo end to end, as ``meclab demo video`` starts it.

Derive the scenario (:mod:`.world`), start meclab on it, the cloud, an edge instance on every
MEC host (with ``meclab run``) and a camera on each fixed terminal; note each camera's serving
zone; wait for the cameras' last frames; stop everything; compare both pipelines and plot them
(:mod:`.report`). The world runs at real speed: nothing moves, and latencies are real ones.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meclab.demo.results import last_of
from meclab.demo.stage import Component, Stage
from meclab.demo.video import camera, cloud, edge
from meclab.demo.video.report import (
    PIPELINES,
    Outcome,
    PipelineStats,
    outcomes,
    plot,
    served,
    stats,
)
from meclab.demo.video.world import DOMAIN, video_world
from meclab.scenario.builtin import default_scenario
from meclab.scenario.loader import load_file

ANSWER_S = 30.0
"""Real seconds the cameras may take beyond their capture time: the last answers."""


@dataclass(frozen=True, slots=True)
class Served:
    """A camera: where it is attached and which edge instances answered it."""

    camera: str
    poa: str | None
    zone: str | None
    expected: list[str]
    """The edge instances of its zone: where MEC DNS should steer it."""
    answered_by: list[str]

    @property
    def steered(self) -> bool:
        return bool(self.answered_by) and set(self.answered_by) <= set(self.expected)


@dataclass(slots=True)
class VideoReport:
    """What the video demo measured, and where its plot is."""

    scenario: str
    cameras: int
    fps: float
    seconds: float
    split: PipelineStats
    baseline: PipelineStats
    served: list[Served]
    cloud: dict[str, Any]
    outcomes: list[Outcome] = field(repr=False)
    png: Path = field(default=Path())

    @property
    def byte_ratio(self) -> float | None:
        """Split's bytes to the cloud over the baseline's."""
        if not self.baseline.cloud_bytes:
            return None
        return self.split.cloud_bytes / self.baseline.cloud_bytes

    def lines(self) -> list[str]:
        def ms(value: float | None) -> str:
            return "n/a" if value is None else f"{value * 1e3:.0f} ms"

        def share(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}"

        ratio = self.byte_ratio
        out = [
            f"video analytics demo on {self.scenario}: {self.cameras} cameras, "
            f"{self.fps:g} fps, {self.seconds:g} s ({self.split.frames} frames in all)",
            "bytes to the cloud: "
            + "; ".join(
                f"{s.name} {s.cloud_bytes:,} B ({s.bytes_per_frame:,.0f} B/frame)"
                for s in (self.split, self.baseline)
            )
            + ("" if ratio is None else f"; split/baseline {ratio:.3f}"),
            f"camera detector: {self.split.sent} frames sent to the edge, "
            f"{self.split.skipped} skipped",
        ]
        for s in (self.split, self.baseline):
            out.append(
                f"{s.name}: latency capture to answer (frames with faces) median "
                f"{ms(s.median_s)}, p95 {ms(s.p95_s)}; precision {share(s.precision)}, "
                f"recall {share(s.recall)} ({s.true_positives} found, {s.false_positives} "
                f"wrong, {s.false_negatives} missed); failed {s.failed}"
            )
        for c in self.served:
            verdict = "its own zone's edge" if c.steered else f"expected {', '.join(c.expected)}"
            out.append(
                f"camera {c.camera} on {c.poa} ({c.zone}): answered by "
                f"{', '.join(c.answered_by) or 'no edge'} ({verdict})"
            )
        out.append(
            "cloud received: "
            + "; ".join(
                f"/{name} {self.cloud.get(f'{name}_requests', 0)} requests, "
                f"{self.cloud.get(f'{name}_bytes', 0):,} B"
                for name in ("identify", "frames")
            )
        )
        out.append(f"plot: {self.png}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def run(
    scenario: Path | None,
    out_dir: Path,
    *,
    cameras: int,
    fps: float,
    seconds: float,
    progress: Callable[[str], None],
) -> VideoReport:
    """Run the video demo on ``scenario`` (the default one when None) in ``out_dir``."""
    base = default_scenario() if scenario is None else load_file(scenario)
    world = video_world(base, cameras=cameras)
    frames = max(1, round(fps * seconds))
    with Stage(world.scenario, workdir=out_dir, speed=1.0, say=progress) as stage:
        cloud_run = stage.start(
            Component.module(
                world.cloud_app,
                cloud.__name__,
                port=world.cloud_port,
                env={cloud.ENV_ENDPOINT: f"127.0.0.1:{world.cloud_port}"},
            )
        )
        edge_runs = stage.start_all(
            [
                Component.edge_app(
                    e.app,
                    f"{edge.__name__}:Main",
                    host=e.host,
                    app=e.app,
                    port=e.port,
                    env={edge.ENV_NAME: e.app, edge.ENV_CLOUD: world.cloud_app},
                )
                for e in world.edges
            ]
        )
        attached = {name: stage.control(f"/terminals/{name}") for name in world.cameras}
        camera_runs = [
            stage.start(
                Component.module(
                    f"camera-{name}",
                    camera.__name__,
                    ue=name,
                    env={
                        camera.ENV_SEED: str(seed),
                        camera.ENV_FPS: f"{fps:g}",
                        camera.ENV_FRAMES: str(frames),
                        camera.ENV_EDGE_DOMAIN: DOMAIN,
                        camera.ENV_CLOUD: world.cloud_app,
                    },
                )
            )
            for seed, name in enumerate(world.cameras, 1)
        ]
        progress(f"{cameras} cameras film {frames} frames each at {fps:g} fps")
        stage.wait(camera_runs, timeout_s=frames / fps + ANSWER_S)
        stage.stop_all(edge_runs)  # before the cloud: nothing they send is cut short
        stage.stop(cloud_run)
    found = [o for running in camera_runs for o in outcomes(stage.results(running))]
    found.sort(key=lambda o: o.wall)
    answered = served(found)
    steering = [
        Served(
            name,
            attached[name].get("poa"),
            attached[name].get("zone"),
            world.zone_edges.get(attached[name].get("zone") or "", []),
            answered.get(name, []),
        )
        for name in world.cameras
    ]
    totals = last_of(stage.results(cloud_run), "totals")
    split, baseline = (stats(found, name) for name in PIPELINES)
    report = VideoReport(
        world.scenario.name,
        cameras,
        fps,
        seconds,
        split,
        baseline,
        steering,
        totals,
        found,
    )
    report.png = plot(
        found,
        (split, baseline),
        out_dir / "video-demo.png",
        title=f"Video analytics, split at the edge vs all to the cloud: {cameras} cameras",
    )
    return report


__all__ = ["VideoReport", "run"]
