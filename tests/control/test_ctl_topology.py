"""GET /meclab/v1/topology: the deployment's tree as it runs, for the dashboard's topology
panel, checked against the other control-API reads of the same world."""

from __future__ import annotations

import asyncio
from typing import Any

from helpers import serve

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.builtin import default_scenario
from meclab.store.sqlite import SqliteStore

BASE = "/meclab/v1"


def hosts_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out = {}
    for operator in body["operators"]:
        for zone in operator["zones"]:
            out.update({h["name"]: h for h in zone["hosts"]})
        out.update({c["name"]: c for c in operator["clouds"]})
    out.update({c["name"]: c for c in body["clouds"]})
    return out


async def test_the_summary_matches_the_world_and_follows_a_termination(
    store: SqliteStore,
) -> None:
    runtime = Runtime(store, MemoryBus())
    await runtime.open(default_scenario())
    try:
        async with serve(runtime) as (_, client):
            response = await client.get(f"{BASE}/topology")
            assert response.status_code == 200
            body = response.json()
            zones = (await client.get(f"{BASE}/zones")).json()
            nodes = (await client.get(f"{BASE}/nodes")).json()
            apps = {a["name"]: a for a in (await client.get(f"{BASE}/apps")).json()}

            # operators -> zones -> hosts, as /zones and /nodes say
            assert [o["name"] for o in body["operators"]] == ["op-monaco"]
            listed = {z["name"]: z for z in body["operators"][0]["zones"]}
            assert set(listed) == {z["name"] for z in zones}
            for zone in zones:
                assert listed[zone["name"]]["poas"] == zone["poas"]
                mec = [h["name"] for h in listed[zone["name"]]["hosts"] if h["kind"] == "mec_host"]
                assert mec == zone["mec_hosts"]
            hosts = hosts_of(body)
            assert set(hosts) == {n["name"] for n in nodes}

            # app instances with the platform's state, and their services
            for host in hosts.values():
                for app in host["apps"]:
                    assert app["state"] == apps[app["name"]]["state"]
                    assert [s["name"] for s in app["services_offered"]] == (
                        apps[app["name"]]["services_produced"]
                    )
            mec = hosts["mec-fontvieille"]
            guide = next(a for a in mec["apps"] if a["name"] == "ar-guide-fontvieille")
            assert guide["state"] == "READY"
            assert [s["state"] for s in guide["services_offered"]] == ["ACTIVE"]
            consumed = {s["name"]: s["available"] for s in guide["services_consumed"]}
            assert set(consumed) == {"rni", "location"}
            assert mec["platform_services"]  # the host's own MEC services (RNIS, location...)
            assert set(consumed) <= set(mec["platform_services"])
            assert all(consumed.values())

            # which host serves which terminals: as many as its zones' cells serve
            world = (await client.get(f"{BASE}/world")).json()
            assert body["terminals"] == world["counts"]["terminals"]
            assert body["connected_terminals"] == world["counts"]["connected_terminals"]
            total = 0
            for zone in zones:
                names = [n for h in listed[zone["name"]]["hosts"] for n in h["terminals"]]
                assert sorted(names) == sorted(zone["terminals"])
                total += sum(h["terminals_served"] for h in listed[zone["name"]]["hosts"])
            assert total == body["connected_terminals"]
            assert hosts["cloud-eu"]["terminals_served"] == 0

            # a termination shows: TERMINATING, then gone (state null)
            command = {"type": "terminate", "app": "ar-guide-fontvieille", "graceful_timeout_s": 0}
            assert (await client.post(f"{BASE}/events", json=command)).status_code == 201

            async def state() -> str | None:
                summary = (await client.get(f"{BASE}/topology")).json()
                apps = hosts_of(summary)["mec-fontvieille"]["apps"]
                return next(a["state"] for a in apps if a["name"] == "ar-guide-fontvieille")

            seen = {await state()}
            for _ in range(100):
                seen.add(await state())
                if None in seen:
                    break
                await asyncio.sleep(0.05)
            assert None in seen

            # strict query strings, as the rest of the control API
            bad = await client.get(f"{BASE}/topology?verbose=1")
            assert bad.status_code == 400
    finally:
        await runtime.stop()
