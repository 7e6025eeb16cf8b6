"""Record/replay determinism: a run ticked in real time, replayed offline and in a Lab, makes
the same engine events, byte for byte."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from record.runs import TERMINAL, record_live_run

from meclab.bus.base import EventRecord
from meclab.record.events import EventDigest, engine_lines
from meclab.record.format import Command, RecordingError, Ticks, read_recording
from meclab.record.replayer import replay_offline
from meclab.scenario.builder import WorldBuilder
from meclab.testing.lab import Lab


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[EventRecord]]:
    """A recording of a live run, and the run's history as its store kept it."""
    import asyncio

    directory = tmp_path_factory.mktemp("recorded")
    path = directory / "run.mlrec"
    history = asyncio.run(record_live_run(directory, path))
    return path, history


def test_the_recording_holds_the_ticks_and_every_command_in_order(
    recorded: tuple[Path, list[EventRecord]],
) -> None:
    path, history = recorded
    recording = read_recording(path)
    actions = [e.action for e in recording.entries if isinstance(e, Command)]
    assert actions == ["move", "move", "netchar", "pause", "resume", "speed", "release"]
    ticks = [t for e in recording.entries if isinstance(e, Ticks) for t in e.ticks]
    assert ticks == sorted(ticks) and ticks[-1] > 30.0  # a minute or so of simulated time
    # Real ticking at speed 20 is not a regular schedule: the times are kept as they were.
    steps = {round(b - a, 9) for a, b in itertools.pairwise(ticks)}
    assert len(steps) > 1
    manual = [r.event for r in history if r.type == "manual"]
    commands = [e for e in recording.entries if isinstance(e, Command)]
    assert [(c.at, c.params) for c in commands] == [
        (m.t, m.params) for m in manual if m.action != "load_scenario"
    ]


def test_an_offline_replay_makes_the_same_engine_events_byte_for_byte(
    recorded: tuple[Path, list[EventRecord]],
) -> None:
    path, history = recorded
    recording = read_recording(path)
    replayed = asyncio_run(replay_offline(recording))
    original = engine_lines(history)
    assert any(b'"type":"handover"' in line for line in original)
    assert engine_lines(replayed) == original
    digest = EventDigest()
    digest.add(replayed)
    assert recording.end is not None
    assert (recording.end.events, recording.end.sha256) == (digest.count, digest.hexdigest())


def test_a_lab_replays_it_as_the_test_advances(recorded: tuple[Path, list[EventRecord]]) -> None:
    path, history = recorded
    with Lab(replay=path) as lab:
        end = lab.replay_end
        assert end is not None and lab.scenario.name == "monaco"
        lab.advance_to(end / 2)
        assert 0 < lab.now <= end / 2
        lab.advance_to(end)
        assert lab.now == end
        assert engine_lines(lab.events()) == engine_lines(history)
        held = next(
            e.params
            for e in read_recording(path).entries
            if isinstance(e, Command) and "poa" in e.params
        )
        assert lab.terminal(held["ue"]).poa == held["poa"]  # the replayed hold stands
        assert lab.terminal(TERMINAL).velocity_mps > 0  # released: back on its path
        # Past its end the world ticks on as any lab's.
        lab.advance(1.0)
        assert lab.now == pytest.approx(end + 1.0)


def test_a_lab_refuses_a_recording_of_another_scenario(
    recorded: tuple[Path, list[EventRecord]],
) -> None:
    path, _ = recorded
    other = WorldBuilder("town").zone("z").cell("c", "4G").terminal("ue", east_m=10)
    with pytest.raises(RecordingError) as caught:
        Lab(other, replay=path)
    assert str(caught.value).startswith(f"{path}: recorded with scenario monaco (digest ")
    assert "not town (digest " in str(caught.value)


def asyncio_run(coro):  # type: ignore[no-untyped-def]
    import asyncio

    return asyncio.run(coro)
