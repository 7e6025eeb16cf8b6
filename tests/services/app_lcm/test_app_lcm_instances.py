"""app_lcm/v1 application instances and their tasks: status codes, Location, bodies, errors."""

from __future__ import annotations

import pytest
from helpers import BASE_URL, problem
from lcm_helpers import HOST_PICK, LCM, create, instantiated, path_of, run, task
from lcm_lab import Lab

from meclab.services.app_lcm.models import AppInstanceInfo, AppLcmOpOcc


async def test_create_answers_201_with_the_instance_and_its_location(lab: Lab) -> None:
    response = await lab.client.post(
        f"{LCM}/app_instances",
        json={"appDId": "edge-d", "appInstanceName": "edge-1", "appInstanceDescription": "E"},
    )
    assert response.status_code == 201
    body = AppInstanceInfo.model_validate(response.json())
    assert response.headers["Location"] == body.links.self.href
    assert body.links.self.href == f"{BASE_URL}{LCM}/app_instances/{body.id}"
    assert (body.appDId, body.appName, body.appProvider) == ("edge-d", "edge", "ACME")
    assert (body.appSoftVersion, body.appDVersion, body.appPkgId) == ("1.2", "3", "pkg-edge-d")
    assert (body.appInstanceName, body.appInstanceDescription) == ("edge-1", "E")
    assert body.instantiationState == "NOT_INSTANTIATED"
    assert body.instantiatedAppState is None
    # Only the task possible now is linked.
    assert body.links.instantiate is not None
    assert body.links.instantiate.href == f"{body.links.self.href}/instantiate"
    assert body.links.terminate is None and body.links.operate is None
    assert body.links.configure_platform_for_app is None
    got = await lab.client.get(path_of(body.links.self.href))
    assert got.status_code == 200 and got.json() == response.json()
    assert got.headers["ETag"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"appDId": "nope"}, 404, None),
        ({"appDId": "off-d"}, 409, None),
        ({}, 400, "appDId"),
        ({"appDId": "edge-d", "appInstanceNme": "x"}, 400, "appInstanceNme"),
        ({"appDId": "edge-d", "appPlacementInfo": {"mepName": "m"}}, 400, "appPlacementInfo.mepId"),
    ],
)
async def test_create_refusals(lab: Lab, body: dict, status: int, field: str | None) -> None:
    details = problem(await lab.client.post(f"{LCM}/app_instances", json=body), status)
    if field is not None:
        assert [p["name"] for p in details["invalidParams"]] == [field]
    assert lab.fake.insts == {}


async def test_create_needs_a_json_body(lab: Lab) -> None:
    response = await lab.client.post(
        f"{LCM}/app_instances", content=b"appDId=x", headers={"Content-Type": "text/plain"}
    )
    problem(response, 415)


async def test_instantiate_answers_202_with_the_occurrence_location(lab: Lab) -> None:
    inst = await create(lab.client)
    response = await task(lab.client, inst, "instantiate", HOST_PICK)
    assert response.status_code == 202
    assert response.content == b""
    location = response.headers["Location"]
    op = AppLcmOpOcc.model_validate((await lab.client.get(path_of(location))).json())
    assert op.links.self.href == location
    assert op.links.appInstance.href == f"{BASE_URL}{LCM}/app_instances/{inst}"
    assert (op.lcmOperation, op.operationState) == ("INSTANTIATE", "COMPLETED")
    assert op.operationParams is not None and op.operationParams.wire() == HOST_PICK
    assert op.isCancelPending is False and op.cancelMode is None
    info = AppInstanceInfo.model_validate(
        (await lab.client.get(f"{LCM}/app_instances/{inst}")).json()
    )
    assert info.instantiationState == "INSTANTIATED"
    assert info.instantiatedAppState is not None
    assert info.instantiatedAppState.operationalState == "STARTED"
    assert info.communicationInterface is not None
    assert info.communicationInterface.ipAddresses[0].host == "127.0.0.1"  # type: ignore[index]
    assert info.links.instantiate is None
    for link in (info.links.terminate, info.links.operate, info.links.configure_platform_for_app):
        assert link is not None and link.href.startswith(f"{info.links.self.href}/")


async def test_instantiate_lets_meclab_choose_with_host_auto(lab: Lab) -> None:
    inst = await create(lab.client)
    op = await run(lab.client, inst, "instantiate", {"selectedMECHostInfo": [{"hostId": "auto"}]})
    assert op["operationState"] == "COMPLETED"
    assert lab.fake.insts[inst].host == "mec-a"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"selectedMECHostInfo": []}, "selectedMECHostInfo"),
        ({}, "selectedMECHostInfo"),
        ({"selectedMECHostInfo": [{"hostName": "a"}]}, "selectedMECHostInfo[0].hostId"),
        ({"selectedMECHostInfo": [{"hostId": "mec-zz"}]}, "selectedMECHostInfo[0].hostId"),
        (
            {**HOST_PICK, "virtualComputeDescriptor": {}, "osContainerDescriptor": [{}]},
            "",
        ),
    ],
)
async def test_instantiate_refuses_bad_requests(lab: Lab, body: dict, field: str) -> None:
    inst = await create(lab.client)
    details = problem(await task(lab.client, inst, "instantiate", body), 400)
    assert [p["name"] for p in details["invalidParams"]] == [field]
    assert lab.fake.ops == {}


async def test_an_unknown_instance_answers_404_before_its_body_is_read(lab: Lab) -> None:
    for name in ("instantiate", "terminate", "operate", "configure_platform_for_app"):
        problem(await task(lab.client, "inst-404", name, {"bad": True}), 404)
    problem(await lab.client.get(f"{LCM}/app_instances/inst-404"), 404)
    problem(await lab.client.delete(f"{LCM}/app_instances/inst-404"), 404)


async def test_instantiating_twice_is_a_conflict(lab: Lab) -> None:
    inst = await instantiated(lab.client)
    problem(await task(lab.client, inst, "instantiate", HOST_PICK), 409)


async def test_operate_stops_and_starts(lab: Lab) -> None:
    inst = await instantiated(lab.client)
    stop = {"changeStateTo": "STOPPED", "stopType": "GRACEFUL", "gracefulStopTimeout": 5}
    op = await run(lab.client, inst, "operate", stop)
    assert (op["lcmOperation"], op["operationState"]) == ("OPERATE", "COMPLETED")
    assert op["operationParams"] == stop
    info = (await lab.client.get(f"{LCM}/app_instances/{inst}")).json()
    assert info["instantiatedAppState"]["operationalState"] == "STOPPED"
    problem(await task(lab.client, inst, "operate", {"changeStateTo": "STOPPED"}), 409)
    await run(lab.client, inst, "operate", {"changeStateTo": "STARTED"})
    assert lab.fake.insts[inst].operational_state == "STARTED"


@pytest.mark.parametrize(
    "body",
    [
        {"changeStateTo": "PAUSED"},
        {"changeStateTo": "STOPPED", "stopType": "GRACEFUL"},
        {"changeStateTo": "STOPPED", "stopType": "FORCEFUL", "gracefulStopTimeout": 3},
        {"changeStateTo": "STARTED", "stopType": "FORCEFUL"},
        {"changeStateTo": "STOPPED", "stopType": "GRACEFUL", "gracefulStopTimeout": -1},
    ],
)
async def test_operate_refuses_what_the_notes_forbid(lab: Lab, body: dict) -> None:
    inst = await instantiated(lab.client)
    details = problem(await task(lab.client, inst, "operate", body), 400)
    assert details["invalidParams"]


async def test_operate_and_terminate_need_an_instantiated_instance(lab: Lab) -> None:
    inst = await create(lab.client)
    problem(await task(lab.client, inst, "operate", {"changeStateTo": "STOPPED"}), 409)
    problem(await task(lab.client, inst, "terminate", {"terminationType": "FORCEFUL"}), 409)
    problem(await task(lab.client, inst, "configure_platform_for_app", {}), 409)


async def test_terminate_then_delete(lab: Lab) -> None:
    inst = await instantiated(lab.client)
    problem(await lab.client.delete(f"{LCM}/app_instances/{inst}"), 409)
    details = problem(await task(lab.client, inst, "terminate", {"terminationType": "SOFT"}), 400)
    assert [p["name"] for p in details["invalidParams"]] == ["terminationType"]
    body = {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 10}
    op = await run(lab.client, inst, "terminate", body)
    assert (op["lcmOperation"], op["operationState"], op["operationParams"]) == (
        "TERMINATE",
        "COMPLETED",
        body,
    )
    info = (await lab.client.get(f"{LCM}/app_instances/{inst}")).json()
    assert info["instantiationState"] == "NOT_INSTANTIATED"
    assert "instantiatedAppState" not in info
    response = await lab.client.delete(f"{LCM}/app_instances/{inst}")
    assert response.status_code == 204 and response.content == b""
    problem(await lab.client.get(f"{LCM}/app_instances/{inst}"), 404)


async def test_configure_platform_for_app(lab: Lab) -> None:
    inst = await instantiated(lab.client)
    config = {"appDNSRule": [{"dnsRuleId": "d1", "domainName": "edge.example"}]}
    response = await task(lab.client, inst, "configure_platform_for_app", config)
    assert response.status_code == 202 and response.content == b""
    assert lab.fake.configured[inst] == config
    details = problem(
        await task(lab.client, inst, "configure_platform_for_app", {"appDnsRule": []}), 400
    )
    assert [p["name"] for p in details["invalidParams"]] == ["appDnsRule"]


async def test_instance_list_filter_and_selectors(lab: Lab) -> None:
    edge = await instantiated(lab.client, "edge-d")
    ml = await create(lab.client, "ml-d")
    listed = (await lab.client.get(f"{LCM}/app_instances")).json()
    assert [i["id"] for i in listed] == [edge, ml]
    for item in listed:
        AppInstanceInfo.model_validate(item)
        # Excluded by default (Query.Exclude_default): the task links.
        assert set(item["_links"]) <= {"self", "configure_platform_for_app"}
    every = (await lab.client.get(f"{LCM}/app_instances", params={"all_fields": ""})).json()
    assert "terminate" in every[0]["_links"] and "instantiate" in every[1]["_links"]
    chosen = await lab.client.get(f"{LCM}/app_instances", params={"filter": "(eq,appName,ml)"})
    assert [i["id"] for i in chosen.json()] == [ml]
    nested = await lab.client.get(
        f"{LCM}/app_instances",
        params={"filter": "(eq,instantiatedAppState/operationalState,STARTED)"},
    )
    assert [i["id"] for i in nested.json()] == [edge]
    details = problem(await lab.client.get(f"{LCM}/app_instances", params={"filter": "eq"}), 400)
    assert details["invalidParams"][0]["name"] == "filter"


async def test_unknown_query_parameters_are_refused(lab: Lab) -> None:
    details = problem(await lab.client.get(f"{LCM}/app_instances", params={"appname": "x"}), 400)
    assert details["invalidParams"][0]["name"] == "appname"
