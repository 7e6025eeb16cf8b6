"""Tick-driven RNI notifications end to end: measurement reports, timing advance, carrier
aggregation, on a stepped world and a real HTTP receiver.

Expected report values come from the radio model's documented formula
(:func:`rnis_lab.rsrp_dbm`) put on the 3GPP scales, or, for RSRQ and SINR (which depend on the
loads of every cell heard), from the engine's measurements at the same instant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from receiver import Receiver
from rnis_bodies import delivered, links, sub_body
from rnis_lab import STAMP, Lab, ecgi, ipv4, mixed, nrcgi, open_lab, rsrp_dbm, two_ues

from meclab.services.rnis import scales
from meclab.types import RadioType

LTE = RadioType.LTE
NR = RadioType.NR


def measured(lab: Lab, ue: str) -> dict[str, Any]:
    """The engine's measurements of a UE now, by PoA name."""
    return {m.poa: m for m in lab.runtime.world.measurements(ue)}


async def test_a3_reports_once_when_the_neighbour_becomes_offset_better(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        sub = await lab.subscribe(
            sub_body(
                "MeasRepUeSubscription",
                receiver,
                "/a3",
                filterCriteriaAssocTri={"associateId": [ipv4(1)], "trigger": [12]},
            )
        )
        await lab.ticks(50, 53)  # B better by 0 and 1.6 dB: below offset + hysteresis (2 dB)
        assert await delivered(lab, receiver, "/a3") == []
        await lab.tick(54)  # x = 540: B better by 2.09 dB
        m = measured(lab, "walker")
        await lab.ticks(55, 56, 57)  # still better; then the engine hands over (3 dB)
        assert await delivered(lab, receiver, "/a3") == [
            {
                "notificationType": "MeasRepUeNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("000001A"),
                "associateId": [ipv4(1)],
                "rsrp": scales.lte_rsrp(rsrp_dbm(LTE, 540.0)),
                "rsrq": scales.lte_rsrq(m["A"].rsrq_db),
                "sinr": scales.lte_sinr(m["A"].sinr_db),
                "trigger": 12,
                "eutranNeighbourCellMeasInfo": [
                    {
                        "ecgi": ecgi("000001B"),
                        "rsrp": scales.lte_rsrp(rsrp_dbm(LTE, 460.0)),
                        "rsrq": scales.lte_rsrq(m["B"].rsrq_db),
                        "sinr": scales.lte_sinr(m["B"].sinr_db),
                    }
                ],
                # B covers the walker: it is its secondary cell, with no other neighbour
                "carrierAggregationMeasInfo": [
                    {
                        "cellIdSrv": "000001B",
                        "rsrpSrv": scales.lte_rsrp(rsrp_dbm(LTE, 460.0)),
                        "rsrqSrv": scales.lte_rsrq(m["B"].rsrq_db),
                        "sinrSrv": scales.lte_sinr(m["B"].sinr_db),
                    }
                ],
                "_links": links(sub),
            }
        ]
        assert scales.lte_rsrp(rsrp_dbm(LTE, 540.0)) == 33  # -107.3 dBm


async def test_periodic_reports_follow_the_report_interval_in_simulation_time(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        await lab.subscribe(
            sub_body(
                "MeasRepUeSubscription",
                receiver,
                "/periodic",
                filterCriteriaAssocTri={"associateId": [ipv4(2)]},  # no trigger: periodic
            )
        )
        await lab.ticks(1.0, 4.0, 6.2, 8.0, 11.3, 12.0)  # interval 5.12 s: due 1, 6.12, 11.24
        reports = await delivered(lab, receiver, "/periodic")
        assert len(reports) == 3
        first = reports[0]
        assert first["trigger"] == 1  # PERIODICAL_REPORT_STRONGEST_CELLS
        assert first["ecgi"] == ecgi("000001A")
        assert first["rsrp"] == scales.lte_rsrp(rsrp_dbm(LTE, 300.0))
        assert "eutranNeighbourCellMeasInfo" not in first  # B (1300 m) does not cover idle
        assert reports[1] == reports[2] == first  # idle does not move


async def test_timing_advance_is_notified_when_its_index_changes(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        sub = await lab.subscribe(
            sub_body(
                "MeasTaSubscription",
                receiver,
                "/ta",
                filterCriteriaAssoc={"associateId": [ipv4(1)], "ecgi": [ecgi("1A")]},
            )
        )
        # TA steps are 78.07 m: x = 30 -> 0 (the baseline), 50 -> 1, 60 -> 1, 120 -> 2
        await lab.ticks(3, 5, 6, 12)
        assert await delivered(lab, receiver, "/ta") == [
            {
                "notificationType": "MeasTaNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi("000001A"),
                "associateId": [ipv4(1)],
                "timingAdvance": ta,
                "_links": links(sub),
            }
            for ta in (1, 2)
        ]


async def test_carrier_aggregation_follows_the_cells_covering_the_ue(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        body = sub_body("CaReconfSubscription", receiver, "/ca-a", filterCriteriaAssoc={})
        on_a = await lab.subscribe(body)
        on_b = await lab.subscribe(
            {**body, "callbackReference": receiver.url("/ca-b")}, host="mec-b"
        )
        # x = 100: B does not cover; 250: it does (secondary cell); 560: handed over to B, whose
        # secondary cell is A; 850: A no longer covers.
        await lab.ticks(10, 25, 56, 85)

        def note(sub: dict[str, Any], pcell: str, **change: Any) -> dict[str, Any]:
            return {
                "notificationType": "CaReconfNotification",
                "timeStamp": STAMP,
                "ecgi": ecgi(pcell),
                "associateId": [ipv4(1)],
                **change,
                "_links": links(sub),
            }

        assert await delivered(lab, receiver, "/ca-a") == [
            note(on_a, "000001A", secondaryCellAdd=[{"ecgi": ecgi("000001B")}])
        ]
        assert receiver.bodies("/ca-b") == [
            note(on_b, "000001B", secondaryCellAdd=[{"ecgi": ecgi("000001A")}]),
            note(on_b, "000001B", secondaryCellRemove=[{"ecgi": ecgi("000001A")}]),
        ]


async def test_nr_reports_for_a_ue_on_a_5g_cell(db: Path, receiver: Receiver) -> None:
    async with open_lab(mixed(), db) as lab:
        sub = await lab.subscribe(
            sub_body(
                "NrMeasRepUeSubscription",
                receiver,
                "/nr",
                filterCriteriaNrMrs={"nrcgi": [nrcgi("a01")], "triggerNr": [1, 20]},
            )
        )
        lte_sub = await lab.subscribe(
            sub_body("MeasRepUeSubscription", receiver, "/lte", filterCriteriaAssocTri={})
        )
        await lab.tick(1.0)
        m = measured(lab, "nr-ue")  # on N1 at 120 m; N2 at 180 m and L at 480 m cover it too

        def ssb(poa: str, distance: float) -> dict[str, int]:
            return {
                "rsrp": scales.nr_rsrp(rsrp_dbm(NR, distance)),
                "rsrq": scales.nr_rsrq(m[poa].rsrq_db),
                "sinr": scales.nr_sinr(m[poa].sinr_db),
            }

        serving = {
            "nrcgi": nrcgi("000000A01"),
            "sCell": {"measQuantityResultsSsbCell": ssb("N1", 120.0)},
            "nCell": {"measQuantityResultsSsbCell": ssb("N2", 180.0)},
        }
        common = {
            "notificationType": "NrMeasRepUeNotification",
            "timeStamp": STAMP,
            "associateId": [ipv4(2)],
            "servCellMeasInfo": [serving],
            "_links": links(sub),
        }
        assert await delivered(lab, receiver, "/nr") == [
            {
                **common,
                "triggerNr": 1,  # NR_PERIODICAL: the NR neighbours
                "nrNeighCellMeasInfo": [
                    {"nrcgi": nrcgi("000000A02"), "measQuantityResultsSsbCell": ssb("N2", 180.0)}
                ],
            },
            {
                **common,
                "triggerNr": 20,  # INTER_RAT_PERIODICAL: the LTE neighbours, on LTE scales
                "eutraNeighCellMeasInfo": [
                    {
                        "ecgi": ecgi("0000B01"),
                        "rsrp": scales.lte_rsrp(rsrp_dbm(LTE, 480.0)),
                        "rsrq": scales.lte_rsrq(m["L"].rsrq_db),
                        "sinr": scales.lte_sinr(m["L"].sinr_db),
                    }
                ],
            },
        ]
        # The LTE report subscription sees the one UE on the 4G cell, the upgrader.
        lte_reports = receiver.bodies("/lte")
        assert [(r["ecgi"], r["associateId"]) for r in lte_reports] == [
            (ecgi("0000B01"), [ipv4(1)])
        ]
        assert lte_reports[0]["_links"] == links(lte_sub)
