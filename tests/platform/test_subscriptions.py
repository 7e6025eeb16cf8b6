"""The shared subscription registry (meclab/platform/subscriptions.py and subscription.py)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import until
from platform_helpers import FAST, note
from receiver import Receiver

from meclab.errors import StatusError
from meclab.metrics import Metrics
from meclab.platform.delivery import Notifier
from meclab.platform.errors import Conflict, NotFound
from meclab.platform.subscription import Subscription, SubscriptionState
from meclab.platform.subscriptions import COLLECTION, SubscriptionApi, SubscriptionRegistry
from meclab.platform.wire import TimeStamp
from meclab.store.sqlite import SqliteStore

API = "test_api"
OTHER_API = "other_api"


def href(sub_id: str) -> str:
    return f"http://meclab.test/test/v1/subscriptions/{sub_id}"


class Parsed:
    """What an API's parse makes of a stored body: here, the body and type it was given."""

    def __init__(self, type: str, body: dict[str, Any]) -> None:
        self.type = type
        self.filter = body.get("filter")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Parsed) and (self.type, self.filter) == (other.type, other.filter)

    __hash__ = None  # type: ignore[assignment]


def api(
    name: str = API,
    *,
    expiry: bool = False,
    test: bool = False,
    parsed: list[tuple[str, dict[str, Any]]] | None = None,
) -> SubscriptionApi:
    def parse(type: str, body: dict[str, Any]) -> Parsed:
        if parsed is not None:
            parsed.append((type, body))
        return Parsed(type, body)

    def expiry_notification(sub: Subscription, now: float) -> dict[str, Any]:
        return {
            "notificationType": "ExpiryNotification",
            "subscriptionId": sub.id,
            "expiryDeadline": sub.body["expiryDeadline"],
        }

    def test_notification(sub: Subscription) -> dict[str, Any]:
        return {"notificationType": "TestNotification", "subscriptionId": sub.id}

    return SubscriptionApi(
        name,
        parse=parse,
        expiry_notification=expiry_notification if expiry else None,
        test_notification=test_notification if test else None,
    )


async def create(
    registry: SubscriptionRegistry,
    *,
    host: str = "mec-1",
    api_name: str = API,
    type: str = "CellChangeSubscription",
    body: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Subscription:
    body = {"subscriptionType": type, **(body or {})}
    return await registry.create(
        host=host,
        api=api_name,
        type=type,
        body=body,
        href=href,
        criteria=Parsed(type, body),
        **kwargs,
    )


# --- create, read, replace, delete ------------------------------------------------------------


async def test_create_sets_links_deadline_and_stores_the_subscription(
    registry: SubscriptionRegistry, store: SqliteStore
) -> None:
    registry.register_api(api())
    deadline = 1_900_000_000.25
    sub = await create(
        registry,
        body={
            "callbackReference": "http://cb/x",
            "filter": "a",
            "_links": {"other": {"href": "o"}},
        },
        callback="http://cb/x",
        owner="app-1",
        expiry=deadline,
    )
    assert len(sub.id) == 32 and int(sub.id, 16) >= 0
    assert sub.href == href(sub.id)
    assert sub.state is SubscriptionState.ACTIVE
    assert sub.body == {
        "subscriptionType": "CellChangeSubscription",
        "callbackReference": "http://cb/x",
        "filter": "a",
        "_links": {"other": {"href": "o"}, "self": {"href": href(sub.id)}},
        "expiryDeadline": {"seconds": 1_900_000_000, "nanoSeconds": 250_000_000},
    }
    assert "websockNotifConfig" not in sub.body
    assert await store.get(COLLECTION, sub.id) == sub.to_store()
    assert registry.get("mec-1", API, sub.id) is sub
    assert registry.find(sub.id) is sub


async def test_a_websocket_subscription_gets_the_uri_to_connect_to(
    registry: SubscriptionRegistry,
) -> None:
    sub = await create(
        registry, body={"websockNotifConfig": {"requestWebsocketUri": True}}, websocket=True
    )
    assert sub.body["websockNotifConfig"] == {
        "websocketUri": f"ws://meclab.test/ws/{sub.id}",
        "requestWebsocketUri": True,
    }
    assert sub.callback is None


async def test_get_with_another_host_or_api_is_not_found(registry: SubscriptionRegistry) -> None:
    sub = await create(registry)
    for host, api_name, sub_id in [
        ("mec-2", API, sub.id),
        ("mec-1", OTHER_API, sub.id),
        ("mec-1", API, "0" * 32),
    ]:
        with pytest.raises(NotFound) as caught:
            registry.get(host, api_name, sub_id)
        assert caught.value.status == 404
        assert sub_id in caught.value.detail
    assert registry.list("mec-2", API) == []
    assert registry.list("mec-1", OTHER_API) == []


async def test_list_by_host_and_api_oldest_first_filtered_by_owner_and_types(
    registry: SubscriptionRegistry,
) -> None:
    a = await create(registry, owner="app-1")
    b = await create(registry, type="UeEnteringSubscription", owner="app-2")
    c = await create(registry, type="UeLeavingSubscription", owner="app-1")
    elsewhere = await create(registry, host="mec-2", owner="app-1")
    other = await create(registry, api_name=OTHER_API, owner="app-1")

    assert registry.list("mec-1", API) == [a, b, c]
    assert registry.list("mec-1", API, owner="app-1") == [a, c]
    assert registry.list("mec-1", API, owner="app-3") == []
    assert registry.list("mec-1", API, types=["UeEnteringSubscription"]) == [b]
    assert registry.list(
        "mec-1", API, owner="app-1", types={"UeLeavingSubscription", "UeEnteringSubscription"}
    ) == [c]
    assert registry.list("mec-1", API, types=[]) == []
    assert registry.list("mec-2", API) == [elsewhere]
    assert registry.subscribers(API, "mec-1") == [a, b, c]
    assert registry.subscribers(API) == [a, b, c, elsewhere]
    assert registry.subscribers(OTHER_API) == [other]


async def test_replace_changes_the_body_and_keeps_id_type_host_owner(
    registry: SubscriptionRegistry, store: SqliteStore
) -> None:
    sub = await create(registry, owner="app-1", callback="http://cb/1", body={"filter": "a"})
    first_id = sub.id
    new_body = {"subscriptionType": "CellChangeSubscription", "filter": "b"}
    same = await registry.replace(
        sub,
        body=new_body,
        criteria=Parsed("CellChangeSubscription", new_body),
        callback="http://cb/2",
        websocket=False,
        expiry=1_900_000_000.0,
    )
    assert same is sub
    assert (sub.id, sub.type, sub.host, sub.owner) == (
        first_id,
        "CellChangeSubscription",
        "mec-1",
        "app-1",
    )
    assert sub.callback == "http://cb/2"
    assert sub.criteria == Parsed("CellChangeSubscription", {"filter": "b"})
    assert sub.body == {
        "subscriptionType": "CellChangeSubscription",
        "filter": "b",
        "_links": {"self": {"href": href(first_id)}},
        "expiryDeadline": {"seconds": 1_900_000_000, "nanoSeconds": 0},
    }
    assert (await store.get(COLLECTION, sub.id))["body"] == sub.body
    assert (await store.get(COLLECTION, sub.id))["callback"] == "http://cb/2"


async def test_delete_forgets_the_subscription_everywhere(
    registry: SubscriptionRegistry, store: SqliteStore
) -> None:
    keep = await create(registry)
    sub = await create(registry)
    await registry.delete(sub)
    assert sub.state is SubscriptionState.DELETED
    assert registry.find(sub.id) is None
    assert registry.list("mec-1", API) == [keep]
    assert await store.get(COLLECTION, sub.id) is None
    with pytest.raises(NotFound):
        registry.get("mec-1", API, sub.id)
    with pytest.raises(Conflict) as caught:
        await registry.delete(sub)
    assert caught.value.status == 409
    assert sub.state is SubscriptionState.DELETED


async def test_delete_owned_removes_only_that_owners_subscriptions(
    registry: SubscriptionRegistry,
) -> None:
    mine = [
        await create(registry, owner="app-1"),
        await create(registry, host="mec-2", owner="app-1"),
    ]
    theirs = await create(registry, owner="app-2")
    unowned = await create(registry)
    assert await registry.delete_owned("app-1") == 2
    assert all(s.state is SubscriptionState.DELETED for s in mine)
    assert registry.list("mec-1", API) == [theirs, unowned]
    assert registry.list("mec-2", API) == []
    assert await registry.delete_owned("app-1") == 0


def test_the_subscription_state_table() -> None:
    def fresh() -> Subscription:
        return Subscription(id="s", host="h", api=API, type="T", body={}, href="x")

    for end in (SubscriptionState.DELETED, SubscriptionState.EXPIRED):
        sub = fresh()
        sub.end(end)
        assert sub.state is end
        for again in SubscriptionState:
            with pytest.raises(Conflict):
                sub.end(again)
            assert sub.state is end
    with pytest.raises(Conflict):
        fresh().end(SubscriptionState.ACTIVE)


def test_to_store_and_back_is_the_same_subscription() -> None:
    sub = Subscription(
        id="s1",
        host="mec-1",
        api=API,
        type="T",
        body={"a": [1, 2], "_links": {"self": {"href": "x"}}},
        href="x",
        owner="app-1",
        callback="http://cb",
        websocket=False,
        expiry=1_900_000_000.5,
        created=1_800_000_000.0,
    )
    back = Subscription.from_store(sub.to_store())
    assert back == sub
    assert back.state is SubscriptionState.ACTIVE


# --- notifications ----------------------------------------------------------------------------


async def test_notify_delivers_to_the_callback(
    registry: SubscriptionRegistry, receiver: Receiver
) -> None:
    url = receiver.url("/cb")
    sub = await create(registry, callback=url)
    registry.notify(sub, note(1))
    registry.notify(sub, note(2))
    await until(lambda: len(receiver.bodies()) == 2, "two notifications")
    assert receiver.bodies() == [note(1), note(2)]


async def test_a_test_notification_is_sent_on_create_only_when_asked(
    registry: SubscriptionRegistry, receiver: Receiver, notifier: Notifier
) -> None:
    registry.register_api(api(test=True))
    asked = await create(registry, callback=receiver.url("/asked"), test_notification=True)
    not_asked = await create(registry, callback=receiver.url("/not-asked"))
    await until(lambda: len(receiver.bodies()) == 1, "the test notification")
    assert receiver.requests[0].path == "/asked"
    assert receiver.bodies() == [
        {"notificationType": "TestNotification", "subscriptionId": asked.id}
    ]
    assert notifier.pending(not_asked.id) == 0


async def test_no_test_notification_for_an_api_without_one(
    registry: SubscriptionRegistry, notifier: Notifier
) -> None:
    registry.register_api(api(test=False))
    sub = await create(registry, callback="http://127.0.0.1:9/never", test_notification=True)
    assert notifier.pending(sub.id) == 0


# --- expiry -----------------------------------------------------------------------------------


async def test_at_its_deadline_a_subscription_gets_one_expiry_notification_and_goes(
    registry: SubscriptionRegistry, receiver: Receiver, store: SqliteStore
) -> None:
    registry.register_api(api(expiry=True))
    url = receiver.url("/exp")
    deadline = time.time() + 0.15
    sub = await create(registry, callback=url, expiry=deadline)
    lasting = await create(registry, callback=receiver.url("/lasting"))
    assert registry.find(sub.id) is sub

    await until(lambda: receiver.bodies() != [], "the ExpiryNotification")
    assert sub.state is SubscriptionState.EXPIRED
    assert registry.find(sub.id) is None
    assert registry.list("mec-1", API) == [lasting]
    assert await store.get(COLLECTION, sub.id) is None
    registry.notify(sub, note(1))  # too late: ignored
    await asyncio.sleep(0.1)  # room for a duplicate or a late notification to show up
    assert receiver.bodies() == [
        {
            "notificationType": "ExpiryNotification",
            "subscriptionId": sub.id,
            "expiryDeadline": TimeStamp.of(deadline).wire(),
        }
    ]
    assert lasting.state is SubscriptionState.ACTIVE


async def test_without_an_expiry_notification_pending_ones_are_recorded(
    registry: SubscriptionRegistry, receiver: Receiver, notifier: Notifier
) -> None:
    registry.register_api(api(expiry=False))
    receiver.status = 503
    sub = await create(registry, callback=receiver.url("/x"), expiry=time.time() + 0.1)
    registry.notify(sub, note(1, kind="Pending"))
    await until(lambda: sub.state is SubscriptionState.EXPIRED, "the deadline")
    assert registry.find(sub.id) is None
    assert [(u.notification_type, u.reason) for u in notifier.undelivered] == [
        ("Pending", "subscription expired")
    ]


async def test_replace_moves_or_removes_the_deadline(
    registry: SubscriptionRegistry, receiver: Receiver
) -> None:
    registry.register_api(api(expiry=True))
    url = receiver.url("/moved")
    sub = await create(registry, callback=url, expiry=time.time() + 0.1)
    body = {"subscriptionType": sub.type}
    await registry.replace(
        sub, body=body, criteria=None, callback=url, websocket=False, expiry=time.time() + 60
    )
    cleared = await create(registry, callback=url, expiry=time.time() + 0.1)
    await registry.replace(
        cleared, body=body, criteria=None, callback=url, websocket=False, expiry=None
    )
    assert "expiryDeadline" not in cleared.body
    soon = await create(registry, callback=url, expiry=time.time() + 0.15)
    await until(lambda: soon.state is SubscriptionState.EXPIRED, "a later deadline")
    assert sub.state is SubscriptionState.ACTIVE
    assert cleared.state is SubscriptionState.ACTIVE


# --- restart ----------------------------------------------------------------------------------


async def test_a_new_registry_on_the_same_file_restores_subscriptions_and_sends_nothing(
    tmp_path: Path, receiver: Receiver, metrics: Metrics
) -> None:
    path = tmp_path / "restart.sqlite"
    url = receiver.url("/restored")
    clock = iter(float(1_800_000_000 + i) for i in range(100))

    def fresh(store: SqliteStore, wall: Callable[[], float]) -> SubscriptionRegistry:
        return SubscriptionRegistry(
            store,
            Notifier(policy=FAST, metrics=metrics),
            websocket_url=lambda i: f"ws://meclab.test/ws/{i}",
            wall=wall,
        )

    store = SqliteStore(path)
    first = fresh(store, lambda: next(clock))
    first.register_api(api())
    first.register_api(api(OTHER_API))
    made = [
        await create(first, body={"filter": f"f{i}"}, callback=url, owner=f"app-{i % 2}")
        for i in range(6)
    ]
    orphan = await create(first, api_name=OTHER_API, callback=url)
    first.close()
    await first.notifier.close()
    await store.close()

    store = SqliteStore(path)
    parsed: list[tuple[str, dict[str, Any]]] = []
    second = fresh(store, time.time)
    second.register_api(api(parsed=parsed))  # OTHER_API is not known after the restart
    try:
        assert await second.restore() == 6
        restored = second.list("mec-1", API)
        assert [s.id for s in restored] == [s.id for s in made]  # oldest first, as before
        for old, new in zip(made, restored, strict=True):
            assert new.to_store() == old.to_store()
            assert new.criteria == Parsed("CellChangeSubscription", old.body)
            assert new.state is SubscriptionState.ACTIVE
        assert sorted(b["filter"] for _, b in parsed) == [f"f{i}" for i in range(6)]
        assert second.list("mec-1", API, owner="app-1") == [restored[1], restored[3], restored[5]]
        assert second.find(orphan.id) is None
        assert await store.get(COLLECTION, orphan.id) is not None  # kept for its API
        await asyncio.sleep(0.05)
        assert receiver.requests == []
        assert second.notifier.pending_total() == 0

        second.notify(restored[0], note(1))  # and they work
        await until(lambda: len(receiver.bodies()) == 1, "a notification after restore")
    finally:
        second.close()
        await second.notifier.close()
        await store.close()


async def test_a_deadline_survives_a_restart(
    tmp_path: Path, receiver: Receiver, metrics: Metrics
) -> None:
    path = tmp_path / "deadline.sqlite"
    url = receiver.url("/deadline")
    store = SqliteStore(path)
    first = SubscriptionRegistry(store, Notifier(policy=FAST), websocket_url=str)
    first.register_api(api(expiry=True))
    sub = await create(first, callback=url, expiry=time.time() + 0.2)
    first.close()
    await first.notifier.close()
    await store.close()

    store = SqliteStore(path)
    second = SubscriptionRegistry(store, Notifier(policy=FAST, metrics=metrics), websocket_url=str)
    second.register_api(api(expiry=True))
    try:
        assert await second.restore() == 1
        await until(lambda: receiver.bodies() != [], "the ExpiryNotification after restart")
        assert [b["subscriptionId"] for b in receiver.bodies()] == [sub.id]
        assert second.find(sub.id) is None
        assert await store.get(COLLECTION, sub.id) is None
    finally:
        second.close()
        await second.notifier.close()
        await store.close()


async def test_clear_forgets_everything_without_notifying(
    registry: SubscriptionRegistry, receiver: Receiver, store: SqliteStore, notifier: Notifier
) -> None:
    registry.register_api(api(expiry=True))
    receiver.status = 503
    subs = [
        await create(registry, callback=receiver.url("/c"), expiry=time.time() + 0.1),
        await create(registry, host="mec-2", callback=receiver.url("/c")),
    ]
    registry.notify(subs[1], note(1, kind="Pending"))
    await registry.clear()
    assert all(s.state is SubscriptionState.DELETED for s in subs)
    assert registry.list("mec-1", API) == [] and registry.list("mec-2", API) == []
    assert await store.items(COLLECTION) == []
    assert [(u.notification_type, u.reason) for u in notifier.undelivered] == [
        ("Pending", "scenario replaced")
    ]
    await asyncio.sleep(0.2)  # past the first one's deadline: its timer was cancelled
    assert all(r.body["notificationType"] != "ExpiryNotification" for r in receiver.requests)
    assert notifier.pending_total() == 0


def test_platform_errors_are_status_errors() -> None:
    assert issubclass(NotFound, StatusError) and NotFound("x").status == 404
    assert Conflict("x").status == 409
