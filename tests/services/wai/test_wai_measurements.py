"""Measurement configurations (ETSI GS MEC 028 clauses 7.6, 7.7): every operation with its
errors, and their reports inside sta_information."""

from __future__ import annotations

from typing import Any

import httpx
from helpers import BASE_URL, problem
from wai_helpers import BSSID, JSON, WAI

from meclab.services.wai import wifi

MEAS = f"{WAI}/measurements"
STA_INFO = f"{WAI}/queries/sta/sta_information"


def config(measurement_id: str = "beacons", **info: Any) -> dict[str, Any]:
    return {
        "measurementId": measurement_id,
        "measurementInfo": info
        or {
            "beaconRequestConf": {
                "operatingClass": 115,
                "channelId": 36,
                "measurementMode": 0,
                "beaconReportingConf": {"reportingCondition": 0, "threshold": 0},
            }
        },
        "staId": [{"macId": wifi.station_mac("sta-a")}],
    }


async def test_create_read_list(client: httpx.AsyncClient) -> None:
    response = await client.post(MEAS, json=config())
    assert response.status_code == 201
    location = response.headers["location"]
    assert location.startswith(f"{BASE_URL}{MEAS}/")
    assert response.json() == {**config(), "_links": {"self": {"href": location}}}
    read = await client.get(location.removeprefix(BASE_URL))
    assert read.json() == response.json()
    assert read.headers["etag"] == response.headers["etag"]
    assert (await client.get(MEAS)).json() == {
        "_links": {"self": {"href": f"{BASE_URL}{MEAS}"}},
        "measurementConfig": [{"href": location, "measurementId": "beacons"}],
    }
    assert (await client.get(f"/hosts/mec-b{MEAS}")).json()["measurementConfig"] == []


async def test_reports_appear_in_sta_information(client: httpx.AsyncClient) -> None:
    before = (await client.get(STA_INFO)).json()[0]
    assert "beaconReport" not in before
    await client.post(MEAS, json=config())
    await client.post(
        MEAS, json=config("load", channelLoadConf={"operatingClass": 115, "channel": 36})
    )
    await client.post(MEAS, json=config("nbr", neighborReportConf={"ssid": "op"}))
    (sta_a,) = (await client.get(STA_INFO)).json()
    # inside a StaInfo the reports need not name the station again
    assert [(r["measurementId"], r["bssid"], "staId" in r) for r in sta_a["beaconReport"]] == [
        ("beacons", BSSID["ap1"], False),
        ("beacons", BSSID["ap2"], False),
    ]
    assert [(r["measurementId"], r["measurementDuration"]) for r in sta_a["channelLoad"]] == [
        ("load", 977)  # no duration given: meclab's default, indicated in the report
    ]
    assert [(r["measurementId"], r["bssid"]) for r in sta_a["neighborReport"]] == [
        ("nbr", BSSID["ap2"])
    ]
    fields = (await client.get(STA_INFO, params={"exclude_fields": "beaconReport"})).json()[0]
    assert "beaconReport" not in fields and "channelLoad" in fields


async def test_put_and_delete_with_if_match(client: httpx.AsyncClient) -> None:
    created = await client.post(MEAS, json=config())
    url, etag = created.headers["location"].removeprefix(BASE_URL), created.headers["etag"]
    replacement = config("nbr", neighborReportConf={})
    problem(await client.put(url, json=replacement, headers={"If-Match": '"old"'}), 412)
    response = await client.put(url, json=replacement, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json() == {
        **replacement,
        "_links": {"self": {"href": created.headers["location"]}},
    }
    assert response.headers["etag"] != etag
    wrong = {**replacement, "_links": {"self": {"href": f"{BASE_URL}{MEAS}/other"}}}
    assert (
        problem(await client.put(url, json=wrong), 400)["invalidParams"][0]["name"]
        == "_links.self.href"
    )
    problem(await client.delete(url, headers={"If-Match": etag}), 412)
    assert (
        await client.delete(url, headers={"If-Match": response.headers["etag"]})
    ).status_code == 204
    problem(await client.get(url), 404)
    problem(await client.put(url, json=replacement), 404)
    problem(await client.delete(url), 404)


INVALID_CONFIGURATIONS = [
    ({**config(), "staId": []}, 400, "staId"),
    ({k: v for k, v in config().items() if k != "measurementId"}, 400, "measurementId"),
    (config(measurementDuration=10), 400, "exactly one of"),
    ({**config(), "staId": [{"macId": "02:00:00:00:00:99"}]}, 422, "no Wi-Fi station"),
    (
        config(staStatisticsConf={"groupIdentity": 1, "triggeredReport": True}),
        422,
        "STA statistics",
    ),
]


async def test_invalid_configurations(client: httpx.AsyncClient) -> None:
    for body, status, says in INVALID_CONFIGURATIONS:
        found = problem(await client.post(MEAS, json=body), status)
        assert says in found["detail"]


async def test_measurement_ids_are_unique_per_host(client: httpx.AsyncClient) -> None:
    await client.post(MEAS, json=config())
    assert "already used" in problem(await client.post(MEAS, json=config()), 422)["detail"]
    assert (await client.post(f"/hosts/mec-b{MEAS}", json=config())).status_code == 201


async def test_bodies_must_be_json(client: httpx.AsyncClient) -> None:
    problem(await client.post(MEAS, content=b"<xml/>", headers={"Content-Type": "text/xml"}), 415)
    problem(await client.post(MEAS, content=b"{", headers=JSON), 400)
    problem(await client.get(MEAS, params={"measurementId": "x"}), 400)
