"""One meclab per data dir: the lock refuses a second holder, names the first, and a process
killed with SIGKILL leaves nothing that blocks the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from meclab.lock import LOCK_FILE, DataDirBusy, DataDirLock, Holder, holder

HOLD_AND_WAIT = """
import sys
from pathlib import Path
from meclab.lock import DataDirLock
lock = DataDirLock(Path(sys.argv[1]))
lock.acquire()
lock.record(url="http://127.0.0.1:41234", world="lab")
print("held", flush=True)
sys.stdin.read()
"""


def test_a_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    with DataDirLock(tmp_path) as first:
        first.record(url="http://127.0.0.1:41234")
        first.record(world="lab")
        with pytest.raises(DataDirBusy) as refused:
            DataDirLock(tmp_path).acquire()
        assert refused.value.holder == Holder(os.getpid(), "http://127.0.0.1:41234", "lab")
        assert str(refused.value) == (
            f"data dir {tmp_path} is in use by meclab (pid {os.getpid()}) at "
            "http://127.0.0.1:41234, world lab"
        )
        assert holder(tmp_path) == refused.value.holder
    # Released: the file stays, empty, and holds nobody.
    assert (tmp_path / LOCK_FILE).read_bytes() == b""
    assert holder(tmp_path) is None
    with DataDirLock(tmp_path):
        pass


def test_a_holder_killed_with_sigkill_blocks_nobody(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            assert process.stdout.readline() == "held\n"
            assert holder(tmp_path) == Holder(process.pid, "http://127.0.0.1:41234", "lab")
            with pytest.raises(DataDirBusy):
                DataDirLock(tmp_path).acquire()
        finally:
            process.kill()
            process.wait(timeout=10)
    # What the dead process wrote is still there, but it no longer holds anything.
    assert json.loads((tmp_path / LOCK_FILE).read_text())["pid"] == process.pid
    assert holder(tmp_path) is None
    with DataDirLock(tmp_path) as lock:
        assert holder(tmp_path) == Holder(os.getpid(), None, None)
        lock.record(url="http://127.0.0.1:8080")
        assert holder(tmp_path) == Holder(os.getpid(), "http://127.0.0.1:8080", None)


def test_no_lock_file_means_nobody_runs(tmp_path: Path) -> None:
    assert holder(tmp_path / "never-used") is None
