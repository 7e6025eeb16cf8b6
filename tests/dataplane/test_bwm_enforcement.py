"""BWM allocations through the API take effect on real relayed flows at once: four backlogged
uplink flows share a 32 Mbit/s cell; a session allocation of 20 Mbit/s for one of them holds
while the other three share the rest, its deletion restores fairness, and one the cell cannot
honour is refused with nothing applied."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from .conftest import Env, serve_with_api
from .test_shared_capacity import (
    CELL_MBPS,
    EXTRA_UES,
    flow_of,
    open_loops,
    rates_mbps,
    shared_document,
    stop_all,
)

ALLOCATIONS = "/bwm/v1/bw_allocations"


@pytest.fixture
async def served(
    tmp_path: Path, echo: tuple[str, int]
) -> AsyncIterator[tuple[Env, httpx.AsyncClient]]:
    async with (
        serve_with_api(tmp_path, shared_document(echo)) as (env, url),
        httpx.AsyncClient(base_url=url) as client,
    ):
        yield env, client


def allocation(env: Env, ue: str, mbps: float) -> dict[str, object]:
    """An uplink allocation of ``mbps`` for the session ``ue`` opened to edge-a."""
    edge = env.platforms.app_named("edge-a")
    ue_ip = env.runtime.world.terminal(ue).address.removeprefix("acr:")
    return {
        "appInsId": edge.app_instance_id,
        "requestType": 1,
        "sessionFilter": [{"sourceIp": ue_ip, "dstAddress": "10.1.0.10"}],
        "fixedAllocation": str(int(mbps * 1e6)),
        "allocationDirection": "01",
    }


async def test_an_allocation_holds_its_rate_and_its_deletion_restores_fairness(
    served: tuple[Env, httpx.AsyncClient],
) -> None:
    env, client = served
    ues = ["ue-1", *EXTRA_UES]
    loops = await open_loops(env, ues, app="edge-a")
    fair = await rates_mbps(loops)
    assert fair == pytest.approx([CELL_MBPS / 4] * 4, rel=0.05), fair

    created = await client.post(ALLOCATIONS, json=allocation(env, "ue-1", 20.0))
    assert created.status_code == 201, created.text
    # in force at once, before any tick: the flow's rate stage allows its 20 Mbit/s
    assert flow_of(env, "ue-1").share_bps[0] >= 20e6
    held = await rates_mbps(loops)
    rest = (CELL_MBPS - 20.0) / 3
    assert held == pytest.approx([20.0, rest, rest, rest], rel=0.05), held

    deleted = await client.delete(created.headers["Location"])
    assert deleted.status_code == 204, deleted.text
    released = await rates_mbps(loops)
    assert released == pytest.approx([CELL_MBPS / 4] * 4, rel=0.05), released
    await stop_all(loops)


async def test_an_allocation_the_cell_cannot_honour_is_refused_and_nothing_applied(
    served: tuple[Env, httpx.AsyncClient],
) -> None:
    env, client = served
    loops = await open_loops(env, ["ue-1", "ue-3"], app="edge-a")
    too_much = await client.post(ALLOCATIONS, json=allocation(env, "ue-1", CELL_MBPS))
    assert too_much.status_code == 409, too_much.text
    assert "cell-a" in too_much.json()["detail"]
    assert (await client.get(ALLOCATIONS)).json() == []
    measured = await rates_mbps(loops)
    assert measured == pytest.approx([CELL_MBPS / 2] * 2, rel=0.05), measured
    await stop_all(loops)
