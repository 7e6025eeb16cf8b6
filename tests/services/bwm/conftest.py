"""Fixtures of the BWM tests (see bwm_helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bwm_helpers import RecordingPort, Served, bwm_document, serving

from meclab.scenario.model import Scenario


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the shared fixture: the lab world with a second MEC host."""
    return Scenario.model_validate(bwm_document(lab_doc))


@pytest.fixture
def port() -> RecordingPort:
    return RecordingPort()


@pytest.fixture
async def served(
    scenario: Scenario, store_path: Path, port: RecordingPort
) -> AsyncIterator[Served]:
    async with serving(store_path, scenario, port) as opened:
        yield opened


@pytest.fixture
def client(served: Served) -> httpx.AsyncClient:
    return served.client
