"""The AR example's edge component (meclab/demo/ar/edge.py) under mobility, tested with the
pytest plugin as its author would test it: no ``meclab up``, no real waiting.

The edge learns its user's RSRP from RNIS periodic measurement reports (every 5.12 s of
simulated time) and picks a feature level from it (meclab/demo/ar/levels.py: FULL from
-95 dBm, REDUCED from -105 dBm, OFF below). The phone is moved away from its cell, the edge
lowers its level report by report; it is then moved into the next cell: the edge hears of the
cell change, forgets its level, and the first report from the new cell sets it afresh.
bench/plugin.py times this very test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from meclab.demo.ar.edge import SUBSCRIPTIONS, ArEdge
from meclab.demo.ar.levels import Level
from meclab.demo.results import ResultWriter, read_results
from meclab.scenario.builder import WorldBuilder
from meclab.testing.apps import AppRun
from meclab.testing.lab import Lab

AR_WORLD = (
    WorldBuilder("ar-lab", origin=(7.42, 43.73))
    .zone("town")
    .cell("cell-near", "4G", radius_m=800.0)
    .cell("cell-next", "4G", east_m=1200.0, radius_m=800.0)
    .mec_host("mec-town")
    .edge_app("ar-edge", emulated=False)
    .cloud("cloud", apps=["ar-cloud"])
    .terminal("phone", east_m=100.0, radio=["4G"])
)
PHONE = "acr:10.0.0.1"
REPORT = "MeasRepUeNotification"
REPORT_EVERY_S = 5.12
"""RNIS's periodic report interval in meclab (meclab/services/rnis/triggers.py)."""

# The edge sends its usage to the cloud through the data plane: the lab runs one.
pytestmark = pytest.mark.meclab(scenario=AR_WORLD, dataplane=True)


@pytest.fixture
def ar_edge(
    meclab_lab: Lab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ArEdge, AppRun]]:
    """The AR edge playing ``ar-edge``, started: it has subscribed to RNIS for the phone."""
    # the edge finds the data plane in its process's environment, as `meclab run` sets it
    for name, value in meclab_lab.app_environment("ar-edge").items():
        monkeypatch.setenv(name, value)
    app = meclab_lab.edge_app("ar-edge")
    with ResultWriter(tmp_path / "edge.jsonl") as results:
        edge = ArEdge(app, results, PHONE, "ar-cloud")
        yield edge, meclab_lab.run_app(app)


def test_the_level_follows_the_radio_and_starts_over_in_a_new_cell(
    meclab_lab: Lab, ar_edge: tuple[ArEdge, AppRun], tmp_path: Path
) -> None:
    edge, run = ar_edge
    subscribed = [r.body["subscriptionType"] for r in meclab_lab.requests("POST", SUBSCRIPTIONS)]
    assert subscribed == ["MeasRepUeSubscription", "CellChangeSubscription"]

    # A periodic trigger reports at once: the phone, 100 m from its cell, gets FULL features.
    first = meclab_lab.wait_for(type=REPORT, within_s=1.0)
    assert first.body["ecgi"]["cellId"] == "0000001"
    assert edge.level is Level.FULL

    # 300 m out (about -100 dBm), then 600 m (about -109 dBm): one level lower per report.
    meclab_lab.move("phone", east_m=300.0)
    report = meclab_lab.wait_for(type=REPORT, within_s=REPORT_EVERY_S + 0.2)
    assert report.t == pytest.approx(first.t + REPORT_EVERY_S, abs=0.11)
    assert edge.level is Level.REDUCED
    meclab_lab.move("phone", east_m=600.0)
    meclab_lab.wait_for(type=REPORT, within_s=REPORT_EVERY_S + 0.2)
    assert edge.level is Level.OFF

    # Into the next cell: a handover, the edge hears the cell change and forgets its level.
    meclab_lab.move("phone", east_m=1100.0)
    [handover] = meclab_lab.events("handover", ue="phone")
    assert (handover.event.source, handover.event.target) == ("cell-near", "cell-next")
    assert edge.level is None
    # The new cell's first report (100 m from it) sets the level afresh, without hysteresis.
    report = meclab_lab.wait_for(type=REPORT, within_s=REPORT_EVERY_S + 0.2)
    assert report.body["ecgi"]["cellId"] == "0000002"
    assert edge.level is Level.FULL

    received = [n.type for n in run.received]
    assert received == [REPORT, REPORT, REPORT, "CellChangeNotification", REPORT]
    levels = [r["level"] for r in read_results(tmp_path / "edge.jsonl") if r["kind"] == "level"]
    assert levels == ["FULL", "REDUCED", "OFF", "FULL"]
