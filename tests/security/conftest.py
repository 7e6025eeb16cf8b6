"""Fixtures of the security tests: keys, credentials and a token service on one fake clock.

Nothing here sleeps: time is what the test sets on ``clock``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FakeTime

from meclab.security.credentials import Credentials
from meclab.security.keys import SigningKeys
from meclab.security.tokens import TokenService

START = 1_764_870_000.0
"""A Friday afternoon in December 2026, in seconds since the epoch."""


@pytest.fixture
def clock() -> FakeTime:
    fake = FakeTime()
    fake.now = START
    return fake


@pytest.fixture
def secrets_dir(tmp_path: Path) -> Path:
    """Where the data dir keeps its security files."""
    return tmp_path / "data" / "security"


@pytest.fixture
def keys(secrets_dir: Path, clock: FakeTime) -> SigningKeys:
    return SigningKeys(secrets_dir, clock=clock)


@pytest.fixture
def credentials(secrets_dir: Path) -> Credentials:
    return Credentials(secrets_dir)


@pytest.fixture
def service(keys: SigningKeys, credentials: Credentials, clock: FakeTime) -> TokenService:
    return TokenService(keys, credentials, clock=clock)
