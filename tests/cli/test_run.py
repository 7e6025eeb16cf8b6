"""``meclab run`` as a user runs it: beside ``meclab up``, on an ``emulated: false`` app of the
world, with a tiny EdgeApp; SIGTERM reaches the app, which deregisters, and run exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
from helpers import free_port

from meclab.demo.stage import Component, Stage, meclab_argv
from meclab.scenario.model import Scenario

APP_MODULE = """
from aiohttp import web
from meclab.sdk.app import EdgeApp

app = EdgeApp()
app.offer("greeter", "/hello")


@app.get("/hello")
async def hello(request: web.Request) -> web.Response:
    return web.json_response({"hello": "world"})
"""


def own_app_world(doc: dict[str, Any], endpoint: str) -> Scenario:
    mec_a = doc["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"].append({"name": "my-app", "emulated": False, "endpoint": endpoint})
    return Scenario.model_validate(doc)


def greeters(stage: Stage, api_root: str) -> list[dict[str, Any]]:
    url = f"{stage.url}{api_root}/mec_service_mgmt/v1/services"
    answer = httpx.get(url, params={"ser_name": "greeter"}, timeout=5.0)
    return answer.json() if answer.status_code == 200 else []


def test_run_plays_the_instance_names_what_exists_and_sigterm_deregisters(
    tmp_path: Path, lab_doc: dict[str, Any]
) -> None:
    package = tmp_path / "pkg" / "tests_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "module.py").write_text(APP_MODULE)
    port = free_port()
    pythonpath = os.pathsep.join([str(tmp_path / "pkg"), os.environ.get("PYTHONPATH", "")])
    world = own_app_world(lab_doc, f"127.0.0.1:{port}")
    with Stage(world, workdir=tmp_path, say=lambda _: None) as stage:
        api_root = stage.control("/nodes/mec-a")["api_root"]
        component = Component.edge_app(
            "my-app", "tests_pkg.module:app", host="mec-a", app="my-app",
            env={"PYTHONPATH": pythonpath}, port=port,
        )  # fmt: skip
        for args, expected in (
            (("--host", "mec-z"), "no MEC host 'mec-z'; the world has: mec-a"),
            (("--host", "mec-a", "--app", "edge-app"), "no application 'edge-app' with emulated"),
        ):
            argv = meclab_argv("run", "tests_pkg.module:app", *args, "--url", stage.url)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
            assert done.returncode == 1 and expected in done.stderr, done.stderr
            assert "(there: my-app)" in done.stderr or "mec-z" in args

        running = stage.start(component)  # returns once my-app is READY on its platform
        assert stage.app_state("my-app") == "READY"
        offered = greeters(stage, api_root)
        assert [s["serName"] for s in offered] == ["greeter"]
        assert httpx.get(f"http://127.0.0.1:{port}/hello").json() == {"hello": "world"}

        running.process.send_signal(signal.SIGTERM)  # to meclab run, which forwards it
        assert running.process.wait(15) == 0
        deadline = time.monotonic() + 5
        while greeters(stage, api_root) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert greeters(stage, api_root) == []
