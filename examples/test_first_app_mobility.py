"""README's first edge app (first_app.py) tested under mobility with meclab's pytest plugin.

Run it from this directory (meclab installed; nothing else to start)::

    pytest test_first_app_mobility.py
"""

import first_app  # the app under test: examples/first_app.py
import httpx
import pytest

# The world of the test: the README's, where `walker` crosses from cell-west to cell-east.
pytestmark = pytest.mark.meclab(scenario="first_world.yaml")


def test_the_app_hears_the_walker_change_cells(meclab_lab, monkeypatch):
    # What `meclab run first_app:app --host mec-town` would give the app, but any free port.
    for name, value in meclab_lab.app_environment("my-app").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEC_APP_ENDPOINT", "127.0.0.1:0")
    run = meclab_lab.run_app(first_app.app)  # READY, greeter offered, subscribed
    assert meclab_lab.requests("POST", "/rni/v2/subscriptions")[0].status == 201

    # 30 s of walking at 10 m/s, ticked every 0.1 s: no real waiting.
    meclab_lab.advance(30)
    [handover] = meclab_lab.events("handover", ue="walker")
    assert (handover.event.source, handover.event.target) == ("cell-west", "cell-east")
    assert [n.type for n in run.received] == ["CellChangeNotification"]
    assert httpx.get(f"{run.url}/hello").json()["handovers_seen"] == ["0000001 -> 0000002"]

    # Take the walker back by hand: attached to cell-west until released.
    meclab_lab.move("walker", poa="cell-west")
    note = meclab_lab.wait_for(type="CellChangeNotification", within_s=1)
    assert note.body["trgEcgi"][0]["cellId"] == "0000001"
    meclab_lab.release("walker")

    # Stopped, it deletes its subscription and deregisters its service.
    meclab_lab.stop_app(run)
    assert [r.status for r in meclab_lab.requests("DELETE")] == [204, 204, 204]
