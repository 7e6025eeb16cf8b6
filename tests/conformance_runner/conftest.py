"""Fixtures of the conformance runner's tests: a real ``meclab up`` to test against."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI_TESTS = str(Path(__file__).parents[1] / "cli")
if CLI_TESTS not in sys.path:  # tests/cli's Meclab helper, when this folder runs alone
    sys.path.insert(0, CLI_TESTS)
from helpers import free_port  # noqa: E402
from test_up import ANY_DATAPLANE_PORTS, Meclab  # noqa: E402


@pytest.fixture(scope="module")
def meclab_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a ``meclab up`` on the built-in world, for this module's tests."""
    workdir = tmp_path_factory.mktemp("meclab")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(workdir / "data"), *ANY_DATAPLANE_PORTS]
    process = Meclab(args, workdir, "meclab")
    try:
        process.wait_ready(base)
        yield base
    finally:
        process.kill()
