"""The example package's application, run beside meclab with its manifest's environment: it
becomes READY, offers its service, and a terminal reaches its HTTP answer through the data plane.
(Its package is checked in tests/lifecycle; instantiating it is the lifecycle's.)"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from helpers import free_port
from package_lab import EXAMPLE

from meclab.demo.stage import ENV_SOCKS_URL, Component, Stage
from meclab.lifecycle.package import read_package
from meclab.scenario.loader import load_file
from meclab.sdk.dataplane import DataPlane

WORLD = EXAMPLE.parents[1] / "first_world.yaml"


def greet(stage: Stage) -> dict[str, Any]:
    async def get() -> dict[str, Any]:
        plane = await DataPlane.locate("walker", environ={ENV_SOCKS_URL: stage.socks_url})
        async with (
            aiohttp.ClientSession(connector=plane.connector()) as session,
            session.get("http://my-app/hello", params={"name": "walker"}) as answer,
        ):
            assert answer.status == 200, await answer.text()
            body: dict[str, Any] = await answer.json()
            return body

    return asyncio.run(get())


def test_hello_edge_serves_as_its_manifest_runs_it(tmp_path: Path) -> None:
    manifest = read_package(EXAMPLE).manifest
    world = load_file(WORLD)
    port = free_port()
    document = world.model_dump(mode="json", exclude_none=True)
    document["domains"][0]["zones"][0]["mec_hosts"][0]["apps"][0]["endpoint"] = f"127.0.0.1:{port}"
    world = type(world).model_validate(document)
    pythonpath = os.pathsep.join([str(EXAMPLE), os.environ.get("PYTHONPATH", "")])
    with Stage(world, workdir=tmp_path, say=lambda _: None) as stage:
        root = stage.control("/nodes/mec-town")["api_root"]
        app = stage.start(
            Component.edge_app(
                "my-app", "app:app", host="mec-town", app="my-app",
                env={**manifest.env, "PYTHONPATH": pythonpath}, port=port,
            )
        )  # fmt: skip
        services = httpx.get(
            f"{stage.url}{root}/mec_service_mgmt/v1/services", params={"ser_name": "hello-edge"}
        ).json()
        assert [s["state"] for s in services] == ["ACTIVE"]
        answer = greet(stage)
        assert answer["hello"] == "walker"  # GREETING from the manifest's env
        (played,) = [a for a in stage.control("/apps") if a["name"] == "my-app"]
        assert answer["from"] == played["app_instance_id"]
        assert stage.stop(app) == 0
