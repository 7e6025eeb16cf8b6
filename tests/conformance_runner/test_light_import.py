"""The conformance suite is a client: it speaks HTTP only and brings none of meclab's server
side (which it may be testing, or which may not even be meclab)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys

import meclab.conformance

SERVER_SIDE = (
    "numpy",
    "scipy",
    "fastapi",
    "uvicorn",
    "meclab.engine",
    "meclab.runtime",
    "meclab.app",
    "meclab.services",
    "meclab.platform",
    "meclab.dataplane",
    "meclab.control",
    "meclab.store",
    "meclab.bus",
)


def test_no_module_of_the_suite_imports_the_server_side() -> None:
    names = [
        m.name for m in pkgutil.walk_packages(meclab.conformance.__path__, "meclab.conformance.")
    ]
    assert "meclab.conformance.runner" in names and "meclab.conformance.suite.mec011" in names
    probe = "import importlib, json, sys\n"
    probe += "".join(f"importlib.import_module({name!r})\n" for name in names)
    probe += "print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        ).stdout
    )
    heavy = [m for m in loaded if any(m == s or m.startswith(f"{s}.") for s in SERVER_SIDE)]
    assert heavy == []
