"""AMS registrations (ETSI GS MEC 021 clauses 8.2 to 8.4): every operation and its errors."""

from __future__ import annotations

import httpx
from ams_helpers import JSON, REGS, UE_CAR, UE_WALK, Served, device, registration
from helpers import BASE_URL, problem

from meclab.mobility.registry import ServiceLevel, TransferState


async def test_register_read_list(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    body = registration(edge, device(UE_WALK, 2), device(UE_CAR, None), expiryTime=60)
    response = await client.post(REGS, json=body)
    assert response.status_code == 201
    created = response.json()
    reg_id = created["appMobilityServiceId"]
    assert response.headers["location"] == f"{BASE_URL}{REGS}/{reg_id}"
    assert created == {
        "appMobilityServiceId": reg_id,
        "serviceConsumerId": {"appInstanceId": edge},
        "deviceInformation": [
            {"associateId": UE_WALK, "appMobilityServiceLevel": 2, "contextTransferState": 0},
            {"associateId": UE_CAR, "contextTransferState": 0},
        ],
        "expiryTime": 60,
    }
    (kept,) = served.mobility.registrations("mec-a")
    assert [(d.ue, d.level) for d in kept.devices] == [
        ("ue-walk", ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION),
        ("ue-car", None),
    ]
    assert (kept.app_instance_id, kept.expiry_s) == (edge, 60)
    one = await client.get(f"{REGS}/{reg_id}")
    assert one.json() == created
    assert one.headers["etag"] == response.headers["etag"]
    assert (await client.get(REGS)).json() == [created]
    assert (await client.get(f"/hosts/mec-b{REGS}")).json() == []
    problem(await client.get(f"/hosts/mec-b{REGS}/{reg_id}"), 404)


async def test_associate_id_spellings(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    spellings = [
        {"type": "UE_IPv4_ADDRESS", "value": "10.0.0.1"},
        {"type": 1, "value": "acr:10.0.0.1"},
        {"type": 1, "value": "ue-walk"},
        {"type": 1, "value": "001010000000001"},
    ]
    for associate in spellings:
        response = await client.post(REGS, json=registration(edge, device(associate)))
        assert response.status_code == 201, response.text
        assert response.json()["deviceInformation"][0]["associateId"] == associate  # echoed
        (kept,) = served.mobility.registrations("mec-a")
        assert kept.devices[0].ue == "ue-walk"
        assert (
            await client.delete(response.headers["location"].removeprefix(BASE_URL))
        ).status_code == 204


async def test_filter_and_selectors(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    await client.post(REGS, json=registration(edge, device(UE_WALK)))
    second = (await client.post(REGS, json={"serviceConsumerId": {"mepId": "mep-a"}})).json()
    found = await client.get(REGS, params={"filter": "(eq,serviceConsumerId/mepId,mep-a)"})
    assert found.json() == [second]
    trimmed = (await client.get(REGS, params={"exclude_fields": "deviceInformation"})).json()
    assert all("deviceInformation" not in r for r in trimmed) and len(trimmed) == 2
    assert (
        problem(await client.get(REGS, params={"filter": "(eq,x"}), 400)["invalidParams"][0]["name"]
        == "filter"
    )


async def test_post_errors_name_the_field(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")

    def named(response: httpx.Response) -> str:
        return str(problem(response, 400)["invalidParams"][0]["name"])

    with_id = registration(edge, device(UE_WALK), appMobilityServiceId="mine")
    assert named(await client.post(REGS, json=with_id)) == "appMobilityServiceId"
    unknown = registration(edge, device({"type": 1, "value": "10.9.9.9"}))
    assert named(await client.post(REGS, json=unknown)) == "deviceInformation[0].associateId"
    both = {"serviceConsumerId": {"appInstanceId": edge, "mepId": "m"}}
    assert named(await client.post(REGS, json=both)) == "serviceConsumerId"
    assert named(await client.post(REGS, json={"serviceConsumerId": {}})) == "serviceConsumerId"
    transferred = registration(edge, device(UE_WALK, contextTransferState=1))
    assert named(await client.post(REGS, json=transferred)) == (
        "deviceInformation[0].contextTransferState"
    )
    bad_level = problem(await client.post(REGS, json=registration(edge, device(UE_WALK, 4))), 400)
    assert "appMobilityServiceLevel" in str(bad_level)
    bad_type = problem(
        await client.post(REGS, json=registration(edge, device({"type": 9, "value": "x"}))), 400
    )
    assert "associateId" in str(bad_type)
    problem(await client.post(REGS, json={"deviceInformation": []}), 400)  # no serviceConsumerId
    problem(await client.post(REGS, content=b"{", headers=JSON), 400)
    problem(await client.post(REGS, content=b"x", headers={"Content-Type": "text/plain"}), 415)
    problem(await client.get(REGS, params={"app": "x"}), 400)


async def test_port_refusals(served: Served, client: httpx.AsyncClient) -> None:
    other_host = registration(served.instance("edge-b"), device(UE_WALK))
    assert "mec-a" in problem(await client.post(REGS, json=other_host), 404)["detail"]
    twice = registration(served.instance("edge-app"), device(UE_WALK), device(UE_WALK))
    problem(await client.post(REGS, json=twice), 422)


async def test_put_with_if_match_and_transfer(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    created = await client.post(REGS, json=registration(edge, device(UE_WALK)))
    url, etag = created.headers["location"].removeprefix(BASE_URL), created.headers["etag"]
    reg_id = created.json()["appMobilityServiceId"]
    update = registration(
        edge, device(UE_WALK, contextTransferState=1), appMobilityServiceId=reg_id
    )
    problem(await client.put(url, json=update, headers={"If-Match": '"stale"'}), 412)
    problem(await client.put(url, content=b"{", headers={**JSON, "If-Match": '"stale"'}), 412)
    response = await client.put(url, json=update, headers={"If-Match": etag})
    assert response.status_code == 200
    assert response.json()["deviceInformation"][0]["contextTransferState"] == 1
    assert response.headers["etag"] != etag
    assert served.mobility.confirmed == [(reg_id, "ue-walk")]
    (kept,) = served.mobility.registrations("mec-a")
    assert kept.devices[0].transfer is TransferState.USER_CONTEXT_TRANSFER_COMPLETED
    assert (await client.get(url)).json() == response.json()


async def test_put_errors(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    created = await client.post(REGS, json=registration(edge, device(UE_WALK)))
    url = created.headers["location"].removeprefix(BASE_URL)
    for wrong in ({}, {"appMobilityServiceId": "other"}):
        body = registration(edge, device(UE_WALK), **wrong)
        found = problem(await client.put(url, json=body), 400)
        assert found["invalidParams"][0]["name"] == "appMobilityServiceId"
    problem(await client.put(f"{REGS}/nope", content=b"{", headers=JSON), 404)  # 404 first


async def test_delete_and_deregister_task(served: Served, client: httpx.AsyncClient) -> None:
    edge = served.instance("edge-app")
    now = served.mobility.wall()
    lasting = await client.post(REGS, json=registration(edge, device(UE_WALK), expiryTime=30))
    lasting_url = lasting.headers["location"].removeprefix(BASE_URL)
    at_once = await client.post(REGS, json=registration(edge, device(UE_CAR)))
    at_once_url = at_once.headers["location"].removeprefix(BASE_URL)

    response = await client.post(f"{at_once_url}/deregister_task")
    assert (response.status_code, response.content) == (204, b"")
    problem(await client.get(at_once_url), 404)

    assert (await client.post(f"{lasting_url}/deregister_task")).status_code == 204
    assert (await client.get(lasting_url)).status_code == 200  # until its expiryTime runs out
    served.mobility.lapse(now + 29)
    assert (await client.get(lasting_url)).status_code == 200
    served.mobility.lapse(now + 30)
    problem(await client.get(lasting_url), 404)
    problem(await client.post(f"{REGS}/nope/deregister_task"), 404)

    other = await client.post(REGS, json=registration(edge, device(UE_WALK)))
    url = other.headers["location"].removeprefix(BASE_URL)
    problem(await client.delete(url, headers={"If-Match": '"stale"'}), 412)
    assert (
        await client.delete(url, headers={"If-Match": other.headers["etag"]})
    ).status_code == 204
    problem(await client.delete(url), 404)


async def test_expiry_time_zero_is_no_expiry(served: Served, client: httpx.AsyncClient) -> None:
    body = registration(served.instance("edge-app"), device(UE_WALK), expiryTime=0)
    created = await client.post(REGS, json=body)
    assert created.status_code == 201
    assert "expiryTime" not in created.json()
    (kept,) = served.mobility.registrations("mec-a")
    assert kept.expiry_s is None and kept.expires_at is None
    problem(await client.post(REGS, json={**body, "expiryTime": -1}), 400)
