"""The subscription registry, shared by every API: storage, lookup, expiry, notification.

An API describes its subscriptions once (:class:`SubscriptionApi`: how to parse a stored body
back into its matching criteria, and how its expiry and test notifications look) and then only
creates, reads, replaces and deletes subscriptions, and asks which ones an event concerns.
Deciding whether a subscription's filter matches an event is the API's job, on the criteria it
parsed; deciding how and when the notification gets there is :mod:`.delivery`'s.

Ownership (issue 12): a subscription belongs to the app instance whose request made it (the
caller, unless the API names its owner, as MEC 011 does by its path). A request resolves one by
:meth:`SubscriptionRegistry.owned` (403 for another app's, :func:`~meclab.platform.access.
check_owner`), and :meth:`SubscriptionRegistry.list` shows a caller only its own; meclab's own
work (:meth:`~SubscriptionRegistry.get`, :meth:`~SubscriptionRegistry.subscribers`) sees them
all.

Expiry (MEC 009 subscriptions with ``expiryDeadline``): at the deadline the API's
ExpiryNotification (where it has one) is sent as the subscription's last notification, and the
subscription is removed.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from meclab.platform.access import check_owner, owner_for_new, visible
from meclab.platform.delivery import Notifier
from meclab.platform.errors import NotFound
from meclab.platform.subscription import Subscription, SubscriptionState
from meclab.platform.wire import TimeStamp
from meclab.store.base import Store

log = logging.getLogger("meclab.subscriptions")

COLLECTION = "subscriptions"


@dataclass(frozen=True, slots=True)
class SubscriptionApi:
    """What the registry needs to know of one API's subscriptions."""

    name: str
    parse: Callable[[str, dict[str, Any]], Any]
    """(subscriptionType, stored body) -> the criteria the API matches events against."""
    expiry_notification: Callable[[Subscription, float], dict[str, Any]] | None = None
    """(subscription, Unix time) -> the ExpiryNotification body, for APIs that define one."""
    test_notification: Callable[[Subscription], dict[str, Any]] | None = None
    """subscription -> the TestNotification body, for APIs that define one."""


class SubscriptionRegistry:
    """All subscriptions of all hosts and APIs."""

    def __init__(
        self,
        store: Store,
        notifier: Notifier,
        *,
        websocket_url: Callable[[str], str],
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.notifier = notifier
        self.websocket_url = websocket_url
        """Subscription id -> the URL its subscriber opens to receive notifications by websocket."""
        self.wall = wall
        self.apis: dict[str, SubscriptionApi] = {}
        self._subs: dict[str, Subscription] = {}
        self._by_kind: dict[tuple[str, str], dict[str, Subscription]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._expiring: set[asyncio.Task[None]] = set()

    def register_api(self, api: SubscriptionApi) -> None:
        """Make an API's subscriptions known (before restoring them)."""
        self.apis[api.name] = api

    # --- lifecycle --------------------------------------------------------------------------

    async def restore(self) -> int:
        """Reload stored subscriptions of registered APIs; how many came back."""
        count = 0
        stored = [Subscription.from_store(data) for _, data in await self.store.items(COLLECTION)]
        # The store lists them by key, a random id: put them back oldest first, as list() says.
        for sub in sorted(stored, key=lambda s: s.created):
            api = self.apis.get(sub.api)
            if api is None:
                log.warning(
                    "stored subscription %s belongs to unknown API %s; kept in store",
                    sub.id,
                    sub.api,
                )
                continue
            sub.criteria = api.parse(sub.type, sub.body)
            self._index(sub)
            self._schedule(sub)
            count += 1
        return count

    async def clear(self) -> None:
        """Forget every subscription (a new scenario was loaded), without notifying."""
        for sub in list(self._subs.values()):
            sub.state = SubscriptionState.DELETED
            self._unindex(sub)
            self.notifier.cancel(sub, "scenario replaced")
        await self.store.clear(COLLECTION)

    def close(self) -> None:
        """Cancel expiry timers (shutting down)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    # --- reading ----------------------------------------------------------------------------

    def get(self, host: str, api: str, sub_id: str) -> Subscription:
        """A live subscription of this host and API; NotFound otherwise."""
        sub = self._subs.get(sub_id)
        if sub is None or sub.host != host or sub.api != api:
            raise NotFound(f"no subscription {sub_id!r}")
        return sub

    def owned(self, host: str, api: str, sub_id: str) -> Subscription:
        """:meth:`get` for a request: NotFound, then Forbidden unless the caller owns it."""
        return self.checked(self.get(host, api, sub_id))

    @staticmethod
    def checked(sub: Subscription, what: str = "subscription") -> Subscription:
        """``sub``, if the caller of the request may act on it (Forbidden otherwise)."""
        check_owner(sub.owner, f"{what} {sub.id}")
        return sub

    def find(self, sub_id: str) -> Subscription | None:
        """A live subscription by id alone (websocket connections name only that)."""
        return self._subs.get(sub_id)

    def list(
        self, host: str, api: str, *, owner: str | None = None, types: Iterable[str] | None = None
    ) -> list[Subscription]:
        """Subscriptions of a host and API that the caller may see, oldest first, optionally
        of one owner or some types."""
        wanted = set(types) if types is not None else None
        return [
            s
            for s in self._by_kind.get((host, api), {}).values()
            if (owner is None or s.owner == owner)
            and (wanted is None or s.type in wanted)
            and visible(s.owner)
        ]

    def subscribers(self, api: str, host: str | None = None) -> list[Subscription]:
        """Live subscriptions of an API (on one host, or on all), for matching an event."""
        if host is not None:
            return list(self._by_kind.get((host, api), {}).values())
        return [s for (h, a), subs in self._by_kind.items() if a == api for s in subs.values()]

    # --- writing ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        host: str,
        api: str,
        type: str,
        body: dict[str, Any],
        href: Callable[[str], str],
        criteria: Any,
        owner: str | None = None,
        callback: str | None = None,
        websocket: bool = False,
        expiry: float | None = None,
        test_notification: bool = False,
    ) -> Subscription:
        """Create a subscription; ``href(id)`` gives its resource URL. Its ``owner`` is the
        app instance given, else the caller's (none for the operator and meclab itself).

        The stored body gets ``_links.self``, the ``expiryDeadline`` and, for a websocket
        subscriber, the ``websocketUri`` to connect to.
        """
        sub_id = uuid.uuid4().hex
        sub = Subscription(
            id=sub_id,
            host=host,
            api=api,
            type=type,
            body={},
            href=href(sub_id),
            owner=owner if owner is not None else owner_for_new(),
            callback=callback,
            websocket=websocket,
            expiry=expiry,
            created=self.wall(),
            criteria=criteria,
        )
        sub.body = self._finish_body(sub, body)
        self._index(sub)
        await self.store.put(COLLECTION, sub.id, sub.to_store())
        self._schedule(sub)
        api_info = self.apis.get(api)
        if test_notification and api_info is not None and api_info.test_notification is not None:
            self.notifier.send(sub, api_info.test_notification(sub))
        return sub

    async def replace(
        self,
        sub: Subscription,
        *,
        body: dict[str, Any],
        criteria: Any,
        callback: str | None,
        websocket: bool,
        expiry: float | None,
    ) -> Subscription:
        """Replace a subscription's body (PUT); id, type, host and owner stay."""
        sub.callback = callback
        sub.websocket = websocket
        sub.expiry = expiry
        sub.criteria = criteria
        sub.body = self._finish_body(sub, body)
        await self.store.put(COLLECTION, sub.id, sub.to_store())
        self._schedule(sub)
        return sub

    async def delete(self, sub: Subscription, *, reason: str = "subscription deleted") -> None:
        """Remove a subscription; whatever it still had pending is recorded as undelivered."""
        sub.end(SubscriptionState.DELETED)
        await self._forget(sub, reason)

    async def delete_owned(self, owner: str) -> int:
        """Remove every subscription an application instance made; how many."""
        owned = [s for s in self._subs.values() if s.owner == owner]
        for sub in owned:
            await self.delete(sub, reason=f"application instance {owner} removed")
        return len(owned)

    def notify(self, sub: Subscription, payload: dict[str, Any], *, final: bool = False) -> None:
        """Queue a notification for a subscription (delivery goes on in the background).

        ``final`` marks the subscription's last notification: an API that ends the
        subscription right after (e.g. MEC 013 once its reports are complete) still has it
        delivered, as an ExpiryNotification is.
        """
        if sub.state is SubscriptionState.ACTIVE:
            self.notifier.send(sub, payload, final=final)

    # --- internals --------------------------------------------------------------------------

    def _finish_body(self, sub: Subscription, body: dict[str, Any]) -> dict[str, Any]:
        out = dict(body)
        links = dict(out.get("_links") or {})
        links["self"] = {"href": sub.href}
        out["_links"] = links
        if sub.expiry is not None and not _names_instant(out.get("expiryDeadline"), sub.expiry):
            out["expiryDeadline"] = TimeStamp.of(sub.expiry).wire()
        if sub.websocket:
            out["websockNotifConfig"] = {
                "websocketUri": self.websocket_url(sub.id),
                "requestWebsocketUri": True,
            }
        return out

    def _index(self, sub: Subscription) -> None:
        self._subs[sub.id] = sub
        self._by_kind.setdefault((sub.host, sub.api), {})[sub.id] = sub

    def _unindex(self, sub: Subscription) -> None:
        self._subs.pop(sub.id, None)
        kind = self._by_kind.get((sub.host, sub.api))
        if kind is not None:
            kind.pop(sub.id, None)
        timer = self._timers.pop(sub.id, None)
        if timer is not None:
            timer.cancel()

    async def _forget(self, sub: Subscription, reason: str) -> None:
        self._unindex(sub)
        await self.store.delete(COLLECTION, sub.id)
        self.notifier.cancel(sub, reason)

    def _schedule(self, sub: Subscription) -> None:
        timer = self._timers.pop(sub.id, None)
        if timer is not None:
            timer.cancel()
        if sub.expiry is None:
            return
        loop = asyncio.get_running_loop()
        delay = max(0.0, sub.expiry - self.wall())

        def fire() -> None:
            task = loop.create_task(self._expire(sub))
            self._expiring.add(task)  # keep a reference until it is done
            task.add_done_callback(self._expiring.discard)

        self._timers[sub.id] = loop.call_later(delay, fire)

    async def _expire(self, sub: Subscription) -> None:
        if sub.state is not SubscriptionState.ACTIVE:
            return
        api = self.apis.get(sub.api)
        if api is not None and api.expiry_notification is not None:
            self.notifier.send(sub, api.expiry_notification(sub, self.wall()), final=True)
        sub.end(SubscriptionState.EXPIRED)
        self._timers.pop(sub.id, None)
        await self._forget(sub, "subscription expired")
        log.info("subscription %s (%s) expired", sub.id, sub.type)


def _names_instant(stamp: Any, unix_s: float) -> bool:
    """Whether a body's TimeStamp is ``unix_s``. The client's own is then kept as it wrote it: a
    float of Unix seconds holds them only to about 0.2 µs, so rebuilding it would alter its
    nanoSeconds."""
    if not isinstance(stamp, dict):
        return False
    try:
        given = float(stamp.get("seconds", 0)) + float(stamp.get("nanoSeconds", 0)) / 1e9
    except (TypeError, ValueError):
        return False
    return abs(given - unix_s) < 1e-6
