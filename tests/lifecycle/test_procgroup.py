"""procgroup: the tail of a long log, and the blocking stop the demo stage uses."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers import process_gone

from meclab.lifecycle.procgroup import TAIL_BLOCK, read_tail, session_options, stop_popen


def test_read_tail_reads_lines_across_blocks_of_a_long_file(tmp_path: Path) -> None:
    log = tmp_path / "output.log"
    lines = [f"line {i} " + "x" * 90 for i in range(3 * TAIL_BLOCK // 100)]
    log.write_text("\n".join(lines) + "\n")
    assert read_tail(log, 2000) == lines[-2000:]  # more than one block's worth
    assert read_tail(log, 3) == lines[-3:]
    assert read_tail(log, 0) == []
    assert read_tail(log, 10**6) == lines
    assert read_tail(tmp_path / "missing.log", 5) == []


def test_read_tail_of_a_line_without_its_newline(tmp_path: Path) -> None:
    log = tmp_path / "output.log"
    log.write_bytes("first\nsecond é\nthird, unfinished".encode())
    assert read_tail(log, 2) == ["second é", "third, unfinished"]


IGNORES_TERM = """
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def test_stop_popen_kills_the_group_after_the_timeout(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", IGNORES_TERM], stdout=subprocess.PIPE, **session_options()
    ) as process:
        assert process.stdout is not None
        child = int(process.stdout.readline())
        began = time.monotonic()
        assert stop_popen(process, 0.3) == (-signal.SIGKILL, True)
        assert 0.3 <= time.monotonic() - began < 5
    deadline = time.monotonic() + 5
    while not process_gone(child):
        assert time.monotonic() < deadline, f"child {child} outlived its group"
        time.sleep(0.01)


def test_stop_popen_of_a_process_that_ended_answers_its_status() -> None:
    with subprocess.Popen([sys.executable, "-c", "raise SystemExit(7)"]) as process:
        process.wait()
        assert stop_popen(process, 0.1) == (7, False)
