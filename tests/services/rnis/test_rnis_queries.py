"""RNI queries: rab_info, plmn_info, s1_bearer_info, layer2_meas, with their filters and errors.

World: :func:`rnis_lab.corridor` with ``walker`` (10.0.0.1, on A at x = 0, walking east at
10 m/s) and ``idle`` (10.0.0.2, on A at x = -300), both 4G-only; mec-a's scope is cell A,
mec-b's cell B. The tests of this module only read, at t = 0, so they share one running lab
(building an app costs a few tenths of a second); those that move the world are in
test_rnis_query_changes.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from helpers import problem
from rnis_bodies import L2, PLMN_INFO, RAB_INFO, S1, s1_ue, ue_info
from rnis_lab import STAMP, Lab, ecgi, open_lab, two_ues

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def lab(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Lab]:
    async with open_lab(two_ues(), tmp_path_factory.mktemp("rnis") / "rnis.sqlite") as running:
        yield running


# --- rab_info --------------------------------------------------------------------------------


async def test_rab_info_lists_the_bearers_of_the_hosts_cells(lab: Lab) -> None:
    response = await lab.client.get(RAB_INFO, params={"app_ins_id": "app-a"})
    assert response.status_code == 200
    body = response.json()
    assert len(body.pop("requestId")) == 32
    assert body == {
        "timeStamp": STAMP,
        "appInstanceId": "app-a",
        "cellUserInfo": [{"ecgi": ecgi("000001A"), "ueInfo": [ue_info(1), ue_info(2)]}],
    }
    other = await lab.client.get(f"/hosts/mec-b{RAB_INFO}")
    assert "cellUserInfo" not in other.json()  # mec-b's cell B serves nobody


@pytest.mark.parametrize(
    ("params", "ues"),
    [
        ({"ue_ipv4_address": "10.0.0.2"}, [2]),
        ({"ue_ipv4_address": ["10.0.0.2", "10.0.0.1"]}, [1, 2]),
        ({"ue_ipv4_address": "10.0.0.1,10.0.0.9"}, [1]),
        ({"gtp_teid": "00000025"}, [2]),  # idle's S-GW TEID: (UE number 2 << 4) | E-RAB 5
        ({"gtp_teid": "0x80000015"}, [1]),  # walker's eNB TEID (top bit set)
        ({"cell_id": "1a"}, [1, 2]),
        ({"cell_id": "000001B"}, []),
        ({"erab_id": 5, "qci": 9}, [1, 2]),
        ({"qci": 8}, []),
        ({"erab_mbr_dl": 150_000_000, "erab_gbr_ul": 0}, [1, 2]),
        ({"erab_mbr_ul": 1}, []),
        ({"nated_ip_address": "10.0.0.1"}, []),  # meclab has no NAT
        ({"ue_ipv6_address": "2001:db8::1"}, []),
    ],
)
async def test_rab_info_filters(lab: Lab, params: dict[str, Any], ues: list[int]) -> None:
    body = (await lab.client.get(RAB_INFO, params=params)).json()
    found = [
        u["associateId"][0]["value"] for c in body.get("cellUserInfo", []) for u in c["ueInfo"]
    ]
    assert found == [f"10.0.0.{n}" for n in ues]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("erab_id=five", "erab_id"),
        ("qci=1.5", "qci"),
        ("cell_id=xyz", "cell_id"),
        ("cell_id=1FFFFFFF", "cell_id"),  # 29 bits
        ("ue_ipv4_address=10.0.0", "ue_ipv4_address"),
        ("ue_ipv6_address=10.0.0.1", "ue_ipv6_address"),
        ("gtp_teid=123456789", "gtp_teid"),
        ("erab", "erab"),
    ],
)
async def test_rab_info_bad_parameters_are_400_naming_them(lab: Lab, query: str, name: str) -> None:
    response = await lab.client.get(f"{RAB_INFO}?{query}")
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["invalidParams"][0]["name"] == name


async def test_unknown_application_instance_is_404(lab: Lab) -> None:
    for path in (
        f"{RAB_INFO}?app_ins_id=nope",
        f"{L2}?app_ins_id=nope",
        f"{PLMN_INFO}?app_ins_id=nope",
    ):
        response = await lab.client.get(path)
        assert response.status_code == 404, path
        assert "nope" in response.json()["detail"]
    # app-a runs on mec-a, not on mec-b
    assert (await lab.client.get(f"/hosts/mec-b{RAB_INFO}?app_ins_id=app-a")).status_code == 404


async def test_json_only_long_queries_and_unknown_hosts(lab: Lab) -> None:
    refused = await lab.client.get(RAB_INFO, headers={"Accept": "text/html"})
    assert refused.status_code == 406
    assert refused.headers["content-type"] == "application/problem+json"
    accepted = await lab.client.get(RAB_INFO, headers={"Accept": "text/html, application/*;q=0.5"})
    assert accepted.status_code == 200
    long = await lab.client.get(f"{L2}?cell_id={'1,' * 4500}")
    assert long.status_code == 414
    assert (await lab.client.get(f"/hosts/mec-x{RAB_INFO}")).status_code == 404


# --- plmn_info --------------------------------------------------------------------------------


async def test_plmn_info_gives_the_hosts_operator_per_application_instance(lab: Lab) -> None:
    response = await lab.client.get(PLMN_INFO, params={"app_ins_id": "app-a"})
    assert response.status_code == 200
    assert response.json() == [
        {"timeStamp": STAMP, "appInstanceId": "app-a", "plmn": [{"mcc": "001", "mnc": "01"}]}
    ]
    missing = await lab.client.get(PLMN_INFO)
    assert missing.status_code == 400
    assert missing.json()["invalidParams"][0]["name"] == "app_ins_id"


# --- s1_bearer_info ---------------------------------------------------------------------------


async def test_s1_bearer_info_lists_both_tunnel_ends(lab: Lab) -> None:
    body = (await lab.client.get(S1)).json()
    assert body == {
        "timeStamp": STAMP,
        "s1UeInfo": [s1_ue(1, "172.16.0.1"), s1_ue(2, "172.16.0.1")],
    }


@pytest.mark.parametrize(
    ("params", "ues"),
    [
        ({"temp_ue_id": "0100000002"}, [2]),
        ({"temp_ue_id": "0x0100000001,0100000009"}, [1]),
        ({"erab_id": [5, 6]}, [1, 2]),
        ({"ue_ipv4_address": "10.0.0.1", "cell_id": "1A"}, [1]),
    ],
)
async def test_s1_bearer_info_filters(lab: Lab, params: dict[str, Any], ues: list[int]) -> None:
    body = (await lab.client.get(S1, params=params)).json()
    assert [u["associateId"][0]["value"] for u in body["s1UeInfo"]] == [f"10.0.0.{n}" for n in ues]


@pytest.mark.parametrize(
    "params",
    [
        {"erab_id": 6},
        {"ue_ipv4_address": "10.0.0.1", "gtp_teid": "00000025"},  # AND across filters
        {"cell_id": "1B"},
    ],
)
async def test_s1_bearer_info_matching_nothing_is_404(lab: Lab, params: dict[str, Any]) -> None:
    # s1UeInfo is mandatory with at least one item (MEC 012 clause 6.2.4): no empty list.
    body = problem(await lab.client.get(S1, params=params), 404)
    assert "S1 bearer" in body["detail"]


# --- layer2_meas ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "cells", "ues"),
    [
        ({"dl_total_prb_usage_cell": 27}, ["000001A"], [1, 2]),
        ({"dl_total_prb_usage_cell": "26,28"}, [], []),
        ({"ue_ipv4_address": "10.0.0.2"}, ["000001A"], [2]),
        ({"ue_ipv4_address": "10.0.0.9"}, [], []),
        ({"dl_nongbr_throughput_ue": 150_000}, ["000001A"], [1, 2]),
        ({"dl_gbr_delay_ue": 0}, [], []),  # no GBR traffic: no GBR delay to match
        ({"cell_id": "1B"}, [], []),
        ({"received_randomly_selecte_preambles_low_range_cell": 0}, [], []),
        ({"received_randomly_selected_preambles_low_range_cell": 0}, [], []),
    ],
)
async def test_layer2_filters(
    lab: Lab, params: dict[str, Any], cells: list[str], ues: list[int]
) -> None:
    response = await lab.client.get(L2, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [c["ecgi"]["cellId"] for c in body.get("cellInfo", [])] == cells
    assert [u["associateId"]["value"] for u in body.get("cellUEInfo", [])] == [
        f"10.0.0.{n}" for n in ues
    ]
