"""/bwm/v1/bw_allocations: every operation's happy path, ETags, filters and per-host routing."""

from __future__ import annotations

from typing import Any

import httpx
from bwm_helpers import (
    ALLOCATIONS,
    B_APP,
    EDGE_APP,
    RecordingPort,
    Served,
    app_body,
    on_host,
    session_body,
)
from helpers import BASE_URL, problem
from port_lab import WALL


async def create(client: httpx.AsyncClient, body: dict[str, Any], host: str = "") -> httpx.Response:
    answer = await client.post(on_host(ALLOCATIONS, host), json=body)
    assert answer.status_code == 201, answer.text
    return answer


async def test_create_read_replace_patch_delete(served: Served, port: RecordingPort) -> None:
    client = served.client
    made = await create(client, app_body())
    body = made.json()
    allocation_id = body["allocationId"]
    assert body == {
        **app_body(),
        "allocationId": allocation_id,
        "timeStamp": {"seconds": int(WALL), "nanoSeconds": 0},
        "appName": served.platforms.app("mec-a", EDGE_APP).app_name,
    }
    url = f"{ALLOCATIONS}/{allocation_id}"
    assert made.headers["location"] == f"{BASE_URL}{url}"
    read = await client.get(url)
    assert read.json() == body
    assert read.headers["etag"] == made.headers["etag"]

    replaced = await client.put(
        url,
        json=app_body(fixedAllocation="2000000", allocationDirection="10"),
        headers={"If-Match": read.headers["etag"]},
    )
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["allocationId"] == allocation_id
    assert replaced.json()["fixedAllocation"] == "2000000"
    assert replaced.headers["etag"] != read.headers["etag"]

    deltas = {"appInsId": EDGE_APP, "requestType": 0, "fixedBWPriority": "high"}
    changed = await client.patch(url, json=deltas, headers={"If-Match": replaced.headers["etag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**replaced.json(), "fixedBWPriority": "high"}
    assert (await client.get(url)).json() == changed.json()

    gone = await client.delete(url, headers={"If-Match": changed.headers["etag"]})
    assert gone.status_code == 204
    problem(await client.get(url), 404)
    assert port.calls == [
        ("apply", "mec-a", allocation_id),
        ("apply", "mec-a", allocation_id),
        ("apply", "mec-a", allocation_id),
        ("release", "mec-a", allocation_id),
    ]
    assert port.applied == {}


async def test_the_port_gets_the_allocation_with_its_figures(
    served: Served, port: RecordingPort
) -> None:
    made = (await create(served.client, session_body(allocationDirection="10"))).json()
    allocation = port.applied[made["allocationId"]]
    assert allocation.host == "mec-a"
    assert allocation.owner == EDGE_APP
    assert allocation.bps == 1_000_000.0
    assert {d.value for d in allocation.directions} == {"ul", "dl"}
    assert not allocation.application_level
    assert allocation.body() == made


async def test_wrapped_bodies_of_the_v221_file_are_taken(served: Served) -> None:
    client = served.client
    made = await create(client, {"BwInfo": app_body()})
    url = f"{ALLOCATIONS}/{made.json()['allocationId']}"
    answer = await client.patch(
        url,
        json={"BwInfoDeltas": {"appInsId": EDGE_APP, "requestType": 0, "fixedAllocation": "7"}},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["fixedAllocation"] == "7"


async def test_a_patch_replaces_the_filters_it_gives(served: Served) -> None:
    client = served.client
    made = (await create(client, session_body())).json()
    filters = [{"dstAddress": "10.0.0.2", "protocol": "6"}]
    deltas = {
        "allocationId": made["allocationId"],
        "appInsId": EDGE_APP,
        "requestType": 1,
        "sessionFilter": filters,
        "allocationDirection": "00",
    }
    answer = await client.patch(f"{ALLOCATIONS}/{made['allocationId']}", json=deltas)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {**made, "sessionFilter": filters, "allocationDirection": "00"}


async def test_filters_of_a_listing(served: Served) -> None:
    client = served.client
    first = (await create(client, app_body())).json()
    second = (await create(client, session_body())).json()
    theirs = (await create(client, app_body(B_APP), host="mec-b")).json()
    name = first["appName"]

    async def listed(host: str = "", **params: Any) -> list[str]:
        answer = await client.get(on_host(ALLOCATIONS, host), params=params)
        assert answer.status_code == 200, answer.text
        return [a["allocationId"] for a in answer.json()]

    both = [first["allocationId"], second["allocationId"]]
    assert await listed() == both
    assert await listed("mec-b") == [theirs["allocationId"]]
    assert await listed(app_instance_id=EDGE_APP) == both
    assert await listed(app_instance_id=B_APP) == []
    assert await listed(app_name=name) == both
    assert await listed(app_name="nobody") == []
    assert await listed(session_id=second["allocationId"]) == [second["allocationId"]]
    assert await listed(session_id=[first["allocationId"], "x"]) == [first["allocationId"]]
    assert await listed(session_id=f"{second['allocationId']},{first['allocationId']}") == both
    assert await listed(app_instance_id=EDGE_APP, session_id=theirs["allocationId"]) == []


async def test_an_allocation_is_of_its_host(served: Served) -> None:
    client = served.client
    theirs = (await create(client, app_body(B_APP), host="mec-b")).json()
    problem(await client.get(f"{ALLOCATIONS}/{theirs['allocationId']}"), 404)
    read = await client.get(on_host(f"{ALLOCATIONS}/{theirs['allocationId']}", "mec-b"))
    assert read.json() == theirs
