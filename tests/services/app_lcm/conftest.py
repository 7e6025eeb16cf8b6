"""Fixtures of the app_lcm/v1 and granting/v1 tests (see :mod:`lcm_lab`)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from lcm_lab import Lab, open_lab

from meclab.runtime import Runtime


@pytest.fixture
async def lab(runtime: Runtime) -> AsyncIterator[Lab]:
    async with open_lab(runtime) as opened:
        yield opened
