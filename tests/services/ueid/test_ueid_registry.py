"""What a registration means (meclab/services/ueid/registry.py), its lifetime in the store
(restart, new scenario, removed instance), and the service's registration in MEC 011."""

from __future__ import annotations

from pathlib import Path

from helpers import BASE_URL
from ueid_helpers import B_APP, EDGE_APP, UI, Served, serving, tag_url, tags

from meclab.scenario.model import Scenario


async def test_tags_name_terminals_by_name_address_ip_or_imsi(served: Served) -> None:
    await served.client.put(
        tag_url(EDGE_APP),
        json=tags(("ue-walk", 1), ("acr:10.0.0.2", 1), ("10.0.0.3", 1), ("001010000000001", 1)),
    )
    registry = served.service.registry
    assert registry.ues_of(EDGE_APP) == {"ue-walk", "ue-car", "ue-far"}
    assert registry.registered(EDGE_APP) == [
        "001010000000001",
        "10.0.0.3",
        "acr:10.0.0.2",
        "ue-walk",
    ]
    assert registry.tag_applies(EDGE_APP, "acr:10.0.0.2", "ue-car")
    assert not registry.tag_applies(EDGE_APP, "acr:10.0.0.2", "ue-walk")  # names another UE
    assert not registry.tag_applies(B_APP, "acr:10.0.0.2", "ue-car")  # not b-app's registration
    assert registry.ues_of(B_APP) == set()


async def test_registrations_survive_a_restart(scenario: Scenario, tmp_path: Path) -> None:
    store = tmp_path / "meclab.sqlite"
    async with serving(store, scenario) as served:
        await served.client.put(tag_url(EDGE_APP), json=tags(("ue-car", 1), ("ue-far", 1)))
        await served.client.put(tag_url(EDGE_APP), json=tags(("ue-far", 0)))
    async with serving(store, None) as served:  # a new runtime on the same SQLite file
        assert served.runtime.opened == "resumed"
        read = await served.client.get(
            tag_url(EDGE_APP), params={"ueIdentityTag": ["ue-car", "ue-far"]}
        )
        assert read.json() == tags(("ue-car", 1), ("ue-far", 0))
        assert served.service.registry.ues_of(EDGE_APP) == {"ue-car"}


async def test_a_new_scenario_clears_registrations(served: Served, scenario: Scenario) -> None:
    await served.client.put(tag_url(EDGE_APP), json=tags(("ue-car", 1)))
    await served.runtime.load(scenario)
    read = await served.client.get(tag_url(EDGE_APP), params={"ueIdentityTag": "ue-car"})
    assert read.json() == tags(("ue-car", 0))
    assert await served.app.state.platforms.store.items("ue_identity_tags") == []


async def test_a_removed_instance_loses_its_registrations(served: Served) -> None:
    await served.client.put(tag_url(B_APP, "mec-b"), json=tags(("ue-car", 1)))
    platforms = served.app.state.platforms
    await platforms.remove_app(platforms.app("mec-b", B_APP))
    assert served.service.registry.registered(B_APP) == []
    assert await platforms.store.items("ue_identity_tags") == []


async def test_offered_in_every_hosts_registry(served: Served) -> None:
    records = [
        r
        for r in served.app.state.platforms.services.records.values()
        if r.info.serName == "ue-identity"
    ]
    assert sorted(r.host for r in records) == ["mec-a", "mec-b"]
    for record in records:
        info = record.info
        assert info.serCategory is not None
        assert (info.serCategory.id, info.serCategory.name) == ("ue-identity", "UE Identity")
        assert info.version == "3.1.1"
        prefix = "" if record.host == "mec-a" else f"/hosts/{record.host}"
        assert info.transportInfo is not None
        assert info.transportInfo.endpoint.uris == [f"{BASE_URL}{prefix}{UI}"]
    found = await served.client.get(
        "/hosts/mec-b/mec_service_mgmt/v1/services", params={"ser_name": "ue-identity"}
    )
    assert [s["serName"] for s in found.json()] == ["ue-identity"]
