"""Fixtures of the MEC 016 tests (see devapp_helpers.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from devapp_helpers import Served, devapp_document, serving

from meclab.scenario.model import Scenario


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the shared fixture: the lab world with mec-b and ue-b in zone-b."""
    return Scenario.model_validate(devapp_document(lab_doc))


@pytest.fixture
async def served(scenario: Scenario, store_path: Path) -> AsyncIterator[Served]:
    async with serving(store_path, scenario) as opened:
        yield opened


@pytest.fixture
def client(served: Served) -> httpx.AsyncClient:
    return served.client
