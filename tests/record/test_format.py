"""The recording file: it reads back what was written, plain or gzipped, and refuses, naming
the line or the mismatch, a file of another scenario, format or meclab version, or a corrupt
one."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

import pytest

from meclab import __version__
from meclab.bus.memory import MemoryBus
from meclab.record.format import (
    TICKS_PER_LINE,
    Command,
    End,
    RecordingError,
    Ticks,
    dump_line,
    read_recording,
    scenario_digest,
)
from meclab.record.recorder import Recorder, RecordingRefused
from meclab.runtime import Runtime
from meclab.scenario.builder import WorldBuilder
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


def town(name: str = "town", east_m: float = 10.0) -> Scenario:
    return WorldBuilder(name).zone("z").cell("c", "4G").terminal("ue", east_m=east_m).build()


async def _record(directory: Path, path: Path, times: list[float]) -> None:
    store = SqliteStore(directory / "w.sqlite")
    try:
        runtime = Runtime(store, MemoryBus())
        recorder = Recorder(path)
        recorder.attach(runtime)
        await runtime.open(town(), speed=3.0)
        for t in times[:2]:
            await runtime.tick(t)
        await runtime.move_terminal_to_poa("ue", "c")
        await runtime.set_netchar("c", {"latency_ms": 7.0})
        for t in times[2:]:
            await runtime.tick(t)
        recorder.close()
    finally:
        await store.close()


def record(tmp_path: Path, name: str = "run.mlrec", times: list[float] | None = None) -> Path:
    path = tmp_path / name
    asyncio.run(_record(tmp_path, path, times or [0.1, 0.2, 0.30000000000000004, 0.4]))
    return path


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write(path: Path, rows: list[Any]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_it_reads_back_what_the_recorder_wrote(tmp_path: Path) -> None:
    recording = read_recording(record(tmp_path))
    header = recording.header
    assert (header.meclab, header.scenario, header.speed) == (__version__, "town", 3.0)
    assert header.digest == scenario_digest(town()) and recording.scenario == town()
    assert recording.entries[:3] == [
        Ticks(ticks=[0.1, 0.2]),
        Command(at=0.2, action="move", params={"ue": "ue", "poa": "c"}),
        Command(at=0.2, action="netchar", params={"element": "c", "latency_ms": 7.0}),
    ]
    assert recording.entries[3] == Ticks(ticks=[0.30000000000000004, 0.4])  # exact floats
    end = recording.end
    assert isinstance(end, End) and (end.end, end.t) == ("stopped", 0.4)
    assert recording.tick_count == 4 and recording.last_t == 0.4


def test_gzip_by_name_and_long_runs_in_batches(tmp_path: Path) -> None:
    times = [round(0.1 * i, 1) + 1e-7 * (i % 7) for i in range(1, 2 * TICKS_PER_LINE + 10)]
    path = record(tmp_path, "run.mlrec.gz", times)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    recording = read_recording(path)
    batches = [len(e.ticks) for e in recording.entries if isinstance(e, Ticks)]
    assert batches == [2, TICKS_PER_LINE, TICKS_PER_LINE, len(times) - 2 - 2 * TICKS_PER_LINE]
    assert [t for e in recording.entries if isinstance(e, Ticks) for t in e.ticks] == times


def test_an_hour_at_10_hz_stays_small() -> None:
    # Real ticking's times: the schedule's, read off a clock at speed 1, so not round.
    times = [0.013 + i / 10 + (i % 13) * 3.1e-9 for i in range(36_000)]
    text = b"".join(
        dump_line(Ticks(ticks=times[i : i + TICKS_PER_LINE]))
        for i in range(0, len(times), TICKS_PER_LINE)
    )
    assert len(text) < 800_000
    assert len(gzip.compress(text)) < 400_000


def test_another_scenario_is_refused_naming_both(tmp_path: Path) -> None:
    recording = read_recording(record(tmp_path))
    with pytest.raises(RecordingError) as other:
        recording.check_scenario(town("village"))
    assert "recorded with scenario town (digest " in str(other.value)
    assert "not village (digest " in str(other.value)
    with pytest.raises(RecordingError) as edited:
        recording.check_scenario(town(east_m=20.0))
    assert str(edited.value).endswith("; same name, another document")
    recording.check_scenario(town())


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("meclab_recording", 2, "line 1: recording format version 2; this meclab reads version 1"),
        ("meclab", "0.0.9", "line 1: recorded by meclab 0.0.9; this is meclab " + __version__),
        ("digest", "0" * 64, "line 1: the header's scenario name or digest does not match"),
        ("tick_hz", -1, "line 1: bad header: tick_hz: Input should be greater than 0"),
    ],
)
def test_a_header_of_another_version_or_edited_is_refused(
    tmp_path: Path, field: str, value: Any, message: str
) -> None:
    rows = lines(record(tmp_path))
    rows[0][field] = value
    with pytest.raises(RecordingError) as caught:
        read_recording(write(tmp_path / "bad.mlrec", rows))
    assert str(caught.value).startswith(f"{tmp_path / 'bad.mlrec'}, {message}")


@pytest.mark.parametrize(
    ("line", "content", "message"),
    [
        (3, "{not json", "line 3: not JSON"),
        (2, '{"ticks": []}', "line 2: bad ticks line: ticks: List should have at least 1 item"),
        (3, '{"action": "move", "params": {}}', "line 3: bad action line: at: Field required"),
        (4, "[1, 2]", "line 4: expected a JSON object"),
        (2, '{"what": 1}', "line 2: neither ticks, a command nor the end"),
    ],
)
def test_a_corrupt_line_is_refused_naming_it(
    tmp_path: Path, line: int, content: str, message: str
) -> None:
    text = record(tmp_path).read_text().splitlines()
    text[line - 1] = content
    bad = tmp_path / "bad.mlrec"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(RecordingError) as caught:
        read_recording(bad)
    assert str(caught.value).startswith(f"{bad}, {message}")


def test_lines_after_the_end_an_empty_file_and_no_recording(tmp_path: Path) -> None:
    rows = lines(record(tmp_path))
    bad = write(tmp_path / "after.mlrec", [*rows, {"ticks": [9.0]}])
    with pytest.raises(RecordingError, match=r"after\.mlrec, line 7: a line after the end line"):
        read_recording(bad)
    (tmp_path / "empty.mlrec").write_text("")
    with pytest.raises(RecordingError, match=r"empty\.mlrec: empty: no header line"):
        read_recording(tmp_path / "empty.mlrec")
    not_one = write(tmp_path / "scenario.json", [{"meclab": 1, "name": "x"}])
    with pytest.raises(RecordingError, match="line 1: not a meclab recording"):
        read_recording(not_one)
    with pytest.raises(RecordingError, match=r"missing\.mlrec: cannot read: No such file"):
        read_recording(tmp_path / "missing.mlrec")
    truncated = tmp_path / "cut.mlrec.gz"
    truncated.write_bytes(gzip.compress(record(tmp_path).read_bytes())[:-20])
    with pytest.raises(RecordingError, match=r"cut\.mlrec\.gz: cannot read"):
        read_recording(truncated)


async def _resume_recorded(directory: Path) -> None:
    store = SqliteStore(directory / "w.sqlite")
    try:
        first = Runtime(store, MemoryBus())
        await first.open(town())
        await first.tick(5.0)
        await first.stop()
        again = Runtime(store, MemoryBus())
        Recorder(directory / "resumed.mlrec").attach(again)
        await again.open()  # resumes the stored world at t = 5
    finally:
        await store.close()


def test_a_resumed_world_is_not_recorded(tmp_path: Path) -> None:
    with pytest.raises(RecordingRefused) as caught:
        asyncio.run(_resume_recorded(tmp_path))
    assert str(caught.value).startswith(
        "world town was resumed at t=5.0 s, and a recording starts a world at t=0"
    )
    assert not (tmp_path / "resumed.mlrec").exists()


async def _record_then_load(directory: Path, path: Path) -> None:
    store = SqliteStore(directory / "w.sqlite")
    try:
        runtime = Runtime(store, MemoryBus())
        recorder = Recorder(path)
        recorder.attach(runtime)
        await runtime.open(town())
        await runtime.tick(1.0)
        await runtime.load(town("village"))
        await runtime.tick(2.0)
        await runtime.move_terminal_to_poa("ue", "c")
        recorder.close()  # the end was written already: nothing more
    finally:
        await store.close()


def test_loading_another_world_ends_the_recording(tmp_path: Path) -> None:
    path = tmp_path / "run.mlrec"
    asyncio.run(_record_then_load(tmp_path, path))
    recording = read_recording(path)
    assert recording.entries[:-1] == [Ticks(ticks=[1.0])]
    end = recording.end
    assert end is not None and (end.end, end.t) == ("another world was loaded: village", 1.0)
    assert end.events == 3  # load_scenario, and the terminal's connect and zone entry at t=0
