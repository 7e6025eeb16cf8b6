"""The SDK against meclab in secure mode over TLS, end to end: an app's credential from the
control API, the app's tokens fetched and used by the SDK by itself, meclab's CA trusted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import on_loopback

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.sdk import AuthenticationFailed, MecPlatform, PlatformConfig
from meclab.sdk.control import ControlClient
from meclab.security.authority import Authority
from meclab.security.credentials import OPERATOR
from meclab.store.sqlite import SqliteStore


async def test_an_app_and_the_operator_over_https(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus())
    await runtime.open(Scenario.model_validate(lab_doc))
    authority = Authority(tmp_path / "security")
    files = authority.ca.server_files(["127.0.0.1"])
    ca = str(authority.ca.file)

    def secured(base: str) -> Any:
        return create_app(
            runtime, tick=False, base_url=base.replace("http:", "https:"), security=authority
        )

    try:
        async with on_loopback(
            secured, lifespan="on", ssl_certfile=str(files.cert), ssl_keyfile=str(files.key)
        ) as (_, port):
            url = f"https://127.0.0.1:{port}"
            operator = PlatformConfig(
                url,
                client_id=OPERATOR,
                client_secret=authority.operator_file.read_text().strip(),
                verify=ca,
            )
            async with ControlClient(operator) as control:
                world = await control.world()
                assert world.scenario == lab_doc["name"]
            # The operator issues the app its credential over the control API.
            async with MecPlatform(operator) as as_operator:
                issued = await as_operator.http.request(
                    "POST", f"{url}/meclab/v1/apps/edge-app/credentials"
                )
            app = PlatformConfig(
                url,
                client_id=issued.body["client_id"],
                client_secret=issued.body["client_secret"],
                verify=ca,
            )
            async with MecPlatform(app) as mec:
                names = {s.serName for s in await mec.service_mgmt.services()}
                assert "edge-svc" in names
                # Not the operator: the control API's token endpoint does not serve the app.
                with pytest.raises(AuthenticationFailed) as refused:
                    async with ControlClient(app) as control:
                        await control.world()
                assert refused.value.error == "unauthorized_client"
    finally:
        await runtime.stop()
        await store.close()
