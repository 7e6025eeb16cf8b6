"""Admission: allocations are admitted up to 90 % of what the elements they load can carry,
per direction; beyond, 409 and nothing stored or changed (meclab.services.bwm.admission)."""

from __future__ import annotations

from typing import Any

from bwm_helpers import ALLOCATIONS, B_APP, EDGE_APP, RecordingPort, Served, app_body, on_host
from helpers import problem

from meclab.services.bwm.admission import ADMISSIBLE_FRACTION


def limit_bps(served: Served, element: str, way: str) -> int:
    """What allocations may reserve on ``element`` in ``way`` ("ul" or "dl")."""
    world = served.platforms.world
    assert world is not None
    mbps = getattr(world.top.elements[element].netchar, f"throughput_{way}_mbps")
    assert mbps is not None
    return int(ADMISSIBLE_FRACTION * mbps * 1e6)


def uplink_of(address: str, bps: int, **changes: Any) -> dict[str, Any]:
    """A session-specific uplink allocation of ``bps`` for the terminal at ``address``."""
    body = app_body(
        requestType=1,
        sessionFilter=[{"sourceIp": address, "protocol": "17"}],
        allocationDirection="01",
        fixedAllocation=str(bps),
    )
    return {**body, **changes}


async def test_application_level_up_to_the_host_link(served: Served, port: RecordingPort) -> None:
    client = served.client
    down = limit_bps(served, "mec-a", "dl")
    full = await client.post(ALLOCATIONS, json=app_body(fixedAllocation=str(down)))
    assert full.status_code == 201, full.text
    # the instance's one application-level allocation is full; grow it by a bit
    url = f"{ALLOCATIONS}/{full.json()['allocationId']}"
    refused = problem(await client.put(url, json=app_body(fixedAllocation=str(down + 1))), 409)
    for word in ("mec-a", "downlink", str(down + 1), f"{down} bit/s are left"):
        assert word in refused["detail"], refused["detail"]
    assert (await client.get(url)).json() == full.json()
    assert len(port.calls) == 1


async def test_the_directions_are_counted_apart(served: Served) -> None:
    client = served.client
    up = limit_bps(served, "mec-a", "ul")
    down = limit_bps(served, "mec-a", "dl")
    made = await client.post(ALLOCATIONS, json=app_body(fixedAllocation=str(down)))
    url = f"{ALLOCATIONS}/{made.json()['allocationId']}"
    # uplink is free: the whole uplink may go to the same instance's allocation instead
    deltas = {"appInsId": EDGE_APP, "requestType": 0, "allocationDirection": "01"}
    moved = await client.patch(url, json={**deltas, "fixedAllocation": str(up)})
    assert moved.status_code == 200, moved.text
    # symmetrical counts in both: within both limits it fits, else it names the one exceeded
    sym = {**deltas, "allocationDirection": "10"}
    assert (await client.patch(url, json={**sym, "fixedAllocation": str(min(up, down))})).is_success
    # a session-specific allocation loads PoAs, not the host: it is admitted beside
    session = uplink_of("10.0.0.1", 1000)
    assert (await client.post(ALLOCATIONS, json=session)).status_code == 201


async def test_sessions_of_terminals_on_one_poa_share_it(
    served: Served, port: RecordingPort
) -> None:
    client = served.client
    world = served.platforms.world
    assert world is not None
    poa = world.serving_poa("ue-walk")
    assert poa is not None and world.serving_poa("ue-car") == poa
    up = limit_bps(served, poa, "ul")
    first = await client.post(ALLOCATIONS, json=uplink_of("10.0.0.1", up - 1000))
    assert first.status_code == 201, first.text
    second = await client.post(ALLOCATIONS, json=uplink_of("10.0.0.2", 1000))
    assert second.status_code == 201, second.text
    calls = list(port.calls)
    refused = problem(await client.post(ALLOCATIONS, json=uplink_of("acr:10.0.0.2", 1)), 400)
    assert refused["invalidParams"][0]["name"] == "sessionFilter[0].sourceIp"
    over = problem(
        await client.post(ALLOCATIONS, json=uplink_of("10.0.0.2/32", 1, appName=None)), 409
    )
    assert poa in over["detail"] and "uplink" in over["detail"]
    assert "0 bit/s are left" in over["detail"]
    # a PATCH asking more than is left keeps the old terms
    url = f"{ALLOCATIONS}/{second.json()['allocationId']}"
    deltas = {"appInsId": EDGE_APP, "requestType": 1, "fixedAllocation": "1001"}
    problem(await client.patch(url, json=deltas), 409)
    assert (await client.get(url)).json() == second.json()
    assert port.calls == calls
    assert [a["allocationId"] for a in (await client.get(ALLOCATIONS)).json()] == [
        first.json()["allocationId"],
        second.json()["allocationId"],
    ]
    # the downlink of the same PoA is untouched
    down = {**uplink_of("10.0.0.2", 1), "allocationDirection": "00"}
    down["sessionFilter"] = [{"dstAddress": "10.0.0.2"}]
    assert (await client.post(ALLOCATIONS, json=down)).status_code == 201


async def test_one_allocation_counts_once_per_poa(served: Served) -> None:
    client = served.client
    world = served.platforms.world
    assert world is not None
    poa = world.serving_poa("ue-walk")
    assert poa is not None
    up = limit_bps(served, poa, "ul")
    both = uplink_of("10.0.0.1", up)
    both["sessionFilter"] = [{"sourceIp": "10.0.0.1"}, {"sourceIp": "10.0.0.2"}]
    assert (await client.post(ALLOCATIONS, json=both)).status_code == 201
    # a range covering both terminals names them: the PoA is full
    answer = await client.post(ALLOCATIONS, json=uplink_of("10.0.0.0/30", 1))
    problem(answer, 409)


async def test_a_terminal_out_of_coverage_loads_nothing(served: Served) -> None:
    world = served.platforms.world
    assert world is not None and world.serving_poa("ue-far") is None
    huge = uplink_of("10.0.0.3", 10**15)
    assert (await served.client.post(ALLOCATIONS, json=huge)).status_code == 201


async def test_an_element_without_throughput_is_unlimited(served: Served) -> None:
    world = served.platforms.world
    assert world is not None
    assert world.top.elements["mec-b"].netchar.throughput_dl_mbps is None
    body = app_body(B_APP, fixedAllocation=str(10**15), allocationDirection="10")
    answer = await served.client.post(on_host(ALLOCATIONS, "mec-b"), json=body)
    assert answer.status_code == 201, answer.text


async def test_the_hosts_are_counted_apart(served: Served) -> None:
    client = served.client
    down = limit_bps(served, "mec-a", "dl")
    assert (await client.post(ALLOCATIONS, json=app_body(fixedAllocation=str(down)))).is_success
    body = app_body(B_APP, fixedAllocation=str(down))
    assert (await client.post(on_host(ALLOCATIONS, "mec-b"), json=body)).status_code == 201
