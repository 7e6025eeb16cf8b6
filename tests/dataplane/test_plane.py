"""The DataPlane's life: ports, a new scenario, the banner."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from meclab.dataplane.plane import DataPlaneError
from meclab.scenario.model import Scenario

from .conftest import (
    Env,
    SocksRefused,
    close,
    dp_document,
    round_trips,
    socks_connect,
    start_env,
)


async def test_a_taken_port_names_the_option_to_change(
    tmp_path: Path, echo: tuple[str, int]
) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(DataPlaneError, match="--socks-port"):
            await start_env(tmp_path, dp_document(echo), socks_port=taken.getsockname()[1])
    finally:
        taken.close()


async def test_a_new_scenario_closes_flows_and_rebuilds_app_ports(
    env: Env, echo: tuple[str, int]
) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await round_trips(reader, writer, 1)
    doc = dp_document(echo)
    doc["clouds"][0]["apps"] = [{"name": "other-app"}]
    await env.runtime.load(Scenario.model_validate(doc))
    assert not env.plane.registry.open
    with pytest.raises(ConnectionResetError):  # the world it ran in is gone: RST
        await asyncio.wait_for(reader.read(), 2)
    names = {a.name for a in env.plane.entry_points().apps}
    assert "other-app" in names and "cloud-echo" not in names
    with pytest.raises(SocksRefused):
        await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await close(writer)


async def test_banner_lists_the_entry_points(env: Env) -> None:
    lines = env.plane.entry_points().banner(max_apps=2)
    assert lines[0].startswith("  data plane   socks5h://<ue>@127.0.0.1:")
    assert any(line.startswith("  toxiproxy    http://127.0.0.1:") for line in lines)
    assert sum(line.startswith("  app port") for line in lines) == 2
    assert lines[-1].endswith("more: GET /meclab/v1/dataplane")
