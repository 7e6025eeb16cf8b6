"""Example 1, video analytics: ``meclab demo video`` end to end, as a user runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from meclab.demo.derive import fixed_terminals
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario

CAMERAS, FPS, SECONDS = 2, 4, 4
RECALL_AT_LEAST = 0.9
"""Both pipelines found every known face in the runs measured (recall 1.00); a frame lost to a
slow machine may cost one."""


def serving_hosts(cameras: list[str]) -> dict[str, str]:
    """Each camera's serving zone's MEC host, from the world itself."""
    scenario = default_scenario()
    host_of_poa = {
        poa.name: zone.mec_hosts[0].name
        for domain in scenario.domains
        for zone in domain.zones
        for poa in zone.poas
    }
    world = World(scenario)
    world.step(0.0)
    return {name: host_of_poa[str(world.measurements(name)[0].poa)] for name in cameras}


def test_the_demo_from_the_command_line(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "meclab", "demo", "video", "--cameras", str(CAMERAS),
            "--fps", str(FPS), "--seconds", str(SECONDS), "--out", str(tmp_path)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout

    png = tmp_path / "video-demo.png"
    assert out.rstrip().splitlines()[-1] == f"plot: {png}"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{CAMERAS * FPS * SECONDS} frames in all" in out

    sent = re.search(r"bytes to the cloud: split ([\d,]+) B .*; baseline ([\d,]+) B", out)
    assert sent is not None, out
    split_bytes, baseline_bytes = (int(g.replace(",", "")) for g in sent.groups())
    assert 0 < split_bytes < baseline_bytes / 10  # crops of some frames, not every frame

    for pipeline in ("split", "baseline"):
        found = re.search(rf"^{pipeline}: .* recall ([\d.]+) .*failed (\d+)$", out, re.M)
        assert found is not None, out
        assert float(found.group(1)) >= RECALL_AT_LEAST

    detector = re.search(r"camera detector: (\d+) frames sent to the edge, (\d+) skipped", out)
    assert detector is not None and int(detector.group(2)) > 0  # blank frames stay home

    cameras = fixed_terminals(default_scenario(), CAMERAS)
    for camera, host in serving_hosts(cameras).items():
        assert re.search(rf"^camera {camera} on .*: answered by video-edge-{host} \(", out, re.M), (
            out
        )


def test_more_cameras_than_fixed_terminals_is_an_error_naming_them(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "meclab", "demo", "video", "--cameras", "6", "--out",
            str(tmp_path)]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "meclab demo video: scenario monaco has 5 fixed terminals" in done.stderr
    assert "6 cameras" in done.stderr and done.stdout == ""
