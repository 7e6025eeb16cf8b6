"""The relocation demo's pure parts: the AR session state, the walk across two MEC hosts' zones,
each answer judged with or without context, the relocations' rows, the table and the plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from meclab.demo.ar.levels import Level
from meclab.demo.ar.report import Clock
from meclab.demo.ar.session import LAST_FRAMES, served
from meclab.demo.derive import DeriveError, terminals
from meclab.demo.relocation.outcome import ModeRun, answers, relocations, spans_on
from meclab.demo.relocation.report import COLUMNS, plot, table
from meclab.demo.relocation.world import APP_NAME, DOMAIN, relocation_world
from meclab.engine.radio import PROFILES
from meclab.engine.world import World
from meclab.scenario.builtin import default_scenario
from meclab.scenario.model import PointOfAccess, Scenario
from meclab.types import RadioType

CLOCK = Clock(speed=10.0, offset=-10_000.0, start=0.0)
"""Simulation time = 10 x wall - 10,000: wall 1000 s is t = 0."""
A, B = "edge-a", "edge-b"


# --- the session ----------------------------------------------------------------------------


def test_the_session_counts_frames_and_keeps_the_last_ones() -> None:
    context: dict[str, Any] = {}
    counts = [served(context, frame=n, size=100 + n, level=Level.FULL) for n in range(1, 9)]
    assert counts == list(range(1, 9)) and context["frames"] == 8
    assert context["last"] == [{"n": n, "bytes": 100 + n} for n in range(9 - LAST_FRAMES, 9)]
    served(context, frame=None, size=5, level=Level.OFF)
    assert context["level"] == "OFF" and context["last"][-1] == {"n": None, "bytes": 5}


# --- the world ------------------------------------------------------------------------------


def test_the_walk_crosses_into_the_other_hosts_zone_and_back() -> None:
    world = relocation_world(default_scenario())
    assert (world.source_cell, world.target_cell) == ("4g-fontvieille", "4g-condamine")
    assert (world.source.host, world.target.host) == ("mec-fontvieille", "mec-condamine")

    engine = World(world.scenario)
    cells: list[str | None] = []
    zones: list[str | None] = []
    t = 0.0
    while t <= world.duration_s + 1:
        engine.step(t)
        cells.append(engine.serving_poa(world.walker))
        zones.append(engine.zone_of(world.walker))
        t += 2.0
    assert set(cells) == {world.source_cell, world.target_cell}  # in coverage, 4G only
    changes = [z for i, z in enumerate(zones) if i == 0 or z != zones[i - 1]]
    assert changes == [world.source.zone, world.target.zone, world.source.zone]
    assert [(c.before, c.after) for c in world.crossings] == [
        (world.source.zone, world.target.zone),
        (world.target.zone, world.source.zone),
    ]
    assert 0 < world.crossings[0].t < world.duration_s / 2 < world.crossings[1].t


def test_both_instances_are_of_one_application_reached_by_one_name() -> None:
    world = relocation_world(default_scenario())
    apps = {
        app.name: (host.name, app)
        for domain in world.scenario.domains
        for zone in domain.zones
        for host in zone.mec_hosts
        for app in host.apps
    }
    source, target = (apps[e.app] for e in (world.source, world.target))
    assert (source[0], target[0]) == (world.source.host, world.target.host)
    assert source[1].app_name == target[1].app_name == APP_NAME
    assert source[1].app_instance_id != target[1].app_instance_id
    assert not source[1].emulated and not target[1].emulated
    assert source[1].endpoint != target[1].endpoint
    for edge, (_, app) in ((world.source, source), (world.target, target)):
        assert app.address == edge.address and app.endpoint == f"127.0.0.1:{edge.port}"
        assert [(r.domain_name, r.ip_address) for r in app.dns_rules] == [(DOMAIN, edge.address)]
    walker = next(t for t in terminals(world.scenario) if t.name == world.walker)
    assert walker.radio_priority == [RadioType.LTE] and walker.address == world.address


def _without_other_zones(scenario: Scenario) -> Scenario:
    changed = scenario.model_copy(deep=True)
    domain = changed.domains[0]
    domain.zones = domain.zones[:1]
    return changed


def test_what_the_walk_lacks_is_named() -> None:
    base = default_scenario()
    with pytest.raises(DeriveError, match="no point of access '4g-nowhere'"):
        relocation_world(base, cell="4g-nowhere")
    with pytest.raises(DeriveError, match="5g-casino is a 5G cell"):
        relocation_world(base, cell="5g-casino")
    with pytest.raises(DeriveError, match="no two zones of one operator with a MEC host"):
        relocation_world(_without_other_zones(base))
    with pytest.raises(DeriveError, match="no other zone with a MEC host and a 4G cell"):
        relocation_world(_without_other_zones(base), cell="4g-fontvieille")
    hostless = base.model_copy(deep=True)
    hostless.domains[0].zones[0].mec_hosts = []
    with pytest.raises(DeriveError, match="zone zone-fontvieille of 4g-fontvieille has no MEC"):
        relocation_world(hostless, cell="4g-fontvieille")


def test_a_walk_that_never_reaches_the_target_zone_is_refused() -> None:
    # A cell of the source's zone at the target's site, a little louder: it keeps the walker.
    base = default_scenario()
    zones = base.domains[0].zones
    site = next(p for p in zones[1].poas if p.name == "4g-condamine").position
    zones[0].poas.append(
        PointOfAccess(
            name="4g-shadow",
            type=RadioType.LTE,
            position=site,
            radius_m=750.0,
            tx_power_dbm=PROFILES[RadioType.LTE].tx_power_dbm + 1.0,
            cell_id="2A10009",
        )
    )
    with pytest.raises(DeriveError, match="never served by a cell of zone-condamine"):
        relocation_world(base, cell="4g-fontvieille")


# --- the outcome ----------------------------------------------------------------------------


def frame(n: int, wall: float, instance: str | None, frames: int | None) -> dict[str, Any]:
    if instance is None:
        return {"kind": "frame_failed", "n": n, "wall": wall, "error": "refused"}
    return {
        "kind": "frame",
        "n": n,
        "wall": wall,
        "rtt_s": 0.05,
        "instance": instance,
        "frames": frames,
        "level": "FULL",
        "overlay": 0,
        "retries": 0,
    }


CLIENT = [
    frame(1, 1000.0, A, 1),
    frame(2, 1000.1, A, 2),
    frame(3, 1000.2, A, 3),
    frame(4, 1000.3, B, 1),  # B without the context: started over
    frame(5, 1000.4, B, 2),  # still B's own count
    frame(6, 1000.8, None, None),  # no answer
    frame(7, 1000.9, B, 4),  # the context arrived: A's 3 go on
    frame(8, 1001.0, B, 5) | {"retries": 1},  # B, after a 503 from A
    frame(9, 1010.0, A, 6),  # back at A, with it
]


def procedure(
    pid: str,
    source: tuple[str, str],
    target: tuple[str, str],
    t0: float,
    states: list[tuple[str, float]],
) -> dict[str, Any]:
    return {
        "id": pid,
        "ue": "walker",
        "state": states[-1][0],
        "source": {"appInstanceId": source[0], "host": source[1]},
        "target": {"appInstanceId": target[0], "host": target[1], "startedForThis": False},
        "durations_s": {s: at for s, at in states},
        "steps": [{"state": s, "at_s": at, "t": t0, "text": ""} for s, at in states],
    }


PROCEDURES = [  # newest first, as the control API lists them
    procedure(
        "p2-back",
        (B, "mec-b"),
        (A, "mec-a"),
        99.0,
        [("DETECTED", 0.0), ("TRIGGERED", 0.001), ("CONFIRMED", 0.02), ("COMPLETED", 0.021)],
    ),
    procedure(
        "p1-out",
        (A, "mec-a"),
        (B, "mec-b"),
        2.5,
        [("DETECTED", 0.0), ("TRIGGERED", 0.001), ("CONFIRMED", 0.002), ("COMPLETED", 0.0025)],
    ),
]


def pushed(direction: str, source: str, target: str, wall: float, size: int) -> dict[str, Any]:
    return {
        "kind": "relocation",
        "wall": wall,
        "direction": direction,
        "user": "acr:10.0.9.1",
        "source": source,
        "target": target,
        "revision": 2,
        "size": size,
        "seconds": 0.012,
    }


EDGES = [
    {"kind": "rsrp", "wall": 1000.0, "rsrp_dbm": -80.0},
    pushed("out", A, B, 1000.3, 300),
    pushed("out", A, B, 1000.35, 310),
    pushed("in", A, B, 1000.85, 300),
    pushed("out", B, A, 1009.95, 320),
    pushed("in", B, A, 1009.96, 320),
]


def test_an_answer_is_with_context_while_its_count_goes_beyond_every_one_before() -> None:
    seen = answers(CLOCK, CLIENT)
    assert [a.with_context for a in seen] == [
        True,
        True,
        True,
        False,
        False,
        None,
        True,
        True,
        True,
    ]
    assert seen[5].arrived is None and seen[5].instance is None
    assert seen[0].t == pytest.approx(0.0) and seen[-1].t == pytest.approx(100.0)
    assert seen[0].arrived == pytest.approx(1000.05)


def test_relocations_in_order_with_their_contexts_and_what_the_client_saw() -> None:
    seen = answers(CLOCK, CLIENT)
    out, back = relocations("self", CLOCK, PROCEDURES, EDGES, seen)
    assert (out.id, back.id) == ("p1-out", "p2-back")
    assert (out.source_host, out.target_host, out.state) == ("mec-a", "mec-b", "COMPLETED")
    assert out.reached_ms("TRIGGERED") == pytest.approx(1.0)
    assert out.reached_ms("COMPLETED") == pytest.approx(2.5)
    assert out.reached_ms("FAILED") is None
    assert [s.t for s in out.steps] == pytest.approx([2.5, 2.51, 2.52, 2.525])
    assert [p["size"] for p in out.pushed] == [300, 310] and len(out.arrived) == 1
    assert [p["size"] for p in back.pushed] == [320] and len(back.arrived) == 1
    # Around the first switch (wall 1000.25): frames 1-8, the longest silence 0.4 to 0.9.
    assert out.answered == 7 and out.without_context == 2
    assert out.gap_ms == pytest.approx(500.0)
    assert back.answered == 1 and back.without_context == 0 and back.gap_ms is None


def test_the_spans_on_a_cell() -> None:
    samples = [
        {"time_s": t, "poa": poa}
        for t, poa in [(0, "a"), (5, "b"), (9, "b"), (12, "a"), (20, "b"), (25, "b")]
    ]
    assert spans_on(samples, "b") == [(5, 12), (20, 25)]
    assert spans_on(samples, "c") == []


def mode_run() -> ModeRun:
    seen = answers(CLOCK, CLIENT)
    return ModeRun(
        mode="self",
        instances=(A, B),
        hosts=("mec-a", "mec-b"),
        answers=seen,
        relocations=relocations("self", CLOCK, PROCEDURES, EDGES, seen),
        on_target=[(2.5, 99.0)],
    )


def test_the_table_has_a_row_per_relocation() -> None:
    run = mode_run()
    lines = table([run])
    assert lines[0].split("  ")[0] == "mode" and all(name in lines[0] for name, _ in COLUMNS)
    assert len(lines) == 3
    out = lines[1].split()
    assert out[:7] == ["self", "p1-out", "walker", "mec-a", "->", "mec-b", "COMPLETED"]
    assert out[7:] == ["1.0", "/", "2.0", "/", "2.5", "300", "12.0", "2/1", "500.0", "2/7"]
    assert lines[2].split()[-3:] == ["1/1", "-", "0/1"]
    assert (run.answered_by(A), run.answered_by(B), run.failed, run.without_context) == (4, 4, 1, 2)
    assert run.retried == 1


def test_the_plot_is_a_png(tmp_path: Path) -> None:
    png = plot([mode_run(), mode_run()], tmp_path / "sub" / "timeline.png", title="test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
