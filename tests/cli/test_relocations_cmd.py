"""``meclab relocations``, ``show`` and ``policy`` against a served lab world with a second MEC
host running the same application, as a user types them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import Result
from helpers import on_loopback
from typer.testing import CliRunner

from meclab.app import create_app
from meclab.cli.main import app
from meclab.mobility.manager import Mobility
from meclab.mobility.registry import Device, ServiceLevel
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    lab_doc["domains"][0]["zones"][1]["mec_hosts"] = [
        {
            "name": "mec-b",
            "position": [0.004, 0.0005],
            "apps": [{"name": "edge-app-b", "app_name": "edge-app"}],
        }
    ]
    return Scenario.model_validate(lab_doc)


async def _meclab(port: int, *args: str) -> Result:
    url = f"http://127.0.0.1:{port}"
    return await asyncio.to_thread(
        CliRunner().invoke, app, [*args, "--url", url], env={"COLUMNS": "200"}
    )


async def test_list_show_and_change_the_policy(runtime: Runtime) -> None:
    served = on_loopback(lambda base: create_app(runtime, tick=False, base_url=base), 20.0)
    async with served as (web, port):
        empty = await _meclab(port, "relocations")
        assert empty.exit_code == 0 and empty.stdout.startswith("no relocation yet")

        mobility: Mobility = web.state.mobility
        edge = mobility.platforms.app_named("edge-app")
        device = Device(
            {"type": 1, "value": "10.0.0.2"},
            "ue-car",
            ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION,
        )
        await mobility.register("mec-a", edge.app_instance_id, None, [device], None)
        moved = await _meclab(port, "event", "move", "ue-car", "--poa", "cell-b1")
        assert moved.exit_code == 0, moved.output

        listed = await _meclab(port, "relocations")
        assert listed.exit_code == 0, listed.output
        header, row = listed.stdout.splitlines()
        assert header.split()[:6] == ["ID", "UE", "FROM", "TO", "STATE", "TOOK"]
        assert row.split()[1:5] == ["ue-car", "mec-a", "mec-b", "COMPLETED"]

        shown = await _meclab(port, "relocations", "show", row.split()[0])
        assert shown.exit_code == 0, shown.output
        lines = shown.stdout.splitlines()
        assert "ue-car: mec-a -> mec-b (context relocation" in lines[0]
        assert [line.split()[2] for line in lines[1:]] == [
            "DETECTED",
            "TRIGGERED",
            "CONFIRMED",
            "COMPLETED",
        ]

        unknown = await _meclab(port, "relocations", "show", "zzz")
        assert unknown.exit_code == 1 and "no procedure starts with 'zzz'" in unknown.stderr

        changed = await _meclab(port, "relocations", "policy", "keep_warm_s=never", "flows=reset")
        assert changed.exit_code == 0, changed.output
        assert "keep_warm_s              None" in changed.stdout
        assert mobility.policy.flows.value == "reset" and mobility.policy.keep_warm_s is None
        bad = await _meclab(port, "relocations", "policy", "transfer_timeout_s=-1")
        assert bad.exit_code == 1 and "transfer_timeout_s" in bad.stderr
        typo = await _meclab(port, "relocations", "policy", "keep_warm=1")
        assert typo.exit_code == 1 and "KEY one of" in typo.stderr
