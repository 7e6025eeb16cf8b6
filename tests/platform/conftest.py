"""Fixtures of the platform core's tests: a receiver, a notifier with short retries, a store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from platform_helpers import FAST, Receiver

from meclab.metrics import Metrics
from meclab.platform.delivery import Notifier
from meclab.platform.subscriptions import SubscriptionRegistry
from meclab.store.sqlite import SqliteStore


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        if r.gate is not None:
            r.gate.set()
        await r.stop()


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
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "platform.sqlite")
    try:
        yield s
    finally:
        await s.close()


@pytest.fixture
async def registry(store: SqliteStore, notifier: Notifier) -> AsyncIterator[SubscriptionRegistry]:
    reg = SubscriptionRegistry(store, notifier, websocket_url=lambda i: f"ws://meclab.test/ws/{i}")
    try:
        yield reg
    finally:
        reg.close()
