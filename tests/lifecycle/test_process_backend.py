"""ProcessBackend with real small processes: output, environment, restart policies, stops that
need SIGKILL, children that go with their group, launches that cannot happen."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from helpers import process_gone, until

from meclab.lifecycle.backend import ExitInfo, LaunchError, LaunchSpec
from meclab.lifecycle.process import LOG_FILE, ProcessBackend

WAITS = "import time\ntime.sleep(60)\n"


def script(tmp_path: Path, code: str, name: str = "app.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def spec(tmp_path: Path, code: str, instance_id: str = "app-1", **options: Any) -> LaunchSpec:
    """A spec running ``code`` with this interpreter, its workdir and logs under tmp_path."""
    workdir = tmp_path / f"{instance_id}-work"
    workdir.mkdir(exist_ok=True)
    program = script(tmp_path, code, f"{instance_id}.py")
    env: Mapping[str, str] = options.pop("env", {})
    return LaunchSpec(
        instance_id=instance_id,
        command=(sys.executable, str(program)),
        workdir=workdir,
        env=env,
        log_dir=tmp_path / "logs" / instance_id,
        **options,
    )


@pytest.fixture
async def backend() -> AsyncIterator[ProcessBackend]:
    runtime = ProcessBackend(backoff_s=0.01, backoff_max_s=0.05)
    yield runtime
    await runtime.close()


@pytest.fixture
def exits(backend: ProcessBackend) -> list[ExitInfo]:
    told: list[ExitInfo] = []

    async def listener(info: ExitInfo) -> None:
        told.append(info)

    backend.on_exit(listener)
    return told


async def test_output_goes_to_logs_and_the_log_file_and_stays_after_stop(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    code = "import sys\nprint('hello')\nprint('oops', file=sys.stderr)\nprint('partial', end='')\n"
    launch = spec(tmp_path, code + WAITS)
    status = await backend.start(launch)
    assert status.running and status.pid is not None and status.restarts == 0
    assert status.returncode is None
    await until(lambda: "partial" in backend.logs("app-1"), "the output")
    assert backend.logs("app-1") == ["hello", "oops", "partial"]
    assert backend.logs("app-1", tail=2) == ["oops", "partial"]
    assert backend.logs("app-1", tail=0) == []
    outcome = await backend.stop("app-1")
    assert (outcome.returncode, outcome.killed) == (-signal.SIGTERM, False)
    assert backend.logs("app-1", tail=5) == ["hello", "oops", "partial"]
    log_file = launch.log_dir / LOG_FILE
    assert log_file.read_text() == "hello\noops\npartial"
    [info] = exits
    assert (info.returncode, info.restarting, info.stopped) == (-signal.SIGTERM, False, True)
    assert info.tail == ["hello", "oops", "partial"]
    status = backend.status("app-1")
    assert status is not None and not status.running and status.pid is None
    assert status.returncode == -signal.SIGTERM
    assert backend.logs("nobody") == [] and backend.status("nobody") is None
    with pytest.raises(ValueError, match="tail is -1"):
        backend.logs("app-1", tail=-1)


async def test_the_child_sees_its_workdir_and_env_over_a_clean_base(
    tmp_path: Path, backend: ProcessBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MECLAB_TEST_SECRET", "not for apps")
    monkeypatch.setenv("LANG", "C.UTF-8")
    code = """
        import os
        for name in ("MEC_APP_INSTANCE_ID", "LANG", "MECLAB_TEST_SECRET", "PYTHONUNBUFFERED"):
            print(name, os.environ.get(name))
        print("cwd", os.getcwd())
    """
    launch = spec(tmp_path, code, env={"MEC_APP_INSTANCE_ID": "app-1"}, restart="never")
    await backend.start(launch)
    await until(lambda: len(backend.logs("app-1")) == 5, "the environment")
    assert backend.logs("app-1") == [
        "MEC_APP_INSTANCE_ID app-1",
        "LANG C.UTF-8",
        "MECLAB_TEST_SECRET None",
        "PYTHONUNBUFFERED 1",
        f"cwd {launch.workdir}",
    ]


async def test_a_crash_restarts_on_failure_until_max_restarts(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    code = "print('starting')\nraise SystemExit(3)\n"
    await backend.start(spec(tmp_path, code, restart="on-failure", max_restarts=2))
    await until(lambda: len(exits) == 3, "three exits")
    await asyncio.sleep(0.1)  # and no fourth
    assert [(e.returncode, e.restarting, e.restarts, e.stopped) for e in exits] == [
        (3, True, 0, False),
        (3, True, 1, False),
        (3, False, 2, False),
    ]
    assert exits[-1].tail == ["starting"] * 3
    status = backend.status("app-1")
    assert status is not None
    assert (status.running, status.restarts, status.returncode) == (False, 2, 3)
    outcome = await backend.stop("app-1")  # already down: its last status
    assert (outcome.returncode, outcome.killed) == (3, False)


async def test_never_does_not_restart_and_on_failure_not_after_success(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    await backend.start(spec(tmp_path, "raise SystemExit(4)", "crash", restart="never"))
    await backend.start(spec(tmp_path, "print('done')", "ok", restart="on-failure"))
    await until(lambda: len(exits) == 2, "both exits")
    await asyncio.sleep(0.1)
    assert sorted((e.instance_id, e.returncode, e.restarting) for e in exits) == [
        ("crash", 4, False),
        ("ok", 0, False),
    ]


async def test_always_restarts_after_a_clean_exit(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    await backend.start(spec(tmp_path, "print('run')", restart="always", max_restarts=1))
    await until(lambda: len(exits) == 2, "two exits")
    assert [(e.returncode, e.restarting) for e in exits] == [(0, True), (0, False)]
    assert backend.logs("app-1") == ["run", "run"]
    assert (tmp_path / "logs" / "app-1" / LOG_FILE).read_text() == "run\nrun\n"


async def test_a_child_ignoring_sigterm_is_killed_after_the_graceful_timeout(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    code = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready')\n"
    await backend.start(spec(tmp_path, code + WAITS, graceful_timeout_s=0.3))
    await until(lambda: backend.logs("app-1") == ["ready"], "its SIGTERM handling")
    outcome = await backend.stop("app-1")
    assert (outcome.returncode, outcome.killed) == (-signal.SIGKILL, True)
    assert [(e.returncode, e.stopped) for e in exits] == [(-signal.SIGKILL, True)]


async def test_stop_takes_a_timeout_of_its_own(tmp_path: Path, backend: ProcessBackend) -> None:
    code = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready')\n"
    await backend.start(spec(tmp_path, code + WAITS, graceful_timeout_s=60))
    await until(lambda: backend.logs("app-1") == ["ready"], "its SIGTERM handling")
    outcome = await asyncio.wait_for(backend.stop("app-1", timeout_s=0.2), 5)
    assert outcome.killed


GRANDPARENT = """
    import subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    print(child.pid, flush=True)
"""


@pytest.mark.parametrize("ending", ["stopped", "exits on its own"])
async def test_children_die_with_their_group(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo], ending: str
) -> None:
    code = textwrap.dedent(GRANDPARENT) + ("time.sleep(60)\n" if ending == "stopped" else "")
    await backend.start(spec(tmp_path, code, restart="never"))
    await until(lambda: bool(backend.logs("app-1")), "the child's pid")
    child = int(backend.logs("app-1")[0])
    if ending == "stopped":
        await backend.stop("app-1")
    await until(lambda: len(exits) == 1, "the exit")
    await until(lambda: process_gone(child), f"child {child} to end")


async def test_a_program_that_cannot_run_is_a_launch_error(
    tmp_path: Path, backend: ProcessBackend
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    missing = LaunchSpec("app-1", ("./no-such-app",), work, {}, tmp_path / "logs")
    with pytest.raises(LaunchError, match=r"cannot start app-1: no program ./no-such-app"):
        await backend.start(missing)
    not_executable = script(work, "print('hi')", "app.py")
    with pytest.raises(LaunchError, match=r"cannot start app-1: .*app.py is not executable"):
        await backend.start(LaunchSpec("app-1", (str(not_executable),), work, {}, work))
    elsewhere = LaunchSpec("app-1", (sys.executable, "-V"), tmp_path / "gone", {}, work)
    with pytest.raises(LaunchError, match=r"working directory .*gone does not exist"):
        await backend.start(elsewhere)
    assert backend.status("app-1") is None


async def test_a_relative_program_is_found_in_the_workdir(
    tmp_path: Path, backend: ProcessBackend
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    program = script(work, f"#!{sys.executable}\nprint('found')\n", "app")
    program.chmod(0o755)
    await backend.start(LaunchSpec("app-1", ("./app",), work, {}, tmp_path / "logs"))
    await until(lambda: backend.logs("app-1") == ["found"], "its output")


async def test_a_running_instance_is_not_started_twice_but_again_after_stop(
    tmp_path: Path, backend: ProcessBackend
) -> None:
    launch = spec(tmp_path, "print('up', flush=True)\n" + WAITS)
    await backend.start(launch)
    with pytest.raises(LaunchError, match="app-1: it is already running"):
        await backend.start(launch)
    await until(lambda: backend.logs("app-1") == ["up"], "the first output")
    await backend.stop("app-1")
    status = await backend.start(launch)
    assert status.running and status.restarts == 0
    await until(lambda: backend.logs("app-1") == ["up", "up"], "the output of both")


@pytest.mark.parametrize("how", ["stop", "close"])
async def test_a_listener_may_stop_its_instance_and_no_restart_follows(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo], how: str
) -> None:
    stopped = []

    async def stop_it(info: ExitInfo) -> None:
        if how == "stop":
            outcome = await backend.stop(info.instance_id)
            assert (outcome.returncode, outcome.killed) == (5, False)
        else:
            await backend.close()
        stopped.append(info.instance_id)

    backend.on_exit(stop_it)
    await backend.start(spec(tmp_path, "raise SystemExit(5)", restart="always"))
    await until(lambda: bool(stopped), f"the listener's {how}")
    await asyncio.sleep(0.1)
    assert [(e.returncode, e.restarting) for e in exits] == [(5, True)]
    status = backend.status("app-1")
    assert status is not None and (status.running, status.restarts) == (False, 0)


async def test_a_failing_listener_does_not_keep_the_others_from_being_told(
    tmp_path: Path, backend: ProcessBackend, caplog: pytest.LogCaptureFixture
) -> None:
    told: list[ExitInfo] = []

    async def broken(info: ExitInfo) -> None:
        raise RuntimeError("listener bug")

    async def fine(info: ExitInfo) -> None:
        told.append(info)

    backend.on_exit(broken)
    backend.on_exit(fine)
    await backend.start(spec(tmp_path, "pass", restart="never"))
    await until(lambda: bool(told), "the second listener")
    assert "exit listener" in caplog.text and "listener bug" in caplog.text


async def test_close_stops_everything_at_once_and_starts_nothing_more(
    tmp_path: Path, backend: ProcessBackend, exits: list[ExitInfo]
) -> None:
    stubborn = "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready')\n"
    for name in ("a", "b"):
        await backend.start(spec(tmp_path, stubborn + WAITS, name, graceful_timeout_s=1))
    for name in ("a", "b"):
        await until(lambda n=name: backend.logs(n) == ["ready"], f"{name}'s SIGTERM handling")
    loop = asyncio.get_running_loop()
    began = loop.time()
    await backend.close()
    assert loop.time() - began < 2  # concurrently: one graceful timeout, not two
    assert sorted((e.instance_id, e.returncode, e.stopped) for e in exits) == [
        ("a", -signal.SIGKILL, True),
        ("b", -signal.SIGKILL, True),
    ]
    with pytest.raises(LaunchError, match="closed"):
        await backend.start(spec(tmp_path, "pass", "c"))


async def test_stop_of_an_unknown_instance_is_not_an_error(backend: ProcessBackend) -> None:
    outcome = await backend.stop("nobody")
    assert (outcome.returncode, outcome.killed) == (None, False)


async def test_a_new_backend_reads_on_an_instances_earlier_log(tmp_path: Path) -> None:
    launch = spec(tmp_path, "print('first life')", restart="never")
    first = ProcessBackend()
    await first.start(launch)
    await until(lambda: first.logs("app-1") == ["first life"], "the first output")
    await first.close()
    second = ProcessBackend()
    await second.start(spec(tmp_path, "print('second life')\n" + WAITS, restart="never"))
    await until(lambda: second.logs("app-1")[-1:] == ["second life"], "the second output")
    assert second.logs("app-1") == ["first life", "second life"]
    await second.close()


def test_the_spec_is_checked() -> None:
    here = Path(".")
    with pytest.raises(ValueError, match="app-1: command is empty"):
        LaunchSpec("app-1", (), here, {}, here)
    with pytest.raises(ValueError, match="restart is 'sometimes', not one of never, on-fail"):
        LaunchSpec("app-1", ("x",), here, {}, here, restart="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_restarts is -1"):
        LaunchSpec("app-1", ("x",), here, {}, here, max_restarts=-1)


STAND_IN = """
    import asyncio, sys
    from pathlib import Path
    from meclab.lifecycle.backend import LaunchSpec
    from meclab.lifecycle.process import ProcessBackend

    async def main() -> None:
        backend = ProcessBackend()
        here = Path(sys.argv[1])
        status = await backend.start(LaunchSpec(
            "app-1", (sys.executable, "-c", "import time; time.sleep(60)"), here, {}, here))
        print(status.pid, flush=True)
        await asyncio.sleep(60)

    asyncio.run(main())
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_process_dies_with_a_meclab_killed_hard(tmp_path: Path) -> None:
    stand_in = script(tmp_path, STAND_IN, "meclab_stand_in.py")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    with subprocess.Popen(
        [sys.executable, str(stand_in), str(tmp_path)], stdout=subprocess.PIPE, env=env
    ) as meclab:
        assert meclab.stdout is not None
        try:
            child = int(meclab.stdout.readline())
            assert not process_gone(child)
        finally:
            meclab.kill()
    asyncio.run(until(lambda: process_gone(child), f"app process {child} to end", timeout_s=5))
