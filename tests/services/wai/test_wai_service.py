"""WAI as a platform service: offered in every host's MEC 011 registry and withdrawn at stop;
its subscriptions and measurement configurations survive a restart on the same store."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI
from helpers import BASE_URL
from receiver import Receiver
from wai_helpers import BSSID, WAI, serving, wlan_scenario

from meclab.services.wai import wifi


def wai_records(app: FastAPI) -> dict[str, object]:
    services = app.state.platforms.services.records.values()
    return {r.host: r for r in services if r.info.serName == "wai"}


async def test_offered_on_every_host(app: FastAPI, client: httpx.AsyncClient) -> None:
    records = wai_records(app)
    assert sorted(records) == ["mec-a", "mec-b"]
    for host, record in records.items():
        info = record.info  # type: ignore[attr-defined]
        assert record.owner is None  # type: ignore[attr-defined]
        assert (info.serCategory.id, info.serCategory.name) == ("wai", "WAI")
        assert info.version == "2.3.1"
        assert info.state.value == "ACTIVE"
        assert info.transportInfo.type.value == "REST_HTTP"
        prefix = "" if host == "mec-a" else f"/hosts/{host}"
        assert info.transportInfo.endpoint.uris == [f"{BASE_URL}{prefix}{WAI}"]
    found = await client.get("/mec_service_mgmt/v1/services", params={"ser_name": "wai"})
    assert found.status_code == 200
    assert [s["serName"] for s in found.json()] == ["wai"]


async def test_withdrawn_at_stop(tmp_path: Path) -> None:
    async with serving(tmp_path / "s.sqlite", wlan_scenario()) as served:
        assert len(wai_records(served.app)) == 2
    assert wai_records(served.app) == {}


async def test_subscriptions_and_measurements_survive_a_restart(
    tmp_path: Path, receiver: Receiver
) -> None:
    store = tmp_path / "meclab.sqlite"
    async with serving(store, wlan_scenario()) as served:
        sub = await served.client.post(
            f"{WAI}/subscriptions",
            json={
                "subscriptionType": "AssocStaSubscription",
                "callbackReference": receiver.url("/assoc"),
                "apId": {"bssid": BSSID["ap1"]},
                "notificationEvent": {"trigger": 1, "threshold": 0},
            },
        )
        meas = await served.client.post(
            f"{WAI}/measurements",
            json={
                "measurementId": "nbr",
                "measurementInfo": {"neighborReportConf": {}},
                "staId": [{"macId": wifi.station_mac("sta-a")}],
            },
        )
        await served.tick_to(10.0)
    async with serving(store, None) as served:  # resumes what the file holds
        assert served.runtime.opened == "resumed"
        listed = (await served.client.get(f"{WAI}/subscriptions")).json()["subscription"]
        assert listed == [
            {"href": sub.headers["location"], "subscriptionType": "AssocStaSubscription"}
        ]
        read = await served.client.get(meas.headers["location"].removeprefix(BASE_URL))
        assert read.json() == meas.json()
        (sta_a,) = (await served.client.get(f"{WAI}/queries/sta/sta_information")).json()
        assert [r["measurementId"] for r in sta_a["neighborReport"]] == ["nbr"]
        await served.tick_to(22.1)  # the walker associates: the restored one notifies
        (note,) = await receiver.wait_for(1)
        assert [s["macId"] for s in note["staId"]] == [
            wifi.station_mac("sta-a"),
            wifi.station_mac("sta-walk"),
        ]
