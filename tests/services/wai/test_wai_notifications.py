"""WAI notifications end to end (ETSI GS MEC 028 clause 6.4): a stepped world, real HTTP
subscribers, exact contents. The walker's timeline is in wai_helpers.py: it associates with ap1
at t = 22 s and leaves it at t = 41.07 s."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import nothing_pending
from receiver import Receiver
from wai_helpers import BSSID, WAI, WALL_S, wifi_rssi_dbm

from meclab.engine.events import Handover
from meclab.runtime import Runtime
from meclab.services.wai import wifi

SUBS = f"{WAI}/subscriptions"
STAMP = {"seconds": WALL_S, "nanoSeconds": 0}
Tick = Callable[[float], Awaitable[None]]


def sta(name: str, n: int) -> dict[str, Any]:
    return {
        "macId": wifi.station_mac(name),
        "aid": str(n),
        "ipAddress": [f"10.0.0.{n}"],
        "ssid": ["op"],
    }


STA_A, STA_WALK = sta("sta-a", 1), sta("sta-walk", 2)


async def delivered(app: FastAPI) -> None:
    """Wait until every queued notification has been taken by its subscriber."""
    await nothing_pending(app.state.platforms.notifier)


async def subscribe(client: httpx.AsyncClient, body: dict[str, Any], host: str = "") -> str:
    prefix = f"/hosts/{host}" if host else ""
    response = await client.post(f"{prefix}{SUBS}", json=body)
    assert response.status_code == 201, response.text
    return str(response.headers["location"])


def assoc(rx: Receiver, path: str, ap: str = "ap1", **extra: Any) -> dict[str, Any]:
    return {
        "subscriptionType": "AssocStaSubscription",
        "callbackReference": rx.url(path),
        "apId": {"bssid": BSSID[ap]},
        **extra,
    }


# --- AssocSta -------------------------------------------------------------------------------


async def test_association_and_disassociation_end_to_end(
    client: httpx.AsyncClient, app: FastAPI, runtime: Runtime, tick_to: Tick, receiver: Receiver
) -> None:
    every_change = {"trigger": 1, "threshold": 0}
    await subscribe(client, assoc(receiver, "/ap1", notificationEvent=every_change))
    await subscribe(client, assoc(receiver, "/ap2", "ap2", notificationEvent=every_change))
    await subscribe(client, assoc(receiver, "/ap3", "ap3", notificationEvent=every_change), "mec-b")

    for t in (1.0, 10.0, 21.9):  # walking towards ap1 on the macro cell
        await tick_to(t)
    await delivered(app)
    assert receiver.bodies() == []

    history = []
    runtime.bus.subscribe(lambda records: _keep(history, records))
    await tick_to(22.1)  # inside ap1's radius
    await delivered(app)
    assert [(e.source, e.target) for e in history if isinstance(e, Handover)] == [("macro", "ap1")]
    assert receiver.bodies() == [
        {
            "notificationType": "AssocStaNotification",
            "timeStamp": STAMP,
            "apId": {"bssid": BSSID["ap1"], "ssid": ["op"]},
            "staId": [STA_A, STA_WALK],
        }
    ]
    assert receiver.received[0].path == "/ap1"

    for t in (30.0, 41.0):  # still associated (hysteresis keeps it to y = 110.7 m)
        await tick_to(t)
    await tick_to(41.2)
    await delivered(app)
    assert receiver.bodies("/ap1")[1:] == [
        {
            "notificationType": "AssocStaNotification",
            "timeStamp": STAMP,
            "apId": {"bssid": BSSID["ap1"], "ssid": ["op"]},
            "staId": [STA_A],
        }
    ]
    assert len(receiver.bodies()) == 2  # nothing for ap2 (same host) nor ap3 (mec-b)


async def _keep(history: list[Any], records: Any) -> None:
    history.extend(r.event for r in records)


async def test_the_count_trigger_filters_changes(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    await subscribe(
        client, assoc(receiver, "/ge2", notificationEvent={"trigger": 1, "threshold": 2})
    )
    await subscribe(
        client, assoc(receiver, "/le1", notificationEvent={"trigger": 2, "threshold": 1})
    )
    await tick_to(22.1)
    await delivered(app)
    assert [(r.path, len(r.body["staId"])) for r in receiver.received] == [("/ge2", 2)]
    await tick_to(41.2)
    await delivered(app)
    assert [(r.path, len(r.body["staId"])) for r in receiver.received] == [("/ge2", 2), ("/le1", 1)]


async def test_periodic_notifications_follow_simulation_time(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    await subscribe(client, assoc(receiver, "/every5", notificationPeriod=5))
    # NOTE 3 of clause 6.3.2: with both, periodic while the trigger holds
    both = assoc(
        receiver, "/while2", notificationPeriod=5, notificationEvent={"trigger": 1, "threshold": 2}
    )
    await subscribe(client, both)
    for t in (1.0, 4.9):
        await tick_to(t)
    await delivered(app)
    assert receiver.bodies() == []
    await tick_to(5.0)
    await delivered(app)
    assert [(r.path, r.body["staId"]) for r in receiver.received] == [("/every5", [STA_A])]
    await tick_to(7.0)
    await tick_to(23.0)  # periods 10, 15, 20 were skipped by this long tick: one notification
    await delivered(app)
    assert sorted((r.path, r.body["staId"]) for r in receiver.received[1:]) == [
        ("/every5", [STA_A, STA_WALK]),
        ("/while2", [STA_A, STA_WALK]),
    ]
    await tick_to(24.0)
    await delivered(app)
    assert len(receiver.received) == 3


# --- StaDataRate ----------------------------------------------------------------------------


async def test_rate_changes_beyond_the_threshold_are_notified(
    client: httpx.AsyncClient, app: FastAPI, runtime: Runtime, tick_to: Tick, receiver: Receiver
) -> None:
    body = {
        "subscriptionType": "StaDataRateSubscription",
        "callbackReference": receiver.url("/rate"),
        "staId": [{"macId": wifi.station_mac("sta-a").upper().replace(":", "")}],
        "notificationEvent": {"trigger": 2, "downlinkRateThreshold": 20_000},
    }
    await subscribe(client, body)
    await tick_to(1.0)  # 39 Mbit/s since the start: the first rate seen, no change
    await delivered(app)
    assert receiver.bodies() == []
    await runtime.set_netchar("ap1", {"throughput_dl_mbps": 10.0})
    await tick_to(2.0)
    await delivered(app)
    assert receiver.bodies() == [
        {
            "notificationType": "StaDataRateNotification",
            "timeStamp": STAMP,
            "staDataRate": [
                {"staId": STA_A, "staLastDataDownlinkRate": 10_000, "staLastDataUplinkRate": 39_000}
            ],
        }
    ]
    await tick_to(3.0)  # no change
    await runtime.set_netchar("ap1", {"throughput_dl_mbps": 150.0})
    await tick_to(4.0)  # a change, but 39000 > 20000: the trigger does not hold
    await delivered(app)
    assert len(receiver.bodies()) == 1


async def test_a_station_that_associates_has_a_new_rate(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    body = {
        "subscriptionType": "StaDataRateSubscription",
        "callbackReference": receiver.url("/walk"),
        "staId": [{"macId": wifi.station_mac("sta-walk")}],
        "notificationEvent": {"trigger": 7, "downlinkRateThreshold": 0, "uplinkRateThreshold": 0},
    }
    await subscribe(client, body)
    await tick_to(21.9)
    await delivered(app)
    assert receiver.bodies() == []  # not associated with a Wi-Fi AP of this host
    await tick_to(22.1)
    await delivered(app)
    (note,) = receiver.bodies()
    stations = (await client.get(f"{WAI}/queries/sta/sta_information")).json()
    walker = next(s for s in stations if s["staId"]["macId"] == wifi.station_mac("sta-walk"))
    assert note["staDataRate"] == [{"staId": STA_WALK, **walker["staDataRate"]}]


async def test_periodic_rates_list_the_associated_stations(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    body = {
        "subscriptionType": "StaDataRateSubscription",
        "callbackReference": receiver.url("/p"),
        "staId": [{"macId": wifi.station_mac("sta-a")}, {"macId": wifi.station_mac("sta-walk")}],
        "notificationPeriod": 5,
    }
    await subscribe(client, body)
    await tick_to(5.0)
    await delivered(app)
    (note,) = receiver.bodies()
    assert [r["staId"] for r in note["staDataRate"]] == [STA_A]


# --- MeasurementReport ----------------------------------------------------------------------


def carrier_mw(dbm: float) -> float:
    return 10.0 ** (dbm / 10.0)


NOISE_DBM = -174.0 + 10.0 * math.log10(20e6) + 7.0
"""radio.py: thermal noise over 20 MHz plus the terminal's 7 dB noise figure."""
LOAD_AP1, LOAD_AP2 = 2 / 12 + 0.05, 2 / 12  # ap1 serves sta-a, ap2 nobody


def sinr_db(signal_dbm: float, interferer_dbm: float, load: float) -> float:
    return signal_dbm - 10.0 * math.log10(carrier_mw(NOISE_DBM) + load * carrier_mw(interferer_dbm))


def measurement(rx: Receiver, info: dict[str, Any], mac: str | None = None) -> dict[str, Any]:
    return {
        "subscriptionType": "MeasurementReportSubscription",
        "callbackReference": rx.url("/m"),
        "staId": [{"macId": mac or wifi.station_mac("sta-a")}],
        "measurementId": "m-1",
        "measurementInfo": info,
    }


def beacon(condition: int = 0, threshold: int = 0, **extra: Any) -> dict[str, Any]:
    return {
        "beaconRequestConf": {
            "operatingClass": 115,
            "channelId": 0,
            "measurementMode": 1,
            "beaconReportingConf": {"reportingCondition": condition, "threshold": threshold},
            **extra,
        }
    }


def beacon_entry(ap: str, rcpi: int, rsni: int) -> dict[str, Any]:
    return {
        "staId": STA_A,
        "measurementId": "m-1",
        "operatingClass": 115,
        "channel": 36,
        "reportedFrameInfo": {"phyType": 9, "frameType": 0},
        "bssid": BSSID[ap],
        "ssid": "op",
        "rcpi": rcpi,
        "rsni": rsni,
    }


async def test_beacon_reports_after_each_measurement(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    await subscribe(client, measurement(receiver, beacon()))
    await tick_to(1.0)  # the first measurement ends at 977 TU = 1.0004 s
    await delivered(app)
    assert receiver.bodies() == []
    await tick_to(1.1)
    await delivered(app)
    ap1, ap2 = wifi_rssi_dbm(30.0), wifi_rssi_dbm(90.0)
    assert receiver.bodies() == [
        {
            "notificationType": "MeasurementReportNotification",
            "timeStamp": STAMP,
            "beaconReport": [
                beacon_entry("ap1", wifi.rcpi(ap1), wifi.rsni(sinr_db(ap1, ap2, LOAD_AP2))),
                beacon_entry("ap2", wifi.rcpi(ap2), wifi.rsni(sinr_db(ap2, ap1, LOAD_AP1))),
            ],
        }
    ]
    assert [e["rcpi"] for e in receiver.bodies()[0]["beaconReport"]] == [78, 49]
    await tick_to(1.5)
    await tick_to(2.1)  # the second measurement ended at 2.0008 s
    await delivered(app)
    assert len(receiver.bodies()) == 2


async def test_beacon_reporting_conditions_and_filters(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    await subscribe(client, measurement(receiver, beacon(condition=1, threshold=60)))  # RCPI > 60
    await tick_to(1.1)
    await delivered(app)
    (note,) = receiver.bodies()
    assert [e["bssid"] for e in note["beaconReport"]] == [BSSID["ap1"]]
    await subscribe(client, measurement(receiver, beacon(bssid="02:00:00:00:00:02")))
    await subscribe(client, measurement(receiver, beacon(ssid="other-net")))
    await tick_to(2.2)
    await delivered(app)
    assert sorted(e["bssid"] for n in receiver.bodies()[1:] for e in n["beaconReport"]) == [
        BSSID["ap1"],  # the RCPI > 60 subscription's second report
        BSSID["ap2"],
    ]


async def test_channel_load_and_neighbor_reports(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    load = {"channelLoadConf": {"operatingClass": 115, "channel": 36}, "measurementDuration": 500}
    await subscribe(client, measurement(receiver, load))
    await tick_to(0.6)  # 500 TU = 0.512 s
    await delivered(app)
    busy = 1 - (1 - LOAD_AP1) * (1 - LOAD_AP2)  # either AP transmitting
    assert receiver.bodies()[0]["channelLoad"] == [
        {
            "staId": STA_A,
            "measurementId": "m-1",
            "operatingClass": 115,
            "channel": 36,
            "measurementDuration": 500,
            "channelLoad": round(255 * busy),
        }
    ]
    await subscribe(client, measurement(receiver, {"neighborReportConf": {}}))
    await tick_to(1.7)
    await delivered(app)
    neighbor = next(n for n in receiver.bodies() if "neighborReport" in n)
    assert neighbor["neighborReport"] == [
        {
            "staId": STA_A,
            "measurementId": "m-1",
            "bssid": BSSID["ap2"],
            "bssidInfo": {
                "apReachability": 3,  # sta-a is inside ap2's coverage
                "security": True,
                "capabilities": {
                    "spectrumManagement": True,
                    "qos": True,
                    "apsd": False,
                    "radioMeasurements": True,
                    "delayedBACK": False,
                    "immediateBACK": True,
                },
                "mobilityDomain": False,
                "highThroughput": True,
                "veryHighThroughput": True,
                "ftm": False,
            },
            "operatingClass": 115,
            "channel": 36,
            "phyType": 9,
            "bssTransitionCandidatePreference": 255,
        }
    ]


async def test_no_reports_for_stations_outside_the_hosts_aps(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    await subscribe(client, measurement(receiver, beacon(), mac=wifi.station_mac("sta-b")))
    await tick_to(1.1)
    await tick_to(2.1)
    await delivered(app)
    assert receiver.bodies() == []


async def test_every_attribute_of_a_station_filter_must_match(
    client: httpx.AsyncClient, app: FastAPI, tick_to: Tick, receiver: Receiver
) -> None:
    mac = wifi.station_mac("sta-a")
    for path, wanted in (
        ("/all", {"macId": mac, "aid": "1", "ipAddress": ["10.0.0.1"], "ssid": ["op", "x"]}),
        ("/aid", {"macId": mac, "aid": "2"}),
        ("/ip", {"macId": mac, "ipAddress": ["10.0.0.9"]}),
        ("/ssid", {"macId": mac, "ssid": ["guest"]}),
    ):
        body = {
            "subscriptionType": "StaDataRateSubscription",
            "callbackReference": receiver.url(path),
            "staId": [wanted],
            "notificationPeriod": 1,
        }
        await subscribe(client, body)
    await tick_to(1.0)
    await delivered(app)
    assert [r.path for r in receiver.received] == ["/all"]
