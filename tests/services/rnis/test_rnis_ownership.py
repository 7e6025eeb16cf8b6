"""RNIS subscriptions are their subscriber's (issue 12): secure mode, real HTTP."""

from __future__ import annotations

from pathlib import Path

from ownership_matrix import CALLBACK, hrefs, path_of, secure_world

SCOPES = "rnis:read rnis:write"
BODY = {
    "subscriptionType": "CellChangeSubscription",
    "callbackReference": CALLBACK,
    "filterCriteriaAssocHo": {"hoStatus": [3]},
}


async def test_another_apps_subscription_is_refused_and_unchanged(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        c = world.client
        subs = f"{world.host_prefix}/rni/v2/subscriptions"
        made = await c.post(subs, json=BODY, headers=world.a)
        assert made.status_code == 201, made.text
        href = made.headers["location"]
        one = path_of(href)
        before = (await c.get(one, headers=world.a)).json()
        changed = {**BODY, "filterCriteriaAssocHo": {"hoStatus": [1]}}

        await world.refused("GET", one)
        await world.refused("PUT", one, changed)
        await world.refused("DELETE", one)
        assert (await c.get(subs)).status_code == 401

        mine = await c.get(one, headers=world.a)
        assert mine.status_code == 200 and mine.json() == before
        for who, sees in ((world.a, True), (world.b, False), (world.operator, True)):
            assert (href in hrefs(await c.get(subs, headers=who), "subscription")) is sees

        put = await c.put(one, json=changed, headers=world.a)
        assert put.status_code == 200, put.text
        assert put.json()["filterCriteriaAssocHo"] == {"hoStatus": [1]}
        assert (await c.get(one, headers=world.operator)).status_code == 200
        assert (await c.delete(one, headers=world.operator)).status_code == 204
        assert (await c.get(one, headers=world.a)).status_code == 404


async def test_a_subscription_of_the_operator_is_the_operators(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        subs = f"{world.host_prefix}/rni/v2/subscriptions"
        made = await world.client.post(subs, json=BODY, headers=world.operator)
        assert made.status_code == 201, made.text
        one = path_of(made.headers["location"])
        for app in (world.a, world.b):
            assert (await world.client.get(one, headers=app)).status_code == 403
        assert (await world.client.get(one, headers=world.operator)).status_code == 200
