"""MecPlatform and its sync facade against a running meclab: every client on one session,
a MEC host's own platform by name, and blocking calls from plain code and from a thread that
already runs an event loop (as Jupyter's does)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sdk_world import Lab, serve_lab

from meclab.sdk import MecApiError, PlatformConfig, PlatformUnreachable
from meclab.sdk.platform import MecPlatform
from meclab.sdk.sync import SyncPlatform
from meclab.services.ueid.models import TagState


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


def addresses(users: Any) -> set[str]:
    return {u.address for u in users.user}


async def test_one_session_serves_every_client_and_a_host_by_name(lab: Lab) -> None:
    async with MecPlatform(lab.config()) as mec:
        everyone = addresses(await mec.location.users())
        assert "acr:10.0.0.1" in everyone
        on_a = mec.host("mec-a")
        assert on_a.http.session() is mec.http.session()
        assert addresses(await on_a.location.users()) == everyone
        assert [ap.apId.bssid for ap in await on_a.wai.ap_information()] == ["02:00:00:00:00:a2"]
        tags = await on_a.ueid.tags(lab.app_id("my-app"), ["ue-walk"])
        assert [t.state for t in tags.value.ueIdentityTags] == [TagState.UNREGISTERED]
        with pytest.raises(MecApiError) as caught:
            await mec.host("mec-nowhere").location.users()
        assert caught.value.status == 404
        assert "mec-nowhere" in caught.value.url


async def test_a_platform_that_is_down_is_named() -> None:
    async with MecPlatform(PlatformConfig("http://127.0.0.1:9", timeout_s=2.0)) as mec:
        with pytest.raises(PlatformUnreachable) as caught:
            await mec.rnis.subscriptions()
    assert "http://127.0.0.1:9" in str(caught.value)


async def test_the_sync_facade_blocks_from_plain_code_and_inside_a_running_loop(
    lab: Lab,
) -> None:
    def plain() -> tuple[set[str], set[str]]:
        with SyncPlatform(lab.config()) as mec:
            return addresses(mec.location.users()), addresses(mec.host("mec-a").location.users())

    def inside_a_loop() -> set[str]:
        async def cell() -> set[str]:  # a loop runs in this thread: asyncio.run would refuse
            with SyncPlatform(lab.config()) as mec:
                return addresses(mec.location.users(zone_id="zone-a"))

        return asyncio.run(cell())

    everyone, on_a = await asyncio.to_thread(plain)
    assert "acr:10.0.0.1" in everyone and on_a == everyone
    in_zone_a = await asyncio.to_thread(inside_a_loop)
    assert in_zone_a and in_zone_a <= everyone

    def failing() -> None:
        with SyncPlatform(lab.config()) as mec:
            mec.location.zone("zone-nowhere")

    with pytest.raises(MecApiError):
        await asyncio.to_thread(failing)
