"""Instance relocation with real processes: a terminal crossing to a host where its application
has no instance gets one started there, its DNS answer and traffic follow at the switch, every
request it sends through the data plane meanwhile is answered, and the source goes once idle.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from helpers import until
from lifecycle.deploy_world import Deploy, serve_deploy, two_host_document, write_package

from meclab.lifecycle.records import InstantiationState
from meclab.mobility.manager import Mobility
from meclab.mobility.procedure import State
from meclab.mobility.registry import Device, ServiceLevel
from meclab.runtime import Runtime
from meclab.sdk.dataplane import DataPlane as PlaneClient
from meclab.sdk.dataplane import SocksEntry

UE = "ue-car"
URL = "http://hello.edge.example/hello"
DEVICE = Device(
    {"type": 1, "value": "10.0.0.2"}, UE, ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION
)


@pytest.fixture
async def lab(lab_doc: dict[str, Any], tmp_path: Path) -> Any:
    document = two_host_document(lab_doc)
    async with serve_deploy(document, tmp_path / "store.sqlite", tmp_path / "data") as deploy:
        yield deploy


async def ask(session: aiohttp.ClientSession) -> str:
    """GET /hello as the UE, on a new connection (an open one stays with the instance it
    reached: the policy keeps open flows); the appInstanceId that answered."""
    timeout = aiohttp.ClientTimeout(total=10)
    async with session.get(URL, timeout=timeout, headers={"Connection": "close"}) as response:
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return str(body["from"])


async def test_the_user_is_served_all_along_and_the_instance_moves(lab: Deploy) -> None:
    mobility: Mobility = lab.app.state.mobility
    runtime: Runtime = lab.app.state.runtime
    mobility.policy = mobility.policy.model_copy(update={"keep_warm_s": 0.2})
    app_d_id = await lab.onboard(write_package(lab.work, "hello"))
    source = await lab.create(app_d_id)
    assert (await lab.instantiate(source, "mec-a"))["operationState"] == "COMPLETED"
    source_key = _environ(lab, source).get("MECLAB_CONTEXT_KEY")
    assert source_key
    await mobility.register(
        "mec-a",
        source,
        None,
        [DEVICE],
        None,
    )
    socks = lab.plane.entry_points().socks5
    assert socks is not None
    plane = PlaneClient(SocksEntry.from_url(f"socks5://{socks}"), UE)
    answers: list[str] = []
    async with aiohttp.ClientSession(connector=plane.connector()) as session:
        answers.append(await ask(session))
        world = runtime.world
        t = 0.0
        while world.serving_poa(UE) != "cell-b1":
            t += 0.5
            assert t < 60, "ue-car never reached cell-b1"
            await runtime.tick(t)
            answers.append(await ask(session))
        # On zone-b now, still answered by the source while the target starts.
        procs = list(mobility.procedures.values())
        assert len(procs) == 1
        proc = procs[0]
        while proc.open:
            answers.append(await ask(session))
            await asyncio.sleep(0.05)
        assert proc.state is State.COMPLETED, proc.reason
        answers.append(await ask(session))

    target = proc.target_instance
    assert target is not None and target != source and proc.started_target
    assert lab.lifecycle.instance(target).host == "mec-b"
    # Every request was answered: by the source up to the switch, by the target after it.
    switched = answers.index(target)
    assert set(answers[:switched]) == {source} and set(answers[switched:]) == {target}
    assert answers[-1] == target
    steps = [s.state for s in proc.steps]
    assert steps[:3] == [State.DETECTED, State.STARTING_TARGET, State.TRIGGERED]
    assert steps[-1] is State.COMPLETED
    # Both instances of the package seal contexts with the same key (their environment).
    assert _environ(lab, target).get("MECLAB_CONTEXT_KEY") == source_key
    # No terminal left on the source: it is terminated after the keep-warm time.
    await until(
        lambda: (
            source not in {i.id for i in lab.lifecycle.instances()}
            or lab.lifecycle.instance(source).instantiation_state
            is InstantiationState.NOT_INSTANTIATED
        ),
        "the source instance to be terminated",
        timeout_s=30,
    )


async def test_a_target_that_cannot_start_fails_and_the_source_keeps_serving(
    lab: Deploy,
) -> None:
    mobility: Mobility = lab.app.state.mobility
    runtime: Runtime = lab.app.state.runtime
    app_d_id = await lab.onboard(write_package(lab.work, "hello"))
    source = await lab.create(app_d_id)
    assert (await lab.instantiate(source, "mec-a"))["operationState"] == "COMPLETED"
    # mec-b cannot take it: fill it first (the scenario gives it little compute)
    lab.lifecycle.capacity().reserve("mec-b", "filler", lab.lifecycle.capacity().free("mec-b"))
    await mobility.register(
        "mec-a",
        source,
        None,
        [DEVICE],
        None,
    )
    world = runtime.world
    t = 0.0
    while world.serving_poa(UE) != "cell-b1":
        t += 0.5
        await runtime.tick(t)
    proc = next(iter(mobility.procedures.values()))
    await until(lambda: not proc.open, "the procedure to end", timeout_s=30)
    assert proc.state is State.FAILED and proc.reason is not None
    assert "mec-b" in proc.reason
    assert mobility.platforms.steering.pinned(UE, ("hello", "meclab")) == source
    assert [i.id for i in lab.lifecycle.instances()] == [source]  # nothing left behind


def _environ(lab: Deploy, instance: str) -> dict[str, str]:
    """The environment the instance's process runs with (Linux /proc)."""
    status = lab.lifecycle.backend.status(instance)
    assert status is not None and status.pid is not None
    raw = Path(f"/proc/{status.pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
