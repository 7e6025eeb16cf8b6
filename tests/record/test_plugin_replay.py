"""The pytest plugin's ``@pytest.mark.meclab(replay=...)``: a user's test replays a recording
beside it and sees the recorded run's engine events; a scenario that is not the recording's
fails the test naming both."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path

import pytest
from record.runs import all_events
from testing.test_plugin import QUIET, TWO_CELLS

from meclab.bus.memory import MemoryBus
from meclab.record.events import engine_lines
from meclab.record.recorder import Recorder
from meclab.runtime import Runtime
from meclab.scenario.loader import load_file
from meclab.store.sqlite import SqliteStore

pytest_plugins = ["pytester"]


async def _record(world: Path, recording: Path) -> bytes:
    """Tick the two-cell town at uneven times (as real ticking does), holding the walker at
    the east cell for a while; the run's engine events, a line each."""
    store = SqliteStore(recording.parent / "original.sqlite")
    try:
        runtime = Runtime(store, MemoryBus())
        recorder = Recorder(recording)
        recorder.attach(runtime)
        await runtime.open(load_file(world))
        t = 0.0
        for i in range(400):
            t += 0.1 + (i % 3) * 0.0137
            await runtime.tick(t)
            if i == 50:
                await runtime.move_terminal_to_poa("walker", "cell-east")
            if i == 120:
                await runtime.release_terminal("walker")
        recorder.close()
        return b"".join(line + b"\n" for line in engine_lines(await all_events(store)))
    finally:
        await store.close()


def test_the_marker_replays_a_recording_beside_the_test(pytester: pytest.Pytester) -> None:
    world = pytester.path / "town.yaml"
    world.write_text(TWO_CELLS.format(name="town"))
    (pytester.path / "other.yaml").write_text(TWO_CELLS.format(name="other"))
    expected = asyncio.run(_record(world, pytester.path / "run.mlrec"))
    (pytester.path / "expected.jsonl").write_bytes(expected)
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            from pathlib import Path

            import pytest
            from meclab.record import engine_lines

            HERE = Path(__file__).parent

            @pytest.mark.meclab(replay="run.mlrec")
            def test_replayed(meclab_lab):
                assert meclab_lab.scenario.name == "town"
                meclab_lab.advance_to(meclab_lab.replay_end)
                lines = engine_lines(meclab_lab.events())
                assert b"".join(l + b"\\n" for l in lines) == (HERE / "expected.jsonl").read_bytes()
                assert meclab_lab.events("handover", ue="walker")

            @pytest.mark.meclab(replay="run.mlrec", scenario="other.yaml")
            def test_another_world(meclab_lab):
                pass
            """
        )
    )
    result = pytester.runpytest(*QUIET)
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*RecordingError: *run.mlrec: recorded with scenario town (digest *), "
            "not other (digest *)"
        ]
    )
