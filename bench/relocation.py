"""Relocation through the data plane: what a user streaming to its edge app sees when it moves.

``meclab up`` runs in its own process (one core) on a two-zone world. The edge application is
``bench/relocation_app`` (SDK ``EdgeApp`` + ``UserMobility``, each request in the user's
session): the UE sends a request every ``--period-ms`` through the SOCKS5 data plane (a new
flow each, to ``guide.bench.example``, which the MEC DNS answers, a 503 asked again). Each
answer carries the instance that served it and the user's request count, kept in the user's
context: an answer with the count continued is *served*; one from an instance without the
context (count started over, or repeated) is *served without context*; a failed request is
*lost*.

Cases, each on a fresh ``meclab up``; the application's two instances are this process's,
except for ``instance``:

* ``none``: APP_MOBILITY_NOT_ALLOWED, the source keeps the user: the latency after the move;
* ``assisted``: MEC-assisted context relocation (the switch waits for the context);
* ``self``: application self-controlled (the switch does not wait; the app pushes);
* ``predictive``: assisted, started ``--lead-s`` ahead of a predicted handover of a walking UE;
* ``instance``: the application deployed from its package on the first host only; the move
  makes meclab start an instance on the other host (``instance-cold``), and the move back
  finds the first one still kept warm (``instance-warm``);
* ``--sizes``: the assisted case again for each context size.

Per case, around the switch (the first answer from the other instance): the longest time
without a served answer (interruption; the UE asks one request at a time, so it includes the
RTT) against the usual gap the second before, answers without context, lost and retried
requests, RTT p50 before and after, the context's size and each push's time (``provisional``
when the move is announced, ``final`` after the switch), and the procedure's steps (seconds
from its start: for ``instance-cold``, STARTING_TARGET to TRIGGERED is the target's start-up).

    python bench/relocation.py                  # every case, 64 KiB context, sizes 1 KiB..4 MiB
    python bench/relocation.py --cases assisted --sizes ""
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from _common import DEPLOYMENTS, MeclabUp, deploy, free_port, onboard, pin

from meclab.sdk.app import EdgeApp
from meclab.sdk.config import PlatformConfig
from meclab.sdk.context import ContextStore
from meclab.sdk.dataplane import DataPlane
from meclab.sdk.mobility import Mode, UserMobility
from meclab.sdk.relocation import Direction, RelocationEvent
from meclab.sdk.sealing import ContextKey

GUIDE_APP = Path(__file__).with_name("relocation_app")
sys.path.insert(0, str(GUIDE_APP))
from guide import serve_frames  # noqa: E402  (the package's own code, run here in-process)

USER = "acr:10.0.0.1"
NAME = "guide.bench.example"
CELL_B_LON = 0.006
RETRIES = 3


def world(ports: dict[str, int] | None, walking: bool) -> dict[str, Any]:
    """Two zones 670 m apart, each a MEC host running an instance of application ``guide`` at
    ``ports`` (None: no application; one is deployed)."""

    def zone(name: str, lon: float, address: str) -> dict[str, Any]:
        app = ports and {
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
            "mec_hosts": [
                {"name": f"mec-{name}", "position": [lon, 0.0005], "apps": [app] if ports else []}
            ],
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


def instance(base: str, zone: str, port: int, key: ContextKey, mode: Mode) -> Instance:
    config = PlatformConfig(base, api_root=f"/hosts/mec-{zone}")
    app = EdgeApp(app_instance_id=f"guide-{zone}-1", config=config, endpoint=f"127.0.0.1:{port}")
    store = ContextStore()
    mobility = UserMobility(app, store, key, mode=mode)
    made = Instance(app, store, mobility)
    mobility.on_relocation(made.pushes.append)
    serve_frames(app, mobility)
    return made


async def stream(
    plane: DataPlane, period_s: float, size: int, until: asyncio.Event
) -> list[Answer]:
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
                        params={"user": USER, "size": str(size)},
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
    # (the count the first answer continues: a part of a longer stream starts at its own)
    expected = next((a.count - 1 for a in answers if a.count is not None), 0)
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
            ends = [instance(up.base, z, ports[z], key, mode) for z in ("a", "b")]
            tasks = [asyncio.create_task(e.app.serve()) for e in ends]
            await asyncio.wait_for(
                asyncio.gather(*(e.mobility.registered.wait() for e in ends)), 30
            )
            plane = await DataPlane.locate("ue-1", PlatformConfig(up.base), environ={})
            done = asyncio.Event()
            streaming = asyncio.create_task(stream(plane, period_s, size, done))
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
    pushed = [p for e in ends for p in e.pushes if p.direction is Direction.OUT]
    out["context_bytes"] = pushed[0].size if pushed else None
    out["push_ms"] = {p.stage.value: round(p.seconds * 1000, 2) for p in pushed}
    out.update(procedure(relocations[0] if relocations else None))
    return out


def procedure(relocation: dict[str, Any] | None) -> dict[str, Any]:
    """A relocation's final state and when it entered each state (s from its start)."""
    if relocation is None:
        return {"state": "none"}
    return {"state": relocation["state"], "procedure_s": relocation["durations_s"]}


async def run_instance(size: int, period_s: float) -> list[dict[str, Any]]:
    """The deployed application: a cold target (started for the move), then a warm one."""
    with MeclabUp(world(None, walking=False), "--speed", "1") as up:
        app_d_id = onboard(up.base, up.workdir, GUIDE_APP)
        async with aiohttp.ClientSession() as session:
            await deploy(session, up.base, app_d_id, "mec-a")
        async with httpx.AsyncClient(base_url=up.base, timeout=30) as control:
            plane = await DataPlane.locate("ue-1", PlatformConfig(up.base), environ={})
            done = asyncio.Event()
            streaming = asyncio.create_task(stream(plane, period_s, size, done))
            moves: list[float] = []
            for cell in ("cell-b", "cell-a"):
                await asyncio.sleep(2.0)
                moves.append(time.monotonic())
                await control.post(
                    "/meclab/v1/events", json={"type": "move", "ue": "ue-1", "poa": cell}
                )
                await until_ended(control, len(moves))
            await asyncio.sleep(2.0)
            done.set()
            answers = await streaming
            relocations = (await control.get("/meclab/v1/relocations")).json()[::-1]
            sources = [r["source"]["appInstanceId"] for r in relocations]
            pushes = [await pushes_of(control, source) for source in sources]
    results = []
    for index, (moved_at, relocation) in enumerate(zip(moves, relocations, strict=True)):
        ends = moves[index + 1] if index + 1 < len(moves) else float("inf")
        part = summary([a for a in answers if moved_at - 2.0 < a.sent < ends], moved_at)
        pushed = [p for p in pushes[index] if p.get("direction") == "out"]
        part["context_bytes"] = pushed[0]["size"] if pushed else None
        part["push_ms"] = {p["stage"]: round(p["seconds"] * 1000, 2) for p in pushed}
        part.update(procedure(relocation))
        results.append(part)
    return results


async def until_ended(control: httpx.AsyncClient, count: int) -> None:
    """Until ``count`` relocations have ended (60 s at most)."""
    for _ in range(600):
        relocations = (await control.get("/meclab/v1/relocations")).json()
        ended = [r for r in relocations if r["state"] in ("COMPLETED", "FAILED")]
        if len(ended) >= count:
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"relocation {count} did not end in 60 s")


async def pushes_of(control: httpx.AsyncClient, deployment: str) -> list[dict[str, Any]]:
    """The contexts instance ``deployment`` pushed, from its output (``meclab app logs``)."""
    lines = (await control.get(f"{DEPLOYMENTS}/{deployment}/logs")).json()["lines"]
    return [json.loads(line) for line in lines if line.startswith("{")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default="none,assisted,self,predictive,instance")
    parser.add_argument("--size", type=int, default=65536, help="context bytes (65536)")
    parser.add_argument(
        "--sizes", default="1024,65536,1048576,4194304", help="assisted again with these sizes"
    )
    parser.add_argument("--period-ms", type=float, default=20.0, help="UE request period (20)")
    parser.add_argument("--lead-s", type=float, default=5.0, help="predictive lead (5)")
    args = parser.parse_args()
    pin(1)
    period_s = args.period_ms / 1000
    for case in filter(None, args.cases.split(",")):
        if case == "instance":
            cold, warm = asyncio.run(run_instance(args.size, period_s))
            print(json.dumps({"case": "instance-cold", **cold}), flush=True)
            print(json.dumps({"case": "instance-warm", **warm}), flush=True)
            continue
        result = asyncio.run(run_case(case, args.size, period_s, args.lead_s))
        print(json.dumps({"case": case, **result}), flush=True)
    for size in (int(s) for s in filter(None, args.sizes.split(","))):
        result = asyncio.run(run_case("assisted", size, period_s, args.lead_s))
        print(json.dumps({"case": "assisted", "size": size, **result}), flush=True)


if __name__ == "__main__":
    main()
