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
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(sys.modules)))
"""


def sdk_modules() -> list[str]:
    found = ["meclab.sdk"]
    for info in pkgutil.walk_packages(meclab.sdk.__path__, "meclab.sdk."):
        found.append(info.name)
    return found


def loaded_after(module: str) -> list[str]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, module], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def test_every_sdk_module_imports_without_the_server_side() -> None:
    modules = sdk_modules()
    assert "meclab.sdk.http" in modules
    for module in modules:
        loaded = loaded_after(module)
        heavy = [
            m
            for m in loaded
            if m not in LIGHT_WIRE and any(m == s or m.startswith(s + ".") for s in SERVER_SIDE)
        ]
        assert heavy == [], f"import {module} loads {heavy}"


def test_the_probe_sees_the_server_side_when_it_is_imported() -> None:
    loaded = loaded_after("meclab.runtime")
    assert "numpy" in loaded and "meclab.engine" in loaded
