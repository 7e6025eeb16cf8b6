"""GET /queries/ap/ap_information and /queries/sta/sta_information (ETSI GS MEC 028 clause 7.2,
7.3): contents derived from the world, the host's scope, MEC 009 filters and selectors, errors,
and agreement with the engine at the same instant."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from helpers import M_PER_DEG
from wai_helpers import BSSID, WAI, WALL_S, wifi_rssi_dbm

from meclab.runtime import Runtime
from meclab.services.wai import wifi

AP_INFO = f"{WAI}/queries/ap/ap_information"
STA_INFO = f"{WAI}/queries/sta/sta_information"
STAMP = {"seconds": WALL_S, "nanoSeconds": 0}


def load(stations: int) -> float:
    """The engine's carrier load with ``stations`` terminals (radio.cell_load)."""
    return 2.0 / 12.0 + 0.05 * stations


def sta_id(name: str, n: int) -> dict[str, Any]:
    return {
        "macId": wifi.station_mac(name),
        "aid": str(n),
        "ipAddress": [f"10.0.0.{n}"],
        "ssid": ["op"],
    }


async def test_ap_information_of_the_default_host(client: httpx.AsyncClient) -> None:
    response = await client.get(AP_INFO)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    ap1, ap2 = response.json()  # the Wi-Fi APs of zone za, not the 4G macro cell nor ap3
    wan = {  # zone za 1000/1000 Mbit/s is the bottleneck of the backhaul: symmetric, link up
        "wanInfo": 5,
        "downlinkSpeed": 1_000_000,
        "uplinkSpeed": 1_000_000,
        "downlinkLoad": 0,
        "uplinkLoad": 0,
        "lmd": 0,
    }
    assert ap1 == {
        "timeStamp": STAMP,
        "apId": {"bssid": BSSID["ap1"], "ssid": ["op"]},
        "channel": 36,
        "wanMetrics": wan,
        "bssLoad": {
            "staCount": 1,  # sta-a
            "channelUtilization": round(255 * load(1)),
            "availAdmCap": round((1 - load(1)) * 31_250),
        },
        "apLocation": {
            "geolocation": {
                "lat": 0,
                "latUncertainty": 33,
                "long": 0,
                "longUncertainty": 33,
                "datum": 1,
            }
        },
    }
    assert ap2["apId"] == {"bssid": BSSID["ap2"], "ssid": ["op"]}
    assert ap2["bssLoad"]["staCount"] == 0
    assert ap2["bssLoad"]["channelUtilization"] == round(255 * load(0))
    assert ap2["apLocation"]["geolocation"]["long"] == round(120.0 / M_PER_DEG * 2**25)


async def test_each_host_reports_the_aps_of_its_zone(client: httpx.AsyncClient) -> None:
    (ap3,) = (await client.get(f"/hosts/mec-b{AP_INFO}")).json()
    assert ap3["apId"]["bssid"] == BSSID["ap3"]
    # zone zb: 800 down, 400 up; asymmetric, so only "link up"
    assert ap3["wanMetrics"]["wanInfo"] == 1
    assert (ap3["wanMetrics"]["downlinkSpeed"], ap3["wanMetrics"]["uplinkSpeed"]) == (
        800_000,
        400_000,
    )
    stations = (await client.get(f"/hosts/mec-b{STA_INFO}")).json()
    assert [s["staId"] for s in stations] == [sta_id("sta-b", 3)]


async def test_sta_information(client: httpx.AsyncClient) -> None:
    response = await client.get(STA_INFO)
    assert response.status_code == 200
    (sta_a,) = response.json()  # sta-walk is on the macro cell at t = 0; lte-only is no station
    assert sta_a == {
        "timeStamp": STAMP,
        "staId": sta_id("sta-a", 1),
        "channel": 36,
        "apAssociated": {"bssid": BSSID["ap1"], "assocId": "1", "ssid": ["op"]},
        "rssi": {"rssi": round(2 * (wifi_rssi_dbm(30.0) + 110))},  # 78: -71.05 dBm
        # SINR 19.6 dB (ap2 interferes from 90 m) lies between MCS 4 (16 dB) and MCS 5 (20 dB)
        "staDataRate": {"staLastDataDownlinkRate": 39_000, "staLastDataUplinkRate": 39_000},
    }


async def test_rates_are_capped_by_the_radio_link(
    client: httpx.AsyncClient, runtime: Runtime, tick_to: Callable[[float], Awaitable[None]]
) -> None:
    await runtime.set_netchar("ap1", {"throughput_dl_mbps": 10.0, "throughput_ul_mbps": 2.5})
    (sta_a,) = (await client.get(STA_INFO)).json()
    assert sta_a["staDataRate"] == {
        "staLastDataDownlinkRate": 10_000,
        "staLastDataUplinkRate": 2_500,
    }


async def test_wai_agrees_with_the_engine_at_every_instant(
    client: httpx.AsyncClient, runtime: Runtime, tick_to: Callable[[float], Awaitable[None]]
) -> None:
    for t in (0.0, 10.0, 22.5, 30.0, 41.5, 60.0):  # before, during and after the walker's visit
        await tick_to(t)
        world = runtime.world
        for host, aps in (("mec-a", ["ap1", "ap2"]), ("mec-b", ["ap3"])):
            infos = (await client.get(f"/hosts/{host}{AP_INFO}")).json()
            stations = (await client.get(f"/hosts/{host}{STA_INFO}")).json()
            assert [i["apId"]["bssid"] for i in infos] == [BSSID[a] for a in aps]
            for ap, info in zip(aps, infos, strict=True):
                served = [v for v in world.terminals() if v.poa == ap]
                listed = [s for s in stations if s["apAssociated"]["bssid"] == BSSID[ap]]
                assert info["bssLoad"]["staCount"] == len(served), (t, ap)
                assert [s["staId"]["macId"] for s in listed] == [
                    wifi.station_mac(v.name) for v in served
                ], (t, ap)
                for view, station in zip(served, listed, strict=True):
                    assert view.signal_dbm is not None
                    assert station["rssi"]["rssi"] == wifi.rcpi(view.signal_dbm), (t, ap)


async def test_the_walker_is_listed_while_associated(
    client: httpx.AsyncClient, tick_to: Callable[[float], Awaitable[None]]
) -> None:
    await tick_to(30.0)  # at y = 0, 60 m from ap1
    macs = [s["staId"]["macId"] for s in (await client.get(STA_INFO)).json()]
    assert macs == [wifi.station_mac("sta-a"), wifi.station_mac("sta-walk")]
    await tick_to(45.0)
    macs = [s["staId"]["macId"] for s in (await client.get(STA_INFO)).json()]
    assert macs == [wifi.station_mac("sta-a")]


# --- MEC 009 filter and selectors -------------------------------------------------------------


async def test_filter_picks_entries(client: httpx.AsyncClient) -> None:
    found = (await client.get(AP_INFO, params={"filter": f"(eq,apId/bssid,{BSSID['ap2']})"})).json()
    assert [i["apId"]["bssid"] for i in found] == [BSSID["ap2"]]
    busy = (await client.get(AP_INFO, params={"filter": "(gt,bssLoad/staCount,0)"})).json()
    assert [i["apId"]["bssid"] for i in busy] == [BSSID["ap1"]]
    by_mac = await client.get(
        STA_INFO, params={"filter": f"(eq,staId/macId,{wifi.station_mac('sta-b')})"}
    )
    assert by_mac.json() == []  # sta-b is on another host's AP


async def test_selectors_trim_entries(client: httpx.AsyncClient) -> None:
    only_id = (await client.get(AP_INFO, params={"fields": "apId"})).json()
    # simple attributes stay, complex ones other than the asked (and mandatory) apId go
    assert only_id[0] == {"apId": {"bssid": BSSID["ap1"], "ssid": ["op"]}, "channel": 36}
    trimmed = (await client.get(AP_INFO, params={"exclude_fields": "wanMetrics,apLocation"})).json()
    assert set(trimmed[0]) == {"timeStamp", "apId", "channel", "bssLoad"}
    everything = await client.get(AP_INFO, params={"all_fields": ""})
    assert everything.json() == (await client.get(AP_INFO)).json()
    stations = (await client.get(STA_INFO, params={"fields": "rssi"})).json()
    assert set(stations[0]) == {"staId", "channel", "rssi"}


BAD_PARAMETERS = [
    ({"filter": "(eq,apId/bssid"}, "filter"),
    ({"filter": "(like,channel,36)"}, "filter"),
    ({"exclude_fields": "apId"}, "exclude_fields"),
    ({"all_fields": "", "fields": "apId"}, "all_fields"),
    ({"bssid": BSSID["ap1"]}, "bssid"),
]


async def test_bad_query_parameters_are_400(client: httpx.AsyncClient) -> None:
    for params, name in BAD_PARAMETERS:
        response = await client.get(AP_INFO, params=params)
        assert response.status_code == 400
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 400
        assert name in [p["name"] for p in problem["invalidParams"]]


async def test_unknown_host_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/hosts/nowhere{STA_INFO}")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
