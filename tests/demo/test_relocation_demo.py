"""Example 3, the AR session across MEC hosts: ``meclab demo relocation`` end to end, both modes.

One run of the demo (a meclab per mode) serves every test here; the parts are tested on their
own in ``test_relocation_parts.py``.
"""

from __future__ import annotations

import pytest

from meclab.demo.relocation.demo import RelocationReport, run
from meclab.demo.relocation.outcome import ModeRun

SPEED = 120.0
"""752 simulated seconds of walk in under 7 real ones a mode."""


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[RelocationReport, list[str]]:
    said: list[str] = []
    report = run(None, tmp_path_factory.mktemp("relocation"), speed=SPEED, progress=said.append)
    return report, said


def mode(report: RelocationReport, name: str) -> ModeRun:
    return next(r for r in report.runs if r.mode == name)


def test_it_reports_both_modes_and_plots_them(demo: tuple[RelocationReport, list[str]]) -> None:
    report, said = demo
    assert [r.mode for r in report.runs] == ["assisted", "self"]
    assert report.png.is_file() and report.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(report).splitlines()[-1] == f"plot: {report.png}"
    assert said[-1] == "meclab stopped"
    for name in ("assisted", "self"):  # each on a meclab of its own, in a directory of its own
        assert (report.png.parent / name / "ar-client.jsonl").is_file()
    assert any(line.startswith("mode assisted:") for line in said)
    assert any(line.startswith("mode self:") for line in said)
    rows = str(report).splitlines()
    assert sum(line.startswith(("assisted ", "self ")) for line in rows) == sum(
        len(r.relocations) for r in report.runs
    )


def test_each_crossing_relocates_the_user_and_completes(
    demo: tuple[RelocationReport, list[str]],
) -> None:
    report, _ = demo
    world = report.world
    hosts = {world.source.zone: world.source.host, world.target.zone: world.target.host}
    expected = [(hosts[c.before], hosts[c.after]) for c in world.crossings]
    assert len(expected) == 2  # out and back
    for run_ in report.runs:
        moves = [(r.source_host, r.target_host) for r in run_.relocations]
        assert moves == expected, run_.mode
        assert [r.state for r in run_.relocations] == ["COMPLETED"] * len(expected), run_.mode
        assert all(r.ue == world.walker for r in run_.relocations)
        # the client was answered throughout, by both instances in turn
        assert run_.failed == 0, run_.mode
        assert run_.answered_by(world.source.app) and run_.answered_by(world.target.app)
        last = run_.relocations[-1]
        after = [a for a in run_.answers if a.t > last.steps[-1].t + SPEED]  # 1 s after
        assert after and {a.instance for a in after} == {last.target_instance}


def test_assisted_the_switch_waits_for_the_context_and_the_count_goes_on(
    demo: tuple[RelocationReport, list[str]],
) -> None:
    assisted = mode(demo[0], "assisted")
    for r in assisted.relocations:
        assert r.pushed and r.arrived, r.id
        assert {p["revision"] for p in r.arrived} <= {p["revision"] for p in r.pushed}
        # TRIGGERED, the context pushed and taken, then CONFIRMED: the platform waited for it
        waited = r.reached_ms("CONFIRMED") - r.reached_ms("TRIGGERED")
        assert waited >= r.pushed[0]["seconds"] * 1000.0, r.id
        assert r.without_context == 0, r.id
    assert assisted.without_context == 0


def test_self_the_switch_does_not_wait_and_the_context_arrives(
    demo: tuple[RelocationReport, list[str]],
) -> None:
    self_ = mode(demo[0], "self")
    for r in self_.relocations:
        assert r.pushed and r.arrived, r.id  # the target's edge reported it IN
        assert {p["revision"] for p in r.arrived} <= {p["revision"] for p in r.pushed}
        waited = r.reached_ms("CONFIRMED") - r.reached_ms("TRIGGERED")
        assert waited < r.pushed[0]["seconds"] * 1000.0, r.id
    # once the context is there the count goes on: the last answers are all with it
    assert all(a.with_context for a in self_.answers[-5:])
