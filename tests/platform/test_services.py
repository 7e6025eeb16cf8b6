"""The service registry (meclab/platform/services.py): visibility, changes, liveness, storage.

The world is :func:`platform_helpers.four_hosts_doc`: h1, h2 and fog node fog1 in zone z1 and
h3 in zone z2 of operator op1; h4 in zone z3 of operator op2.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from platform_helpers import four_hosts_doc

from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.platform.delivery import Notifier
from meclab.platform.errors import NotFound
from meclab.platform.platform import SERVICES, HostInfo, Platforms
from meclab.platform.service_info import (
    CategoryRef,
    ChangeType,
    EndPointInfo,
    SecurityInfo,
    ServiceInfo,
    ServiceState,
    TransportInfo,
)
from meclab.platform.services import ServiceChange, ServiceRecord
from meclab.scenario.model import LocalityType, Scenario
from meclab.store.sqlite import SqliteStore

HOSTS = ("h1", "h2", "fog1", "h3", "h4")


def world() -> World:
    return World(Scenario.model_validate(four_hosts_doc()))


@pytest.fixture
async def platforms(store: SqliteStore, notifier: Notifier) -> AsyncIterator[Platforms]:
    p = Platforms(store, base_url="http://meclab.test", notifier=notifier)
    await p.load(world(), resumed=False)
    try:
        yield p
    finally:
        await p.stop()


def info(
    name: str = "svc",
    *,
    scope: LocalityType | None = None,
    local_only: bool | None = None,
    state: ServiceState = ServiceState.ACTIVE,
    version: str = "1.0",
    liveness: int | None = None,
    **extra: Any,
) -> ServiceInfo:
    return ServiceInfo(
        serName=name,
        version=version,
        state=state,
        serializer="JSON",
        scopeOfLocality=scope,
        consumedLocalOnly=local_only,
        livenessInterval=liveness,
        **extra,
    )


class Changes:
    """A service listener that writes down what it is told."""

    def __init__(self) -> None:
        self.seen: list[tuple[ChangeType, str, ServiceState]] = []

    async def __call__(self, change: ServiceChange) -> None:
        self.seen.append((change.change, change.record.id, change.record.info.state))

    def take(self) -> list[tuple[ChangeType, str, ServiceState]]:
        seen, self.seen = self.seen, []
        return seen


async def test_hosts_come_from_the_world_with_zone_and_domain(platforms: Platforms) -> None:
    assert platforms.hosts == {
        "h1": HostInfo("h1", ElementKind.MEC_HOST, "z1", "op1"),
        "h2": HostInfo("h2", ElementKind.MEC_HOST, "z1", "op1"),
        "fog1": HostInfo("fog1", ElementKind.FOG, "z1", "op1"),
        "h3": HostInfo("h3", ElementKind.MEC_HOST, "z2", "op1"),
        "h4": HostInfo("h4", ElementKind.MEC_HOST, "z3", "op2"),
    }
    assert platforms.default_host == "h1"
    with pytest.raises(NotFound):
        platforms.host("p1")  # a cell runs no platform


# --- visibility: MEC 011 clause 8.1.6.2 LocalityType with consumedLocalOnly ------------------

LOCALITY_OF_H1 = {
    LocalityType.MEC_SYSTEM: {"h1", "h2", "fog1", "h3", "h4"},
    LocalityType.ZONE_GROUP: {"h1", "h2", "fog1", "h3"},
    LocalityType.ZONE: {"h1", "h2", "fog1"},
    LocalityType.MEC_HOST: {"h1"},
    LocalityType.NFVI_NODE: {"h1"},
    LocalityType.NFVI_POP: {"h1"},
    None: {"h1"},
}
"""The hosts in the locality of a service registered on h1, by its scopeOfLocality."""


@pytest.mark.parametrize("local_only", [False, True, None])
@pytest.mark.parametrize("scope", [*LocalityType, None])
async def test_visibility_of_a_service_on_h1(
    platforms: Platforms, scope: LocalityType | None, local_only: bool | None
) -> None:
    services = platforms.services
    record = await services.add("h1", None, info(scope=scope, local_only=local_only), 0.0)
    local = LOCALITY_OF_H1[scope]
    # Inside its locality it is local; outside, only consumedLocalOnly false shows it.
    visible = set(HOSTS) if local_only is False else local
    assert {h for h in HOSTS if services.visible_on(record, h)} == visible
    assert {h for h in HOSTS if services.is_local(record, h)} == local
    for h in HOSTS:
        listed = [(r.id, is_local) for r, is_local in services.view(h)]
        if h in visible:
            assert listed == [(record.id, h in local)]
            assert services.get(h, record.id) is record
        else:
            assert listed == []
            with pytest.raises(NotFound):
                services.get(h, record.id)


@pytest.mark.parametrize(
    ("origin", "scope", "local"),
    [
        ("h3", LocalityType.ZONE, {"h3"}),
        ("h3", LocalityType.ZONE_GROUP, {"h1", "h2", "fog1", "h3"}),
        ("h4", LocalityType.ZONE_GROUP, {"h4"}),
        ("h4", LocalityType.MEC_SYSTEM, {"h1", "h2", "fog1", "h3", "h4"}),
        ("fog1", LocalityType.ZONE, {"h1", "h2", "fog1"}),
        ("h2", LocalityType.MEC_HOST, {"h2"}),
    ],
)
async def test_visibility_from_other_hosts(
    platforms: Platforms, origin: str, scope: LocalityType, local: set[str]
) -> None:
    services = platforms.services
    record = await services.add(origin, None, info(scope=scope, local_only=True), 0.0)
    assert {h for h in HOSTS if services.visible_on(record, h)} == local
    shared = await services.add(origin, None, info(scope=scope, local_only=False), 0.0)
    assert {h for h in HOSTS if services.visible_on(shared, h)} == set(HOSTS)
    assert {h for h in HOSTS if services.is_local(shared, h)} == local


async def test_view_lists_in_registration_order_with_is_local(platforms: Platforms) -> None:
    services = platforms.services
    a = await services.add("h2", None, info("a", scope=LocalityType.ZONE), 0.0)
    b = await services.add("h1", None, info("b"), 0.0)
    c = await services.add("h3", None, info("c", scope=LocalityType.ZONE), 0.0)
    d = await services.add("h1", None, info("d"), 0.0)
    e = await services.add("h4", None, info("e", local_only=False), 0.0)
    assert [(r.info.serName, is_local) for r, is_local in services.view("h1")] == [
        ("a", True),
        ("b", True),
        ("d", True),
        ("e", False),
    ]
    assert [r.id for r, _ in services.view("h3")] == [c.id, e.id]
    assert services.owned_by("nobody") == []
    assert {a.id, b.id, c.id, d.id, e.id} == set(services.records)


# --- changes ----------------------------------------------------------------------------------


async def test_every_change_is_reported_with_its_type(
    platforms: Platforms, store: SqliteStore
) -> None:
    services = platforms.services
    changes = Changes()
    services.listeners.append(changes)

    record = await services.add("h1", "app-1", info(), 100.0)
    sid = record.id
    assert changes.take() == [(ChangeType.ADDED, sid, ServiceState.ACTIVE)]
    assert record.owner == "app-1" and services.owned_by("app-1") == [record]

    await services.replace(record, info(state=ServiceState.INACTIVE))
    assert changes.take() == [(ChangeType.STATE_CHANGED, sid, ServiceState.INACTIVE)]

    await services.replace(record, info(state=ServiceState.INACTIVE))
    assert changes.take() == []  # nothing changed

    # serInstanceId, isLocal and _links are the platform's: a body carrying others changes nothing.
    await services.replace(
        record,
        info(state=ServiceState.INACTIVE, serInstanceId="forged", isLocal=True),
    )
    assert changes.take() == []
    assert record.id == sid and record.info.isLocal is None

    await services.replace(record, info(state=ServiceState.INACTIVE, version="2.0"))
    assert changes.take() == [(ChangeType.ATTRIBUTES_CHANGED, sid, ServiceState.INACTIVE)]

    await services.replace(record, info(state=ServiceState.ACTIVE, version="3.0"))
    assert changes.take() == [(ChangeType.ATTRIBUTES_CHANGED, sid, ServiceState.ACTIVE)]

    await services.set_state(record, ServiceState.SUSPENDED)
    assert changes.take() == [(ChangeType.STATE_CHANGED, sid, ServiceState.SUSPENDED)]
    await services.set_state(record, ServiceState.SUSPENDED)
    assert changes.take() == []
    stored = ServiceRecord.from_store(await store.get(SERVICES, sid))
    assert stored == record
    assert stored.info.version == "3.0" and stored.info.state is ServiceState.SUSPENDED

    await services.remove(record)
    assert changes.take() == [(ChangeType.REMOVED, sid, ServiceState.SUSPENDED)]
    assert sid not in services.records
    assert await store.get(SERVICES, sid) is None
    await services.remove(record)
    assert changes.take() == []


async def test_the_platform_assigns_the_service_instance_id(platforms: Platforms) -> None:
    given = info(serInstanceId="mine", isLocal=False)
    a = await platforms.services.add("h1", None, given, 0.0)
    b = await platforms.services.add("h1", None, given, 0.0)
    assert a.id != "mine" and b.id != "mine" and a.id != b.id
    assert a.info.isLocal is None
    assert given.serInstanceId == "mine"  # the caller's object is not changed


# --- liveness: MEC 011 clause 8.2.10 ----------------------------------------------------------


async def test_late_services_turn_inactive_and_a_heartbeat_restores_them(
    platforms: Platforms, store: SqliteStore
) -> None:
    services = platforms.services
    live = await services.add("h1", "app-1", info("live", liveness=10), 1000.0)
    plain = await services.add("h1", "app-1", info("plain"), 1000.0)
    played = await services.add("h1", "app-2", info("played", liveness=10), 1000.0, emulated=True)
    assert live.last_heartbeat == 1000.0 and plain.last_heartbeat is None
    changes = Changes()
    services.listeners.append(changes)

    assert await services.check_liveness(1015.0) == []  # exactly 1.5 intervals: not late yet
    assert await services.check_liveness(1015.5) == [live]
    assert live.info.state is ServiceState.INACTIVE
    assert plain.info.state is ServiceState.ACTIVE and played.info.state is ServiceState.ACTIVE
    assert changes.take() == [(ChangeType.STATE_CHANGED, live.id, ServiceState.INACTIVE)]
    assert (await store.get(SERVICES, live.id))["info"]["state"] == "INACTIVE"
    assert await services.check_liveness(5000.0) == []  # already INACTIVE: told once
    assert changes.take() == []

    await services.heartbeat(live, 5000.0)
    assert live.info.state is ServiceState.ACTIVE and live.last_heartbeat == 5000.0
    assert changes.take() == [(ChangeType.STATE_CHANGED, live.id, ServiceState.ACTIVE)]
    await services.heartbeat(live, 5005.0)  # while ACTIVE: stored, nobody told
    assert changes.take() == []
    assert (await store.get(SERVICES, live.id))["last_heartbeat"] == 5005.0
    assert await services.check_liveness(5020.0) == []
    assert await services.check_liveness(5020.0, grace=1.0) == [live]


# --- storage ----------------------------------------------------------------------------------


def test_a_full_record_survives_the_store_round_trip() -> None:
    record = ServiceRecord(
        info(
            "full",
            scope=LocalityType.ZONE,
            local_only=False,
            liveness=5,
            serInstanceId="id-1",
            serCategory=CategoryRef(href="urn:x", id="rni", name="RNI", version="2"),
            transportInfo=TransportInfo(
                id="t1",
                name="REST",
                type="REST_HTTP",
                protocol="HTTP",
                version="2.0",
                endpoint=EndPointInfo(uris=["http://svc/a"]),
                security=SecurityInfo(),
            ),
        ),
        "h1",
        "app-1",
        12.5,
        True,
    )
    assert ServiceRecord.from_store(record.to_store()) == record


async def test_services_come_back_in_registration_order_after_a_restart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "services.sqlite"
    store = SqliteStore(path)
    first = Platforms(store, notifier=Notifier())
    await first.load(world(), resumed=False)
    made = [
        await first.services.add(h, f"app-{i}", info(f"s{i}", liveness=60), float(i))
        for i, h in enumerate(["h1", "h2", "h1", "h3", "h1", "h4", "h1"])
    ]
    await first.services.set_state(made[2], ServiceState.SUSPENDED)
    await first.stop()
    await store.close()

    store = SqliteStore(path)
    second = Platforms(store, notifier=Notifier())
    changes = Changes()
    second.services.listeners.append(changes)
    try:
        await second.load(world(), resumed=True)
        assert list(second.services.records) == [r.id for r in made]
        assert [r.info.serName for r, _ in second.services.view("h1")] == ["s0", "s2", "s4", "s6"]
        for old in made:
            assert second.services.records[old.id] == old
        assert second.services.records[made[2].id].info.state is ServiceState.SUSPENDED
        assert changes.take() == []
        # The order goes on from there for services registered after the restart.
        later = await second.services.add("h1", None, info("later"), 10.0)
        assert list(second.services.records)[-1] == later.id
    finally:
        await second.stop()
        await store.close()
