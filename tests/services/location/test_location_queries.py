"""MEC 013 queries: users, zones, access points and distances, per host, with every filter
and error, read from the engine (see location_helpers for the world's numbers)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import lon_at
from location_helpers import LOC, OTHER, OUT, RUN, STILL, UE_B, WALL, run_x

from meclab.runtime import Runtime

pytestmark = pytest.mark.asyncio(loop_scope="module")

BASE = "http://meclab.test/location/v2"


async def users(api: httpx.AsyncClient, prefix: str = "", **params: Any) -> list[dict[str, Any]]:
    r = await api.get(f"{prefix}{LOC}/queries/users", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["userList"]
    assert body["userList"]["resourceURL"] == f"http://meclab.test{prefix}{LOC}/queries/users"
    return body["userList"]["user"]  # type: ignore[no-any-return]


def addresses(found: list[dict[str, Any]]) -> list[str]:
    return [u["address"] for u in found]


# --- users --------------------------------------------------------------------------------------


async def test_users_lists_the_located_terminals_of_the_host_operator(
    api: httpx.AsyncClient,
) -> None:
    found = await users(api)
    # ue-out is out of coverage (not locatable); ue-other belongs to another operator.
    assert addresses(found) == [RUN, STILL, UE_B]
    assert [(u["zoneId"], u["accessPointId"]) for u in found] == [
        ("z1", "A1"),
        ("z1", "A1"),
        ("z2", "B1"),
    ]


async def test_a_user_carries_its_engine_position_velocity_and_links(
    api: httpx.AsyncClient, tick_to: Any
) -> None:
    await tick_to(5.0)  # ue-run at x = 550, moving east at 100 m/s
    (user,) = await users(api, address=RUN)
    assert user["address"] == RUN
    assert user["accessPointId"] == "A2"
    assert user["zoneId"] == "z1"
    assert user["resourceURL"] == f"{BASE}/queries/users?address=acr%3A10.0.0.1"
    assert user["timestamp"] == WALL
    location = user["locationInfo"]
    assert location["shape"] == 5  # ellipsoid point with uncertainty circle
    assert location["accuracy"] == 1
    assert location["longitude"] == [pytest.approx(lon_at(run_x(5.0)), abs=1e-9)]
    assert location["latitude"] == [pytest.approx(43.70, abs=1e-9)]
    assert location["velocity"] == {"velocityType": 1, "bearing": 90, "horizontalSpeed": 360}
    relative = user["relativeLocationInfo"]
    # The engine's map is centred on the middle of the world (x = 2500 m).
    assert relative["X"] == pytest.approx(550.0 - 2500.0, abs=1e-3)
    assert relative["Y"] == pytest.approx(0.0, abs=1e-3)
    assert relative["mapInfo"]["mapId"] == "loc"


async def test_a_stopped_user_has_no_speed(api: httpx.AsyncClient) -> None:
    (user,) = await users(api, address=STILL)
    assert user["locationInfo"]["velocity"] == {
        "velocityType": 1,
        "bearing": 0,
        "horizontalSpeed": 0,
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"zoneId": "z1"}, [RUN, STILL]),
        ({"zoneId": ["z1", "z2"]}, [RUN, STILL, UE_B]),
        ({"accessPointId": "B1"}, [UE_B]),
        ({"accessPointId": ["A1", "B1"], "zoneId": "z2"}, [UE_B]),
        ({"address": [STILL, UE_B]}, [STILL, UE_B]),
        ({"address": "10.0.0.2"}, [STILL]),  # the bare IP names the same user
        ({"address": OUT}, []),  # not located
        ({"address": OTHER}, []),  # another operator's
        ({"zoneId": "nowhere"}, []),
        ({"zoneId": "z1", "address": UE_B}, []),
    ],
)
async def test_users_filters_combine_and_repeat(
    api: httpx.AsyncClient, params: dict[str, Any], expected: list[str]
) -> None:
    assert addresses(await users(api, **params)) == expected


async def test_users_of_another_host_are_those_of_its_operator(api: httpx.AsyncClient) -> None:
    found = await users(api, prefix="/hosts/mec-9")
    assert addresses(found) == [OTHER]
    assert found[0]["resourceURL"].startswith("http://meclab.test/hosts/mec-9/location/v2/")
    # mec-2 serves the same operator as mec-1 (the default host): the same users.
    assert addresses(await users(api, prefix="/hosts/mec-2")) == [RUN, STILL, UE_B]


async def test_users_follow_the_world(api: httpx.AsyncClient, tick_to: Any) -> None:
    await tick_to(15.0)  # ue-run handed over to B1 (zone z2) at x = 1550
    assert addresses(await users(api, zoneId="z2")) == [RUN, UE_B]
    assert addresses(await users(api, accessPointId="A2")) == []


# --- zones and access points --------------------------------------------------------------------


async def test_zones_count_access_points_and_users(api: httpx.AsyncClient) -> None:
    r = await api.get(f"{LOC}/queries/zones")
    assert r.status_code == 200
    assert r.json() == {
        "zoneList": {
            "resourceURL": f"{BASE}/queries/zones",
            "zone": [
                {
                    "zoneId": "z1",
                    "numberOfAccessPoints": 2,
                    "numberOfUnserviceableAccessPoints": 0,
                    "numberOfUsers": 2,
                    "resourceURL": f"{BASE}/queries/zones/z1",
                },
                {
                    "zoneId": "z2",
                    "numberOfAccessPoints": 1,
                    "numberOfUnserviceableAccessPoints": 0,
                    "numberOfUsers": 1,
                    "resourceURL": f"{BASE}/queries/zones/z2",
                },
            ],
        }
    }


async def test_zones_filter_and_zone_by_id(api: httpx.AsyncClient, tick_to: Any) -> None:
    r = await api.get(f"{LOC}/queries/zones", params={"zoneId": ["z2", "z9"]})
    assert [z["zoneId"] for z in r.json()["zoneList"]["zone"]] == ["z2"]
    await tick_to(15.0)
    r = await api.get(f"{LOC}/queries/zones/z2")
    assert r.status_code == 200
    assert r.json()["zoneInfo"]["numberOfUsers"] == 2


@pytest.mark.parametrize("path", ["/queries/zones/z9", "/queries/zones/nowhere/accessPoints"])
async def test_a_zone_outside_the_scope_is_not_found(api: httpx.AsyncClient, path: str) -> None:
    r = await api.get(f"{LOC}{path}")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 404


async def test_access_points_of_a_zone(api: httpx.AsyncClient, tick_to: Any) -> None:
    await tick_to(5.0)
    r = await api.get(f"{LOC}/queries/zones/z1/accessPoints")
    assert r.status_code == 200
    body = r.json()["accessPointList"]
    assert body["zoneId"] == "z1"
    assert body["resourceURL"] == f"{BASE}/queries/zones/z1/accessPoints"
    a1, a2 = body["accessPoint"]
    assert a1 == {
        "accessPointId": "A1",
        "connectionType": "LTE",
        "operationStatus": "Serviceable",
        "numberOfUsers": 1,
        "resourceURL": f"{BASE}/queries/zones/z1/accessPoints/A1",
        "locationInfo": {"latitude": [43.7], "longitude": [lon_at(0.0)], "shape": 2},
    }
    assert (a2["accessPointId"], a2["numberOfUsers"]) == ("A2", 1)


async def test_access_points_filters(api: httpx.AsyncClient) -> None:
    r = await api.get(f"{LOC}/queries/zones/z1/accessPoints", params={"accessPointId": "A2"})
    assert [a["accessPointId"] for a in r.json()["accessPointList"]["accessPoint"]] == ["A2"]
    # v2.2.1's interestRealm: no meclab access point has one.
    r = await api.get(f"{LOC}/queries/zones/z1/accessPoints", params={"interestRealm": "x"})
    assert r.status_code == 200
    assert r.json()["accessPointList"]["accessPoint"] == []


async def test_access_point_by_id(api: httpx.AsyncClient) -> None:
    r = await api.get(f"{LOC}/queries/zones/z2/accessPoints/B1")
    assert r.status_code == 200
    info = r.json()["accessPointInfo"]
    assert (info["accessPointId"], info["numberOfUsers"]) == ("B1", 1)
    # A1 exists, but in another zone.
    r = await api.get(f"{LOC}/queries/zones/z2/accessPoints/A1")
    assert r.status_code == 404
    assert "no access point 'A1'" in r.json()["detail"]


# --- distance -----------------------------------------------------------------------------------


async def distance(api: httpx.AsyncClient, **params: Any) -> httpx.Response:
    return await api.get(f"{LOC}/queries/distance", params=params)


async def test_distance_between_two_users(api: httpx.AsyncClient, tick_to: Any) -> None:
    await tick_to(3.0)  # ue-run at x = 350, ue-still at x = 100
    r = await distance(api, address=[RUN, STILL])
    assert r.status_code == 200
    body = r.json()["terminalDistance"]
    assert body["distance"] == 250
    assert body["accuracy"] == 1 + 1 + 1  # two positions of 1 m, plus 0.2 % of 250 m
    assert body["timestamp"] == WALL


async def test_distance_from_a_user_to_a_point(api: httpx.AsyncClient) -> None:
    r = await distance(api, address=STILL, latitude=43.70, longitude=lon_at(1100.0))
    assert r.status_code == 200
    assert r.json()["terminalDistance"]["distance"] == 1000
    assert r.json()["terminalDistance"]["accuracy"] == 1 + 2


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({}, "address"),
        ({"address": [RUN, STILL, UE_B]}, "address"),
        ({"address": RUN}, "latitude"),
        ({"address": RUN, "latitude": 43.7}, "longitude"),
        ({"address": [RUN, STILL], "latitude": 43.7, "longitude": 7.4}, "latitude"),
        ({"address": RUN, "latitude": 91.0, "longitude": 7.4}, "latitude"),
    ],
)
async def test_distance_parameter_errors(
    api: httpx.AsyncClient, params: dict[str, Any], name: str
) -> None:
    r = await distance(api, **params)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/problem+json"
    assert [p["name"] for p in r.json()["invalidParams"]] == [name]


@pytest.mark.parametrize("other", [OUT, OTHER, "acr:10.0.0.99"])
async def test_distance_to_a_user_that_cannot_be_located_is_not_found(
    api: httpx.AsyncClient, other: str
) -> None:
    r = await distance(api, address=[RUN, other])
    assert r.status_code == 404
    assert other in r.json()["detail"]


# --- conventions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/queries/users?zoneid=z1",
        "/queries/zones?accessPointId=A1",
        "/queries/zones/z1?x=1",
        "/queries/distance?address=acr:10.0.0.1&location=1",
    ],
)
async def test_unknown_query_parameters_are_rejected(api: httpx.AsyncClient, path: str) -> None:
    r = await api.get(f"{LOC}{path}")
    assert r.status_code == 400
    assert r.json()["invalidParams"][0]["reason"] == "unknown parameter"


async def test_an_unknown_host_is_not_found(api: httpx.AsyncClient) -> None:
    r = await api.get(f"/hosts/mec-x{LOC}/queries/users")
    assert r.status_code == 404


async def test_queries_agree_with_each_other_and_with_the_engine(
    api: httpx.AsyncClient, tick_to: Any, runtime: Runtime
) -> None:
    """At one instant, a user's zone and access point, and every count, are the engine's."""
    for t in (0.0, 5.0, 15.0):
        await tick_to(t)
        world = runtime.world
        listed = await users(api)
        for user in listed:
            name = next(v.name for v in world.terminals() if v.address == user["address"])
            view = world.terminal(name)
            assert (user["accessPointId"], user["zoneId"]) == (view.poa, view.zone)
        zones = (await api.get(f"{LOC}/queries/zones")).json()["zoneList"]["zone"]
        for zone in zones:
            members = [u for u in listed if u["zoneId"] == zone["zoneId"]]
            assert zone["numberOfUsers"] == len(members)
            aps = (await api.get(f"{LOC}/queries/zones/{zone['zoneId']}/accessPoints")).json()
            for ap in aps["accessPointList"]["accessPoint"]:
                on_it = [u for u in listed if u["accessPointId"] == ap["accessPointId"]]
                served = int(world.state.served[world.poa(ap["accessPointId"])])
                assert ap["numberOfUsers"] == len(on_it) == served
