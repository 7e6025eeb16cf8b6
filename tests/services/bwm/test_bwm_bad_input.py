"""Bad input to /bwm/v1/bw_allocations: 400 naming the attribute, 404, 412, 415, and nothing
kept or changed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bwm_helpers import (
    ALLOCATIONS,
    B_APP,
    EDGE_APP,
    JSON,
    RecordingPort,
    app_body,
    session_body,
)
from helpers import problem

UDP = {"sourceIp": "10.0.0.1", "dstPort": ["5000"], "protocol": "17"}


def without(name: str) -> dict[str, Any]:
    body = app_body()
    del body[name]
    return body


BAD_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("unknown request type", app_body(requestType=2), "requestType"),
    ("request type as a word", app_body(requestType="APPLICATION"), "requestType"),
    ("unknown direction", app_body(allocationDirection="11"), "allocationDirection"),
    ("direction as a number", app_body(allocationDirection=10), "allocationDirection"),
    *[
        (f"no {name}", without(name), name)
        for name in ("appInsId", "requestType", "fixedAllocation", "allocationDirection")
    ],
    ("allocation of 0", app_body(fixedAllocation="0"), "fixedAllocation"),
    ("negative allocation", app_body(fixedAllocation="-5"), "fixedAllocation"),
    ("allocation with a unit", app_body(fixedAllocation="10Mbps"), "fixedAllocation"),
    ("allocation as a fraction", app_body(fixedAllocation="1.5"), "fixedAllocation"),
    ("allocation as a number", app_body(fixedAllocation=1000), "fixedAllocation"),
    ("allocation with a leading zero", app_body(fixedAllocation="0100"), "fixedAllocation"),
    ("allocation in exponent", app_body(fixedAllocation="1e6"), "fixedAllocation"),
    ("unknown attribute", app_body(colour="red"), "colour"),
    ("set allocationId", app_body(allocationId="mine"), "allocationId"),
    ("another app's name", app_body(appName="other"), "appName"),
    (
        "bad address",
        session_body(EDGE_APP, {"sourceIp": "10.0.0.300"}),
        "sessionFilter[0].sourceIp",
    ),
    (
        "bad port",
        session_body(EDGE_APP, {**UDP, "dstPort": ["70000"]}),
        "sessionFilter[0].dstPort[0]",
    ),
    (
        "one port, not a list",
        session_body(EDGE_APP, {**UDP, "sourcePort": "80"}),
        "sessionFilter[0].sourcePort",
    ),
    (
        "bad protocol",
        session_body(EDGE_APP, {**UDP, "protocol": "300"}),
        "sessionFilter[0].protocol",
    ),
    ("unknown filter attribute", session_body(EDGE_APP, {"port": "80"}), "sessionFilter[0].port"),
    ("app-level with a filter", app_body(sessionFilter=[UDP]), "sessionFilter"),
    ("session-level without one", app_body(requestType=1), "sessionFilter"),
    ("session-level with none", app_body(requestType=1, sessionFilter=[]), "sessionFilter"),
    ("an empty filter", session_body(EDGE_APP, UDP, {}), "sessionFilter[1]"),
    ("a filter twice", session_body(EDGE_APP, UDP, {"protocol": "6"}, UDP), "sessionFilter[2]"),
    (
        "an uplink source that is no terminal",
        session_body(EDGE_APP, {"sourceIp": "192.0.2.1"}),
        "sessionFilter[0].sourceIp",
    ),
    (
        "a downlink destination that is no terminal",
        session_body(EDGE_APP, {"dstAddress": "10.9.0.0/16"}, allocationDirection="00"),
        "sessionFilter[0].dstAddress",
    ),
]


def named(body: dict[str, Any]) -> set[str]:
    return {p["name"] for p in body.get("invalidParams", [])}


@pytest.mark.parametrize(("case", "body", "field"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
async def test_a_bad_body_is_400_naming_the_attribute(
    client: httpx.AsyncClient, port: RecordingPort, case: str, body: dict[str, Any], field: str
) -> None:
    answer = problem(await client.post(ALLOCATIONS, json=body), 400)
    assert field in named(answer), answer
    assert (await client.get(ALLOCATIONS)).json() == []
    assert port.calls == []


async def test_a_filter_address_off_the_direction_is_not_a_terminal_check(
    client: httpx.AsyncClient,
) -> None:
    """A downlink allocation's sender (sourceIp) is the far end: any address will do."""
    body = session_body(
        EDGE_APP, {"sourceIp": "192.0.2.1", "dstAddress": "10.0.0.1"}, allocationDirection="00"
    )
    assert (await client.post(ALLOCATIONS, json=body)).status_code == 201


async def test_a_second_application_level_allocation_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post(ALLOCATIONS, json=app_body())).status_code == 201
    answer = problem(await client.post(ALLOCATIONS, json=app_body()), 400)
    assert "requestType" in named(answer)


async def test_a_filter_of_another_allocation_is_refused(client: httpx.AsyncClient) -> None:
    assert (await client.post(ALLOCATIONS, json=session_body())).status_code == 201
    answer = problem(await client.post(ALLOCATIONS, json=session_body()), 400)
    assert "sessionFilter[0]" in named(answer)


async def test_unknown_instances_and_allocations_are_404(client: httpx.AsyncClient) -> None:
    answer = problem(await client.post(ALLOCATIONS, json=app_body("no-such-app")), 404)
    assert "no-such-app" in answer["detail"]
    problem(await client.post(ALLOCATIONS, json=app_body(B_APP)), 404)  # an app of mec-b
    for method in ("GET", "DELETE"):
        problem(await client.request(method, f"{ALLOCATIONS}/nope"), 404)
    problem(await client.put(f"{ALLOCATIONS}/nope", json=app_body()), 404)
    problem(await client.patch(f"{ALLOCATIONS}/nope", json={}), 404)
    problem(await client.get("/hosts/nowhere/bwm/v1/bw_allocations"), 404)


async def test_not_json_is_415(client: httpx.AsyncClient) -> None:
    problem(await client.post(ALLOCATIONS, content=b"appInsId=x"), 415)
    problem(await client.post(ALLOCATIONS, content=b"{", headers=JSON), 400)


async def test_an_unknown_query_parameter_is_400(client: httpx.AsyncClient) -> None:
    answer = problem(await client.get(ALLOCATIONS, params={"appInstanceId": EDGE_APP}), 400)
    assert "appInstanceId" in answer["detail"] or "appInstanceId" in named(answer)


async def made(client: httpx.AsyncClient, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    answer = await client.post(ALLOCATIONS, json=body)
    assert answer.status_code == 201, answer.text
    return f"{ALLOCATIONS}/{answer.json()['allocationId']}", answer.json()


PATCHES: list[tuple[str, dict[str, Any], str]] = [
    ("another instance", {"appInsId": B_APP, "requestType": 1}, "appInsId"),
    ("another request type", {"appInsId": EDGE_APP, "requestType": 0}, "requestType"),
    ("no appInsId", {"requestType": 1}, "appInsId"),
    ("no requestType", {"appInsId": EDGE_APP}, "requestType"),
    (
        "another allocationId",
        {"appInsId": EDGE_APP, "requestType": 1, "allocationId": "x"},
        "allocationId",
    ),
    (
        "a bad allocation",
        {"appInsId": EDGE_APP, "requestType": 1, "fixedAllocation": "x"},
        "fixedAllocation",
    ),
    (
        "a removed allocation",
        {"appInsId": EDGE_APP, "requestType": 1, "fixedAllocation": None},
        "fixedAllocation",
    ),
    (
        "a removed direction",
        {"appInsId": EDGE_APP, "requestType": 1, "allocationDirection": None},
        "allocationDirection",
    ),
    (
        "no filters left",
        {"appInsId": EDGE_APP, "requestType": 1, "sessionFilter": []},
        "sessionFilter",
    ),
    (
        "a bad direction",
        {"appInsId": EDGE_APP, "requestType": 1, "allocationDirection": "2"},
        "allocationDirection",
    ),
]


@pytest.mark.parametrize(("case", "deltas", "field"), PATCHES, ids=[c[0] for c in PATCHES])
async def test_a_bad_patch_is_400_and_changes_nothing(
    client: httpx.AsyncClient, case: str, deltas: dict[str, Any], field: str
) -> None:
    url, before = await made(client, session_body())
    answer = problem(await client.patch(url, json=deltas), 400)
    assert field in named(answer), answer
    assert (await client.get(url)).json() == before


async def test_a_put_keeps_the_instance(client: httpx.AsyncClient) -> None:
    url, before = await made(client, app_body())
    answer = problem(await client.put(url, json=app_body(B_APP)), 400)
    assert "appInsId" in named(answer)
    answer = problem(await client.put(url, json=app_body(allocationId="other")), 400)
    assert "allocationId" in named(answer)
    assert (await client.get(url)).json() == before


async def test_a_stale_if_match_is_412_and_changes_nothing(client: httpx.AsyncClient) -> None:
    url, before = await made(client, app_body())
    stale = {"If-Match": '"stale"'}
    problem(await client.put(url, json=app_body(fixedAllocation="5"), headers=stale), 412)
    deltas = {"appInsId": EDGE_APP, "requestType": 0, "fixedAllocation": "5"}
    problem(await client.patch(url, json=deltas, headers=stale), 412)
    problem(await client.delete(url, headers=stale), 412)
    assert (await client.get(url)).json() == before
