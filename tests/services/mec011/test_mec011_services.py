"""MEC 011 service management: registering, updating and deregistering services, discovery
with every filter, visibility across MEC hosts, transports, and the liveness resource."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import BASE_URL, problem, service
from mec011_helpers import SM, World, bad_fields, ready, register_service

HOSTS = ("mec-a", "mec-a2", "mec-b", "mec-c")
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
async def dev(world: World, api: httpx.AsyncClient) -> str:
    """dev-app, confirmed ready."""
    app_id = world.app_id("dev-app")
    await ready(api, app_id)
    return app_id


def prefix(host: str) -> str:
    return "" if host == "mec-a" else f"/hosts/{host}"


# --- registering, reading, updating, deregistering ----------------------------------------


async def test_register_service(world: World, api: httpx.AsyncClient, dev: str) -> None:
    response = await api.post(f"{SM}/applications/{dev}/services", json=service("s1"))
    assert response.status_code == 201
    body = response.json()
    ser_id = body["serInstanceId"]
    location = response.headers["Location"]
    assert location == f"{BASE_URL}{SM}/applications/{dev}/services/{ser_id}"
    assert body == {
        **service("s1"),
        "serInstanceId": ser_id,
        "isLocal": True,
        "_links": {"self": {"href": location}},
    }
    assert {b"Location", b"ETag", b"Content-Type"} <= {name for name, _ in response.headers.raw}
    got = await api.get(location.removeprefix(BASE_URL))
    assert got.status_code == 200
    assert got.json() == body
    assert got.headers["ETag"] == response.headers["ETag"]
    # The same service through the discovery URL: its own self link, the same ETag.
    found = await api.get(f"{SM}/services/{ser_id}")
    assert found.json() == {
        **body,
        "_links": {"self": {"href": f"{BASE_URL}{SM}/services/{ser_id}"}},
    }
    assert found.headers["ETag"] == response.headers["ETag"]
    listed = (await api.get(f"{SM}/applications/{dev}/services")).json()
    assert listed == [body]


async def test_update_service(world: World, api: httpx.AsyncClient, dev: str) -> None:
    created = await api.post(f"{SM}/applications/{dev}/services", json=service("s1"))
    url = created.headers["Location"].removeprefix(BASE_URL)
    ser_id = created.json()["serInstanceId"]
    update = service("s1", version="2.0", serInstanceId=ser_id)
    put = await api.put(url, json=update, headers={"If-Match": created.headers["ETag"]})
    assert put.status_code == 200
    assert put.json()["version"] == "2.0"
    assert put.json()["serInstanceId"] == ser_id
    assert put.headers["ETag"] != created.headers["ETag"]
    assert (await api.get(url)).json() == put.json()
    # A GET-modify-PUT round trip with _links and isLocal is accepted.
    round_trip = {**put.json(), "state": "SUSPENDED"}
    again = await api.put(url, json=round_trip, headers={"If-Match": put.headers["ETag"]})
    assert again.status_code == 200
    assert again.json()["state"] == "SUSPENDED"
    problem(await api.put(url, json=update, headers={"If-Match": created.headers["ETag"]}), 412)
    assert (await api.get(url)).json()["state"] == "SUSPENDED"


async def test_deregister_service(world: World, api: httpx.AsyncClient, dev: str) -> None:
    created = await api.post(f"{SM}/applications/{dev}/services", json=service("s1"))
    url = created.headers["Location"].removeprefix(BASE_URL)
    problem(await api.delete(url, headers={"If-Match": '"stale"'}), 412)
    deleted = await api.delete(url, headers={"If-Match": created.headers["ETag"]})
    assert deleted.status_code == 204
    problem(await api.get(url), 404)
    problem(await api.delete(url), 404)
    problem(await api.get(f"{SM}/services/{created.json()['serInstanceId']}"), 404)


async def test_platform_transport(world: World, api: httpx.AsyncClient, dev: str) -> None:
    transports = await api.get(f"{SM}/transports")
    assert transports.status_code == 200
    [rest] = transports.json()
    assert rest["type"] == "REST_HTTP"
    assert rest["protocol"] == "HTTP"
    body = service("s1", transportInfo=None, transportId=rest["id"])
    created = await register_service(api, dev, body)
    assert "transportId" not in created
    assert created["transportInfo"] == rest
    assert (await api.get(f"/hosts/mec-c{SM}/transports")).json()[0]["endpoint"] == {
        "uris": [f"{BASE_URL}/hosts/mec-c/"]
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"serInstanceId": "mine"}, "serInstanceId"),
        ({"serName": None}, "serName"),
        ({"serName": ""}, "serName"),
        ({"version": None}, "version"),
        ({"state": "RUNNING"}, "state"),
        ({"serializer": "YAML"}, "serializer"),
        ({"scopeOfLocality": "CITY"}, "scopeOfLocality"),
        ({"transportInfo": None}, "transportId"),
        ({"transportId": "meclab-rest-http"}, "transportId"),
        ({"transportInfo": None, "transportId": "carrier-pigeon"}, "transportId"),
        ({"livenessInterval": -1}, "livenessInterval"),
        ({"serCategory": {"id": "x"}}, "serCategory.href"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_register_service_bad_body(
    world: World, api: httpx.AsyncClient, dev: str, changes: dict[str, Any], field: str
) -> None:
    body = {**service("s1"), **changes}
    body = {k: v for k, v in body.items() if v is not None}
    response = await api.post(f"{SM}/applications/{dev}/services", json=body)
    assert field in bad_fields(response)
    assert world.platforms.services.owned_by(dev) == []


async def test_endpoint_needs_exactly_one_kind(
    world: World, api: httpx.AsyncClient, dev: str
) -> None:
    transport = service("s1")["transportInfo"]
    for endpoint in ({}, {"uris": ["http://a"], "fqdn": ["a.example"]}):
        body = service("s1", transportInfo={**transport, "endpoint": endpoint})
        response = await api.post(f"{SM}/applications/{dev}/services", json=body)
        assert bad_fields(response) == ["transportInfo.endpoint"]


async def test_put_checks(world: World, api: httpx.AsyncClient, dev: str) -> None:
    created = await register_service(api, dev, service("s1"))
    url = f"{SM}/applications/{dev}/services/{created['serInstanceId']}"
    assert bad_fields(await api.put(url, json=service("s1", serInstanceId="other"))) == [
        "serInstanceId"
    ]
    assert bad_fields(await api.put(url, json=service("s1", state="GONE"))) == ["state"]
    problem(await api.put(f"{SM}/applications/{dev}/services/{UNKNOWN}", json=service()), 404)
    # Another instance's service is not under this instance.
    peer = world.app_id("peer-app")
    problem(await api.get(f"{SM}/applications/{peer}/services/{created['serInstanceId']}"), 404)
    problem(
        await api.put(
            f"{SM}/applications/{peer}/services/{created['serInstanceId']}", json=service()
        ),
        404,
    )
    problem(await api.delete(f"{SM}/applications/{peer}/services/{created['serInstanceId']}"), 404)


async def test_liveness_interval_zero_lets_the_platform_choose(
    world: World, api: httpx.AsyncClient, dev: str
) -> None:
    created = await register_service(api, dev, service("s1", livenessInterval=0))
    assert created["livenessInterval"] > 0
    ser_id = created["serInstanceId"]
    assert created["_links"]["liveness"] == {"href": f"{BASE_URL}{SM}/liveness/{ser_id}"}
    without = await register_service(api, dev, service("s2"))
    assert "liveness" not in without["_links"]
    assert "livenessInterval" not in without


# --- visibility across hosts ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "local_only", "seen"),
    [
        # host -> isLocal there, for the hosts that see the service (mec-a registers it)
        (None, None, {"mec-a": True}),
        ("MEC_HOST", True, {"mec-a": True}),
        ("ZONE", True, {"mec-a": True, "mec-a2": True}),
        ("ZONE_GROUP", True, {"mec-a": True, "mec-a2": True, "mec-b": True}),
        ("MEC_SYSTEM", True, dict.fromkeys(HOSTS, True)),
        ("MEC_HOST", False, {"mec-a": True, "mec-a2": False, "mec-b": False, "mec-c": False}),
        ("ZONE", False, {"mec-a": True, "mec-a2": True, "mec-b": False, "mec-c": False}),
        ("ZONE_GROUP", False, {"mec-a": True, "mec-a2": True, "mec-b": True, "mec-c": False}),
        ("NFVI_NODE", True, {"mec-a": True}),
    ],
)
async def test_visibility_across_hosts(
    world: World,
    api: httpx.AsyncClient,
    dev: str,
    scope: str | None,
    local_only: bool | None,
    seen: dict[str, bool],
) -> None:
    created = await register_service(
        api, dev, service("s1", scopeOfLocality=scope, consumedLocalOnly=local_only)
    )
    ser_id = created["serInstanceId"]
    for host in HOSTS:
        listed = {
            s["serInstanceId"]: s["isLocal"]
            for s in (await api.get(f"{prefix(host)}{SM}/services")).json()
        }
        one = await api.get(f"{prefix(host)}{SM}/services/{ser_id}")
        if host in seen:
            assert listed.get(ser_id) == seen[host], host
            assert one.status_code == 200
            assert one.json()["isLocal"] == seen[host]
            assert one.json()["_links"]["self"]["href"] == (
                f"{BASE_URL}{prefix(host)}{SM}/services/{ser_id}"
            )
        else:
            assert ser_id not in listed, host
            problem(one, 404)


async def test_root_is_the_default_host(world: World, api: httpx.AsyncClient, dev: str) -> None:
    created = await register_service(api, dev, service("s1"))
    via_hosts = await api.get(f"/hosts/mec-a{SM}/services/{created['serInstanceId']}")
    assert via_hosts.status_code == 200
    assert via_hosts.json()["_links"]["self"]["href"] == (
        f"{BASE_URL}{SM}/services/{created['serInstanceId']}"
    )
    b_app = world.app_id("b-app")
    await ready(api, b_app, prefix="/hosts/mec-b")
    on_b = await register_service(api, b_app, service("sb"), prefix="/hosts/mec-b")
    assert on_b["_links"]["self"]["href"].startswith(f"{BASE_URL}/hosts/mec-b{SM}/applications/")
    problem(await api.get(f"{SM}/applications/{b_app}/services"), 404)


# --- discovery filters ---------------------------------------------------------------------


@pytest.fixture
async def catalogue(world: World, api: httpx.AsyncClient, dev: str) -> dict[str, str]:
    """Services of several names, categories and localities; name -> serInstanceId."""
    bodies = {
        "alpha": service("alpha"),
        "beta": service(
            "beta",
            serCategory={"href": "http://c/y", "id": "cat-y", "name": "Y", "version": "1"},
            scopeOfLocality="ZONE",
            consumedLocalOnly=False,
        ),
        "gamma": service("gamma", serCategory=None, scopeOfLocality="MEC_SYSTEM", state="INACTIVE"),
    }
    ids = {
        name: (await register_service(api, dev, body))["serInstanceId"]
        for name, body in bodies.items()
    }
    b_app = world.app_id("b-app")
    await ready(api, b_app, prefix="/hosts/mec-b")
    far = service("far", scopeOfLocality="MEC_HOST", consumedLocalOnly=False)
    ids["far"] = (await register_service(api, b_app, far, prefix="/hosts/mec-b"))["serInstanceId"]
    return ids


PLATFORM = {"rni", "location", "wai", "ue-identity", "amsi", "mts", "bwm"}
"""The platform's own services, on every host: MEC_HOST scope, consumed locally only."""


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ([], {"edge-svc", "alpha", "beta", "gamma", "far", *PLATFORM}),
        ([("ser_name", "alpha")], {"alpha"}),
        ([("ser_name", "alpha"), ("ser_name", "beta")], {"alpha", "beta"}),
        ([("ser_name", "alpha,gamma")], {"alpha", "gamma"}),
        ([("ser_name", "nothing")], set()),
        ([("ser_category_id", "cat-x")], {"alpha", "far"}),
        ([("ser_category_id", "cat-y"), ("ser_category_id", "cat-x")], {"alpha", "beta", "far"}),
        ([("scope_of_locality", "MEC_HOST")], {"edge-svc", "alpha", "far", *PLATFORM}),
        ([("scope_of_locality", "ZONE")], {"beta"}),
        ([("consumed_local_only", "false")], {"beta", "far"}),
        ([("consumed_local_only", "true")], {"edge-svc", "alpha", "gamma", *PLATFORM}),
        ([("is_local", "false")], {"far"}),
        ([("is_local", "true")], {"edge-svc", "alpha", "beta", "gamma", *PLATFORM}),
        ([("ser_name", "alpha"), ("ser_name", "far"), ("is_local", "true")], {"alpha"}),
        ([("consumed_local_only", "false"), ("scope_of_locality", "ZONE")], {"beta"}),
    ],
)
async def test_discovery_filters(
    api: httpx.AsyncClient,
    catalogue: dict[str, str],
    params: list[tuple[str, str]],
    expected: set[str],
) -> None:
    response = await api.get(f"{SM}/services", params=params)
    assert response.status_code == 200
    assert {s["serName"] for s in response.json()} == expected


async def test_discovery_by_instance_id(api: httpx.AsyncClient, catalogue: dict[str, str]) -> None:
    params = [("ser_instance_id", catalogue["alpha"]), ("ser_instance_id", catalogue["far"])]
    response = await api.get(f"{SM}/services", params=params)
    assert {s["serName"] for s in response.json()} == {"alpha", "far"}
    # On mec-c (another operator): far and beta (consumedLocalOnly false) as non-local,
    # gamma (MEC_SYSTEM) as local; alpha and edge-svc (MEC_HOST, local only) not at all.
    on_c = (await api.get(f"/hosts/mec-c{SM}/services")).json()
    assert {(s["serName"], s["isLocal"]) for s in on_c} == {
        ("far", False),
        ("beta", False),
        ("gamma", True),
        *((name, True) for name in PLATFORM),
    }


async def test_app_services_filters(
    world: World, api: httpx.AsyncClient, catalogue: dict[str, str], dev: str
) -> None:
    url = f"{SM}/applications/{dev}/services"
    assert {s["serName"] for s in (await api.get(url)).json()} == {"alpha", "beta", "gamma"}
    filtered = await api.get(url, params={"ser_category_id": "cat-y"})
    assert [s["serName"] for s in filtered.json()] == ["beta"]
    assert all(s["_links"]["self"]["href"].startswith(f"{BASE_URL}{url}/") for s in filtered.json())


@pytest.mark.parametrize(
    "params",
    [
        [("ser_name", "a"), ("ser_instance_id", "b")],
        [("ser_name", "a"), ("ser_category_id", "b")],
        [("ser_instance_id", "a"), ("ser_category_id", "b"), ("ser_name", "c")],
    ],
)
async def test_selectors_are_mutually_exclusive(
    world: World, api: httpx.AsyncClient, params: list[tuple[str, str]]
) -> None:
    response = await api.get(f"{SM}/services", params=params)
    assert sorted(bad_fields(response)) == sorted(name for name, _ in params)
    dev = world.app_id("dev-app")
    assert (await api.get(f"{SM}/applications/{dev}/services", params=params)).status_code == 400


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope_of_locality": "CITY"}, "scope_of_locality"),
        ({"is_local": "perhaps"}, "is_local"),
        ({"consumed_local_only": "2"}, "consumed_local_only"),
        ({"serName": "alpha"}, "serName"),
    ],
)
async def test_bad_query_values(api: httpx.AsyncClient, params: dict[str, str], field: str) -> None:
    assert bad_fields(await api.get(f"{SM}/services", params=params)) == [field]


# --- liveness resource ---------------------------------------------------------------------


async def test_liveness_resource(world: World, api: httpx.AsyncClient, dev: str) -> None:
    created = await register_service(api, dev, service("s1", livenessInterval=5))
    url = created["_links"]["liveness"]["href"].removeprefix(BASE_URL)
    got = await api.get(url)
    assert got.status_code == 200
    info = got.json()
    assert info["state"] == "ACTIVE"
    assert info["interval"] == 5
    assert set(info["timeStamp"]) == {"seconds", "nanoSeconds"}
    beat = await api.patch(url, json={"state": "ACTIVE"}, headers={"If-Match": got.headers["ETag"]})
    assert beat.status_code == 204
    problem(await api.patch(url, json={"state": "ACTIVE"}, headers={"If-Match": '"stale"'}), 412)
    assert bad_fields(await api.patch(url, json={"state": "INACTIVE"})) == ["state"]
    assert bad_fields(await api.patch(url, json={})) == ["state"]
    # The resource lives on the producer's host only.
    problem(await api.get(f"/hosts/mec-b{url}"), 404)
    # A service without liveness has none.
    plain = await register_service(api, dev, service("s2"))
    problem(await api.get(f"{SM}/liveness/{plain['serInstanceId']}"), 404)


async def test_heartbeat_does_not_resume_a_suspended_service(
    world: World, api: httpx.AsyncClient, dev: str
) -> None:
    created = await register_service(api, dev, service("s1", livenessInterval=5))
    url = f"{SM}/applications/{dev}/services/{created['serInstanceId']}"
    await api.put(url, json=service("s1", livenessInterval=5, state="SUSPENDED"))
    liveness = created["_links"]["liveness"]["href"].removeprefix(BASE_URL)
    problem(await api.patch(liveness, json={"state": "ACTIVE"}), 409)
    assert (await api.get(liveness)).json()["state"] == "SUSPENDED"


async def test_deregistered_service_has_no_liveness(
    world: World, api: httpx.AsyncClient, dev: str
) -> None:
    created = await register_service(api, dev, service("s1", livenessInterval=5))
    await api.delete(f"{SM}/applications/{dev}/services/{created['serInstanceId']}")
    problem(await api.get(created["_links"]["liveness"]["href"].removeprefix(BASE_URL)), 404)


async def test_openapi_documents_the_bodies(api: httpx.AsyncClient) -> None:
    document = (await api.get("/openapi.json")).json()
    post = document["paths"][f"{SM}/applications/{{appInstanceId}}/services"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "serName" in schema["properties"]
    assert "$ref" not in str(schema)
    assert f"{SM}/liveness/{{serInstanceId}}" in document["paths"]
