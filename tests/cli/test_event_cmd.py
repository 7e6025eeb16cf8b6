"""``meclab event move/release`` against a served lab world (tests/conftest.py), as a user types
them: the command runs in a thread, the server in the test's event loop; and the arguments
they refuse before calling it."""

from __future__ import annotations

import asyncio

import pytest
from click.testing import Result
from helpers import on_loopback
from typer.testing import CliRunner

from meclab.app import create_app
from meclab.cli.main import app
from meclab.engine.events import EVENT_TYPES
from meclab.runtime import Runtime

TIMEOUT_S = 20.0


async def _meclab(port: int, *args: str) -> Result:
    url = f"http://127.0.0.1:{port}"
    return await asyncio.to_thread(CliRunner().invoke, app, [*args, "--url", url])


async def test_move_then_release_from_the_command_line(runtime: Runtime) -> None:
    served = on_loopback(lambda base: create_app(runtime, tick=False, base_url=base), TIMEOUT_S)
    async with served as (_, port):
        moved = await _meclab(port, "event", "move", "ue-car", "--poa", "cell-b1")
        assert moved.exit_code == 0, moved.output
        assert runtime.world.serving_poa("ue-car") == "cell-b1"

        released = await _meclab(port, "event", "release", "ue-car")
        assert released.exit_code == 0, released.output
        lines = released.stdout.splitlines()
        assert lines[0].endswith('manual         action=release params={"ue": "ue-car"}')
        assert "handover" in lines[1] and "source=cell-b1 target=cell-a1" in lines[1]
        assert runtime.world.serving_poa("ue-car") == "cell-a1"

        again = await _meclab(port, "event", "release", "ue-car")
        assert again.exit_code == 1
        assert again.stderr.strip() == (
            "meclab refused (409): ue-car is not held by a move: it already follows its path"
        )


@pytest.mark.parametrize("force", [False, True])
async def test_move_far_away_needs_force(runtime: Runtime, force: bool) -> None:
    served = on_loopback(lambda base: create_app(runtime, tick=False, base_url=base), TIMEOUT_S)
    async with served as (_, port):
        args = ["event", "move", "ue-car", "--to", "1.0,0.0", *(["--force"] if force else [])]
        result = await _meclab(port, *args)
        if force:
            assert result.exit_code == 0, result.output
            assert runtime.world.serving_poa("ue-car") is None
        else:
            assert result.exit_code == 1
            assert result.stderr.startswith(
                "meclab refused (400): lon 1, lat 0 is 110.1 km outside"
            )
            assert "--force" in result.stderr
            assert runtime.world.serving_poa("ue-car") == "cell-a1"


def test_events_refuses_an_unknown_type_listing_the_valid_ones() -> None:
    result = CliRunner().invoke(app, ["events", "--type", "handvoer"], env={"COLUMNS": "300"})
    assert result.exit_code == 2
    listed = ", ".join(f"'{kind}'" for kind in EVENT_TYPES)
    assert f"'handvoer' is not one of {listed}" in " ".join(result.output.split())
