"""Fixtures of the RNIS tests: a store path (see rnis_lab); the notification receiver is the
shared fixture of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "rnis.sqlite"
