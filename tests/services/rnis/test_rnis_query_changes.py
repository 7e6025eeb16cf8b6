"""RNI queries as the world moves: they follow the engine at every instant.

World: test_rnis_queries.two_ues (walker on A walking east at 10 m/s, idle on A at x = -300).
"""

from __future__ import annotations

from pathlib import Path

from rnis_bodies import L2, RAB_INFO, S1, s1_ue, ue_info
from rnis_lab import STAMP, ecgi, ipv4, open_lab, two_ues


async def test_after_a_handover_every_query_reports_the_ue_on_its_new_cell(db: Path) -> None:
    async with open_lab(two_ues(), db) as lab:
        await lab.tick(56.0)  # walker at x = 560: B is 3.1 dB better, the engine hands over
        assert lab.runtime.world.serving_poa("walker") == "B"
        on_a = (await lab.client.get(RAB_INFO)).json()["cellUserInfo"]
        on_b = (await lab.client.get(f"/hosts/mec-b{RAB_INFO}")).json()["cellUserInfo"]
        assert on_a == [{"ecgi": ecgi("000001A"), "ueInfo": [ue_info(2)]}]
        assert on_b == [{"ecgi": ecgi("000001B"), "ueInfo": [ue_info(1)]}]

        s1 = (await lab.client.get(f"/hosts/mec-b{S1}")).json()
        assert s1["s1UeInfo"] == [s1_ue(1, "172.16.0.2", "000001B")]  # the eNB end moved

        # The handover was a contention-free random access into B.
        cell_b = (await lab.client.get(f"/hosts/mec-b{L2}")).json()["cellInfo"][0]
        assert cell_b["received_dedicated_preambles_cell"] == 100
        assert cell_b["received_randomly_selected_preambles_low_range_cell"] == 0
        assert cell_b["received_randomly_selected_preambles_high_range_cell"] == 0
        for name in (
            "received_randomly_selecte_preambles_low_range_cell",  # the generated file's typo
            "received_randomly_selected_preambles_low_range_cell",
        ):
            body = (await lab.client.get(f"/hosts/mec-b{L2}", params={name: 0})).json()
            assert [c["ecgi"]["cellId"] for c in body["cellInfo"]] == ["000001B"]

        await lab.tick(66.1)  # over 10 s later: out of the counting window
        cell_b = (await lab.client.get(f"/hosts/mec-b{L2}")).json()["cellInfo"][0]
        assert "received_dedicated_preambles_cell" not in cell_b


async def test_layer2_measurements_derive_from_load_links_and_time(db: Path) -> None:
    async with open_lab(two_ues(), db) as lab:
        await lab.runtime.set_netchar("A", {"latency_ms": 5.0, "loss_pct": 2.0})
        await lab.runtime.set_netchar("walker", {"latency_ms": 0.4, "loss_pct": 0.5})
        await lab.tick(10.0)
        body = (await lab.client.get(L2)).json()
        assert body["timeStamp"] == STAMP
        # 2 UEs served: carrier load 2/12 + 2 x 0.05 = 0.2667 (engine/radio.py cell_load)
        assert body["cellInfo"] == [
            {
                "ecgi": ecgi("000001A"),
                "dl_gbr_prb_usage_cell": 0,
                "ul_gbr_prb_usage_cell": 0,
                "dl_nongbr_prb_usage_cell": 10,
                "ul_nongbr_prb_usage_cell": 10,
                "dl_total_prb_usage_cell": 27,
                "ul_total_prb_usage_cell": 10,
                "number_of_active_ue_dl_gbr_cell": 0,
                "number_of_active_ue_ul_gbr_cell": 0,
                "number_of_active_ue_dl_nongbr_cell": 2,
                "number_of_active_ue_ul_nongbr_cell": 2,
                "dl_nongbr_pdr_cell": 2,
                "ul_nongbr_pdr_cell": 2,
            }
        ]
        walker, idle = body["cellUEInfo"]
        assert walker == {
            "ecgi": ecgi("000001A"),
            "associateId": ipv4(1),
            "dl_nongbr_delay_ue": 5,  # 0.4 + 5 ms, one way
            "ul_nongbr_delay_ue": 5,
            "dl_nongbr_pdr_ue": 2,  # 1 - 0.995 x 0.98 = 2.49 %
            "ul_nongbr_pdr_ue": 2,
            "dl_gbr_throughput_ue": 0,
            "ul_gbr_throughput_ue": 0,
            "dl_nongbr_throughput_ue": 150_000,  # kbit/s
            "ul_nongbr_throughput_ue": 50_000,
            "dl_gbr_data_volume_ue": 0,
            "ul_gbr_data_volume_ue": 0,
            "dl_nongbr_data_volume_ue": 1_500_000,  # 10 s at 150 Mbit/s, in kbit
            "ul_nongbr_data_volume_ue": 500_000,
        }
        assert idle["associateId"] == ipv4(2)
        assert idle["dl_nongbr_delay_ue"] == 5

        # A rate change at t = 10: the volume keeps what was carried at the old rate.
        await lab.runtime.set_netchar("A", {"throughput_dl_mbps": 10.0})
        await lab.tick(16.0)
        entry = (await lab.client.get(L2, params={"ue_ipv4_address": "10.0.0.2"})).json()
        assert entry["cellUEInfo"][0]["dl_nongbr_throughput_ue"] == 10_000
        assert entry["cellUEInfo"][0]["dl_nongbr_data_volume_ue"] == 1_500_000 + 60_000


async def test_rnis_and_the_control_api_agree_at_every_instant(db: Path) -> None:
    """At each tick, the cell RNIS puts a UE in (across the hosts' scopes) is the PoA the
    control API shows for it."""
    async with open_lab(two_ues(), db) as lab:
        ids = {"000001A": "A", "000001B": "B"}
        for t in (0.0, 30.0, 55.0, 56.0, 90.0):
            await lab.tick(t)
            rnis_cell = {}
            for prefix in ("", "/hosts/mec-b"):
                body = (await lab.client.get(f"{prefix}{RAB_INFO}")).json()
                for cell in body.get("cellUserInfo", []):
                    for info in cell["ueInfo"]:
                        rnis_cell[info["associateId"][0]["value"]] = ids[cell["ecgi"]["cellId"]]
            for name, address in (("walker", "10.0.0.1"), ("idle", "10.0.0.2")):
                control = (await lab.client.get(f"/meclab/v1/terminals/{name}")).json()
                assert rnis_cell[address] == control["poa"], (t, name)
