"""The stage: meclab up on a scenario, components as processes, everything stopped."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import httpx
import pytest

from meclab.demo.derive import free_loopback_ports
from meclab.demo.stage import Component, Stage, StageError
from meclab.scenario.builtin import default_scenario

PROBE = str(Path(__file__).with_name("stage_probe.py"))


def probe(name: str, mode: str, **options: int) -> Component:
    port = options.get("port")
    env = {"PROBE_PORT": str(port)} if port else {}
    return Component(name, (sys.executable, PROBE, mode), env, port)


def test_components_run_against_meclab_and_everything_stops(tmp_path: Path) -> None:
    said: list[str] = []
    port, other = free_loopback_ports(2)
    with Stage(default_scenario(), workdir=tmp_path, speed=10, say=said.append) as stage:
        assert httpx.get(f"{stage.url}/meclab/v1/world").json()["scenario"] == "monaco"
        server, stubborn = stage.start_all(
            [probe("server", "listen", port=port), probe("stubborn", "stubborn", port=other)]
        )
        for listening in (port, other):  # both ready when start_all returns
            with socket.create_connection(("127.0.0.1", listening), timeout=2):
                pass
        task = stage.start(probe("task", "done"))
        stage.wait([task], timeout_s=30)
        stage.stop_timeout_s = 1.0
        url = stage.url
    assert stage.results(task) == [{"MEC_PLATFORM_URL": url, "MECLAB_SOCKS_URL": stage.socks_url}]
    assert stage.results(server)[-1] == {"stopped": True}  # SIGTERM, and it ended cleanly
    assert server.process.returncode == 0
    assert stubborn.process.returncode == -9
    assert "stubborn did not stop within 1 s: killed" in said
    assert said[-1] == "meclab stopped"
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{url}/meclab/v1/world", timeout=2.0)


def test_a_component_that_fails_is_named_with_its_output(tmp_path: Path) -> None:
    with Stage(default_scenario(), workdir=tmp_path, speed=10, say=lambda _: None) as stage:
        failing = stage.start(probe("failing", "fail"))
        with pytest.raises(StageError, match=r"(?s)failing exited with status 3.*went wrong"):
            stage.wait([failing], timeout_s=30)
        with pytest.raises(StageError, match=r"meclab at .* has no application 'nowhere'"):
            stage.app_state("nowhere")
