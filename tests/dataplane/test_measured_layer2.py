"""RNIS layer 2 measurements from the load the relay carries: four backlogged flows saturate a
4G cell's uplink, and the cell's uplink PRB usage, active UEs and each UE's throughput in
``layer2_meas`` are what the data plane measured, not the traffic model's figures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import until

from .conftest import Env, serve_with_api
from .test_shared_capacity import (
    CELL_MBPS,
    EXTRA_UES,
    open_loops,
    rates_mbps,
    shared_document,
    stop_all,
)

L2 = "/rni/v2/queries/layer2_meas"


@pytest.fixture
async def served(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[tuple[Env, str]]:
    async with serve_with_api(tmp_path, shared_document(echo)) as running:
        yield running


def cell(body: dict[str, Any]) -> dict[str, Any]:
    (info,) = body["cellInfo"]
    return info


async def test_layer2_reports_the_relayed_load(served: tuple[Env, str]) -> None:
    env, url = served
    async with httpx.AsyncClient(base_url=url) as client:
        modelled = (await client.get(L2)).json()
        assert cell(modelled)["ul_nongbr_prb_usage_cell"] < 100  # the model: a few UEs' share

        ues = ["ue-1", *EXTRA_UES]
        loops = await open_loops(env, ues)
        rates = await rates_mbps(loops)
        assert sum(rates) == pytest.approx(CELL_MBPS, rel=0.05)

        body = (await client.get(L2)).json()
        info = cell(body)
        assert info["ul_nongbr_prb_usage_cell"] >= 95  # saturated, as measured
        assert info["ul_total_prb_usage_cell"] == info["ul_nongbr_prb_usage_cell"]
        assert info["number_of_active_ue_ul_nongbr_cell"] == len(ues)
        by_address = {u["associateId"]["value"]: u for u in body["cellUEInfo"]}
        for ue in ues:
            address = env.runtime.world.terminal(ue).address.removeprefix("acr:")
            kbps = by_address[address]["ul_nongbr_throughput_ue"]
            assert kbps == pytest.approx(CELL_MBPS / len(ues) * 1000, rel=0.1), (ue, kbps)
        # the downlink shares no capacity (no throughput configured): the model's figures stay
        assert info["dl_total_prb_usage_cell"] == cell(modelled)["dl_total_prb_usage_cell"]

        await stop_all(loops)
        await until(lambda: not env.plane.registry.open, "the flows to close")
