"""Notification websockets in secure mode: only the subscription's owner (or the operator)
opens one, with a token of the subscription's MEC host."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from helpers import on_loopback
from secured import Tokens

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.security.authority import Authority
from meclab.store.sqlite import SqliteStore


async def test_only_the_owner_opens_the_subscriptions_socket(
    tmp_path: Path, lab_doc: dict[str, Any]
) -> None:
    apps = lab_doc["domains"][0]["zones"][0]["mec_hosts"][0]["apps"]
    apps[0]["services_required"] = [{"name": "rni"}]
    apps.append({"name": "other-app"})
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus())
    await runtime.open(Scenario.model_validate(lab_doc))
    authority = Authority(tmp_path / "security")
    try:
        async with (
            on_loopback(
                lambda base: create_app(runtime, tick=False, base_url=base, security=authority),
                lifespan="on",
            ) as (_, port),
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client,
        ):
            tokens = Tokens(client, authority)
            owner = await tokens.app("edge-app")
            body = {
                "subscriptionType": "CellChangeSubscription",
                "websockNotifConfig": {"requestWebsocketUri": True},
                "filterCriteriaAssocHo": {
                    "ecgi": [{"plmn": {"mcc": "001", "mnc": "01"}, "cellId": "0000001"}]
                },
            }
            created = await client.post("/rni/v2/subscriptions", json=body, headers=owner)
            assert created.status_code == 201, created.text
            uri = created.json()["websockNotifConfig"]["websocketUri"]
            # Refused as a request would be: 401 with the challenge, 403 for another's.
            for refused, status in (({}, 401), (await tokens.app("other-app"), 403)):
                with pytest.raises(websockets.InvalidStatus) as caught:
                    async with websockets.connect(uri, additional_headers=refused):
                        pass
                assert caught.value.response.status_code == status
                if status == 401:
                    challenge = caught.value.response.headers["WWW-Authenticate"]
                    assert challenge == 'Bearer realm="meclab"'
            for allowed in (owner, await tokens.operator()):
                async with websockets.connect(uri, additional_headers=allowed) as socket:
                    assert socket.state.name == "OPEN"
            audit = authority.audit.recent()
            assert [r.reason for r in audit[:2]] == ["forbidden", "missing_token"]
    finally:
        await runtime.stop()
        await store.close()
