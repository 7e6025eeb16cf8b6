"""MEC 010-2 packages and their subscriptions are their creator's (issue 12): secure mode."""

from __future__ import annotations

from pathlib import Path

from ownership_matrix import CALLBACK, hrefs, path_of, secure_world

SCOPES = "app_pkgm:read app_pkgm:write"
PKGM = "/app_pkgm/v1"
PACKAGE = {
    "appPkgName": "hello-edge",
    "appPkgVersion": "1.0",
    "checksum": {"algorithm": "SHA-256", "hash": "0" * 64},
}


async def test_only_the_creator_changes_a_package_every_client_reads_it(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        c = world.client
        made = await c.post(f"{PKGM}/onboarded_app_packages", json=PACKAGE, headers=world.a)
        assert made.status_code == 201, made.text
        one = path_of(made.headers["location"])
        before = (await c.get(one, headers=world.a)).json()

        await world.refused("DELETE", one)
        await world.refused("PATCH", one, {"operationalState": "DISABLED"})
        refused = await c.put(
            f"{one}/package_content",
            content=b"PK",
            headers={**world.b, "Content-Type": "application/zip"},
        )
        assert refused.status_code == 403, refused.text

        # The catalogue is open to every client of the API.
        assert (await c.get(one, headers=world.b)).json() == before
        listed = await c.get(f"{PKGM}/onboarded_app_packages", headers=world.b)
        assert [p["id"] for p in listed.json()] == [before["id"]]

        assert (await c.delete(one, headers=world.a)).status_code == 204
        assert (await c.get(one, headers=world.a)).status_code == 404


async def test_the_operator_deletes_any_package(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        made = await world.client.post(
            f"{PKGM}/onboarded_app_packages", json=PACKAGE, headers=world.a
        )
        one = path_of(made.headers["location"])
        assert (await world.client.delete(one, headers=world.operator)).status_code == 204


async def test_a_package_subscription_is_its_subscribers(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        c = world.client
        subs = f"{PKGM}/subscriptions"
        body = {"subscriptionType": "AppPackageOnBoardingSubscription", "callbackUri": CALLBACK}
        made = await c.post(subs, json=body, headers=world.a)
        assert made.status_code == 201, made.text
        href = made.headers["location"]
        one = path_of(href)

        await world.refused("GET", one)
        await world.refused("DELETE", one)
        assert (await c.get(one, headers=world.a)).json()["callbackUri"] == CALLBACK
        for who, sees in ((world.a, True), (world.b, False), (world.operator, True)):
            assert (href in hrefs(await c.get(subs, headers=who))) is sees
        assert (await c.get(one, headers=world.operator)).status_code == 200
        assert (await c.delete(one, headers=world.a)).status_code == 204
