"""A lab with the data plane: a process playing a terminal reaches an SDK app of the lab
through it, by the app's name, and out of coverage it is refused, as beside ``meclab up``."""

from __future__ import annotations

import sys
import textwrap

import pytest
from aiohttp import web
from helpers import free_port

from meclab.scenario.builder import WorldBuilder
from meclab.testing.lab import Lab

pytestmark = pytest.mark.meclab(dataplane=True)

CLIENT = textwrap.dedent(
    """
    import asyncio, os
    import aiohttp
    from meclab.sdk.dataplane import DataPlane, OutOfCoverage

    async def main():
        plane = await DataPlane.locate(os.environ["MECLAB_UE"])
        try:
            async with aiohttp.ClientSession(connector=plane.connector()) as session:
                async with session.get("http://my-app/hello") as answer:
                    print("answer", answer.status, await answer.text(), flush=True)
        except OutOfCoverage:
            print("out of coverage", flush=True)

    asyncio.run(main())
    """
)


@pytest.fixture
def meclab_world() -> WorldBuilder:
    """A cell, a MEC host whose my-app listens where the data plane will look for it, and a
    phone in the cell."""
    return (
        WorldBuilder("dataplane-lab", origin=(7.42, 43.73))
        .zone("town")
        .cell("cell", "4G", radius_m=300.0)
        .mec_host("mec-town")
        .edge_app("my-app", emulated=False, endpoint=f"127.0.0.1:{free_port()}")
        .terminal("phone", east_m=50.0, radio=["4G"])
    )


def test_a_terminal_process_reaches_the_app_through_the_data_plane(meclab_lab: Lab) -> None:
    assert meclab_lab.socks_url is not None and meclab_lab.socks_url.startswith("socks5://")
    app = meclab_lab.edge_app("my-app")  # listens on the scenario's endpoint

    @app.get("/hello")
    async def hello(request: web.Request) -> web.Response:
        return web.Response(text="hello from the edge")

    meclab_lab.run_app(app)
    client = meclab_lab.start_process("client", [sys.executable, "-c", CLIENT], ue="phone")
    assert client.process.wait(timeout=30) == 0, client.log_tail()
    assert "answer 200 hello from the edge" in client.log_tail()

    meclab_lab.move("phone", east_m=2000.0)  # out of the cell's reach
    again = meclab_lab.start_process("client-2", [sys.executable, "-c", CLIENT], ue="phone")
    assert again.process.wait(timeout=30) == 0, again.log_tail()
    assert "out of coverage" in again.log_tail()
