"""Fixes to the platform core made while writing MEC 011 (meclab/services/mec011):

* ServiceInfo accepts ``livenessInterval`` 0: a producer proposing 0 supports heartbeats and
  lets the platform choose (MEC 011 clause 8.1.2.2);
* removing an instance deletes its own subscriptions before its services, so that it is not
  sent (and does not fail to receive, filling the undelivered report) their removal.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from platform_helpers import four_hosts_doc
from pydantic import ValidationError

from meclab.engine.world import World
from meclab.platform.apps import AppInstance, AppState
from meclab.platform.platform import Platforms
from meclab.platform.service_info import ServiceInfo, ServiceState
from meclab.platform.services import ServiceChange
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


def test_liveness_interval_zero_is_a_valid_proposal() -> None:
    info = ServiceInfo(
        serName="s", version="1", state="ACTIVE", serializer="JSON", livenessInterval=0
    )
    assert info.livenessInterval == 0
    with pytest.raises(ValidationError):
        ServiceInfo(
            serName="s", version="1", state="ACTIVE", serializer="JSON", livenessInterval=-1
        )


async def test_removed_instance_is_not_told_of_its_own_services(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "p.sqlite")
    platforms = Platforms(store, base_url="http://meclab.test")
    await platforms.load(World(Scenario.model_validate(four_hosts_doc())), resumed=False)
    app = await platforms.add_app(
        AppInstance(
            app_instance_id="a1", host="h1", app_name="a", app_provider="p", state=AppState.READY
        )
    )
    info = ServiceInfo(serName="s", version="1", state=ServiceState.ACTIVE, serializer="JSON")
    await platforms.services.add("h1", "a1", info, 0.0)
    await platforms.subscriptions.create(
        host="h1",
        api="test",
        type="TestSubscription",
        body={},
        href=lambda i: f"http://meclab.test/subs/{i}",
        criteria=None,
        owner="a1",
        callback="http://127.0.0.1:9/cb",
    )
    live_at_removal: list[int] = []

    async def listener(change: ServiceChange) -> None:
        live_at_removal.append(len(platforms.subscriptions.subscribers("test", "h1")))

    platforms.services.listeners.append(listener)
    await platforms.remove_app(app)
    assert live_at_removal == [0]
    assert platforms.services.records == {}
    assert "a1" not in platforms.apps
    await platforms.stop()
    await store.close()
