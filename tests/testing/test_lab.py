"""The lab handle's methods, used as a test author uses them (through the ``meclab_lab``
fixture): time, moves, network characteristics, waiting, records, apps and processes."""

from __future__ import annotations

import sys
import textwrap

import httpx
import pytest
from receiver import Receiver

from meclab.scenario.builder import WorldBuilder
from meclab.sdk.app import EdgeApp
from meclab.sdk.clients.rnis import RnisClient
from meclab.sdk.notifications import Api
from meclab.services.rnis.models import CellChangeSubscription, FilterCriteriaAssocHo
from meclab.testing.core import LabError
from meclab.testing.lab import Lab

WORLD = (
    WorldBuilder("lab-test", origin=(7.42, 43.73))
    .zone("town")
    .cell("cell-west", "4G", east_m=-250.0, radius_m=300.0)
    .cell("cell-east", "4G", east_m=250.0, radius_m=300.0)
    .mec_host("mec-town")
    .edge_app("my-app", emulated=False)
    .terminal("walker", path_m=[(-250.0, 0.0), (250.0, 0.0)], velocity_mps=10.0, radio=["4G"])
    .terminal("sitter", east_m=-250.0, radio=["4G"])
)
"""The walker crosses from cell-west to cell-east between 25 and 35 s (hysteresis)."""
CELL_CHANGE = {
    "subscriptionType": "CellChangeSubscription",
    "callbackReference": "",
    "filterCriteriaAssocHo": {},
}

pytestmark = pytest.mark.meclab(scenario=WORLD)


def test_advance_ticks_through_the_interval_and_returns_what_happened(meclab_lab: Lab) -> None:
    happened = meclab_lab.advance(20.0)
    assert meclab_lab.now == pytest.approx(20.0)
    assert meclab_lab.events("handover") == []
    happened = meclab_lab.advance(20.0, step=2.5)
    [handover] = meclab_lab.events("handover", ue="walker")
    assert handover in happened
    assert (handover.event.source, handover.event.target) == ("cell-west", "cell-east")
    assert handover.event.t / 2.5 == pytest.approx(round(handover.event.t / 2.5))  # a tick
    assert meclab_lab.terminal("walker").poa == "cell-east"
    with pytest.raises(ValueError, match="forward only"):
        meclab_lab.advance(-1.0)
    meclab_lab.advance_to(45.0)
    assert meclab_lab.now == pytest.approx(45.0)


def test_move_holds_a_terminal_at_a_place_or_a_cell_until_released(meclab_lab: Lab) -> None:
    meclab_lab.move("sitter", east_m=250.0)
    assert meclab_lab.terminal("sitter").poa == "cell-east"
    [handover] = meclab_lab.events("handover", ue="sitter")
    assert handover.event.target == "cell-east"
    meclab_lab.move("sitter", poa="cell-west")
    assert meclab_lab.terminal("sitter").poa == "cell-west"
    meclab_lab.move("walker", to=WORLD.point(250.0, 0.0))
    meclab_lab.advance(5.0)
    assert meclab_lab.terminal("walker").lon == pytest.approx(WORLD.point(250.0, 0.0)[0])
    meclab_lab.release("walker")  # back on its path, where it would be now: 5 s in, 50 m
    assert meclab_lab.terminal("walker").lon == pytest.approx(WORLD.point(-200.0, 0.0)[0])
    assert [r.event.action for r in meclab_lab.events("manual")][-1] == "release"


@pytest.mark.meclab(scenario=None)
def test_metres_need_a_world_built_with_an_origin(meclab_lab: Lab) -> None:
    with pytest.raises(LabError, match="give to=\\[lon, lat\\]"):
        meclab_lab.move("ue-walker-1", east_m=10.0)


def test_set_netchar_changes_an_element_and_says_so(meclab_lab: Lab) -> None:
    meclab_lab.set_netchar("cell-west", latency_ms=40.0, loss_pct=5.0)
    [change] = meclab_lab.events("netchar_change", element="cell-west")
    assert change.event.before["latency_ms"] == 0.0
    assert (change.event.after["latency_ms"], change.event.after["loss_pct"]) == (40.0, 5.0)


async def test_an_async_test_hears_notifications_in_its_own_loop_and_sees_the_records(
    meclab_lab: Lab,
) -> None:
    async with Receiver() as receiver, httpx.AsyncClient(base_url=meclab_lab.url) as http:
        body = {**CELL_CHANGE, "callbackReference": receiver.url("/cb")}
        created = await http.post("/hosts/mec-town/rni/v2/subscriptions", json=body)
        assert created.status_code == 201
        refused = await http.post("/hosts/mec-town/rni/v2/subscriptions", json={"x": 1})
        assert refused.status_code == 400
        assert (await http.get("/meclab/v1/world")).status_code == 200  # not an ETSI API

        note = await meclab_lab.aio.wait_for(type="CellChangeNotification", within_s=40.0)
        assert receiver.bodies("/cb") == [note.body]  # taken by the receiver in this loop
        assert note.callback == receiver.url("/cb") and note.api == "rni"
        assert note.host == "mec-town" and note.t == meclab_lab.events("handover")[0].event.t

        with pytest.raises(LabError) as failed:
            await meclab_lab.aio.wait_for(lambda n: n.api == "location", within_s=1.0)
        assert str(failed.value) == (
            "no notification matching <lambda> within 1 s of simulated time "
            f"(t = {note.t:g} to {note.t + 1:g} s); delivered meanwhile: nothing"
        )
    recorded = [(r.method, r.path, r.status) for r in meclab_lab.requests()]
    assert recorded == [
        ("POST", "/hosts/mec-town/rni/v2/subscriptions", 201),
        ("POST", "/hosts/mec-town/rni/v2/subscriptions", 400),
    ]
    assert meclab_lab.requests("POST")[0].body == body
    assert meclab_lab.notifications(type="CellChangeNotification") == [note]


def test_an_sdk_app_runs_in_the_lab_and_deregisters_when_stopped(meclab_lab: Lab) -> None:
    app = meclab_lab.edge_app("my-app")
    app.offer("greeter", "/hello")
    heard: list[object] = []

    @app.on_start
    async def subscribe(app: EdgeApp) -> None:
        subscription = CellChangeSubscription(
            subscriptionType="CellChangeSubscription",
            callbackReference=app.notifications.callback_url(Api.RNIS, heard.append),
            filterCriteriaAssocHo=FilterCriteriaAssocHo(),
        )
        created = await RnisClient(app.http).subscribe(subscription)
        app.unsubscribe_on_exit(created.location)

    run = meclab_lab.run_app(app)
    assert meclab_lab.platforms.app_named("my-app").ready
    assert [s.serName for s in app.services] == ["greeter"]
    meclab_lab.advance(40.0, step=0.5)
    assert [n.type for n in run.received] == ["CellChangeNotification"]
    assert [type(n).__name__ for n in heard] == ["CellChangeNotification"]
    meclab_lab.stop_app(run)
    deleted = [r.path.rsplit("/", 2)[-2] for r in meclab_lab.requests("DELETE")]
    assert sorted(deleted) == ["services", "subscriptions", "subscriptions"]
    services = httpx.get(
        f"{meclab_lab.url}/hosts/mec-town/mec_service_mgmt/v1/services",
        params={"ser_name": "greeter"},
    )
    assert services.status_code == 404 or services.json() == []


def test_an_app_that_fails_to_start_fails_run_app_with_its_error(meclab_lab: Lab) -> None:
    app = meclab_lab.edge_app("my-app")

    @app.on_start
    async def broken(app: EdgeApp) -> None:
        raise RuntimeError("no config for the overlay")

    with pytest.raises(RuntimeError, match="no config for the overlay"):
        meclab_lab.run_app(app)


def test_a_process_plays_an_application_with_the_environment_meclab_run_gives(
    meclab_lab: Lab,
) -> None:
    code = textwrap.dedent(
        """
        import os
        from meclab.sdk.app import EdgeApp
        print("as", os.environ["MECLAB_UE"], "on", os.environ["MEC_API_ROOT"], flush=True)
        EdgeApp().run()
        """
    )
    process = meclab_lab.start_process(
        "my-app", [sys.executable, "-c", code], app="my-app", ue="walker"
    )
    assert meclab_lab.platforms.app_named("my-app").ready  # start_process waited for it
    assert "as walker on /hosts/mec-town" in process.log_tail()
    assert process.stop() == 0  # SIGTERM: the app deregistered and ended cleanly
    assert [r.status for r in meclab_lab.requests("DELETE")] == [204]
    assert process.returncode == 0
