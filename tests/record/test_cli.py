"""``meclab up --record``, ``meclab replay`` and ``meclab up --replay`` as a user runs them:
a real ``meclab up`` at speed 20 with commands sent to its control API, recorded, replayed
offline and served again, each making the original's engine events byte for byte; and the
refusals, each naming what does not match."""

from __future__ import annotations

import asyncio
import gzip
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli.test_up import ANY_DATAPLANE_PORTS, Meclab, run_meclab
from helpers import free_port
from record.runs import PARKED, TERMINAL, all_events

from meclab.bus.base import EventRecord
from meclab.record.events import engine_lines
from meclab.record.format import read_recording
from meclab.store.sqlite import SqliteStore

REPLAY_TIMEOUT_S = 30.0


def stored_history(data_dir: Path, world: str = "monaco") -> list[EventRecord]:
    """The whole history of a stopped meclab's world, from its store."""

    async def read() -> list[EventRecord]:
        store = SqliteStore(data_dir / "worlds" / world / "world.sqlite")
        try:
            return await all_events(store)
        finally:
            await store.close()

    return asyncio.run(read())


def command(base: str, body: dict[str, Any]) -> None:
    response = httpx.post(f"{base}/meclab/v1/events", json=body, timeout=5.0)
    assert response.status_code in (200, 201), response.text


def up(tmp_path: Path, name: str, data: Path, *args: str) -> tuple[Meclab, str]:
    port = free_port()
    argv = ["up", "--port", str(port), "--data-dir", str(data), *ANY_DATAPLANE_PORTS, *args]
    return Meclab(argv, tmp_path, name), f"http://127.0.0.1:{port}"


@pytest.fixture
def processes() -> Iterator[list[Meclab]]:
    """meclab processes a test starts; killed at the end if the test left them running."""
    started: list[Meclab] = []
    yield started
    for process in started:
        process.kill()


@dataclass
class Recorded:
    path: Path
    """The recording (gzipped)."""
    data: Path
    """The recorded meclab's data dir."""
    history: list[EventRecord]
    """The run's whole history, as its store kept it."""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorded:
    """A recording of ``meclab up --speed 20`` with every kind of world command sent."""
    directory = tmp_path_factory.mktemp("recorded")
    path, data = directory / "run.mlrec.gz", directory / "original"
    meclab, base = up(directory, "original", data, "--speed", "20", "--record", str(path))
    try:
        meclab.wait_ready(base)
        time.sleep(0.5)
        to = {"lon": PARKED[0], "lat": PARKED[1]}
        command(base, {"type": "move", "ue": TERMINAL, "to": to})
        command(base, {"type": "move", "ue": "car-circuit-1", "poa": "wifi-plage-larvotto"})
        time.sleep(0.5)
        latency = {"latency_ms": 40}
        command(base, {"type": "netchar", "element": "wifi-plage-larvotto", "netchar": latency})
        command(base, {"type": "pause"})
        time.sleep(0.3)
        command(base, {"type": "resume"})
        command(base, {"type": "speed", "speed": 40})
        time.sleep(0.5)
        command(base, {"type": "release", "ue": TERMINAL})
        time.sleep(0.5)
        assert meclab.interrupt() == 0
    finally:
        meclab.kill()
    return Recorded(path, data, stored_history(data))


def test_a_recorded_meclab_up_replays_to_the_same_engine_events(
    tmp_path: Path, recorded: Recorded, processes: list[Meclab]
) -> None:
    path, history = recorded.path, recorded.history
    original = engine_lines(history)
    assert sum(b'"type":"handover"' in line for line in original) > 0
    assert sum(b'"type":"manual"' in line for line in original) == 8  # load and 7 commands

    out = tmp_path / "replayed.jsonl"
    checked = run_meclab("replay", str(path), "--events-out", str(out))
    assert checked.returncode == 0, checked.stderr
    assert "same engine events as the recorded run" in checked.stdout
    assert re.search(
        rf"world monaco, \d+ ticks to t=\d+\.\ds, {len(original)} engine ev", checked.stdout
    )
    assert out.read_bytes() == b"".join(line + b"\n" for line in original)

    # Served again, as fast as it goes: the same history, then paused where it ended.
    data = tmp_path / "replay"
    meclab, base = up(tmp_path, "replay", data, "--replay", str(path), "--fast")
    processes.append(meclab)
    meclab.wait_ready(base)
    end = read_recording(path).last_t
    deadline = time.monotonic() + REPLAY_TIMEOUT_S
    while "replay of" not in meclab.stderr:
        assert time.monotonic() < deadline, meclab.stderr
        time.sleep(0.1)
    assert f"replay of {path} done at t={end:.1f} s: the world is paused" in meclab.stderr
    assert "replaying    " in meclab.stdout
    world = httpx.get(f"{base}/meclab/v1/world", timeout=5.0).json()
    assert world["time_s"] == end
    time.sleep(0.3)  # paused: time stays
    assert httpx.get(f"{base}/meclab/v1/world", timeout=5.0).json()["time_s"] == end
    assert meclab.interrupt() == 0
    assert engine_lines(stored_history(data)) == original


def test_replay_check_fails_when_the_events_differ(tmp_path: Path, recorded: Recorded) -> None:
    path = recorded.path
    recording = read_recording(path)
    assert recording.end is not None
    # The same inputs with the digest of another run's events at the end.
    text = path.read_bytes()
    edited = gzip.decompress(text).replace(recording.end.sha256.encode(), b"0" * 64)
    other = tmp_path / "other.mlrec"
    other.write_bytes(edited)
    result = run_meclab("replay", str(other))
    assert result.returncode == 1
    assert "DIFFERENT from the recorded run" in result.stderr


def test_up_refuses_a_replay_that_does_not_fit(
    tmp_path: Path, recorded: Recorded, processes: list[Meclab]
) -> None:
    path = recorded.path
    scenario = tmp_path / "town.yaml"
    scenario.write_text(
        "meclab: 1\nname: town\ndomains:\n  - name: op\n    mcc: '001'\n    mnc: '01'\n"
        "    zones:\n      - name: z\n        poas:\n"
        "          - {name: c, type: 4G, position: [0.0, 0.0], radius_m: 100.0, cell_id: '0x1'}\n"
    )
    other = run_meclab(
        "up", str(scenario), "--replay", str(path), "--data-dir", str(tmp_path / "d")
    )
    assert other.returncode == 2
    assert re.search(
        r"--replay .*run\.mlrec\.gz: recorded with scenario monaco \(digest \w+\), "
        r"not town \(digest \w+\)",
        other.stderr,
    ), other.stderr

    paused = run_meclab("up", "--replay", str(path), "--paused", "--data-dir", str(tmp_path / "d"))
    assert paused.returncode == 2
    assert "meclab up: --replay and --paused do not go together" in paused.stderr

    corrupt = tmp_path / "corrupt.mlrec"
    rows = gzip.decompress(path.read_bytes()).splitlines()
    corrupt.write_bytes(b"\n".join([rows[0], b'{"ticks": "soon"}', *rows[2:]]) + b"\n")
    bad = run_meclab("up", "--replay", str(corrupt), "--data-dir", str(tmp_path / "d"))
    assert bad.returncode == 2
    assert f"{corrupt}, line 2: bad ticks line: ticks: Input should be a valid list" in bad.stderr

    # The original's data dir holds the world: a replay there would resume or wipe it.
    held = run_meclab(
        "up",
        "--replay",
        str(path),
        "--data-dir",
        str(recorded.data),
        "--port",
        "0",
        *ANY_DATAPLANE_PORTS,
    )
    assert held.returncode == 1
    assert "already holds world monaco at t=" in held.stderr
    assert "use another --data-dir, or remove it (meclab reset monaco)" in held.stderr

    # Recording a world the data dir resumes is refused too.
    again = run_meclab(
        "up",
        "--record",
        str(tmp_path / "again.mlrec"),
        "--data-dir",
        str(recorded.data),
        "--port",
        "0",
        *ANY_DATAPLANE_PORTS,
    )
    assert again.returncode == 1
    assert "world monaco was resumed at t=" in again.stderr
