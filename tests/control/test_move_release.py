"""Holding a terminal and letting it go: the release event, and moves far outside the world.

The lab world (tests/conftest.py): ue-car drives east along the equator from lon 0 to 0.004
at 20 m/s and loops, so at t = 5 s it is 100 m east of cell-a1 (5G, zone-a); cell-b1 (4G,
zone-b) sits at lon 0.004.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import M_PER_DEG, problem

from meclab.bus.memory import MemoryBus
from meclab.engine.area import OutsideArea
from meclab.runtime import Runtime
from meclab.scenario.builtin import default_scenario
from meclab.store.sqlite import SqliteStore

TickTo = Callable[[float], Awaitable[None]]

BASE = "/meclab/v1"
CAR_SPEED_MPS = 20.0


async def _post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"{BASE}/events", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def _terminal(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/terminals/{name}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _last_seq(client: httpx.AsyncClient) -> int:
    seq: int = (await client.get(f"{BASE}/events")).json()["last_seq"]
    return seq


def _on_path_lon(t: float) -> float:
    """ue-car's longitude at time t on its path (before it loops)."""
    return CAR_SPEED_MPS * t / M_PER_DEG


async def test_release_puts_a_moved_terminal_back_on_its_path(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    await tick_to(5.0)
    assert (await _terminal(client, "ue-car"))["held"] is False
    await _post(client, {"type": "move", "ue": "ue-car", "poa": "cell-b1"})
    assert (await _terminal(client, "ue-car"))["held"] is True  # the API says a move holds it
    result = await _post(client, {"type": "release", "ue": "ue-car"})
    event = result["event"]
    assert (event["type"], event["action"], event["params"], event["t"]) == (
        "manual",
        "release",
        {"ue": "ue-car"},
        5.0,
    )
    assert [
        (c["type"], c.get("source"), c.get("target"), c.get("zone")) for c in result["consequences"]
    ] == [
        ("handover", "cell-b1", "cell-a1", None),
        ("zone_leave", None, None, "zone-b"),
        ("zone_enter", None, None, "zone-a"),
    ]
    car = await _terminal(client, "ue-car")
    assert car["position"] == pytest.approx([_on_path_lon(5.0), 0.0], abs=1e-12)
    assert (car["poa"], car["velocity_mps"], car["held"]) == ("cell-a1", CAR_SPEED_MPS, False)
    await tick_to(10.0)  # it drives on
    car = await _terminal(client, "ue-car")
    assert car["position"] == pytest.approx([_on_path_lon(10.0), 0.0], abs=1e-12)
    manual = (await client.get(f"{BASE}/events", params={"type": "manual"})).json()["items"]
    assert [m["action"] for m in manual] == ["load_scenario", "move", "release"]


async def test_a_release_outlives_a_restart(
    client: httpx.AsyncClient, runtime: Runtime, store_path: Path, tick_to: TickTo
) -> None:
    await tick_to(5.0)
    await _post(client, {"type": "move", "ue": "ue-car", "to": {"lon": 0.004, "lat": 0.001}})
    await _post(client, {"type": "release", "ue": "ue-car"})
    assert await runtime.store.get("pins", "ue-car") is None
    await runtime.stop()

    store = SqliteStore(store_path)
    again = Runtime(store, MemoryBus())
    try:
        assert await again.open() == "resumed"
        car = again.world.terminal("ue-car")
        assert (car.lon, car.lat) == pytest.approx((_on_path_lon(5.0), 0.0), abs=1e-12)
        assert car.velocity_mps == CAR_SPEED_MPS
    finally:
        await again.stop()
        await store.close()


async def test_releasing_a_terminal_nobody_holds_is_a_conflict(
    client: httpx.AsyncClient,
) -> None:
    before = await _last_seq(client)
    body = problem(
        await client.post(f"{BASE}/events", json={"type": "release", "ue": "ue-car"}), 409
    )
    assert body["detail"] == "ue-car is not held by a move: it already follows its path"
    await _post(client, {"type": "move", "ue": "ue-car", "poa": "cell-b1"})
    await _post(client, {"type": "release", "ue": "ue-car"})
    seq = await _last_seq(client)
    problem(await client.post(f"{BASE}/events", json={"type": "release", "ue": "ue-car"}), 409)
    body = problem(
        await client.post(f"{BASE}/events", json={"type": "release", "ue": "nobody"}), 404
    )
    assert body["detail"] == "no terminal named 'nobody'"
    assert await _last_seq(client) == seq > before  # refusals record nothing


async def test_a_move_far_outside_the_world_is_refused_unless_forced(
    client: httpx.AsyncClient,
) -> None:
    before = await _last_seq(client)
    far = {"lon": 1.0, "lat": 0.0}  # 111 km east of a world a few km wide
    response = await client.post(f"{BASE}/events", json={"type": "move", "ue": "ue-car", "to": far})
    body = problem(response, 400)
    assert [p["name"] for p in body["invalidParams"]] == ["to"]
    km = float(body["detail"].split(" is ")[1].split(" km outside")[0])
    assert km == pytest.approx((1.0 - 0.010) * M_PER_DEG / 1000.0, abs=0.1)  # from ue-far's lon
    assert '"force": true' in body["detail"] and "swapped" not in body["detail"]
    assert await _last_seq(client) == before
    car = await _terminal(client, "ue-car")
    assert car["poa"] == "cell-a1"  # where it was

    result = await _post(client, {"type": "move", "ue": "ue-car", "to": far, "force": True})
    assert result["event"]["params"] == {"ue": "ue-car", "lon": 1.0, "lat": 0.0, "force": True}
    car = await _terminal(client, "ue-car")
    assert car["position"] == pytest.approx([1.0, 0.0]) and car["poa"] is None


async def test_the_runtime_itself_refuses_a_far_move(runtime: Runtime) -> None:
    """Every caller meets the area check, under the lock, not only the control API's."""
    before = await runtime.store.last_seq()
    with pytest.raises(OutsideArea, match="outside the scenario's area"):
        await runtime.move_terminal("ue-car", 1.0, 0.0)
    assert await runtime.store.last_seq() == before
    assert await runtime.store.get("pins", "ue-car") is None


async def test_a_move_just_out_of_coverage_needs_no_force(client: httpx.AsyncClient) -> None:
    near = {"lon": 0.004 + 2_000.0 / M_PER_DEG, "lat": 0.0}  # 2 km beyond cell-b1
    await _post(client, {"type": "move", "ue": "ue-car", "to": near})
    assert (await _terminal(client, "ue-car"))["poa"] is None


async def test_swapped_coordinates_in_monaco_are_refused_with_a_hint(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await runtime.load(default_scenario())
    larvotto = {"lon": 43.7450, "lat": 7.4355}  # written lat,lon
    response = await client.post(
        f"{BASE}/events", json={"type": "move", "ue": "tourist-casino", "to": larvotto}
    )
    body = problem(response, 400)
    assert "longitude and latitude look swapped: lon 7.4355, lat 43.745 is inside" in body["detail"]
    km = float(body["detail"].split(" is ")[1].split(" km outside")[0].replace(",", ""))
    assert 5000.0 < km < 5700.0  # Monaco to the Horn of Africa
