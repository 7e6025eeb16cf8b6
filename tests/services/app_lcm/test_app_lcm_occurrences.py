"""app_lcm/v1 operation occurrences: list, read, cancel, fail, retry."""

from __future__ import annotations

from helpers import problem
from lcm_helpers import HOST_PICK, LCM, create, instantiated, path_of, run, task
from lcm_lab import Lab

from meclab.services.app_lcm.models import AppLcmOpOcc


async def held(lab: Lab, outcome: str) -> dict:
    """An instantiation left PROCESSING (``hold``) or FAILED_TEMP (``fail_temp``)."""
    inst = await create(lab.client)
    lab.fake.outcome = outcome  # type: ignore[assignment]
    op = await run(lab.client, inst, "instantiate", HOST_PICK)
    lab.fake.outcome = "complete"
    return op


async def test_occurrence_list_filter_and_default_exclusions(lab: Lab) -> None:
    inst = await instantiated(lab.client)
    await run(lab.client, inst, "operate", {"changeStateTo": "STOPPED"})
    listed = (await lab.client.get(f"{LCM}/app_lcm_op_occs")).json()
    assert [o["lcmOperation"] for o in listed] == ["INSTANTIATE", "OPERATE"]
    # Excluded by default (Query.Exclude_default1): operationParams and _links.
    assert all("operationParams" not in o and "_links" not in o for o in listed)
    every = (await lab.client.get(f"{LCM}/app_lcm_op_occs", params={"all_fields": ""})).json()
    for item in every:
        AppLcmOpOcc.model_validate(item)
    chosen = await lab.client.get(
        f"{LCM}/app_lcm_op_occs", params={"filter": "(eq,lcmOperation,OPERATE)"}
    )
    assert [o["id"] for o in chosen.json()] == [every[1]["id"]]
    fields = await lab.client.get(f"{LCM}/app_lcm_op_occs", params={"fields": "operationParams"})
    assert fields.json()[1]["operationParams"] == {"changeStateTo": "STOPPED"}
    problem(await lab.client.get(f"{LCM}/app_lcm_op_occs/op-404"), 404)


async def test_cancel_marks_an_ongoing_operation(lab: Lab) -> None:
    op = await held(lab, "hold")
    assert op["operationState"] == "PROCESSING"
    url = f"{LCM}/app_lcm_op_occs/{op['id']}"
    response = await lab.client.post(f"{url}/cancel", json={"cancelMode": "FORCEFUL"})
    assert response.status_code == 202 and response.content == b""
    assert lab.fake.cancelled == {op["id"]: "FORCED"}
    got = AppLcmOpOcc.model_validate((await lab.client.get(url)).json())
    assert got.isCancelPending is True
    assert got.cancelMode is not None and got.cancelMode.wire() == {"CancelMode": "FORCED"}


async def test_cancel_refusals(lab: Lab) -> None:
    op = await held(lab, "hold")
    url = f"{LCM}/app_lcm_op_occs/{op['id']}/cancel"
    details = problem(await lab.client.post(url, json={"CancelMode": "SOFTLY"}), 400)
    assert [p["name"] for p in details["invalidParams"]] == ["CancelMode"]
    problem(await lab.client.post(url, json={}), 400)
    done = await run(lab.client, await create(lab.client), "instantiate", HOST_PICK)
    done_url = f"{LCM}/app_lcm_op_occs/{done['id']}/cancel"
    problem(await lab.client.post(done_url, json={"CancelMode": "GRACEFUL"}), 409)
    problem(await lab.client.post(f"{LCM}/app_lcm_op_occs/op-404/cancel", json={}), 404)


async def test_fail_ends_a_failed_temp_operation(lab: Lab) -> None:
    op = await held(lab, "fail_temp")
    assert op["operationState"] == "FAILED_TEMP"
    assert op["error"]["detail"] == "the fake was told to fail"  # meclab's addition
    response = await lab.client.post(f"{LCM}/app_lcm_op_occs/{op['id']}/fail")
    assert response.status_code == 200
    failed = AppLcmOpOcc.model_validate(response.json())
    assert failed.operationState == "FAILED"
    assert failed.stateEnteredTime.unix() > failed.startTime.unix()
    problem(await lab.client.post(f"{LCM}/app_lcm_op_occs/{op['id']}/fail"), 409)


async def test_fail_and_retry_take_no_body(lab: Lab) -> None:
    op = await held(lab, "fail_temp")
    for name in ("fail", "retry"):
        url = f"{LCM}/app_lcm_op_occs/{op['id']}/{name}"
        details = problem(await lab.client.post(url, json={"force": True}), 400)
        assert details["invalidParams"][0]["reason"] == "must be empty"
    assert lab.fake.ops[op["id"]].state == "FAILED_TEMP"


async def test_retry_runs_a_failed_temp_operation_again(lab: Lab) -> None:
    op = await held(lab, "fail_temp")
    url = f"{LCM}/app_lcm_op_occs/{op['id']}"
    response = await lab.client.post(f"{url}/retry", json={})
    assert response.status_code == 202 and response.content == b""
    again = (await lab.client.get(url)).json()
    assert again["operationState"] == "COMPLETED" and "error" not in again
    problem(await lab.client.post(f"{url}/retry"), 409)
    inst = path_of(again["_links"]["appInstance"]["href"])
    assert (await lab.client.get(inst)).json()["instantiationState"] == "INSTANTIATED"


async def test_a_busy_instance_takes_no_second_operation(lab: Lab) -> None:
    op = await held(lab, "hold")
    inst = op["_links"]["appInstance"]["href"].rsplit("/", 1)[1]
    problem(await task(lab.client, inst, "instantiate", HOST_PICK), 409)
