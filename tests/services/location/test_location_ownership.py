"""Location subscriptions are their subscriber's (issue 12): secure mode, real HTTP; the
location queries stay information every app of the host reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from ownership_matrix import CALLBACK, World, path_of, secure_world

SCOPES = "location:read location:write"
ROOT = "userLocationEventSubscription"


def listed(answer: httpx.Response) -> list[str]:
    return [s["href"] for s in answer.json()["notificationSubscriptionList"]["subscription"]]


async def user_event(world: World, **fields: Any) -> dict[str, Any]:
    """A v3 user event subscription for a user A's host locates (read with B's token)."""
    users = await world.client.get(
        f"{world.host_prefix}/location/v2/queries/users", headers=world.b
    )
    assert users.status_code == 200, users.text
    address = users.json()["userList"]["user"][0]["address"]
    body = {"subscriptionType": "UserLocationEventSubscription", "address": address}
    return {ROOT: {**body, "callbackReference": CALLBACK, **fields}}


async def test_another_apps_subscription_is_refused_and_unchanged(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        c = world.client
        subs = f"{world.host_prefix}/location/v2/subscriptions/users"
        body = await user_event(world)
        made = await c.post(subs, json=body, headers=world.a)
        assert made.status_code == 201, made.text
        href = made.headers["location"]
        one = path_of(href)
        before = (await c.get(one, headers=world.a)).json()
        changed = await user_event(world, locationEventCriteria=["ENTERING_AREA_EVENT"])

        await world.refused("GET", one)
        await world.refused("PUT", one, changed)
        await world.refused("DELETE", one)
        assert (await c.get(one, headers=world.a)).json() == before
        for who, sees in ((world.a, True), (world.b, False), (world.operator, True)):
            assert (href in listed(await c.get(subs, headers=who))) is sees

        put = await c.put(one, json=changed, headers=world.a)
        assert put.status_code == 200, put.text
        assert put.json()[ROOT]["locationEventCriteria"] == ["ENTERING_AREA_EVENT"]
        assert (await c.delete(one, headers=world.operator)).status_code == 204
        assert (await c.get(one, headers=world.a)).status_code == 404


async def test_a_client_correlator_names_only_the_callers_own(tmp_path: Path) -> None:
    async with secure_world(tmp_path, SCOPES) as world:
        subs = f"{world.host_prefix}/location/v2/subscriptions/users"
        body = await user_event(world, clientCorrelator="mine")
        first = await world.client.post(subs, json=body, headers=world.a)
        again = await world.client.post(subs, json=body, headers=world.a)
        other = await world.client.post(subs, json=body, headers=world.b)
        assert first.status_code == again.status_code == other.status_code == 201
        assert again.headers["location"] == first.headers["location"]
        # B's correlator is B's: it gets a subscription of its own, not A's.
        assert other.headers["location"] != first.headers["location"]
        mine = await world.client.get(path_of(other.headers["location"]), headers=world.b)
        assert mine.status_code == 200
