"""The mobility manager on a stepped world: pins, procedures, notices, their order and times.

The lab world with a second MEC host, ``mec-b`` in zone-b, running ``edge-app-b``: an instance
of the same application as ``edge-app`` on ``mec-a`` (same appName). ``ue-car`` drives from
cell-a1 (zone-a) to cell-b1 (zone-b).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import serve, until

from meclab.bus.base import EventRecord
from meclab.bus.memory import MemoryBus
from meclab.engine.events import RelocationStep
from meclab.mobility.manager import Mobility
from meclab.mobility.notices import AdjacentChange, MobilityStatus, ProcedureNotice
from meclab.mobility.procedure import State
from meclab.mobility.registry import Device, Registration, ServiceLevel, TransferState
from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

UE = "ue-car"
ASSOCIATE = {"type": 1, "value": "10.0.0.2"}


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    zone_b = lab_doc["domains"][0]["zones"][1]
    zone_b["mec_hosts"] = [
        {
            "name": "mec-b",
            "position": [0.004, 0.0005],
            "apps": [{"name": "edge-app-b", "app_name": "edge-app"}],
        }
    ]
    return Scenario.model_validate(lab_doc)


@dataclass
class Lab:
    runtime: Runtime
    platforms: Platforms
    mobility: Mobility
    http: httpx.AsyncClient
    notices: list[ProcedureNotice]
    adjacent: list[AdjacentChange]
    steps: list[RelocationStep]
    tick_to: Callable[[float], Awaitable[None]]
    t: float = 0.0

    @property
    def edge_a(self) -> AppInstance:
        return self.platforms.app_named("edge-app")

    @property
    def edge_b(self) -> AppInstance:
        return self.platforms.app_named("edge-app-b")

    async def register(self, level: ServiceLevel | None, on: str = "edge-app") -> Registration:
        app = self.platforms.app_named(on)
        return await self.mobility.register(
            app.host, app.app_instance_id, None, [Device(dict(ASSOCIATE), UE, level)], None
        )

    async def drive_to(self, poa: str, limit_s: float = 60.0) -> None:
        """Tick half a second at a time until ``ue-car`` is served by ``poa``."""
        world = self.platforms.world
        assert world is not None
        while world.serving_poa(UE) != poa:
            self.t += 0.5
            assert self.t < limit_s, f"{UE} never reached {poa}"
            await self.tick_to(self.t)

    async def report_transferred(self, registration: Registration) -> None:
        """edge-app says ue-car's context has moved (contextTransferState 1)."""
        moved = Device(
            dict(ASSOCIATE),
            UE,
            ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION,
            TransferState.USER_CONTEXT_TRANSFER_COMPLETED,
        )
        await self.mobility.update(
            "mec-a", registration.id, self.edge_a.app_instance_id, None, [moved], None
        )

    def pinned(self) -> str | None:
        return self.platforms.steering.pinned(UE, self.edge_a.app_key)


@pytest.fixture
async def lab(runtime: Runtime, tick_to: Callable[[float], Awaitable[None]]) -> AsyncIterator[Lab]:
    async with serve(runtime) as (app, http):
        platforms: Platforms = app.state.platforms
        mobility: Mobility = app.state.mobility
        assert platforms.app_named("edge-app").ready and platforms.app_named("edge-app-b").ready
        notices: list[ProcedureNotice] = []
        adjacent: list[AdjacentChange] = []
        steps: list[RelocationStep] = []

        async def heard(notice: ProcedureNotice | AdjacentChange) -> None:
            (notices if isinstance(notice, ProcedureNotice) else adjacent).append(notice)

        async def published(records: Sequence[EventRecord]) -> None:
            steps.extend(r.event for r in records if isinstance(r.event, RelocationStep))

        mobility.on_notice(heard)
        runtime.bus.subscribe(published)
        yield Lab(runtime, platforms, mobility, http, notices, adjacent, steps, tick_to)


def statuses(lab: Lab) -> list[MobilityStatus]:
    return [n.status for n in lab.notices]


async def test_mec_assisted_relocation_waits_for_the_context_then_switches(lab: Lab) -> None:
    registration = await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    assert lab.pinned() == lab.edge_a.app_instance_id
    await lab.drive_to("cell-b1")

    assert statuses(lab) == [MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED]
    trigger = lab.notices[0]
    assert (trigger.host, trigger.app_instance_id, trigger.ue) == (
        "mec-a",
        lab.edge_a.app_instance_id,
        UE,
    )
    assert trigger.associate_ids == (ASSOCIATE,)
    assert (
        trigger.target is not None and trigger.target.app_instance_id == lab.edge_b.app_instance_id
    )
    assert trigger.target.host == "mec-b"
    proc = lab.mobility.procedure(trigger.procedure)
    assert proc.state is State.TRIGGERED
    assert lab.pinned() == lab.edge_a.app_instance_id  # the source serves until the context moved

    # The source reports the context transferred (MEC 021: contextTransferState 1).
    await lab.report_transferred(registration)

    assert statuses(lab) == [
        MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED,
        MobilityStatus.INTERHOST_MOVEOUT_COMPLETED,
    ]
    assert proc.state is State.COMPLETED
    assert lab.pinned() is None  # nothing pins it: its serving host (mec-b) serves it
    assert [s.state.value for s in proc.steps] == [
        "DETECTED",
        "TRIGGERED",
        "TRIGGERED",
        "CONFIRMED",
        "COMPLETED",
    ]
    times = [s.wall for s in proc.steps]
    assert times == sorted(times)
    await until(lambda: len(lab.steps) == len(proc.steps), "the steps in the event stream")
    assert [s.state for s in lab.steps] == [s.state.value for s in proc.steps]
    assert {s.procedure for s in lab.steps} == {proc.id}


async def test_a_target_that_registered_the_user_is_pinned_at_the_switch(lab: Lab) -> None:
    registration = await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    await lab.drive_to("cell-b1")
    await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION, on="edge-app-b")
    assert lab.pinned() == lab.edge_a.app_instance_id  # the procedure holds the source
    await lab.report_transferred(registration)
    assert lab.pinned() == lab.edge_b.app_instance_id
    # Driving on within zone-b starts nothing: the target serves it where it is.
    assert statuses(lab)[-1] is MobilityStatus.INTERHOST_MOVEOUT_COMPLETED
    assert len(lab.notices) == 2


async def test_without_confirmation_the_switch_follows_the_move(lab: Lab) -> None:
    await lab.register(ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION)
    await lab.drive_to("cell-b1")
    assert statuses(lab) == [
        MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED,
        MobilityStatus.INTERHOST_MOVEOUT_COMPLETED,
    ]
    assert lab.pinned() is None


async def test_not_allowed_keeps_the_user_on_its_instance(lab: Lab) -> None:
    await lab.register(ServiceLevel.APP_MOBILITY_NOT_ALLOWED)
    await lab.drive_to("cell-b1")
    assert lab.notices == [] and lab.mobility.procedures == {}
    assert lab.pinned() == lab.edge_a.app_instance_id  # steered back to mec-a from zone-b


async def test_no_context_in_time_fails_and_the_source_keeps_the_user(lab: Lab) -> None:
    lab.mobility.policy = lab.mobility.policy.model_copy(update={"transfer_timeout_s": 0.05})
    registration = await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    await lab.drive_to("cell-b1")
    await asyncio.sleep(0.3)  # past the timeout and a housekeeping round (wall clock)
    await lab.tick_to(lab.t + 0.5)
    assert statuses(lab) == [
        MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED,
        MobilityStatus.INTERHOST_MOVEOUT_FAILED,
    ]
    failed = lab.notices[-1]
    assert failed.reason is not None and "no context transfer reported" in failed.reason
    assert lab.pinned() == lab.edge_a.app_instance_id
    device = lab.mobility.registration("mec-a", registration.id).device(UE)
    assert device is not None and device.transfer is TransferState.NOT_TRANSFERRED


async def test_a_scenario_application_missing_on_the_target_fails_naming_why(lab: Lab) -> None:
    await lab.platforms.remove_app(lab.edge_b)
    await lab.register(ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION)
    await lab.drive_to("cell-b1")
    assert statuses(lab) == [MobilityStatus.INTERHOST_MOVEOUT_FAILED]
    reason = lab.notices[0].reason or ""
    assert "no instance of edge-app on mec-b" in reason and "scenario declares it" in reason
    assert lab.notices[0].target is None
    assert lab.pinned() == lab.edge_a.app_instance_id


async def test_deregistering_mid_procedure_fails_it_and_unpins(lab: Lab) -> None:
    registration = await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    await lab.drive_to("cell-b1")
    await lab.mobility.deregister("mec-a", registration.id)
    assert statuses(lab)[-1] is MobilityStatus.INTERHOST_MOVEOUT_FAILED
    assert lab.pinned() is None
    assert lab.mobility.registrations("mec-a") == []


async def test_deregister_task_waits_for_the_expiry(lab: Lab) -> None:
    app = lab.edge_a
    lasting = await lab.mobility.register(
        "mec-a", app.app_instance_id, None, [Device(dict(ASSOCIATE), UE, None)], 3600
    )
    await lab.mobility.deregister_task("mec-a", lasting.id)
    assert lab.mobility.registration("mec-a", lasting.id).deregister_at == lasting.expires_at
    endless = await lab.register(None)
    await lab.mobility.deregister_task("mec-a", endless.id)
    assert [r.id for r in lab.mobility.registrations("mec-a")] == [lasting.id]


async def test_registering_for_an_instance_of_another_host_is_not_found(lab: Lab) -> None:
    from meclab.platform.errors import NotFound, Unprocessable

    with pytest.raises(NotFound):
        await lab.mobility.register("mec-b", lab.edge_a.app_instance_id, None, [], None)
    twice = [Device(dict(ASSOCIATE), UE, None), Device(dict(ASSOCIATE), UE, None)]
    with pytest.raises(Unprocessable, match=r"deviceInformation\[1\]"):
        await lab.mobility.register("mec-a", lab.edge_a.app_instance_id, None, twice, None)


async def test_adjacent_instances_and_their_changes(lab: Lab) -> None:
    await lab.register(None)
    adjacent = lab.mobility.adjacent("mec-a")
    assert [
        (a.instance.app_instance_id, a.host_name, a.registered_instance_id) for a in adjacent
    ] == [(lab.edge_b.app_instance_id, "mec-b", lab.edge_a.app_instance_id)]
    await lab.platforms.remove_app(lab.edge_b)
    assert lab.adjacent and lab.adjacent[-1].host == "mec-a"
    assert lab.adjacent[-1].adjacent == ()


async def test_the_control_api_lists_procedures_and_guards_the_policy(lab: Lab) -> None:
    await lab.register(ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION)
    await lab.drive_to("cell-b1")
    listed = (await lab.http.get("/meclab/v1/relocations")).json()
    assert [p["state"] for p in listed] == ["COMPLETED"]
    one = (await lab.http.get(f"/meclab/v1/relocations/{listed[0]['id']}")).json()
    assert one["source"]["host"] == "mec-a" and one["target"]["host"] == "mec-b"
    assert set(one["durations_s"]) == {"DETECTED", "TRIGGERED", "CONFIRMED", "COMPLETED"}
    assert (await lab.http.get("/meclab/v1/relocations?state=FAILED")).json() == []
    missing = await lab.http.get("/meclab/v1/relocations/nope")
    assert missing.status_code == 404
    bad = await lab.http.put("/meclab/v1/relocations/policy", json={"keep_warm_s": -1})
    assert bad.status_code == 400 and "keep_warm_s" in bad.text
    good = await lab.http.put("/meclab/v1/relocations/policy", json={"flows": "reset"})
    assert good.status_code == 200 and good.json()["flows"] == "reset"
    assert lab.mobility.policy.flows.value == "reset"


async def test_coming_back_before_the_switch_fails_the_move_and_keeps_the_source(lab: Lab) -> None:
    await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    await lab.drive_to("cell-b1")
    await lab.drive_to("cell-a1", limit_s=120.0)  # the car's path loops back to zone-a
    assert statuses(lab) == [
        MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED,
        MobilityStatus.INTERHOST_MOVEOUT_FAILED,
    ]
    assert "came back to mec-a" in (lab.notices[-1].reason or "")
    assert lab.pinned() == lab.edge_a.app_instance_id


async def test_registrations_and_pins_survive_a_restart(scenario: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "meclab.sqlite"

    @asynccontextmanager
    async def meclab(opened: Scenario | None) -> AsyncIterator[Mobility]:
        store = SqliteStore(path)
        runtime = Runtime(store, MemoryBus())
        await runtime.open(opened)
        try:
            async with serve(runtime) as (app, _):
                yield app.state.mobility
        finally:
            await store.close()

    async with meclab(scenario) as mobility:
        edge = mobility.platforms.app_named("edge-app")
        level = ServiceLevel.APP_MOBILITY_NOT_ALLOWED
        made = await mobility.register(
            "mec-a", edge.app_instance_id, None, [Device(dict(ASSOCIATE), UE, level)], 600
        )
    async with meclab(None) as mobility:  # resumes what the file holds
        again = mobility.registration("mec-a", made.id)
        assert again.to_store() == made.to_store()
        pinned = mobility.platforms.steering.pinned(UE, edge.app_key)
        assert pinned == edge.app_instance_id


async def test_a_predicted_move_is_prepared_ahead_and_switched_at_the_handover(lab: Lab) -> None:
    lab.mobility.policy = lab.mobility.policy.model_copy(update={"predictive_lead_s": 8.0})
    registration = await lab.register(ServiceLevel.APP_MOBILITY_WITH_CONFIRMATION)
    world = lab.platforms.world
    assert world is not None
    while not lab.notices:
        lab.t += 0.5
        assert lab.t < 60
        await lab.tick_to(lab.t)
    trigger = lab.notices[0]
    assert trigger.status is MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED
    assert world.serving_poa(UE) == "cell-a1"  # still on the source's zone
    prediction = trigger.prediction
    assert prediction is not None and prediction["target_zone"] == "zone-b"
    assert 0 < prediction["at"] - lab.t <= 8.0
    await lab.report_transferred(registration)
    proc = lab.mobility.procedure(trigger.procedure)
    assert proc.state is State.CONFIRMED and lab.pinned() == lab.edge_a.app_instance_id
    await lab.drive_to("cell-b1")
    assert proc.state is State.COMPLETED
    assert statuses(lab)[-1] is MobilityStatus.INTERHOST_MOVEOUT_COMPLETED
    assert proc.steps[-1].t == pytest.approx(lab.t)  # switched at the handover's tick
    assert abs(proc.steps[-1].t - prediction["at"]) <= 1.0


async def test_a_predicted_handover_that_does_not_come_fails(lab: Lab) -> None:
    lab.mobility.policy = lab.mobility.policy.model_copy(
        update={"predictive_lead_s": 8.0, "predicted_grace_s": 0.0}
    )
    await lab.register(ServiceLevel.APP_MOBILITY_WITHOUT_CONFIRMATION)
    while not lab.notices:
        lab.t += 0.5
        await lab.tick_to(lab.t)
    prediction = lab.notices[0].prediction
    assert prediction is not None
    await lab.runtime.move_terminal_to_poa(UE, "cell-a1")  # an operator holds the car back
    while lab.t < prediction["at"] + 1.0:
        lab.t += 0.5
        await lab.tick_to(lab.t)
    await asyncio.sleep(2 * 0.25)  # a housekeeping round
    assert statuses(lab)[-1] is MobilityStatus.INTERHOST_MOVEOUT_FAILED
    assert lab.notices[-1].reason == "the predicted handover did not happen"
    assert lab.pinned() == lab.edge_a.app_instance_id


async def test_the_control_api_predicts_a_terminals_next_zone(lab: Lab) -> None:
    found = (await lab.http.get("/meclab/v1/terminals/ue-car/prediction")).json()
    change = found["change"]
    assert change["target_zone"] == "zone-b" and change["target_poa"] == "cell-b1"
    await lab.drive_to("cell-b1")
    assert abs(lab.t - change["at"]) <= 0.5 + 0.5  # its resolution, the test's step
    fixed = (await lab.http.get("/meclab/v1/terminals/ue-far/prediction")).json()
    assert fixed == {"ue": "ue-far", "horizon_s": 120.0, "change": None}
    assert (await lab.http.get("/meclab/v1/terminals/nobody/prediction")).status_code == 404
    bad = await lab.http.get("/meclab/v1/terminals/ue-car/prediction?horizon_s=0")
    assert bad.status_code == 400 and "horizon_s" in bad.text
