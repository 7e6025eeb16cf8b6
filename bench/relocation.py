"""Relocation through the data plane: what a user streaming to its edge app sees when it moves.

``meclab up`` runs in its own process (one core) on a two-zone world; this process plays the
two instances of one edge application (SDK ``EdgeApp`` + ``UserMobility``, one on each MEC host)
and the UE, which sends a request every ``--period-ms`` through the SOCKS5 data plane (a new
flow each, to ``guide.bench.example``, which the MEC DNS answers). Each answer carries the
instance that served it and the user's request count, kept in the user's context: an answer
with the count continued is *served*; one from an instance without the context (count started
over) is *served without context*; a failed request is *lost*.

Cases, each on a fresh ``meclab up``:

* ``none``: APP_MOBILITY_NOT_ALLOWED, the source keeps the user: the latency after the move;
* ``assisted``: MEC-assisted context relocation (the switch waits for the context);
* ``self``: application self-controlled (the switch does not wait; the app pushes);
* ``predictive``: assisted, started ``--lead-s`` ahead of a predicted handover of a walking UE.

Per case: the longest time without a served answer around the move (interruption; the UE
asks one request at a time, so it includes the RTT: ``usual_gap_ms`` is the same measure in
the second before the move), answers without context, lost requests, RTT p50 before and after,
and, for the context, its size and the push's time (``--size`` sets it).
Instance relocation (cold and warm target) is not measured yet.

    python bench/relocation.py                  # every case, 64 KiB context
    python bench/relocation.py --cases assisted --size 1048576
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
from _common import MeclabUp, free_port, pin
from aiohttp import web

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextStore
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.mobility import Mode, UserMobility, UserRelocated
from meclab.sdk.relocation import RelocationEvent
from meclab.sdk.sealing import ContextKey

USER = "acr:10.0.0.1"
NAME = "guide.bench.example"
CELL_B_LON = 0.006
RETRIES = 3


def world(ports: dict[str, int], walking: bool) -> dict[str, Any]:
    """Two zones 670 m apart, each a MEC host running an instance of application ``guide``."""

    def zone(name: str, lon: float, address: str) -> dict[str, Any]:
        app = {
            "name": f"guide-{name}",
            "app_name": "guide",
            "app_instance_id": f"guide-{name}-1",
            "emulated": False,
            "endpoint": f"127.0.0.1:{ports[name]}",
            "address": address,
            "dns_rules": [{"id": "guide", "domain_name": NAME, "ip_address": address}],
        }
        return {
            "name": f"zone-{name}",
            "netchar": {"latency_ms": 2.0},
            "mec_hosts": [{"name": f"mec-{name}", "position": [lon, 0.0005], "apps": [app]}],
            "poas": [
                {
                    "name": f"cell-{name}",
                    "type": "4G",
                    "cell_id": f"{ord(name):x}",
                    "position": [lon, 0.0],
                    "radius_m": 400.0,
                    "netchar": {"latency_ms": 5.0},
                }
            ],
        }

    path = [[0.0, 0.0], [CELL_B_LON, 0.0]] if walking else [[0.0, 0.0]]
    return {
        "meclab": 1,
        "name": "relocation-bench",
        "netchar": {"latency_ms": 10.0},
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": {"latency_ms": 8.0},
                "zones": [
                    zone("a", 0.0, "198.18.10.1"),
                    zone("b", CELL_B_LON, "198.18.10.2"),
                ],
                "terminals": [
                    {
                        "name": "ue-1",
                        "address": USER,
                        "path": path,
                        "velocity_mps": 10.0 if walking else 0.0,
                        "end_of_path": "stop",
                    }
                ],
            }
        ],
    }


@dataclass
class Answer:
    sent: float
    rtt_s: float | None
    instance: str | None
    count: int | None
    retries: int = 0
    """503 answers (the user relocated while the request waited) asked again."""


@dataclass
class Instance:
    """One instance of ``guide``: its EdgeApp, its store, its mobility."""

    app: EdgeApp
    store: ContextStore
    mobility: UserMobility
    pushes: list[RelocationEvent] = field(default_factory=list)


def instance(base: str, zone: str, port: int, key: ContextKey, mode: Mode, size: int) -> Instance:
    config = PlatformConfig(base, api_root=f"/hosts/mec-{zone}")
    app = EdgeApp(app_instance_id=f"guide-{zone}-1", config=config, endpoint=f"127.0.0.1:{port}")
    store = ContextStore()
    mobility = UserMobility(app, store, key, mode=mode)
    made = Instance(app, store, mobility)
    mobility.on_relocation(made.pushes.append)

    @app.get("/frame")
    async def frame(request: web.Request) -> web.Response:
        try:
            async with mobility.session(request.query["user"]) as context:
                if "count" not in context:
                    context["blob"] = "x" * size  # the user's state: what must travel with it
                    context["count"] = 0
                context["count"] += 1
                count = context["count"]
        except UserRelocated as moved:
            return moved.response()
        return web.json_response({"from": app.app_instance_id, "count": count})

    return made


async def stream(plane: DataPlane, period_s: float, until: asyncio.Event) -> list[Answer]:
    answers: list[Answer] = []
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(connector=plane.connector(), timeout=timeout) as session:
        while not until.is_set():
            sent = time.monotonic()
            retries = 0
            try:
                while True:  # a new flow each time: the MEC DNS answer of the moment
                    async with session.get(
                        f"http://{NAME}/frame",
                        params={"user": USER},
                        headers={"Connection": "close"},
                    ) as response:
                        body = await response.json(content_type=None)
                    if response.status != 503 or retries == RETRIES:
                        break
                    retries += 1
                rtt = time.monotonic() - sent
                answers.append(Answer(sent, rtt, body["from"], body["count"], retries))
            except (aiohttp.ClientError, TimeoutError, KeyError):
                answers.append(Answer(sent, None, None, None, retries))
            await asyncio.sleep(max(0.0, period_s - (time.monotonic() - sent)))
    return answers


def summary(answers: list[Answer], moved_at: float) -> dict[str, Any]:
    """Interruption, answers without context, lost requests, RTT before and after.

    The switch is the first answer from another instance than the first; the interruption
    the longest time between two served answers in the second around it, against the
    median gap (``usual_gap_ms``) of the second before that. RTTs are split at the switch,
    or at ``moved_at`` when the user stayed with its instance."""
    expected = 0
    served: list[tuple[float, str | None]] = []
    cold = lost = 0
    for a in answers:
        if a.count is None:
            lost += 1
            continue
        if a.count == expected + 1:
            served.append((a.sent + (a.rtt_s or 0), a.instance))
        else:
            cold += 1
        expected = a.count
    first = answers[0].instance if answers else None
    switch = next((a.sent for a in answers if a.instance not in (None, first)), None)
    out: dict[str, Any] = {"without_context": cold, "lost": lost}
    out["retried"] = sum(a.retries for a in answers)
    if switch is not None:
        times = [t for t, _ in served]
        around = [t for t in times if switch - 1.0 < t < switch + 1.0]
        before = [t for t in times if switch - 2.0 < t < switch - 1.0]
        gaps = [b - a for a, b in itertools.pairwise(around)]
        usual = [b - a for a, b in itertools.pairwise(before)]
        out["interruption_ms"] = round(max(gaps, default=0.0) * 1000, 1)
        out["usual_gap_ms"] = round(statistics.median(usual) * 1000, 1) if usual else None
    pivot = moved_at if switch is None else switch
    rtt_before = [a.rtt_s for a in answers if a.rtt_s and a.sent < pivot - 0.5]
    rtt_after = [a.rtt_s for a in answers if a.rtt_s and a.sent > pivot + 1.0]
    out["rtt_before_ms"] = round(statistics.median(rtt_before) * 1000, 2) if rtt_before else None
    out["rtt_after_ms"] = round(statistics.median(rtt_after) * 1000, 2) if rtt_after else None
    out["served_by"] = sorted({a.instance for a in answers if a.instance})
    return out


async def run_case(case: str, size: int, period_s: float, lead_s: float) -> dict[str, Any]:
    ports = {"a": free_port(), "b": free_port()}
    walking = case == "predictive"
    with MeclabUp(world(ports, walking), "--speed", "1") as up:
        async with httpx.AsyncClient(base_url=up.base, timeout=30) as control:
            policy = {"predictive_lead_s": lead_s} if walking else {}
            if policy:
                current = (await control.get("/meclab/v1/relocations/policy")).json()
                await control.put("/meclab/v1/relocations/policy", json={**current, **policy})
            key = ContextKey.generate()
            mode = {"none": Mode.STAY, "self": Mode.SELF}.get(case, Mode.ASSISTED)
            ends = [instance(up.base, z, ports[z], key, mode, size) for z in ("a", "b")]
            tasks = [asyncio.create_task(e.app.serve()) for e in ends]
            await asyncio.wait_for(
                asyncio.gather(*(e.mobility.registered.wait() for e in ends)), 30
            )
            plane = await DataPlane.locate("ue-1", PlatformConfig(up.base), environ={})
            done = asyncio.Event()
            streaming = asyncio.create_task(stream(plane, period_s, done))
            await asyncio.sleep(2.0)
            moved_at = time.monotonic()  # (for a walk: once more at the predicted handover)
            if walking:
                prediction = (await control.get("/meclab/v1/terminals/ue-1/prediction")).json()
                wait_s = prediction["change"]["in_s"] if prediction["change"] else 60.0
                await asyncio.sleep(wait_s)
                moved_at = time.monotonic()
            else:
                await control.post(
                    "/meclab/v1/events", json={"type": "move", "ue": "ue-1", "poa": "cell-b"}
                )
            await asyncio.sleep(4.0)
            done.set()
            answers = await streaming
            relocations = (await control.get("/meclab/v1/relocations")).json()
            for e in ends:
                e.app.stop()
            await asyncio.gather(*tasks)
    out = summary(answers, moved_at)
    pushed = [p for e in ends for p in e.pushes if p.direction.value == "out"]
    out["context_bytes"] = pushed[0].size if pushed else None
    out["push_ms"] = {p.stage.value: round(p.seconds * 1000, 2) for p in pushed}
    out["procedure"] = relocations[0]["durations_s"] if relocations else None
    out["state"] = relocations[0]["state"] if relocations else "none"
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="none,assisted,self,predictive")
    parser.add_argument("--size", type=int, default=65536, help="context bytes (65536)")
    parser.add_argument("--period-ms", type=float, default=20.0, help="UE request period (20)")
    parser.add_argument("--lead-s", type=float, default=5.0, help="predictive lead (5)")
    args = parser.parse_args()
    pin(1)
    for case in args.cases.split(","):
        result = asyncio.run(run_case(case, args.size, args.period_ms / 1000, args.lead_s))
        print(json.dumps({"case": case, **result}))


if __name__ == "__main__":
    main()
