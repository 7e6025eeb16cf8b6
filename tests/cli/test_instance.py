"""How the CLI finds the running meclab: ``--url``, the data dir's lock, ``$MECLAB_URL``."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from meclab.cli.instance import instance_url
from meclab.lock import DataDirLock

RUNNING = "http://127.0.0.1:41234"
FROM_ENV = "http://127.0.0.1:50505"


def test_an_explicit_url_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MECLAB_URL", FROM_ENV)
    with DataDirLock(tmp_path) as lock:
        lock.record(url=RUNNING)
        assert instance_url("http://127.0.0.1:9/", tmp_path) == "http://127.0.0.1:9"


def test_a_data_dir_given_beats_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MECLAB_URL", FROM_ENV)
    with DataDirLock(tmp_path) as lock:
        lock.record(url=RUNNING)
        assert instance_url(None, tmp_path) == RUNNING
        assert instance_url(None, None) == FROM_ENV


def test_the_default_data_dir_is_asked_last(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MECLAB_URL", raising=False)
    monkeypatch.setenv("MECLAB_DATA_DIR", str(tmp_path))
    with DataDirLock(tmp_path) as lock:
        lock.record(url=RUNNING)
        assert instance_url(None, None) == RUNNING


def test_nobody_running_exits_1_naming_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MECLAB_URL", raising=False)
    with pytest.raises(typer.Exit) as exited:
        instance_url(None, tmp_path)
    assert exited.value.exit_code == 1
    assert f"no meclab is running on data dir {tmp_path}" in capsys.readouterr().err
