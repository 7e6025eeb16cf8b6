"""``meclab dashboard`` against a served lab world in open mode (the secure mode's sign-in link
is followed in a real browser by tests/ui/test_ui_secure.py), and against nothing."""

from __future__ import annotations

import asyncio

from helpers import free_port, on_loopback
from typer.testing import CliRunner

from meclab.app import create_app
from meclab.cli.main import app
from meclab.runtime import Runtime

TIMEOUT_S = 20.0


async def test_in_open_mode_it_prints_the_dashboards_address(runtime: Runtime) -> None:
    served = on_loopback(lambda base: create_app(runtime, tick=False, base_url=base), TIMEOUT_S)
    async with served as (_, port):
        url = f"http://127.0.0.1:{port}"
        result = await asyncio.to_thread(CliRunner().invoke, app, ["dashboard", "--url", url])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{url}/\n"  # no credential: this meclab wants none
    assert result.stderr == ""


def test_with_no_meclab_there_it_says_so() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = CliRunner().invoke(app, ["dashboard", "--url", url])
    assert result.exit_code == 1
    assert result.stderr.startswith(f"meclab dashboard: cannot reach meclab at {url}: ")
    assert result.stdout == ""
