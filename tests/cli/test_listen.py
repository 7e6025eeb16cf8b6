"""``meclab listen`` prints what it receives and answers 204, as a subscriber must."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
from helpers import free_port


def test_listen_prints_notifications_and_answers_204() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "meclab", "listen", "--port", str(port), "--compact"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/cb/1",
                    json={"notificationType": "CellChangeNotification", "hoStatus": 3},
                )
                break
            except httpx.ConnectError:
                if time.monotonic() > deadline:
                    pytest.fail("meclab listen did not start")
                time.sleep(0.05)
        assert response.status_code == 204
        wrapped = {"zoneStatusNotification": {"notificationType": "ZoneStatusNotification"}}
        assert httpx.post(f"http://127.0.0.1:{port}/cb/3", json=wrapped).status_code == 204
        bad = httpx.post(f"http://127.0.0.1:{port}/cb/2", content=b"{nope")
        assert bad.status_code == 400
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert "/cb/1 CellChangeNotification" in out
    assert '{"notificationType": "CellChangeNotification", "hoStatus": 3}' in out
    assert "/cb/3 ZoneStatusNotification" in out
    assert "/cb/2: not JSON" in out


def test_listen_on_a_busy_port_says_so_in_one_line() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "meclab", "listen", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1
    assert f"127.0.0.1:{port}" in result.stderr and "Address already in use" in result.stderr
