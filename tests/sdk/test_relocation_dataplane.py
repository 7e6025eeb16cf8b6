"""A user's context pushed from one edge instance to another through a running meclab's data
plane: the target's address is emulated, only the SOCKS5 entry reaches it.

::

    relo     op ── zone-a ── mec-a ─► src-app (src-1, this test's server)
                └─ zone-b ── mec-b ─► dst-app (dst-1, this test's server)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from cli.test_up import ANY_DATAPLANE_PORTS, Meclab
from helpers import free_port

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextStore, read_blob
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.relocation import (
    Direction,
    RelocationEvent,
    TargetUnreachable,
    UserContextRelocation,
)
from meclab.sdk.sealing import ContextKey

USER = "acr:10.0.0.1"


def zone(name: str, host: str, app: str, instance: str, port: int, lon: float) -> dict[str, Any]:
    return {
        "name": name,
        "netchar": {"latency_ms": 2.0},
        "mec_hosts": [
            {
                "name": host,
                "position": [0.0, lon],
                "netchar": {"latency_ms": 1.0},
                "apps": [
                    {
                        "name": app,
                        "app_instance_id": instance,
                        "emulated": False,
                        "endpoint": f"127.0.0.1:{port}",
                    }
                ],
            }
        ],
        "poas": [
            {
                "name": f"cell-{name}",
                "type": "4G",
                "cell_id": hex(int(lon * 1000) + 1),
                "position": [0.0, lon],
                "radius_m": 300.0,
            }
        ],
    }


@pytest.fixture(scope="module")
def ports() -> tuple[int, int]:
    return free_port(), free_port()


@pytest.fixture(scope="module")
def meclab_up(tmp_path_factory: pytest.TempPathFactory, ports: tuple[int, int]) -> Iterator[str]:
    tmp_path = tmp_path_factory.mktemp("relo")
    world = {
        "meclab": 1,
        "name": "relo",
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": {"latency_ms": 3.0},
                "zones": [
                    zone("zone-a", "mec-a", "src-app", "src-1", ports[0], 0.0),
                    zone("zone-b", "mec-b", "dst-app", "dst-1", ports[1], 0.004),
                ],
                "terminals": [{"name": "ue-1", "address": USER, "path": [[0.0, 0.0]]}],
            }
        ],
    }
    scenario = tmp_path / "relo.json"
    scenario.write_text(json.dumps(world))
    port = free_port()
    args = ["up", str(scenario), "--data-dir", str(tmp_path / "data"), "--port", str(port)]
    process = Meclab([*args, *ANY_DATAPLANE_PORTS], tmp_path, "meclab")
    base = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(base)
        yield base
    finally:
        process.kill()


async def test_a_context_crosses_the_data_plane_sealed(
    meclab_up: str, ports: tuple[int, int]
) -> None:
    key = ContextKey.generate()
    config = PlatformConfig(meclab_up)
    plane = await DataPlane.locate("src-1", config, environ={})
    ends = []
    for instance in ("src-1", "dst-1"):
        app = EdgeApp(app_instance_id=instance, config=config)
        store = ContextStore()
        channel = UserContextRelocation(
            app, store, key, plane=plane if instance == "src-1" else None
        )
        events: list[RelocationEvent] = []
        channel.on_relocation(events.append)
        ends.append((app, store, channel, events))
    runners = []
    try:
        for (app, *_), port in zip(ends, ports, strict=True):
            runner = web.AppRunner(app.web, access_log=None)
            await runner.setup()
            await web.TCPSite(runner, "127.0.0.1", port).start()
            runners.append(runner)
        (_, source, channel, out_events), (_, target, _, in_events) = ends
        source.put(USER, {"score": 7, "path": [[0.0, 0.0], [0.0, 0.004]]})
        out = await channel.push(USER, "dst-1", "dst-app", ports[1])
        assert read_blob(target.export(USER)).state == read_blob(source.export(USER)).state
        assert [e.direction for e in out_events + in_events] == [Direction.OUT, Direction.IN]
        assert in_events[0].revision == out.revision
        # "dst-app" is a name only the data plane resolves: straight, the push cannot land
        direct = UserContextRelocation(
            EdgeApp(app_instance_id="src-1", config=config), source, key, direct=True, timeout_s=2.0
        )
        with pytest.raises(TargetUnreachable):
            await direct.push(USER, "dst-1", "dst-app", ports[1])
        await direct.close()
    finally:
        for runner in runners:
            await runner.cleanup()
