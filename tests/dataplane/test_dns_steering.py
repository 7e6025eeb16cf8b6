"""Pins (application mobility): a pinned instance's DNS and traffic rules answer for its UE."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from dnslib import QTYPE, DNSHeader, DNSQuestion, DNSRecord

from meclab.dataplane.dns import answer
from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.steering import OpenFlows, PinChange
from meclab.scenario.model import Scenario

from .mec_world import close, document, platforms_for


def shared_app_world() -> World:
    """mec_world with edge-b an instance of the same application as edge-a."""
    doc = document()
    zone_b = doc["domains"][0]["zones"][1]
    zone_b["mec_hosts"][0]["apps"][0]["app_name"] = "edge-a"
    w = World(Scenario.model_validate(doc))
    w.step(0.0)
    return w


@pytest.fixture
async def platforms() -> AsyncIterator[Platforms]:
    p = await platforms_for(shared_app_world())
    try:
        yield p
    finally:
        await close(p)


def addresses(platforms: Platforms, ue: str, name: str) -> list[str]:
    q = DNSRecord(DNSHeader(id=7, rd=1), q=DNSQuestion(name, QTYPE.A))
    reply = answer(DNSRecord.parse(q.pack()), ue, platforms.world, platforms)
    return [str(rr.rdata) for rr in reply.rr]


async def test_a_pin_answers_with_its_instance_and_supersedes_its_applications_others(
    platforms: Platforms,
) -> None:
    edge_a = platforms.app_named("edge-a")
    edge_b = platforms.app_named("edge-b")
    assert edge_a.app_key == edge_b.app_key
    assert addresses(platforms, "ue-2", "app.example.com") == ["10.2.0.1"]  # its zone's

    changes: list[PinChange] = []

    async def seen(change: PinChange) -> None:
        changes.append(change)

    platforms.steering.listeners.append(seen)
    await platforms.steering.pin("ue-2", edge_a.app_key, edge_a.app_instance_id)
    assert addresses(platforms, "ue-2", "app.example.com") == ["10.1.0.1"]  # steered back
    assert addresses(platforms, "ue-1", "app.example.com") == ["10.1.0.1"]
    # ue-1 pinned to the far instance: its app's rules on mec-a no longer answer for ue-1,
    # another application's (edge-a2's multi.example.com) still do
    await platforms.steering.pin("ue-1", edge_b.app_key, edge_b.app_instance_id)
    assert addresses(platforms, "ue-1", "app.example.com") == ["10.2.0.1"]
    assert addresses(platforms, "ue-1", "v6.example.com") == []  # edge-a's, superseded
    assert sorted(addresses(platforms, "ue-1", "multi.example.com")) == ["10.1.2.2"]
    assert addresses(platforms, "ue-2", "app.example.com") == ["10.1.0.1"]  # its own pin

    await platforms.steering.unpin("ue-2", edge_a.app_key, flows=OpenFlows.RESET)
    assert addresses(platforms, "ue-2", "app.example.com") == ["10.2.0.1"]
    assert changes == [
        PinChange("ue-2", edge_a.app_key, None, edge_a.app_instance_id),
        PinChange("ue-1", edge_b.app_key, None, edge_b.app_instance_id),
        PinChange("ue-2", edge_a.app_key, edge_a.app_instance_id, None, OpenFlows.RESET),
    ]


async def test_traffic_rules_follow_the_pin(platforms: Platforms) -> None:
    edge_a = platforms.app_named("edge-a")
    assert {
        r.trafficRuleId for _, r in platforms.traffic_rules_in_charge(["mec-b"], "ue-2")
    } == set()
    await platforms.steering.pin("ue-2", edge_a.app_key, edge_a.app_instance_id)
    ruled = platforms.traffic_rules_in_charge(["mec-b"], "ue-2")
    assert [r.trafficRuleId for _, r in ruled] == ["drop-telnet", "steer-video"]  # by priority


async def test_a_removed_instance_takes_its_pins_with_it(platforms: Platforms) -> None:
    edge_a = platforms.app_named("edge-a")
    await platforms.steering.pin("ue-2", edge_a.app_key, edge_a.app_instance_id)
    await platforms.remove_app(edge_a)
    assert platforms.steering.pins("ue-2") == {}
    assert addresses(platforms, "ue-2", "app.example.com") == ["10.2.0.1"]
