"""Event-driven RNI notifications end to end: a stepped world, a real HTTP receiver.

The world moves through ``lab.tick(t)`` (the runtime's tick under a fake clock), so the engine's
events reach RNIS over the bus as in production; each test then waits for delivery and checks
the exact notifications each subscription received, in order, with their contents.
"""

from __future__ import annotations

from pathlib import Path

from receiver import Receiver
from rnis_bodies import PEAK, delivered, links, s1_info, sub_body
from rnis_lab import (
    STAMP,
    corridor,
    ecgi,
    ipv4,
    lte_ue,
    mixed,
    open_lab,
    two_ues,
)


async def test_a_handover_between_4g_cells_sends_one_cell_change(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        cc = "CellChangeSubscription"
        everything = await lab.subscribe(sub_body(cc, receiver, "/a", filterCriteriaAssocHo={}))
        assert everything["filterCriteriaAssocHo"] == {"hoStatus": [3]}  # the GS default
        target_side = await lab.subscribe(
            sub_body(cc, receiver, "/b", filterCriteriaAssocHo={"associateId": [ipv4(1)]}),
            host="mec-b",
        )
        by_target = await lab.subscribe(
            sub_body(cc, receiver, "/cell-b", filterCriteriaAssocHo={"ecgi": [ecgi("1b")]}),
            host="mec-b",
        )
        for path, criteria in {
            "/other-cell": {"ecgi": [ecgi("00000FF")]},
            "/other-ue": {"associateId": [ipv4(2)]},
            "/preparation": {"hoStatus": [1, 2]},
        }.items():
            await lab.subscribe(sub_body(cc, receiver, path, filterCriteriaAssocHo=criteria))

        await lab.ticks(10, 20, 30, 40, 50, 54, 55)
        assert await delivered(lab, receiver) == []
        await lab.ticks(56, 60, 70)  # x = 560 m: B is 3 dB stronger, the engine hands over
        assert lab.runtime.world.serving_poa("walker") == "B"

        expected = {
            "notificationType": "CellChangeNotification",
            "timeStamp": STAMP,
            "associateId": [ipv4(1)],
            "srcEcgi": ecgi("000001A"),
            "trgEcgi": [ecgi("000001B")],
            "hoStatus": 3,
            "tempUeId": {"mmec": "01", "mtmsi": "00000001"},
        }
        assert await delivered(lab, receiver, "/a") == [{**expected, "_links": links(everything)}]
        assert receiver.bodies("/b") == [{**expected, "_links": links(target_side)}]
        assert receiver.bodies("/cell-b") == [{**expected, "_links": links(by_target)}]
        assert len(receiver.received) == 3  # nothing for another cell, another UE, other statuses


async def test_connect_disconnect_and_rate_changes_drive_rab_and_s1_notifications(
    db: Path, receiver: Receiver
) -> None:
    scenario = corridor(
        [
            lte_ue("arriver", 1, [-1000.0, -500.0], 10.0),  # A covers from x = -800: t = 20
            lte_ue("leaver", 2, [1500.0, 2500.0], 10.0),  # B lets go past x = 2007: t = 50.7
        ]
    )
    async with open_lab(scenario, db) as lab:
        est = await lab.subscribe(
            sub_body("RabEstSubscription", receiver, "/est", filterCriteriaQci={"qci": 9})
        )
        await lab.subscribe(
            sub_body("RabEstSubscription", receiver, "/qci8", filterCriteriaQci={"qci": 8})
        )
        mod = await lab.subscribe(
            sub_body(
                "RabModSubscription", receiver, "/mod", filterCriteriaQci={"erabId": 5, "qci": 9}
            ),
            host="mec-b",
        )
        rel = await lab.subscribe(
            sub_body(
                "RabRelSubscription", receiver, "/rel", filterCriteriaQci={"erabId": 5, "qci": 9}
            ),
            host="mec-b",
        )
        await lab.subscribe(
            sub_body(
                "RabRelSubscription", receiver, "/erab6", filterCriteriaQci={"erabId": 6, "qci": 9}
            ),
            host="mec-b",
        )
        s1_body = {"eventType": [1, 2, 3], "S1BearerSubscriptionCriteria": {}}
        s1_a = await lab.subscribe(sub_body("S1BearerSubscription", receiver, "/s1-a", **s1_body))
        s1_b = await lab.subscribe(
            sub_body("S1BearerSubscription", receiver, "/s1-b", **s1_body), host="mec-b"
        )
        await lab.subscribe(
            sub_body(
                "S1BearerSubscription",
                receiver,
                "/s1-release-of-1",
                eventType=[3],
                S1BearerSubscriptionCriteria={"associateId": [ipv4(1)]},
            ),
            host="mec-b",
        )

        await lab.ticks(10, 19)
        assert await delivered(lab, receiver) == []
        await lab.tick(21)  # arriver connects to A
        await lab.runtime.set_netchar("B", {"throughput_ul_mbps": 20.0})  # leaver's E-RAB
        await lab.runtime.set_netchar("A", {"latency_ms": 3.0})  # no rate change: no RabMod
        await lab.ticks(50, 51)  # leaver loses B

        assert await delivered(lab, receiver, "/est") == [
            {
                "notificationType": "RabEstNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("000001A"),
                "associateId": [ipv4(1)],
                "erabId": 5,
                "erabQosParameters": {"qci": 9, "qosInformation": PEAK},
                "tempUeId": {"mmec": "01", "mtmsi": "00000001"},
                "_links": links(est),
            }
        ]
        assert receiver.bodies("/mod") == [
            {
                "notificationType": "RabModNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("000001B"),
                "associateId": [ipv4(2)],
                "erabId": 5,
                "erabQosParameters": {
                    "qci": 9,
                    "qosInformation": {**PEAK, "erabMbrUl": 20_000_000},
                },
                "_links": links(mod),
            }
        ]
        assert receiver.bodies("/rel") == [
            {
                "notificationType": "RabRelNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("000001B"),
                "associateId": [ipv4(2)],
                "erabReleaseInfo": {"erabId": 5},
                "_links": links(rel),
            }
        ]
        assert receiver.bodies("/s1-a") == [
            {
                "notificationType": "S1BearerNotification",
                "timeStamp": STAMP,
                "s1Event": 1,
                "s1UeInfo": {
                    "tempUeId": {"mmec": "01", "mtmsi": "00000001"},
                    "associateId": [ipv4(1)],
                    "ecgi": [ecgi("000001A")],
                    "s1BearerInfo": [s1_info(1, "172.16.0.1")],
                },
                "_links": links(s1_a),
            }
        ]
        assert receiver.bodies("/s1-b") == [
            {
                "notificationType": "S1BearerNotification",
                "timeStamp": STAMP,
                "s1Event": 3,
                "s1UeInfo": {
                    "tempUeId": {"mmec": "01", "mtmsi": "00000002"},
                    "associateId": [ipv4(2)],
                    "ecgi": [ecgi("000001B")],
                    "s1BearerInfo": [s1_info(2, "172.16.0.2")],
                },
                "_links": links(s1_b),
            }
        ]
        assert (
            receiver.bodies("/qci8")
            == receiver.bodies("/erab6")
            == receiver.bodies("/s1-release-of-1")
            == []
        )
        assert len(receiver.received) == 5


async def test_a_handover_moves_the_s1_bearer_to_the_target_enb(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(corridor([lte_ue("walker", 1, [0.0, 1000.0], 10.0)]), db) as lab:
        s1 = await lab.subscribe(
            sub_body(
                "S1BearerSubscription",
                receiver,
                "/s1",
                eventType=[2],
                S1BearerSubscriptionCriteria={"ecgi": [ecgi("000001A")], "erabId": [5]},
            )
        )
        await lab.subscribe(
            sub_body("RabEstSubscription", receiver, "/est", filterCriteriaQci={"qci": 9})
        )
        await lab.ticks(50, 56)
        assert await delivered(lab, receiver, "/s1") == [
            {
                "notificationType": "S1BearerNotification",
                "timeStamp": STAMP,
                "s1Event": 2,  # S1_BEARER_MODIFY: the path switch to B's eNB
                "s1UeInfo": {
                    "tempUeId": {"mmec": "01", "mtmsi": "00000001"},
                    "associateId": [ipv4(1)],
                    "ecgi": [ecgi("000001B")],
                    "s1BearerInfo": [s1_info(1, "172.16.0.2")],
                },
                "_links": links(s1),
            }
        ]
        assert receiver.bodies("/est") == []  # a handover keeps the E-RAB


async def test_moving_from_4g_to_5g_releases_the_e_rab_without_a_cell_change(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(mixed(), db) as lab:
        rel = await lab.subscribe(
            sub_body(
                "RabRelSubscription", receiver, "/rel", filterCriteriaQci={"erabId": 5, "qci": 9}
            )
        )
        await lab.subscribe(
            sub_body("CellChangeSubscription", receiver, "/cc", filterCriteriaAssocHo={})
        )
        rab = (await lab.client.get("/rni/v2/queries/rab_info")).json()["cellUserInfo"]
        # Only the UE on the 4G cell has an E-RAB: not the 5G one, not the Wi-Fi one.
        assert [u["associateId"] for c in rab for u in c["ueInfo"]] == [[ipv4(1)]]
        await lab.ticks(49, 51)  # x = 490: inside N2's coverage, 5G is preferred
        assert lab.runtime.world.serving_poa("upgrader") == "N2"
        assert await delivered(lab, receiver, "/rel") == [
            {
                "notificationType": "RabRelNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("0000B01"),
                "associateId": [ipv4(1)],
                "erabReleaseInfo": {"erabId": 5},
                "_links": links(rel),
            }
        ]
        assert receiver.bodies("/cc") == []
        assert "cellUserInfo" not in (await lab.client.get("/rni/v2/queries/rab_info")).json()
