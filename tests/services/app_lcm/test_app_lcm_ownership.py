"""MEC 010-2 application instances, their subscriptions and grants are their creator's
(issue 12): secure mode, real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ownership_matrix import CALLBACK, World, hrefs, path_of, secure_world
from package_lab import archive, package_dir

SCOPES = "app_pkgm:read app_pkgm:write app_lcm:read app_lcm:write granting:read granting:write"
LCM = "/app_lcm/v1"


async def onboarded(world: World, work: Path) -> str:
    """The appDId of the example package, onboarded by A."""
    data, digest = archive(package_dir(work), work / "hello-edge.zip")
    made = await world.client.post(
        "/app_pkgm/v1/onboarded_app_packages",
        json={
            "appPkgName": "hello-edge",
            "appPkgVersion": "1.0",
            "checksum": {"algorithm": "SHA-256", "hash": digest},
            "appPkgPath": (work / "hello-edge.zip").as_uri(),
        },
        headers=world.a,
    )
    assert made.status_code == 201, made.text
    one = path_of(made.headers["location"])
    for _ in range(250):
        info = (await world.client.get(one, headers=world.a)).json()
        if info["onboardingState"] in ("ONBOARDED", "ERROR"):
            break
        await asyncio.sleep(0.02)
    assert info["onboardingState"] == "ONBOARDED", (info, len(data))
    return str(info["appDId"])


async def test_another_clients_instance_is_refused_and_unchanged(tmp_path: Path) -> None:
    async with secure_world(tmp_path / "data", SCOPES) as world:
        c = world.client
        app_d_id = await onboarded(world, tmp_path)
        made = await c.post(f"{LCM}/app_instances", json={"appDId": app_d_id}, headers=world.a)
        assert made.status_code == 201, made.text
        one = path_of(made.headers["location"])
        before = (await c.get(one, headers=world.a)).json()

        await world.refused("GET", one)
        await world.refused("DELETE", one)
        await world.refused("POST", f"{one}/instantiate", {"appDId": app_d_id})
        await world.refused("POST", f"{one}/terminate", {"terminationType": "FORCEFUL"})
        await world.refused("POST", f"{one}/operate", {"changeStateTo": "STARTED"})
        grant = {
            "appInstanceId": before["id"],
            "appLcmOpOccId": "none",
            "appDId": app_d_id,
            "operation": "INSTANTIATE",
            "_links": {"appLcmOpOcc": {"href": CALLBACK}, "appInstance": {"href": CALLBACK}},
        }
        await world.refused("POST", "/granting/v1/grants", grant)

        assert (await c.get(one, headers=world.a)).json() == before
        for who, seen in ((world.a, [before["id"]]), (world.b, [])):
            listed = await c.get(f"{LCM}/app_instances", headers=who)
            assert [i["id"] for i in listed.json()] == seen
        everyone = await c.get(f"{LCM}/app_instances", headers=world.operator)
        assert before["id"] in [i["id"] for i in everyone.json()]

        assert (await c.get(one, headers=world.operator)).status_code == 200
        assert (await c.delete(one, headers=world.a)).status_code == 204
        assert (await c.get(one, headers=world.a)).status_code == 404


async def test_an_lcm_subscription_is_its_subscribers(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        c = world.client
        subs = f"{LCM}/subscriptions"
        body = {"subscriptionType": "AppIdentifierCreationSubscription", "callbackUri": CALLBACK}
        made = await c.post(subs, json=body, headers=world.a)
        assert made.status_code == 201, made.text
        href = made.headers["location"]
        one = path_of(href)

        await world.refused("GET", one)
        await world.refused("DELETE", one)
        assert (await c.get(one, headers=world.a)).status_code == 200
        for who, sees in ((world.a, True), (world.b, False), (world.operator, True)):
            assert (href in hrefs(await c.get(subs, headers=who))) is sees
        assert (await c.delete(one, headers=world.operator)).status_code == 204
