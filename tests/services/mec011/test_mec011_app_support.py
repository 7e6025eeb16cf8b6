"""MEC 011 application support: handshakes, DNS and traffic rules, timing, termination
subscriptions, and the HTTP conventions every route follows."""

from __future__ import annotations

import time

import httpx
import pytest
from helpers import BASE_URL, problem, service
from mec011_helpers import AS, SM, World, bad_fields, ready

UNKNOWN = "00000000-0000-0000-0000-000000000000"


# --- confirm_ready / confirm_termination --------------------------------------------------


async def test_confirm_ready_then_again_is_409(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    assert world.platforms.apps[dev].state == "INSTANTIATED"
    url = f"{AS}/applications/{dev}/confirm_ready"
    response = await api.post(url, json={"indication": "READY"})
    assert response.status_code == 204
    assert response.content == b""
    assert world.platforms.apps[dev].state == "READY"
    again = problem(await api.post(url, json={"indication": "READY"}), 409)
    assert "READY" in again["detail"]


async def test_confirm_ready_of_an_emulated_instance_is_409(
    world: World, api: httpx.AsyncClient
) -> None:
    # meclab plays edge-app: it is READY from the start.
    edge = world.app_id("edge-app")
    response = await api.post(
        f"{AS}/applications/{edge}/confirm_ready", json={"indication": "READY"}
    )
    problem(response, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"indication": "GO"}, "indication"),
        ({}, "indication"),
        ({"indication": "READY", "x": 1}, "x"),
    ],
)
async def test_confirm_ready_bad_body_names_the_field(
    world: World, api: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(f"{AS}/applications/{dev}/confirm_ready", json=body)
    assert bad_fields(response) == [field]
    assert world.platforms.apps[dev].state == "INSTANTIATED"


async def test_confirm_termination_when_not_terminating_is_409(
    world: World, api: httpx.AsyncClient
) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(
        f"{AS}/applications/{dev}/confirm_termination", json={"operationAction": "TERMINATING"}
    )
    problem(response, 409)


async def test_confirm_termination_bad_action_names_the_field(
    world: World, api: httpx.AsyncClient
) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(
        f"{AS}/applications/{dev}/confirm_termination", json={"operationAction": "PAUSING"}
    )
    assert bad_fields(response) == ["operationAction"]


# --- path ids come first; then the body's media type; then the body ------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", f"{AS}/applications/{UNKNOWN}/confirm_ready"),
        ("POST", f"{AS}/applications/{UNKNOWN}/confirm_termination"),
        ("POST", f"{AS}/applications/{UNKNOWN}/subscriptions"),
        ("PUT", f"{AS}/applications/{{dev}}/dns_rules/nope"),
        ("PUT", f"{AS}/applications/{{dev}}/traffic_rules/nope"),
        ("PUT", f"{AS}/registrations/{UNKNOWN}"),
        ("POST", f"{SM}/applications/{UNKNOWN}/services"),
        ("PUT", f"{SM}/applications/{{dev}}/services/{UNKNOWN}"),
        ("POST", f"{SM}/applications/{UNKNOWN}/subscriptions"),
        ("PATCH", f"{SM}/liveness/{UNKNOWN}"),
        ("POST", f"/hosts/nowhere{SM}/applications/{{dev}}/services"),
    ],
)
@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b'{"unexpected": true}', "application/json"),
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"indication=READY", "application/x-www-form-urlencoded"),
    ],
)
async def test_unknown_id_is_404_even_with_a_bad_body(
    world: World,
    api: httpx.AsyncClient,
    method: str,
    path: str,
    content: bytes,
    content_type: str,
) -> None:
    url = path.replace("{dev}", world.app_id("dev-app"))
    response = await api.request(
        method, url, content=content, headers={"Content-Type": content_type}
    )
    problem(response, 404)


async def test_non_json_body_is_415(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(
        f"{AS}/applications/{dev}/confirm_ready",
        content=b"indication=READY",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert "application/json" in problem(response, 415)["detail"]
    missing = await api.post(f"{AS}/applications/{dev}/confirm_ready", content=b"{}")
    problem(missing, 415)  # no Content-Type at all


async def test_malformed_json_is_400(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(
        f"{AS}/applications/{dev}/confirm_ready",
        content=b'{"indication": ',
        headers={"Content-Type": "application/json"},
    )
    assert "malformed JSON" in problem(response, 400)["invalidParams"][0]["reason"]


@pytest.mark.parametrize(
    "path",
    [
        f"{AS}/timing/current_time",
        f"{AS}/timing/timing_caps",
        f"{AS}/applications/{{dev}}/dns_rules",
        f"{AS}/applications/{{dev}}/subscriptions",
        f"{SM}/services",
        f"{SM}/transports",
    ],
)
async def test_unknown_query_parameter_is_400(
    world: World, api: httpx.AsyncClient, path: str
) -> None:
    url = path.replace("{dev}", world.app_id("dev-app"))
    response = await api.get(url, params={"colour": "red"})
    assert bad_fields(response) == ["colour"]


async def test_unknown_host_is_404(api: httpx.AsyncClient) -> None:
    problem(await api.get(f"/hosts/nowhere{AS}/timing/current_time"), 404)


async def test_instance_on_another_host_is_404(world: World, api: httpx.AsyncClient) -> None:
    # b-app runs on mec-b: mec-a (the root) does not know it, mec-b does.
    b_app = world.app_id("b-app")
    problem(await api.get(f"{AS}/applications/{b_app}/dns_rules"), 404)
    assert (await api.get(f"/hosts/mec-b{AS}/applications/{b_app}/dns_rules")).status_code == 200


# --- DNS rules -----------------------------------------------------------------------------

DNS = {
    "dnsRuleId": "dns-1",
    "domainName": "dev.example",
    "ipAddressType": "IP_V4",
    "ipAddress": "10.0.0.10",
    "state": "ACTIVE",
}


async def test_dns_rules_list_and_get(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    listed = await api.get(f"{AS}/applications/{dev}/dns_rules")
    assert listed.status_code == 200
    assert listed.json() == [DNS]
    one = await api.get(f"{AS}/applications/{dev}/dns_rules/dns-1")
    assert one.status_code == 200
    assert one.json() == DNS
    assert one.headers["ETag"].startswith('"')
    problem(await api.get(f"{AS}/applications/{dev}/dns_rules/dns-9"), 404)
    problem(await api.get(f"{AS}/applications/{UNKNOWN}/dns_rules"), 404)
    problem(await api.get(f"{AS}/applications/{UNKNOWN}/dns_rules/dns-1"), 404)


async def test_dns_rule_put_with_if_match(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    url = f"{AS}/applications/{dev}/dns_rules/dns-1"
    etag = (await api.get(url)).headers["ETag"]
    changed = {**DNS, "state": "INACTIVE", "ttl": 60}
    response = await api.put(url, json=changed, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json() == changed
    new_etag = response.headers["ETag"]
    assert new_etag != etag
    assert (await api.get(url)).json() == changed
    assert world.platforms.apps[dev].dns_rules["dns-1"].state == "INACTIVE"
    # The old tag no longer matches: 412, and nothing changes.
    stale = await api.put(url, json=DNS, headers={"If-Match": etag})
    problem(stale, 412)
    assert (await api.get(url)).json() == changed
    # Without If-Match the PUT is unconditional.
    assert (await api.put(url, json=DNS)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"dnsRuleId": "dns-2"}, "dnsRuleId"),
        ({"ipAddress": "not-an-ip"}, "ipAddress"),
        ({"state": "MAYBE"}, "state"),
        ({"domainName": None}, "domainName"),
    ],
)
async def test_dns_rule_put_bad_body(
    world: World, api: httpx.AsyncClient, changes: dict[str, object], field: str
) -> None:
    dev = world.app_id("dev-app")
    body = {k: v for k, v in {**DNS, **changes}.items() if v is not None}
    response = await api.put(f"{AS}/applications/{dev}/dns_rules/dns-1", json=body)
    assert bad_fields(response) == [field]
    assert world.platforms.apps[dev].dns_rules["dns-1"].wire() == DNS


# --- traffic rules -------------------------------------------------------------------------

TRAFFIC = {
    "trafficRuleId": "tr-1",
    "filterType": "FLOW",
    "priority": 1,
    "trafficFilter": [{"dstAddress": ["10.0.0.10/32"], "dstPort": ["8080"]}],
    "action": "FORWARD_DECAPSULATED",
    "state": "ACTIVE",
}


async def test_traffic_rules_list_get_put(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    assert (await api.get(f"{AS}/applications/{dev}/traffic_rules")).json() == [TRAFFIC]
    url = f"{AS}/applications/{dev}/traffic_rules/tr-1"
    got = await api.get(url)
    assert got.json() == TRAFFIC
    changed = {**TRAFFIC, "action": "DROP", "priority": 0}
    put = await api.put(url, json=changed, headers={"If-Match": got.headers["ETag"]})
    assert put.status_code == 200
    assert put.json() == changed
    problem(await api.put(url, json=TRAFFIC, headers={"If-Match": got.headers["ETag"]}), 412)
    problem(await api.get(f"{AS}/applications/{dev}/traffic_rules/tr-2"), 404)
    bad = await api.put(url, json={**TRAFFIC, "priority": 300})
    assert bad_fields(bad) == ["priority"]
    other = await api.put(url, json={**TRAFFIC, "trafficRuleId": "tr-2"})
    assert bad_fields(other) == ["trafficRuleId"]


# --- timing --------------------------------------------------------------------------------


async def test_current_time(api: httpx.AsyncClient) -> None:
    before = time.time()
    response = await api.get(f"{AS}/timing/current_time")
    after = time.time()
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"seconds", "nanoSeconds", "timeSourceStatus"}
    assert before - 1 <= body["seconds"] + body["nanoSeconds"] / 1e9 <= after + 1
    assert 0 <= body["nanoSeconds"] <= 999_999_999
    assert body["timeSourceStatus"] in ("TRACEABLE", "NONTRACEABLE")


async def test_timing_caps(api: httpx.AsyncClient) -> None:
    response = await api.get(f"/hosts/mec-b{AS}/timing/timing_caps")
    assert response.status_code == 200
    body = response.json()
    assert body["ntpServers"] == []
    assert body["ptpMasters"] == []
    assert abs(body["timeStamp"]["seconds"] - time.time()) < 5


# --- AppTermination subscriptions ----------------------------------------------------------


def termination_sub(app_id: str, callback: str = "http://127.0.0.1:9/cb") -> dict[str, str]:
    return {
        "subscriptionType": "AppTerminationNotificationSubscription",
        "callbackReference": callback,
        "appInstanceId": app_id,
    }


async def test_termination_subscription_lifecycle(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    collection = f"{AS}/applications/{dev}/subscriptions"
    created = await api.post(collection, json=termination_sub(dev))
    assert created.status_code == 201
    body = created.json()
    location = created.headers["Location"]
    assert location.startswith(f"{BASE_URL}{collection}/")
    assert body == {**termination_sub(dev), "_links": {"self": {"href": location}}}
    got = await api.get(location.removeprefix(BASE_URL))
    assert got.status_code == 200
    assert got.json() == body
    assert got.headers["ETag"] == created.headers["ETag"]
    listed = await api.get(collection)
    assert listed.json() == {
        "_links": {
            "self": {"href": f"{BASE_URL}{collection}"},
            "subscriptions": [
                {"href": location, "subscriptionType": "AppTerminationNotificationSubscription"}
            ],
        }
    }
    # Another instance does not see it; the service management API has its own collection.
    peer = world.app_id("peer-app")
    sub_id = location.rsplit("/", 1)[1]
    problem(await api.get(f"{AS}/applications/{peer}/subscriptions/{sub_id}"), 404)
    problem(await api.get(f"{SM}/applications/{dev}/subscriptions/{sub_id}"), 404)
    assert (await api.get(f"{SM}/applications/{dev}/subscriptions")).json()["_links"][
        "subscriptions"
    ] == []
    deleted = await api.delete(location.removeprefix(BASE_URL))
    assert deleted.status_code == 204
    problem(await api.get(location.removeprefix(BASE_URL)), 404)
    problem(await api.delete(location.removeprefix(BASE_URL)), 404)
    assert (await api.get(collection)).json()["_links"]["subscriptions"] == []


async def test_termination_subscription_delete_if_match(
    world: World, api: httpx.AsyncClient
) -> None:
    dev = world.app_id("dev-app")
    created = await api.post(f"{AS}/applications/{dev}/subscriptions", json=termination_sub(dev))
    url = created.headers["Location"].removeprefix(BASE_URL)
    problem(await api.delete(url, headers={"If-Match": '"stale"'}), 412)
    ok = await api.delete(url, headers={"If-Match": created.headers["ETag"]})
    assert ok.status_code == 204


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subscriptionType": "SerAvailabilityNotificationSubscription"}, "subscriptionType"),
        ({"callbackReference": "not a uri"}, "callbackReference"),
        ({"callbackReference": "ftp://example.com/cb"}, "callbackReference"),
        ({"callbackReference": None}, "callbackReference"),
        ({"appInstanceId": None}, "appInstanceId"),
        ({"appInstanceId": UNKNOWN}, "appInstanceId"),
        ({"websockNotifConfig": {"requestWebsocketUri": True}}, "websockNotifConfig"),
    ],
)
async def test_termination_subscription_bad_body(
    world: World, api: httpx.AsyncClient, changes: dict[str, object], field: str
) -> None:
    dev = world.app_id("dev-app")
    body = {k: v for k, v in {**termination_sub(dev), **changes}.items() if v is not None}
    response = await api.post(f"{AS}/applications/{dev}/subscriptions", json=body)
    assert bad_fields(response) == [field]


async def test_watching_an_instance_on_another_host_is_400(
    world: World, api: httpx.AsyncClient
) -> None:
    dev = world.app_id("dev-app")
    response = await api.post(
        f"{AS}/applications/{dev}/subscriptions", json=termination_sub(world.app_id("b-app"))
    )
    assert bad_fields(response) == ["appInstanceId"]


async def test_unknown_subscription_is_404(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    problem(await api.get(f"{AS}/applications/{dev}/subscriptions/nope"), 404)
    problem(await api.delete(f"{AS}/applications/{dev}/subscriptions/nope"), 404)


# --- headers -------------------------------------------------------------------------------


async def test_header_names_are_canonical(world: World, api: httpx.AsyncClient) -> None:
    dev = world.app_id("dev-app")
    created = await api.post(f"{AS}/applications/{dev}/subscriptions", json=termination_sub(dev))
    names = {name for name, _ in created.headers.raw}
    assert {b"Location", b"ETag", b"Content-Type"} <= names
    failed = await api.get(f"{AS}/applications/{UNKNOWN}/dns_rules")
    assert (b"Content-Type", b"application/problem+json") in failed.headers.raw


async def test_readiness_gates_services_not_rules(world: World, api: httpx.AsyncClient) -> None:
    # Before confirm_ready an instance may read and change its rules; it may not offer
    # services (403, MEC 011 clause 5.2.2); after it, it may.
    dev = world.app_id("dev-app")
    forbidden = await api.post(f"{SM}/applications/{dev}/services", json=service())
    assert "confirm_ready" in problem(forbidden, 403)["detail"]
    assert (await api.put(f"{AS}/applications/{dev}/dns_rules/dns-1", json=DNS)).status_code == 200
    await ready(api, dev)
    assert (await api.post(f"{SM}/applications/{dev}/services", json=service())).status_code == 201
