"""GET /queries/adjacent_app_instances (ETSI GS MEC 021 clause 8.7): the port's answer as
AdjacentAppInstanceInfo, with MEC 009 filter and selectors."""

from __future__ import annotations

import httpx
from ams_helpers import AMS, Served
from helpers import problem

from meclab.mobility.notices import AdjacentInstance, InstanceAddress

QUERY = f"{AMS}/queries/adjacent_app_instances"


async def test_adjacent_instances(served: Served, client: httpx.AsyncClient) -> None:
    assert (await client.get(QUERY)).json() == []
    served.mobility.adjacent_of["mec-a"] = [
        AdjacentInstance(
            InstanceAddress("b-1", "mec-b", "10.200.0.7", 8080), "appd-edge", "mec-b", "a-1"
        ),
        AdjacentInstance(InstanceAddress("c-1", "mec-c", None, None), "appd-other", "MEC C"),
    ]
    listed = (await client.get(QUERY)).json()
    assert listed == [
        {
            "appInstanceId": "b-1",
            "appDId": "appd-edge",
            "appInstanceCommLink": [{"ipAddresses": [{"host": "10.200.0.7", "port": 8080}]}],
            "mecHostInformation": {"hostName": "mec-b", "hostId": {"name": "mec-b"}},
            "registeredInstanceId": "a-1",
        },
        {
            "appInstanceId": "c-1",
            "appDId": "appd-other",
            "appInstanceCommLink": [{}],
            "mecHostInformation": {"hostName": "MEC C", "hostId": {"name": "mec-c"}},
        },
    ]
    assert (await client.get(f"/hosts/mec-b{QUERY}")).json() == []
    only = await client.get(QUERY, params={"filter": "(eq,mecHostInformation/hostId/name,mec-b)"})
    assert [i["appInstanceId"] for i in only.json()] == ["b-1"]
    trimmed = (await client.get(QUERY, params={"fields": "mecHostInformation"})).json()
    assert [sorted(i) for i in trimmed] == [
        ["appDId", "appInstanceCommLink", "appInstanceId", "mecHostInformation",
         "registeredInstanceId"],
        ["appDId", "appInstanceCommLink", "appInstanceId", "mecHostInformation"],
    ]  # fmt: skip
    without = (await client.get(QUERY, params={"exclude_fields": "mecHostInformation"})).json()
    assert all("mecHostInformation" not in i for i in without)
    problem(await client.get(QUERY, params={"exclude_fields": "appInstanceCommLink"}), 400)
    problem(await client.get("/hosts/nowhere" + QUERY), 404)
