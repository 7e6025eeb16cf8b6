"""Fixtures of the platform core's tests: a notifier with short retries and a registry.

The receiver and the store are the shared fixtures of tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from platform_helpers import FAST

from meclab.metrics import Metrics
from meclab.platform.delivery import Notifier
from meclab.platform.subscriptions import SubscriptionRegistry
from meclab.store.sqlite import SqliteStore


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def notifier(metrics: Metrics) -> AsyncIterator[Notifier]:
    n = Notifier(policy=FAST, metrics=metrics, timeout_s=2.0)
    try:
        yield n
    finally:
        await n.close()


@pytest.fixture
async def registry(store: SqliteStore, notifier: Notifier) -> AsyncIterator[SubscriptionRegistry]:
    reg = SubscriptionRegistry(store, notifier, websocket_url=lambda i: f"ws://meclab.test/ws/{i}")
    try:
        yield reg
    finally:
        reg.close()
