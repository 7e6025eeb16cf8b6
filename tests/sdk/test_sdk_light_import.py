"""The SDK keeps an application's process small: none of meclab's server side comes with it."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import meclab.sdk

SERVER_SIDE = (
    "numpy",
    "scipy",
    "fastapi",
    "starlette",
    "uvicorn",
    "sse_starlette",
    "meclab.engine",
    "meclab.runtime",
    "meclab.app",
    "meclab.dataplane",
    "meclab.control",
    "meclab.store",
    "meclab.bus",
    "meclab.platform.platform",
    "meclab.platform.subscriptions",
)

LIGHT_WIRE = ("meclab.control", "meclab.control.wire")
"""The control API's bodies: pydantic and the scenario model only, shared with the routes."""

PROBE = """
import importlib, json, os, sys, traceback
# What every application has anyway, imported once before the forks so that each child pays
# only for meclab's own modules. Were one of these to bring the server side, every child would
# show it and the test would fail: nothing is hidden by importing them here.
import aiohttp, httpx, pydantic
# Importing any meclab.sdk.x runs meclab/sdk/__init__.py first: in the parent, then, once.
import meclab.sdk
found = {}
for name in sys.argv[1:]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # a child: a fresh copy of this process, for one module
        os.close(read)
        try:
            importlib.import_module(name)
            os.write(write, json.dumps(sorted(sys.modules)).encode())
        except BaseException:
            traceback.print_exc()
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"import {name} failed")
    found[name] = json.loads(data)
print(json.dumps(found))
"""


def sdk_modules() -> list[str]:
    found = ["meclab.sdk"]
    for info in pkgutil.walk_packages(meclab.sdk.__path__, "meclab.sdk."):
        found.append(info.name)
    return found


def loaded_after(*modules: str) -> dict[str, list[str]]:
    """For each module, the modules loaded once it is imported in a fresh process (a fork of
    one that has imported only aiohttp, httpx, pydantic and meclab.sdk itself)."""
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *modules], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_every_sdk_module_imports_without_the_server_side() -> None:
    modules = sdk_modules()
    assert "meclab.sdk.http" in modules
    for module, loaded in loaded_after(*modules).items():
        heavy = {
            s
            for m in loaded
            if m not in LIGHT_WIRE
            for s in SERVER_SIDE
            if m == s or m.startswith(s + ".")
        }
        assert not heavy, f"import {module} loads {sorted(heavy)}"


def test_the_probe_sees_the_server_side_when_it_is_imported() -> None:
    loaded = loaded_after("meclab.runtime")["meclab.runtime"]
    assert "numpy" in loaded and "meclab.engine" in loaded
