"""ControlClient against a running meclab: reads, paged events, commands, typed errors."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk.control import ControlClient
from meclab.sdk.errors import MecApiError


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


async def test_reads_the_world_and_its_elements(lab: Lab) -> None:
    async with ControlClient(lab.config()) as control:
        world = await control.world()
        assert world.scenario == "lab"
        assert {n.name for n in await control.nodes()} >= {"mec-a", "cloud-pub"}
        assert {p.name for p in await control.poas()} == {"cell-a1", "wifi-a2", "cell-b1"}
        assert {z.name for z in await control.zones()} == {"zone-a", "zone-b"}
        assert {"my-app", "edge-app"} <= {a.name for a in await control.apps()}
        assert (await control.terminal("ue-walk")).name == "ue-walk"
        assert (await control.scenario()).name == "lab"
        path = await control.netchar("ue-walk", "mec-a")
        assert path.source == "ue-walk" and path.latency_ms > 0


async def test_move_changes_the_path_and_the_events_follow_their_paging(lab: Lab) -> None:
    async with ControlClient(lab.config()) as control:
        before = await control.netchar("ue-car", "mec-a")
        result = await control.move("ue-car", "cell-b1")
        assert result.event["type"] == "manual", result
        assert (await control.terminal("ue-car")).poa == "cell-b1"
        after = await control.netchar("ue-car", "mec-a")
        assert after.hops != before.hops
        every = [r async for r in control.events(page=2)]
        seqs = [r["seq"] for r in every]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)) > 2
        last = (await control.events_page(limit=1)).last_seq
        assert seqs[-1] == last
        assert [r async for r in control.events(after=last)] == []


async def test_unknown_names_and_bad_commands_raise_the_sdk_error(lab: Lab) -> None:
    async with ControlClient(lab.config()) as control:
        with pytest.raises(MecApiError) as unknown:
            await control.terminal("nobody")
        assert unknown.value.status == 404 and "nobody" in str(unknown.value)
        with pytest.raises(MecApiError) as bad:
            await control.move("ue-car", "no-such-cell")
        assert bad.value.status == 404
        result = await control.terminate("edge-app", graceful_timeout_s=0)
        assert "edge-app" in str(result.event), result
