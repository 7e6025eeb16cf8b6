"""``meclab up`` as a user runs it: a real process, a real port, Ctrl-C, and a restart."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import free_port
from typer.testing import CliRunner

from meclab.bus.base import EventRecord
from meclab.cli.main import app
from meclab.engine.events import ManualEvent
from meclab.scenario.model import Scenario
from meclab.store.base import EventQuery
from meclab.store.sqlite import SqliteStore

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
TERMINAL = "tourist-casino"
"""A terminal of the built-in Monaco scenario."""
PARKED = (7.4276, 43.7389)
"""Where the test holds it (the casino's Wi-Fi hot spot)."""


def meclab_command() -> list[str]:
    """How to run the ``meclab`` command with this interpreter."""
    if importlib.util.find_spec("meclab.__main__") is not None:
        return [sys.executable, "-m", "meclab"]
    return [sys.executable, "-c", "from meclab.cli.main import main; main()"]


def run_meclab(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``meclab ARGS`` to its end (a minute at most); its exit status and output."""
    return subprocess.run(
        [*meclab_command(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def _default_sigint() -> None:
    # A job started in the background of a non-interactive shell inherits SIGINT ignored;
    # give the child Python's usual Ctrl-C handling whatever ran these tests.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Meclab:
    """One ``meclab up`` process, its output in files."""

    def __init__(self, args: list[str], workdir: Path, name: str) -> None:
        self.stdout_path = workdir / f"{name}.out"
        self.stderr_path = workdir / f"{name}.err"
        with self.stdout_path.open("wb") as out, self.stderr_path.open("wb") as err:
            self.process = subprocess.Popen(
                [*meclab_command(), *args],
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                preexec_fn=_default_sigint,
            )

    @property
    def stdout(self) -> str:
        return self.stdout_path.read_text(encoding="utf-8")

    @property
    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8")

    def wait_ready(self, base: str) -> dict[str, Any]:
        """Poll GET /world until it answers; its body."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"meclab exited with {self.process.returncode}: {self.stderr}")
            try:
                response = httpx.get(f"{base}/meclab/v1/world", timeout=2.0)
                if response.status_code == 200:
                    body: dict[str, Any] = response.json()
                    return body
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"meclab did not answer within {START_TIMEOUT_S} s")
            time.sleep(0.05)

    def interrupt(self) -> int:
        """Ctrl-C; the exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=STOP_TIMEOUT_S)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


@pytest.fixture
def processes() -> Iterator[list[Meclab]]:
    """Processes a test starts; killed at the end if the test left them running."""
    started: list[Meclab] = []
    yield started
    for process in started:
        process.kill()


def get(base: str, path: str) -> dict[str, Any]:
    response = httpx.get(f"{base}/meclab/v1{path}", timeout=5.0)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_time_past(base: str, t: float) -> float:
    """Poll until simulation time is beyond ``t``; the time seen."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        now = float(get(base, "/world")["time_s"])
        if now > t:
            return now
        if time.monotonic() > deadline:
            raise AssertionError(f"simulation time stayed at {now} s")
        time.sleep(0.05)


ANY_DATAPLANE_PORTS = ["--socks-port", "0", "--dns-port", "0", "--toxiproxy-port", "0"]
"""Free ports for the data plane, so tests never collide with a meclab the user runs."""


def test_up_serves_advances_stops_and_resumes(tmp_path: Path, processes: list[Meclab]) -> None:
    data = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(data), *ANY_DATAPLANE_PORTS]

    first = Meclab(args, tmp_path, "first")
    processes.append(first)
    world = first.wait_ready(base)
    assert world["scenario"] == "monaco"
    banner = first.stdout
    assert (
        "meclab: new world monaco (built-in default): 13 points of access, 23 terminals" in banner
    )
    assert f"dashboard    {base}/\n" in banner
    assert f"control API  {base}/meclab/v1/world" in banner
    assert f"events       {base}/meclab/v1/events/stream" in banner
    assert f"data         {data}" in banner
    assert (data / "worlds" / "monaco" / "world.sqlite").is_file()
    # The data plane's entry points, with the ports it actually got.
    plane = get(base, "/dataplane")
    assert f"socks5h://<ue>@{plane['socks5']}" in banner
    assert plane["socks5"].startswith("127.0.0.1:") and not plane["socks5"].endswith(":0")

    later = wait_for_time_past(base, world["time_s"])
    assert later > world["time_s"]

    moved = CliRunner().invoke(
        app, ["event", "move", TERMINAL, "--to", f"{PARKED[0]},{PARKED[1]}", "--url", base]
    )
    assert moved.exit_code == 0, moved.output
    first_line = moved.stdout.splitlines()[0]
    assert first_line.startswith("#")
    assert first_line.endswith(
        f'manual         action=move params={{"ue": "{TERMINAL}", '
        f'"lon": {PARKED[0]}, "lat": {PARKED[1]}}}'
    )
    moved_at = get(base, "/events?type=manual&newest_first=true&limit=1")["items"][0]["t"]
    terminal = get(base, f"/terminals/{TERMINAL}")
    assert terminal["position"] == pytest.approx(list(PARKED), abs=1e-9)
    assert first.interrupt() == 0

    second = Meclab(args, tmp_path, "second")
    processes.append(second)
    world = second.wait_ready(base)
    resumed = re.search(r"^meclab: resumed world monaco at t=(\d+\.\d)s: ", second.stdout, re.M)
    assert resumed is not None, second.stdout
    assert float(resumed[1]) >= round(moved_at, 1)  # where the first run stopped
    assert world["time_s"] >= moved_at  # time goes on from where it stopped
    terminal = get(base, f"/terminals/{TERMINAL}")
    assert terminal["position"] == pytest.approx(list(PARKED), abs=1e-9)
    assert terminal["velocity_mps"] == 0.0
    history = get(base, "/events?type=manual&limit=10000")["items"]
    assert [e["action"] for e in history] == ["load_scenario", "move"]
    assert second.interrupt() == 0


def test_up_paused_holds_the_clock_until_resumed(tmp_path: Path, processes: list[Meclab]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--paused", "--port", str(port), "--data-dir", str(tmp_path / "data")]
    up = Meclab([*args, *ANY_DATAPLANE_PORTS], tmp_path, "paused")
    processes.append(up)
    world = up.wait_ready(base)
    assert world["paused"] is True and "(paused: meclab event resume)" in up.stdout
    time.sleep(0.5)
    assert get(base, "/world")["time_s"] == world["time_s"]
    resumed = CliRunner().invoke(app, ["event", "resume", "--url", base])
    assert resumed.exit_code == 0, resumed.output
    assert wait_for_time_past(base, world["time_s"]) > world["time_s"]
    assert up.interrupt() == 0


BAD_MNC_YAML = """\
name: broken
domains:
  - name: op
    mcc: "001"
    mnc: "1"
"""


def test_up_with_an_invalid_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_MNC_YAML, encoding="utf-8")
    result = run_meclab("up", str(bad), "--port", "0", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{bad}: 1 error",
        f"  {bad}:5: domains[0].mnc: String should match pattern '^[0-9]{{2,3}}$' (got '1')",
    ]
    assert not (tmp_path / "d").exists()  # nothing started, nothing stored


def test_up_serves_the_etsi_apis_under_the_api_root(
    tmp_path: Path, processes: list[Meclab]
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(tmp_path / "d"), "--no-dataplane"]
    served = Meclab([*args, "--api-root", "/sbx1/mep1/"], tmp_path, "rooted")
    processes.append(served)
    served.wait_ready(base)  # the control API stays at the root
    api = f"{base}/sbx1/mep1"
    assert f"MEC APIs     {api}/mec_service_mgmt/v1/services  (any host: {api}/hosts/" in (
        served.stdout
    )
    found = httpx.get(f"{api}/mec_service_mgmt/v1/services", params={"ser_name": "rni"})
    assert found.status_code == 200, found.text
    assert found.json()[0]["transportInfo"]["endpoint"]["uris"] == [f"{api}/rni/v2"]
    assert httpx.get(f"{base}/mec_service_mgmt/v1/services").status_code == 404
    assert served.interrupt() == 0


def test_up_with_a_bad_api_root_exits_2_naming_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["up", "--api-root", "sbx1", "--data-dir", str(tmp_path / "d")]
    )
    assert result.exit_code == 2
    assert "--api-root" in result.output
    assert "'sbx1' must start with '/'" in result.output
    assert not (tmp_path / "d").exists()


def test_up_on_a_busy_data_plane_port_exits_1_naming_the_option(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        result = run_meclab(
            "up",
            "--port",
            str(free_port()),
            "--data-dir",
            str(tmp_path / "d"),
            "--socks-port",
            str(taken),
            "--dns-port",
            "0",
            "--toxiproxy-port",
            "0",
        )
    assert result.returncode == 1
    assert "--socks-port" in result.stderr
    assert "Ctrl-C to stop" not in result.stdout


def test_up_on_a_busy_port_exits_1(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_meclab("up", "--port", str(port), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert f"  127.0.0.1:{port}/tcp (--port): Address already in use\n" in result.stderr
    assert "already running" not in result.stderr  # what listens there is no meclab
    assert "Ctrl-C to stop" not in result.stdout


def test_up_reports_every_busy_port_at_once(tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        ports = []
        for _ in range(3):
            busy = stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            ports.append(busy.getsockname()[1])
        api, socks, toxiproxy = ports
        result = run_meclab(
            "up",
            "--port",
            str(api),
            "--socks-port",
            str(socks),
            "--toxiproxy-port",
            str(toxiproxy),
            "--dns-port",
            "0",
            "--data-dir",
            str(tmp_path / "d"),
        )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "meclab up: 3 ports are taken:",
        f"  127.0.0.1:{api}/tcp (--port): Address already in use",
        f"  127.0.0.1:{socks}/tcp (--socks-port): Address already in use",
        f"  127.0.0.1:{toxiproxy}/tcp (--toxiproxy-port): Address already in use",
        "choose others with the options named (0: any free port), or use --no-dataplane",
    ]
    assert not (tmp_path / "d" / "worlds").exists()  # no world was opened


def test_up_where_meclab_already_runs_says_so(tmp_path: Path, processes: list[Meclab]) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = Meclab(
        ["up", "--port", str(port), "--data-dir", str(tmp_path / "a"), *ANY_DATAPLANE_PORTS],
        tmp_path,
        "first",
    )
    processes.append(first)
    first.wait_ready(base)
    result = run_meclab(
        "up", "--port", str(port), "--data-dir", str(tmp_path / "b"), *ANY_DATAPLANE_PORTS
    )
    assert result.returncode == 1
    assert f"127.0.0.1:{port}/tcp (--port): Address already in use; " in result.stderr
    assert "meclab is already running here (world monaco at t=" in result.stderr
    assert first.interrupt() == 0


async def _seed(path: Path, scenario: dict[str, Any]) -> None:
    store = SqliteStore(path)
    try:
        await store.put("runtime", "scenario", scenario)
        await store.put("pins", "ue-car", {"lon": 0.004, "lat": 0.0, "poa": None})
        await store.append_events([EventRecord(1, 1.0, ManualEvent(0.0, "load_scenario"))])
    finally:
        await store.close()


async def _read(path: Path) -> tuple[Any, list[tuple[str, Any]], list[int]]:
    store = SqliteStore(path)
    try:
        scenario = await store.get("runtime", "scenario")
        pins = await store.items("pins")
        seqs = [r.seq for r in await store.events(EventQuery())]
        return scenario, pins, seqs
    finally:
        await store.close()


def test_up_on_a_busy_port_leaves_the_stored_world_alone(
    tmp_path: Path, lab_doc: dict[str, Any]
) -> None:
    """A start that fails must not replace what another run saved in the same data dir."""
    data = tmp_path / "data"
    stored = Scenario.model_validate(lab_doc).model_dump(mode="json")
    asyncio.run(_seed(data / "meclab.sqlite", stored))

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_meclab("up", "default", "--port", str(port), "--data-dir", str(data))
    assert result.returncode == 1
    assert f"127.0.0.1:{port}/tcp (--port)" in result.stderr

    scenario, pins, seqs = asyncio.run(_read(data / "meclab.sqlite"))
    assert scenario == stored
    assert pins == [("ue-car", {"lon": 0.004, "lat": 0.0, "poa": None})]
    assert seqs == [1]


def _lock_holder(data: Path) -> dict[str, Any]:
    """What ``meclab up`` wrote into the data dir's lock file."""
    info: dict[str, Any] = json.loads((data / "meclab.lock").read_text(encoding="utf-8"))
    return info


def test_one_meclab_per_data_dir_and_the_cli_finds_it(
    tmp_path: Path, processes: list[Meclab]
) -> None:
    data = tmp_path / "data"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    first = Meclab(
        ["up", "--port", str(port), "--data-dir", str(data), "--no-dataplane"], tmp_path, "first"
    )
    processes.append(first)
    first.wait_ready(base)

    second = run_meclab("up", "--port", "0", "--data-dir", str(data), "--no-dataplane")
    assert second.returncode == 1
    assert second.stderr.startswith(
        f"meclab up: data dir {data} is in use by meclab (pid {first.process.pid}) at {base}, "
        "world monaco; "
    )
    assert "Ctrl-C to stop" not in second.stdout
    assert _lock_holder(data) == {"pid": first.process.pid, "url": base, "world": "monaco"}

    # The other commands find it through the data dir, whatever port it chose.
    runner = CliRunner(env={"MECLAB_URL": None})
    status = runner.invoke(app, ["status", "--data-dir", str(data)])
    assert status.exit_code == 0, status.output
    assert status.stdout.startswith("monaco: t=")
    moved = runner.invoke(
        app, ["event", "move", TERMINAL, "--poa", "wifi-casino", "--data-dir", str(data)]
    )
    assert moved.exit_code == 0, moved.output

    # Killed without a chance to clean up: the lock goes with the process.
    first.process.send_signal(signal.SIGKILL)
    first.process.wait(timeout=STOP_TIMEOUT_S)
    gone = runner.invoke(app, ["status", "--data-dir", str(data)])
    assert gone.exit_code == 1
    assert f"no meclab is running on data dir {data}" in gone.stderr

    third = Meclab(
        ["up", "--port", "0", "--data-dir", str(data), "--no-dataplane"], tmp_path, "third"
    )
    processes.append(third)
    deadline = time.monotonic() + START_TIMEOUT_S
    while "Ctrl-C to stop" not in third.stdout:
        assert third.process.poll() is None, third.stderr
        assert time.monotonic() < deadline, "the third start did not serve"
        time.sleep(0.05)
    assert "meclab: resumed world monaco at t=" in third.stdout
    assert third.interrupt() == 0
    assert (data / "meclab.lock").read_bytes() == b""  # emptied at a clean exit


def _up_until_ready(
    args: list[str], tmp_path: Path, name: str, processes: list[Meclab], base: str
) -> Meclab:
    process = Meclab(args, tmp_path, name)
    processes.append(process)
    process.wait_ready(base)
    return process


def test_up_with_another_scenario_keeps_each_stored_world(
    tmp_path: Path, processes: list[Meclab], lab_doc: dict[str, Any]
) -> None:
    data = tmp_path / "data"
    lab, city = tmp_path / "lab.yaml", tmp_path / "city.yaml"
    lab.write_text(json.dumps(lab_doc), encoding="utf-8")
    city.write_text(json.dumps({**lab_doc, "name": "city"}), encoding="utf-8")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(data), "--no-dataplane"]

    run = _up_until_ready([*args, str(lab)], tmp_path, "lab-1", processes, base)
    registered = httpx.post(
        f"{base}/mec_app_support/v1/registrations",
        json={"appName": "my-app", "endpoint": {"uris": ["http://my-app.example/api"]}},
        timeout=5.0,
    )
    assert registered.status_code == 201, registered.text
    mine = f"{base}/mec_app_support/v1/registrations/{registered.json()['appInstanceId']}"
    assert run.interrupt() == 0
    first_banner = run.stdout

    run = _up_until_ready([*args, str(city)], tmp_path, "city", processes, base)
    assert run.interrupt() == 0
    city_banner = run.stdout

    run = _up_until_ready([*args, str(lab)], tmp_path, "lab-2", processes, base)
    assert httpx.get(mine, timeout=5.0).status_code == 200  # city did not wipe it
    assert run.interrupt() == 0
    assert "meclab: new world lab: " in first_banner
    assert "meclab: new world city: " in city_banner
    assert re.search(r"^meclab: resumed world lab at t=\d+\.\ds: ", run.stdout, re.M), run.stdout

    lab.write_text(json.dumps({**lab_doc, "seed": 99}), encoding="utf-8")
    run = _up_until_ready([*args, str(lab)], tmp_path, "lab-3", processes, base)
    assert "meclab: replaced stored world lab: it was a different scenario document: " in run.stdout
    assert httpx.get(mine, timeout=5.0).status_code == 404
    assert run.interrupt() == 0

    listed = CliRunner().invoke(app, ["worlds", "--data-dir", str(data)])
    assert [line.split()[0] for line in listed.stdout.splitlines()[1:]] == ["city", "lab"]


def test_status_waits_for_a_meclab_just_started(tmp_path: Path, processes: list[Meclab]) -> None:
    data = tmp_path / "data"
    # nothing starts: it asks until the wait is over, then says why, once
    started = time.monotonic()
    nothing = run_meclab("status", "--data-dir", str(data), "--wait", "1")
    assert nothing.returncode == 1
    assert time.monotonic() - started >= 1.0
    assert nothing.stderr.count(f"no meclab is running on data dir {data}") == 1

    # a pipeline's `meclab up &` and then `meclab status --wait`: it answers once meclab does
    processes.append(
        Meclab(["up", "--port", "0", "--data-dir", str(data), "--no-dataplane"], tmp_path, "up")
    )
    ready = run_meclab("status", "--data-dir", str(data), "--wait", "50")
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.startswith("monaco: t=")
