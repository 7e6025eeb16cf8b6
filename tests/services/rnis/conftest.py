"""Fixtures of the RNIS tests: a notification receiver and a store path (see rnis_lab)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from receiver import Receiver


@pytest.fixture
async def rx() -> AsyncIterator[Receiver]:
    """A real HTTP notification receiver."""
    async with Receiver() as receiver:
        yield receiver


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "rnis.sqlite"
