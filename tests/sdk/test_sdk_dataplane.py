"""meclab.sdk.dataplane against a running ``meclab up``: as a UE and as an application.

The world (a file, run by a real meclab process on free ports)::

    appflows     public 4 ms          cloud (10 ms) ─► cloud-echo  (this test's echo server)
    └── op       core 3 ms                          ─► cloud-app   (meclab's responder)
        ├── zone-a  metro 2 ms ── mec-a (1 ms) ─► edge-a
        │           cell-a 4G at (0, 0), 5 ms
        └── ue-1 at (0, 0); ue-far at (0.05, 0), out of coverage

One way: edge-a → cloud-echo 20 ms; ue-1 → cloud-echo 5 + 2 + 3 + 4 + 10 = 24 ms.
"""

from __future__ import annotations

import asyncio
import json
import socketserver
import statistics
import threading
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from cli.test_up import ANY_DATAPLANE_PORTS, Meclab, get
from helpers import free_port

from meclab.sdk import ConfigError, PlatformConfig, PlatformUnreachable
from meclab.sdk.dataplane import (
    DataPlane,
    DataPlaneRefused,
    OutOfCoverage,
    SocksEntry,
    UnknownIdentity,
)

EARLY_S = 0.0011
"""The relay may release a piece up to 0.5 ms early per direction (tests/dataplane/conftest)."""
LOADED_S = 0.030
"""A sanity bound on the median on a busy 2-core machine (tests/dataplane/conftest)."""


def world(echo_port: int) -> dict[str, Any]:
    return {
        "meclab": 1,
        "name": "appflows",
        "netchar": {"latency_ms": 4.0},
        "clouds": [
            {
                "name": "cloud",
                "netchar": {"latency_ms": 10.0},
                "apps": [
                    {"name": "cloud-echo", "endpoint": f"127.0.0.1:{echo_port}"},
                    {"name": "cloud-app"},
                ],
            }
        ],
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": {"latency_ms": 3.0},
                "zones": [
                    {
                        "name": "zone-a",
                        "netchar": {"latency_ms": 2.0},
                        "mec_hosts": [
                            {
                                "name": "mec-a",
                                "position": [0.0, 0.0005],
                                "netchar": {"latency_ms": 1.0},
                                "apps": [{"name": "edge-a", "app_instance_id": "edge-a-1"}],
                            }
                        ],
                        "poas": [
                            {
                                "name": "cell-a",
                                "type": "4G",
                                "cell_id": "0x1",
                                "position": [0.0, 0.0],
                                "radius_m": 300.0,
                                "netchar": {"latency_ms": 5.0},
                            }
                        ],
                    }
                ],
                "terminals": [
                    {"name": "ue-1", "address": "acr:10.0.0.1", "path": [[0.0, 0.0]]},
                    {"name": "ue-far", "address": "acr:10.0.0.9", "path": [[0.05, 0.0]]},
                ],
            }
        ],
    }


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(65536):
            self.request.sendall(data)


@pytest.fixture(scope="module")
def echo_port() -> Iterator[int]:
    """A TCP echo server in a thread, so that one meclab serves the whole module."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Echo)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def meclab_up(tmp_path_factory: pytest.TempPathFactory, echo_port: int) -> Iterator[str]:
    """A running meclab on the world above; its base URL."""
    tmp_path = tmp_path_factory.mktemp("appflows")
    scenario = tmp_path / "appflows.json"
    scenario.write_text(json.dumps(world(echo_port)))
    port = free_port()
    args = ["up", str(scenario), "--data-dir", str(tmp_path / "data"), "--port", str(port)]
    process = Meclab([*args, *ANY_DATAPLANE_PORTS], tmp_path, "meclab")
    base = f"http://127.0.0.1:{port}"
    try:
        process.wait_ready(base)
        yield base
    finally:
        process.kill()


async def test_locate_asks_the_control_api_when_no_url_is_set(meclab_up: str) -> None:
    plane = await DataPlane.locate("ue-1", PlatformConfig(meclab_up), environ={})
    listed = get(meclab_up, "/dataplane")["socks5"]
    assert f"{plane.entry.host}:{plane.entry.port}" == listed
    assert plane.proxy_url == f"socks5h://ue-1@{listed}"


async def test_locate_takes_meclab_socks_url_first() -> None:
    environ = {"MECLAB_SOCKS_URL": "socks5://127.0.0.1:1", "MEC_PLATFORM_URL": "http://x:1"}
    plane = await DataPlane.locate("edge-a", environ=environ)  # no request made
    assert plane.entry == SocksEntry("127.0.0.1", 1)


@pytest.mark.parametrize(
    ("url", "wrong"),
    [
        ("http://127.0.0.1:1080", "is not a socks5://host:port URL"),
        ("socks5://127.0.0.1", "gives no port"),
        ("socks5://ue-1@127.0.0.1:1080", "names a user"),
    ],
)
async def test_a_bad_socks_url_names_the_variable(url: str, wrong: str) -> None:
    with pytest.raises(ConfigError, match=f"MECLAB_SOCKS_URL=.*{wrong}"):
        await DataPlane.locate("ue-1", environ={"MECLAB_SOCKS_URL": url})


def test_an_identity_socks5_cannot_carry_is_refused_at_once() -> None:
    with pytest.raises(ConfigError, match="1 to 255 ASCII characters"):
        DataPlane(SocksEntry("127.0.0.1", 1080), "")


async def _json(plane: DataPlane, url: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession(connector=plane.connector()) as session,
        session.get(url) as response,
    ):
        assert response.status == 200
        body: dict[str, Any] = await response.json(content_type=None)
        return body


async def test_the_connector_sends_as_a_ue_and_as_an_application(meclab_up: str) -> None:
    plane = await DataPlane.locate("ue-1", PlatformConfig(meclab_up), environ={})
    as_ue = await _json(plane, "http://cloud-app/")  # meclab's responder says who came
    assert as_ue["ue"] == "ue-1" and as_ue["app"] == "cloud-app"
    as_app = await _json(plane.as_identity("edge-a-1"), "http://cloud-app.meclab.local/")
    assert as_app["ue"] is None and as_app["source_app"] == "edge-a"
    assert as_app["path"] == ["edge-a", "mec-a", "zone-a", "op", "appflows", "cloud", "cloud-app"]
    assert as_app["one_way_latency_ms"] == 20.0


async def test_open_connection_as_an_app_feels_the_path(meclab_up: str) -> None:
    plane = await DataPlane.locate("edge-a", PlatformConfig(meclab_up), environ={})
    netchar = get(meclab_up, "/netchar?from=edge-a&to=cloud-echo")
    expected_s = 2 * netchar["latency_ms"] / 1000
    reader, writer = await plane.open_connection("cloud-echo", 7)
    rtts: list[float] = []
    for i in range(5):
        started = time.monotonic()
        writer.write(b"ping %d" % i)
        assert await asyncio.wait_for(reader.readexactly(6), 5) == b"ping %d" % i
        rtts.append(time.monotonic() - started)
    writer.close()
    assert min(rtts) >= expected_s - EARLY_S, rtts
    assert statistics.median(rtts) <= expected_s + LOADED_S, rtts
    flows = get(meclab_up, "/dataplane/flows?source_app=edge-a&app=cloud-echo")["flows"]
    assert [(f["source_app"], f["ue"], f["hops"][0]) for f in flows] == [("edge-a", None, "edge-a")]


async def test_out_of_coverage_raises_the_typed_error_naming_reply_3(meclab_up: str) -> None:
    plane = await DataPlane.locate("ue-far", PlatformConfig(meclab_up), environ={})
    with pytest.raises(OutOfCoverage) as raised:
        await plane.open_connection("cloud-echo", 7)
    assert raised.value.reply == 3
    assert "SOCKS5 reply 3: network unreachable: the UE is out of coverage" in str(raised.value)
    with pytest.raises(OutOfCoverage):  # the same through aiohttp, not a bare aiohttp error
        await _json(plane, "http://cloud-app/")


async def test_refusals_name_the_reply_and_the_identity(meclab_up: str) -> None:
    plane = await DataPlane.locate("edge-a", PlatformConfig(meclab_up), environ={})
    with pytest.raises(DataPlaneRefused) as raised:
        await plane.open_connection("no-such-app", 80)
    assert raised.value.reply == 4 and "host unreachable" in raised.value.meaning
    with pytest.raises(UnknownIdentity, match="'nobody' names no UE, terminal app or application"):
        await plane.as_identity("nobody").open_connection("cloud-echo", 7)


async def test_a_socks_entry_that_is_down_names_its_url() -> None:
    port = free_port()
    plane = DataPlane(SocksEntry("127.0.0.1", port), "ue-1")
    with pytest.raises(PlatformUnreachable, match=f"socks5://127.0.0.1:{port}"):
        await plane.open_connection("cloud-echo", 7)
    with pytest.raises(PlatformUnreachable, match=f"socks5://127.0.0.1:{port}"):
        await _json(plane, "http://cloud-app/")
