"""The shared registry's ownership (issue 12): who owns a new subscription, what a request may
resolve and list, and what meclab's own work still sees."""

from __future__ import annotations

import pytest

from meclab.platform.errors import Forbidden
from meclab.platform.subscriptions import SubscriptionRegistry
from meclab.security.credentials import OPERATOR
from meclab.security.principal import Principal, acting_as

API = "test-api"
A = Principal("app-a", frozenset())
B = Principal("app-b", frozenset())


async def make(registry: SubscriptionRegistry, owner: str | None = None) -> str:
    sub = await registry.create(
        host="mec-1",
        api=API,
        type="CellChangeSubscription",
        body={"subscriptionType": "CellChangeSubscription"},
        href=lambda i: f"http://meclab.test/subs/{i}",
        criteria=None,
        owner=owner,
        callback="http://127.0.0.1:9/",
    )
    return sub.id


async def test_the_caller_owns_what_it_creates_unless_the_api_names_the_owner(
    registry: SubscriptionRegistry,
) -> None:
    with acting_as(A):
        mine = await make(registry)
        named = await make(registry, owner="app-c")
    with acting_as(Principal(OPERATOR, frozenset())):
        operators = await make(registry)
    assert registry.get("mec-1", API, mine).owner == "app-a"
    assert registry.get("mec-1", API, named).owner == "app-c"
    assert registry.get("mec-1", API, operators).owner is None
    assert registry.get("mec-1", API, await make(registry)).owner is None  # open mode


async def test_a_request_resolves_and_lists_only_its_own(registry: SubscriptionRegistry) -> None:
    with acting_as(A):
        sub_id = await make(registry)
    with acting_as(B):
        with pytest.raises(Forbidden, match=f"subscription {sub_id} belongs to .* app-a"):
            registry.owned("mec-1", API, sub_id)
        assert registry.list("mec-1", API) == []
        # meclab's own lookups are unchanged (an API's resolver may check by itself).
        assert registry.get("mec-1", API, sub_id).id == sub_id
        assert [s.id for s in registry.subscribers(API, "mec-1")] == [sub_id]
    with acting_as(A):
        assert registry.owned("mec-1", API, sub_id).id == sub_id
        assert [s.id for s in registry.list("mec-1", API)] == [sub_id]
    assert [s.id for s in registry.list("mec-1", API)] == [sub_id]
    assert registry.owned("mec-1", API, sub_id).id == sub_id
