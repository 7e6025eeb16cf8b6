"""Application instances (meclab/platform/apps.py) and the platforms built from a scenario
(meclab/platform/platform.py): state table, loading, effective rules, removal, resume."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from platform_helpers import FAST, four_hosts_doc
from receiver import Receiver

from meclab.engine.world import World
from meclab.platform.apps import (
    AppAction,
    AppInstance,
    AppState,
    IllegalTransition,
    OperationAction,
)
from meclab.platform.delivery import Notifier
from meclab.platform.errors import Forbidden, NotFound
from meclab.platform.platform import APPS, SERVICES, Platforms
from meclab.platform.rules import DnsRule, TrafficRule
from meclab.platform.service_info import ChangeType, ServiceInfo, ServiceState
from meclab.platform.services import ServiceChange
from meclab.platform.subscriptions import SubscriptionApi
from meclab.scenario.model import LocalityType, RuleState, Scenario
from meclab.store.sqlite import SqliteStore

INST, READY, TERM = AppState.INSTANTIATED, AppState.READY, AppState.TERMINATING

LEGAL = {
    (INST, AppAction.CONFIRM_READY): READY,
    (INST, AppAction.TERMINATE): TERM,
    (READY, AppAction.TERMINATE): TERM,
    (TERM, AppAction.CONFIRM_TERMINATION): TERM,
}
"""MEC 011 clauses 5.2.2 and 5.2.3, written out independently of the module's table."""


def instance(state: AppState = INST, **extra: Any) -> AppInstance:
    return AppInstance(
        app_instance_id="app-1",
        host="h1",
        app_name="demo",
        app_provider="acme",
        state=state,
        **extra,
    )


# --- the state table --------------------------------------------------------------------------


@pytest.mark.parametrize("action", list(AppAction))
@pytest.mark.parametrize("state", list(AppState))
def test_every_move_of_the_state_table(state: AppState, action: AppAction) -> None:
    app = instance(state)
    if (state, action) in LEGAL:
        assert app.apply(action) is LEGAL[(state, action)]
        assert app.state is LEGAL[(state, action)]
        return
    with pytest.raises(IllegalTransition) as caught:
        app.apply(action)
    assert app.state is state  # unchanged
    err = caught.value
    assert (err.status, err.state, err.action) == (409, state, action)
    assert err.detail == f"application instance app-1 is {state}; {action} is not allowed now"


def test_ready_only_in_ready() -> None:
    assert [s for s in AppState if instance(s).ready] == [READY]


def test_an_instance_survives_the_store_round_trip() -> None:
    app = instance(
        TERM,
        name="demo-1",
        emulated=False,
        version="2.1",
        registration={"appName": "demo", "isInsByMec": False},
        dns_rules={
            "d1": DnsRule(
                dnsRuleId="d1",
                domainName="a.example",
                ipAddressType="IP_V4",
                ipAddress="10.0.0.1",
                ttl=30,
                state="ACTIVE",
            )
        },
        traffic_rules={
            "t1": TrafficRule(
                trafficRuleId="t1",
                filterType="FLOW",
                priority=3,
                trafficFilter=[{"dstAddress": ["10.0.0.0/24"], "dstPort": ["80-90"]}],
                action="DROP",
                state="INACTIVE",
            )
        },
        operation=OperationAction.STOPPING,
        termination_confirmed=True,
    )
    stored = json.loads(json.dumps(app.to_store()))  # as the SQLite store keeps it
    assert AppInstance.from_store(stored) == app
    bare = instance()
    assert AppInstance.from_store(json.loads(json.dumps(bare.to_store()))) == bare


# --- platforms built from a scenario ----------------------------------------------------------

FILTER = [{"dst_address": ["10.1.0.0/24"]}]

APPS_DOC = {
    "h1": [
        {
            "name": "emu-app",
            "services_produced": [
                {"name": "svc-a", "scope_of_locality": "ZONE", "consumed_local_only": False},
                {"name": "svc-b", "liveness_interval_s": 5},
            ],
            "dns_rules": [
                {"id": "d1", "domain_name": "emu.example", "ip_address": "10.1.0.1"},
                {
                    "id": "d2",
                    "domain_name": "off.example",
                    "ip_address": "10.1.0.2",
                    "state": "INACTIVE",
                },
            ],
            "traffic_rules": [
                {"id": "t-low", "priority": 5, "filters": FILTER, "action": "PASSTHROUGH"},
                {"id": "t-high", "priority": 0, "filters": FILTER, "action": "DROP"},
                {
                    "id": "t-off",
                    "priority": 1,
                    "filters": FILTER,
                    "action": "DROP",
                    "state": "INACTIVE",
                },
            ],
        },
        {
            "name": "own-app",
            "emulated": False,
            "app_instance_id": "own-1",
            "services_produced": [{"name": "svc-c"}],
            "dns_rules": [{"id": "d3", "domain_name": "own.example", "ip_address": "10.1.0.3"}],
            "traffic_rules": [
                {"id": "t-mid", "priority": 3, "filters": FILTER, "action": "PASSTHROUGH"}
            ],
        },
    ],
    "h2": [
        {
            "name": "other-app",
            "dns_rules": [{"id": "d4", "domain_name": "emu.example", "ip_address": "10.2.0.1"}],
        }
    ],
}


def world() -> World:
    return World(Scenario.model_validate(four_hosts_doc(APPS_DOC)))


class Listeners:
    """Every listener a platform has, writing down what they are told."""

    def __init__(self, platforms: Platforms) -> None:
        self.services: list[tuple[ChangeType, str]] = []
        self.rules: list[str] = []
        self.resets = 0
        platforms.services.listeners.append(self._service)
        platforms.rules_listeners.append(self._rules)
        platforms.reset_listeners.append(self._reset)

    async def _service(self, change: ServiceChange) -> None:
        self.services.append((change.change, change.record.info.serName))

    async def _rules(self, app: AppInstance) -> None:
        self.rules.append(app.name or app.app_instance_id)

    async def _reset(self) -> None:
        self.resets += 1

    def quiet(self) -> bool:
        return not self.services and not self.rules and not self.resets


@pytest.fixture
async def platforms(store: SqliteStore, notifier: Notifier) -> AsyncIterator[Platforms]:
    p = Platforms(store, base_url="http://meclab.test", notifier=notifier)
    try:
        yield p
    finally:
        await p.stop()


async def test_load_instantiates_the_scenario_apps(
    platforms: Platforms, store: SqliteStore
) -> None:
    heard = Listeners(platforms)
    await platforms.load(world(), resumed=False)
    assert heard.resets == 1
    assert heard.services == [(ChangeType.ADDED, "svc-a"), (ChangeType.ADDED, "svc-b")]

    emu = platforms.app_named("emu-app")
    own = platforms.app_named("own-1")  # by appInstanceId too
    other = platforms.app("h2", platforms.app_named("other-app").app_instance_id)
    assert (emu.state, emu.emulated, emu.host) == (READY, True, "h1")
    assert (own.state, own.emulated, own.name) == (INST, False, "own-app")
    assert (other.state, other.host) == (READY, "h2")
    assert [a.name for a in platforms.apps_on("h1")] == ["emu-app", "own-app"]

    services = platforms.services.owned_by(emu.app_instance_id)
    assert [r.info.serName for r in services] == ["svc-a", "svc-b"]
    assert all(
        r.emulated and r.host == "h1" and r.info.state is ServiceState.ACTIVE for r in services
    )
    svc_a, svc_b = services
    assert (svc_a.info.scopeOfLocality, svc_a.info.consumedLocalOnly) == (LocalityType.ZONE, False)
    assert svc_a.info.transportInfo is not None
    assert svc_a.info.transportInfo.endpoint.uris == ["http://emu-app.meclab.local/svc-a"]
    assert svc_b.info.livenessInterval == 5
    assert platforms.services.owned_by("own-1") == []  # not READY: it registers itself

    for app in (emu, own, other):
        assert await store.get(APPS, app.app_instance_id) == app.to_store()
    assert len(await store.items(SERVICES)) == 2

    with pytest.raises(NotFound):
        platforms.app("h2", emu.app_instance_id)  # it lives on h1
    with pytest.raises(NotFound):
        platforms.app_named("ghost")
    with pytest.raises(Forbidden) as caught:
        platforms.require_ready(own)
    assert caught.value.status == 403
    platforms.require_ready(emu)


def ids(pairs: list[tuple[AppInstance, Any]]) -> list[tuple[str | None, str]]:
    return [
        (app.name, rule.dnsRuleId if isinstance(rule, DnsRule) else rule.trafficRuleId)
        for app, rule in pairs
    ]


async def test_only_active_rules_of_ready_instances_act_by_priority(
    platforms: Platforms, store: SqliteStore
) -> None:
    await platforms.load(world(), resumed=False)
    heard = Listeners(platforms)
    assert ids(platforms.effective_dns_rules("h1")) == [("emu-app", "d1")]
    assert ids(platforms.effective_traffic_rules("h1")) == [
        ("emu-app", "t-high"),
        ("emu-app", "t-low"),
    ]
    assert ids(platforms.effective_dns_rules("h2")) == [("other-app", "d4")]
    assert platforms.effective_traffic_rules("h3") == []

    own = platforms.app_named("own-app")
    assert await platforms.transition(own, AppAction.CONFIRM_READY) is READY
    assert heard.rules == ["own-app"]
    assert (await store.get(APPS, "own-1"))["state"] == "READY"
    assert ids(platforms.effective_dns_rules("h1")) == [("emu-app", "d1"), ("own-app", "d3")]
    assert ids(platforms.effective_traffic_rules("h1")) == [
        ("emu-app", "t-high"),
        ("own-app", "t-mid"),
        ("emu-app", "t-low"),
    ]

    # Replacing a rule: its new state and priority act at once, and the data plane is told.
    emu = platforms.app_named("emu-app")
    low = emu.traffic_rules["t-low"].model_copy(update={"priority": 1})
    await platforms.put_traffic_rule(emu, low)
    off = emu.dns_rules["d1"].model_copy(update={"state": RuleState.INACTIVE})
    await platforms.put_dns_rule(emu, DnsRule.model_validate(off.wire()))
    assert heard.rules == ["own-app", "emu-app", "emu-app"]
    assert ids(platforms.effective_traffic_rules("h1"))[:2] == [
        ("emu-app", "t-high"),
        ("emu-app", "t-low"),
    ]
    assert ids(platforms.effective_dns_rules("h1")) == [("own-app", "d3")]
    stored = AppInstance.from_store(await store.get(APPS, emu.app_instance_id))
    assert stored.traffic_rules["t-low"].priority == 1
    with pytest.raises(NotFound):
        await platforms.put_dns_rule(emu, DnsRule.model_validate({**off.wire(), "dnsRuleId": "dx"}))
    with pytest.raises(NotFound):
        await platforms.put_traffic_rule(emu, low.model_copy(update={"trafficRuleId": "tx"}))


async def test_terminating_a_ready_instance_stops_its_rules_and_says_so(
    platforms: Platforms, store: SqliteStore
) -> None:
    await platforms.load(world(), resumed=False)
    heard = Listeners(platforms)
    emu = platforms.app_named("emu-app")
    assert await platforms.transition(emu, AppAction.TERMINATE) is TERM
    assert platforms.effective_dns_rules("h1") == []
    assert platforms.effective_traffic_rules("h1") == []
    assert heard.rules == ["emu-app"]  # the data plane must drop them now
    assert (await store.get(APPS, emu.app_instance_id))["state"] == "TERMINATING"

    own = platforms.app_named("own-app")  # INSTANTIATED: its rules never acted
    await platforms.transition(own, AppAction.TERMINATE)
    assert heard.rules == ["emu-app"]

    with pytest.raises(IllegalTransition):
        await platforms.transition(emu, AppAction.CONFIRM_READY)
    assert (
        emu.state is TERM and (await store.get(APPS, emu.app_instance_id))["state"] == "TERMINATING"
    )


async def test_remove_app_takes_its_services_rules_and_subscriptions(
    platforms: Platforms, store: SqliteStore
) -> None:
    await platforms.load(world(), resumed=False)
    platforms.subscriptions.register_api(SubscriptionApi("test_api", parse=lambda _t, b: b))
    emu = platforms.app_named("emu-app")

    async def subscribe(owner: str | None) -> Any:
        return await platforms.subscriptions.create(
            host="h1",
            api="test_api",
            type="TestSubscription",
            body={},
            href=lambda i: f"http://meclab.test/subs/{i}",
            criteria=None,
            owner=owner,
            callback="http://127.0.0.1:9/cb",
        )

    owned = await subscribe(emu.app_instance_id)
    kept = await subscribe("own-1")
    heard = Listeners(platforms)

    await platforms.remove_app(emu)
    assert sorted(heard.services) == [(ChangeType.REMOVED, "svc-a"), (ChangeType.REMOVED, "svc-b")]
    assert platforms.services.owned_by(emu.app_instance_id) == []
    assert await store.items(SERVICES) == []
    assert platforms.subscriptions.find(owned.id) is None
    assert platforms.subscriptions.find(kept.id) is kept
    assert emu.app_instance_id not in platforms.apps
    assert await store.get(APPS, emu.app_instance_id) is None
    assert heard.rules == ["emu-app"]
    assert platforms.effective_traffic_rules("h1") == []
    with pytest.raises(NotFound):
        platforms.app_named("emu-app")


async def test_add_app_assigns_an_id_and_stores_it(
    platforms: Platforms, store: SqliteStore
) -> None:
    await platforms.load(world(), resumed=False)
    app = AppInstance(
        app_instance_id="", host="h3", app_name="late", app_provider="acme", state=INST
    )
    await platforms.add_app(app)
    assert len(app.app_instance_id) == 36
    assert platforms.apps_on("h3") == [app]
    assert await store.get(APPS, app.app_instance_id) == app.to_store()


# --- restart ----------------------------------------------------------------------------------


def parse_api(parsed: list[str]) -> SubscriptionApi:
    def parse(type: str, body: dict[str, Any]) -> str:
        parsed.append(type)
        return f"criteria of {type}"

    return SubscriptionApi("test_api", parse=parse)


async def test_resume_restores_everything_without_telling_anyone(
    tmp_path: Path, receiver: Receiver
) -> None:
    path = tmp_path / "resume.sqlite"
    store = SqliteStore(path)
    first = Platforms(store, notifier=Notifier(policy=FAST))
    await first.load(world(), resumed=False)
    first.subscriptions.register_api(parse_api([]))
    own = first.app_named("own-app")
    await first.transition(own, AppAction.CONFIRM_READY)
    own_service = ServiceInfo(serName="svc-c", version="1", state="ACTIVE", serializer="JSON")
    await first.services.add("h1", "own-1", own_service, 50.0)
    sub = await first.subscriptions.create(
        host="h1",
        api="test_api",
        type="TestSubscription",
        body={"callbackReference": receiver.url()},
        href=lambda i: f"http://meclab.test/subs/{i}",
        criteria="criteria of TestSubscription",
        owner="own-1",
        callback=receiver.url(),
    )
    apps_before = {k: a.to_store() for k, a in first.apps.items()}
    services_before = [r.to_store() for r in first.services.records.values()]
    await first.stop()
    await store.close()

    store = SqliteStore(path)
    second = Platforms(store, notifier=Notifier(policy=FAST))
    parsed: list[str] = []
    second.subscriptions.register_api(parse_api(parsed))
    heard = Listeners(second)
    try:
        await second.load(world(), resumed=True)
        assert heard.quiet()
        assert {k: a.to_store() for k, a in second.apps.items()} == apps_before
        assert second.app_named("own-app").state is READY
        assert [r.to_store() for r in second.services.records.values()] == services_before
        back = second.subscriptions.get("h1", "test_api", sub.id)
        assert back.to_store() == sub.to_store()
        assert back.criteria == "criteria of TestSubscription" and parsed == ["TestSubscription"]
        assert ids(second.effective_dns_rules("h1")) == [("emu-app", "d1"), ("own-app", "d3")]
        assert receiver.requests == []

        # A new scenario (not a resume) starts again from the scenario.
        await second.load(world(), resumed=False)
        assert heard.resets == 1
        assert second.app_named("own-app").state is INST
        assert second.subscriptions.find(sub.id) is None
        assert [name for _, name in heard.services] == ["svc-a", "svc-b"]
    finally:
        await second.stop()
        await store.close()
