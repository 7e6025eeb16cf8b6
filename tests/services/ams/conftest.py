"""Fixtures of the AMS tests (see ams_helpers.py). The notification receiver is the shared
fixture of tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from ams_helpers import Served, ams_document, serving

from meclab.runtime import Runtime
from meclab.scenario.model import Scenario


@pytest.fixture
def scenario(lab_doc: dict[str, Any]) -> Scenario:
    """Overrides the shared fixture: the lab world with mec-b and edge-b in zone-b."""
    return Scenario.model_validate(ams_document(lab_doc))


@pytest.fixture
async def served(runtime: Runtime) -> AsyncIterator[Served]:
    async with serving(runtime) as opened:
        yield opened


@pytest.fixture
def client(served: Served) -> httpx.AsyncClient:
    return served.client
