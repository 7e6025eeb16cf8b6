"""WAI subscriptions and measurement configurations are their creator's (issue 12): secure
mode, real HTTP; the station reports stay information every app of the host reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ownership_matrix import CALLBACK, World, hrefs, path_of, secure_world

SCOPES = "wai:read wai:write"
MEASUREMENT: dict[str, Any] = {
    "measurementId": "beacons",
    "measurementInfo": {
        "beaconRequestConf": {
            "operatingClass": 115,
            "channelId": 36,
            "measurementMode": 0,
            "beaconReportingConf": {"reportingCondition": 0, "threshold": 0},
        }
    },
}
SUBSCRIPTION = {
    "subscriptionType": "StaDataRateSubscription",
    "callbackReference": CALLBACK,
    "notificationPeriod": 5,
}


async def stations(world: World) -> list[dict[str, str]]:
    """Two Wi-Fi stations of the world (on some host: A's may have none)."""
    apps = (await world.client.get("/meclab/v1/apps", headers=world.operator)).json()
    for host in sorted({a["runs_on"] for a in apps if a["kind"] == "edge"}):
        query = f"/hosts/{host}/wai/v2/queries/sta/sta_information"
        found = (await world.client.get(query, headers=world.operator)).json()
        if len(found) >= 2:
            return [{"macId": s["staId"]["macId"]} for s in found[:2]]
    raise AssertionError("the default scenario has no two Wi-Fi stations")


async def matrix(world: World, collection: str, body: dict[str, Any], member: str) -> None:
    """A's resource at ``collection``: refused to B and to nobody, listed to A and the
    operator only, changed by A, deleted by the operator."""
    c = world.client
    first, second = await stations(world)
    body = {**body, "staId": [first]}
    made = await c.post(collection, json=body, headers=world.a)
    assert made.status_code == 201, made.text
    href = made.headers["location"]
    one = path_of(href)
    before = (await c.get(one, headers=world.a)).json()
    changed = {**body, "staId": [second]}

    await world.refused("GET", one)
    await world.refused("PUT", one, changed)
    await world.refused("DELETE", one)
    assert (await c.get(one, headers=world.a)).json() == before
    for who, sees in ((world.a, True), (world.b, False), (world.operator, True)):
        assert (href in hrefs(await c.get(collection, headers=who), member)) is sees

    put = await c.put(one, json=changed, headers=world.a)
    assert put.status_code == 200, put.text
    assert put.json()["staId"] == changed["staId"]
    assert (await c.delete(one, headers=world.operator)).status_code == 204
    assert (await c.get(one, headers=world.a)).status_code == 404


async def test_a_measurement_configuration_is_its_creators(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        await matrix(
            world, f"{world.host_prefix}/wai/v2/measurements", MEASUREMENT, "measurementConfig"
        )


async def test_a_subscription_is_its_subscribers(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        await matrix(
            world, f"{world.host_prefix}/wai/v2/subscriptions", SUBSCRIPTION, "subscription"
        )
