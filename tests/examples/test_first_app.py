"""README's first edge app, run as written beside meclab: it becomes READY and offers its
service, a terminal reaches it through the data plane, it hears the walker's cell change, and
on SIGTERM it deletes its subscription and deregisters."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from helpers import free_port

from meclab.demo.stage import ENV_SOCKS_URL, Component, Stage
from meclab.scenario.loader import load_file
from meclab.sdk.dataplane import DataPlane

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SPEED = 5.0
"""The walker crosses to the other cell ~22 world seconds in: a few real ones at this speed."""


def hello(stage: Stage) -> dict[str, Any]:
    """GET /hello as the walker, through the data plane (what README's curl does)."""

    async def get() -> dict[str, Any]:
        plane = await DataPlane.locate("walker", environ={ENV_SOCKS_URL: stage.socks_url})
        async with (
            aiohttp.ClientSession(connector=plane.connector()) as session,
            session.get("http://my-app/hello") as answer,
        ):
            assert answer.status == 200, await answer.text()
            body: dict[str, Any] = await answer.json()
            return body

    return asyncio.run(get())


def cell_change_subscriptions(stage: Stage, root: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{stage.url}{root}/rni/v2/subscriptions", timeout=5.0)
    assert answer.status_code == 200, answer.text
    links = answer.json()["_links"].get("subscription") or []
    return [s for s in links if s["subscriptionType"] == "CellChangeSubscription"]


def test_the_first_app_as_written(tmp_path: Path) -> None:
    world = load_file(EXAMPLES / "first_world.yaml")
    port = free_port()  # the file's 8500 may be taken on a test machine
    document = world.model_dump(mode="json", exclude_none=True)
    document["domains"][0]["zones"][0]["mec_hosts"][0]["apps"][0]["endpoint"] = f"127.0.0.1:{port}"
    world = type(world).model_validate(document)
    pythonpath = os.pathsep.join([str(EXAMPLES), os.environ.get("PYTHONPATH", "")])
    with Stage(world, workdir=tmp_path, speed=SPEED, say=lambda _: None) as stage:
        root = stage.control("/nodes/mec-town")["api_root"]
        # The walk waits for the app: on a busy machine it could hand over before the app has
        # subscribed, and the app would first hear the walk back.
        httpx.post(f"{stage.url}/meclab/v1/events", json={"type": "pause"}).raise_for_status()
        app = stage.start(
            Component.edge_app(
                "my-app", "first_app:app", host="mec-town", app="my-app",
                env={"PYTHONPATH": pythonpath}, port=port,
            )
        )  # fmt: skip
        services = httpx.get(
            f"{stage.url}{root}/mec_service_mgmt/v1/services", params={"ser_name": "greeter"}
        ).json()
        assert [s["state"] for s in services] == ["ACTIVE"]
        assert len(cell_change_subscriptions(stage, root)) == 1
        httpx.post(f"{stage.url}/meclab/v1/events", json={"type": "resume"}).raise_for_status()

        deadline = time.monotonic() + 60 / SPEED + 10
        seen: list[str] = hello(stage)["handovers_seen"]
        while not seen and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = hello(stage)["handovers_seen"]
        assert seen == ["0000001 -> 0000002"]

        assert stage.stop(app) == 0
        assert cell_change_subscriptions(stage, root) == []
        gone = httpx.get(
            f"{stage.url}{root}/mec_service_mgmt/v1/services", params={"ser_name": "greeter"}
        )
        assert gone.status_code == 404 or gone.json() == []


def test_the_readme_shows_the_first_app_as_it_is() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Write your first edge app", 1)[1]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    source = (EXAMPLES / "first_app.py").read_text(encoding="utf-8")
    code = source.split('"""', 2)[2].lstrip("\n")  # the file less its module docstring
    assert shown == code
