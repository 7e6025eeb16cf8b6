"""The life of a subscription, as MEC 009 gives it to every API with individually addressable
subscriptions: create (201, Location), test notification when asked, read, find it in the list,
refuse a stale If-Match (412), replace it (PUT), delete it (204) and see it gone (404).

An API's catalogue names its operations with the same keys: ``subscribe``, ``subscription``,
``subscriptions``, ``update_subscription``, ``unsubscribe`` and ``notify_test``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from meclab.conformance.catalogue.model import Api
from meclab.conformance.checks import unwrap
from meclab.conformance.session import Session
from meclab.conformance.suite.common import created_at, lists_href, member_equals, need_ok


def notification_type(body: Any) -> Any:
    """``notificationType`` of a notification, also inside a root element (MEC 013)."""
    if isinstance(body, dict) and "notificationType" not in body and len(body) == 1:
        body = next(iter(body.values()))
    return body.get("notificationType") if isinstance(body, dict) else None


def _inner(body: Any, wrapper: str | None) -> Any:
    return unwrap(body, wrapper)[0] if wrapper else body


async def subscription_life(
    session: Session,
    api: Api,
    kind: str,
    body: dict[str, Any],
    *,
    callback: str,
    links: Callable[[Any], Any],
    list_query: Mapping[str, str] | None = None,
    wrapper: str | None = None,
    prefix: str = "",
) -> None:
    """Run the whole life of one subscription ``body`` (its ``callbackReference`` is
    ``callback``; ``requestTestNotification`` in it asks for the test notification).
    ``kind`` names it in steps; ``links`` finds the link entries in the list's body;
    ``wrapper``: the root element bodies sit in (MEC 013); ``prefix``: of the operation keys,
    where the API has several subscription collections (``users.`` in MEC 013)."""
    sent = {wrapper: body} if wrapper else body
    created = need_ok(await session.call(api, f"{prefix}subscribe", f"create a {kind}", body=sent))
    url = created_at(created, _inner(created.body, wrapper))
    if body.get("requestTestNotification") and "notify_test" in api.operations:
        await session.notification(
            api,
            "notify_test",
            f"test notification of the {kind}",
            callback=callback,
            match=lambda b: notification_type(b) == "TestNotification",
            what="a TestNotification (requestTestNotification: true)",
        )
    inner = lambda b: _inner(b, wrapper)  # noqa: E731
    read = need_ok(
        await session.call(
            api,
            f"{prefix}subscription",
            f"read the {kind}",
            url=url,
            judge=member_equals(
                "callbackReference", callback, api.op(f"{prefix}subscription").clause, inner
            ),
        )
    )
    await session.call(
        api,
        f"{prefix}subscriptions",
        f"list the subscriptions ({kind} listed)",
        query=list_query,
        judge=lists_href(url, api.op(f"{prefix}subscriptions").clause, links),
    )
    current = copy.deepcopy(inner(read.body)) if isinstance(inner(read.body), dict) else dict(body)
    etag = read.headers.get("etag")
    await session.stale_if_match(
        api,
        f"{prefix}update_subscription",
        f"replace the {kind} with a stale If-Match: 412",
        url=url,
        body={wrapper: current} if wrapper else current,
        etag=etag,
    )
    moved = session.receiver.callback(f"{kind}-moved")
    current["callbackReference"] = moved
    current.pop("requestTestNotification", None)
    await session.call(
        api,
        f"{prefix}update_subscription",
        f"replace the {kind} (new callbackReference)",
        url=url,
        body={wrapper: current} if wrapper else current,
        headers={"If-Match": etag} if etag else None,
        judge=member_equals(
            "callbackReference", moved, api.op(f"{prefix}update_subscription").clause, inner
        ),
    )
    need_ok(await session.call(api, f"{prefix}unsubscribe", f"delete the {kind}", url=url))
    await session.call(
        api, f"{prefix}subscription", f"read the {kind} after delete: 404", url=url, expect=404
    )
