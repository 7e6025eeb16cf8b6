"""``Subscription``: a handle on one subscription resource, which can keep itself alive.

A subscription made with an ``expiryDeadline`` (RNIS, WAI, Location v3; MEC 009 clause 6.12)
or a ``duration`` (Location v2.2.1) ends at that time. :meth:`Subscription.renew_before` starts
a task that, ``margin_s`` before the end, PUTs the subscription back with a later end
(``lifetime_s`` from then), for as long as the handle lives; :meth:`Subscription.cancel` stops
it and DELETEs the resource. MEC 011 subscriptions have no PUT (GS MEC 011 clauses 7.2.9 and
7.2.10 define GET and DELETE only), so they cannot be renewed and :meth:`renew` refuses them.

::

    sub = await Subscription.of(http, created.location, Api.RNIS)
    sub.renew_before(margin_s=30, lifetime_s=300)
    ...
    await sub.cancel()
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from meclab.platform.wire import TimeStamp
from meclab.sdk.errors import ConfigError, SdkError, UnexpectedResponse
from meclab.sdk.http import HttpClient
from meclab.sdk.notifications import Api

log = logging.getLogger(__name__)

_ROOTED = {Api.LOCATION_V3, Api.LOCATION_V2}
"""APIs whose subscription bodies travel in a root element (MEC 013)."""


class Subscription:
    """The subscription at ``href`` of ``api``, ending at ``expiry`` (Unix s; None: never).

    ``clock`` gives the current Unix time (default :func:`time.time`), as the platform's
    expiry is wall-clock time.
    """

    def __init__(
        self,
        http: HttpClient,
        href: str,
        api: Api,
        expiry: float | None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.http = http
        self.href = href
        self.api = api
        self.expiry = expiry
        self.renewals = 0
        """How many times the subscription was renewed."""
        self._clock = clock
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def of(
        cls, http: HttpClient, href: str, api: Api, *, clock: Callable[[], float] = time.time
    ) -> Subscription:
        """The handle of the subscription at ``href``, its expiry read from the platform."""
        reply = await http.request("GET", href)
        return cls(http, href, api, _expiry(api, reply.body, clock(), href), clock=clock)

    async def renew(self, lifetime_s: float) -> float:
        """PUT the subscription back to end ``lifetime_s`` from now; the new expiry."""
        if self.api is Api.MEC011:
            raise ConfigError(f"{self.href}: MEC 011 subscriptions cannot be renewed (no PUT)")
        reply = await self.http.request("GET", self.href)
        body = reply.body
        inner = _inner(self.api, body, self.href)
        if self.api is Api.LOCATION_V2:
            inner["duration"] = max(1, round(lifetime_s))  # whole seconds (OMA duration)
        else:
            inner["expiryDeadline"] = TimeStamp.of(self._clock() + lifetime_s).wire()
        headers = {"If-Match": reply.etag} if reply.etag else None
        answer = await self.http.request("PUT", self.href, json_body=body, headers=headers)
        self.expiry = _expiry(self.api, answer.body, self._clock(), self.href)
        self.renewals += 1
        return self.expiry if self.expiry is not None else float("inf")

    def renew_before(self, *, margin_s: float, lifetime_s: float) -> None:
        """Renew ``margin_s`` before each expiry, to ``lifetime_s`` later, until cancelled."""
        if self.api is Api.MEC011:
            raise ConfigError(f"{self.href}: MEC 011 subscriptions cannot be renewed (no PUT)")
        if not 0 < margin_s < lifetime_s:
            raise ConfigError(f"renew_before: need 0 < margin_s ({margin_s}) < lifetime_s")
        self._stop_renewing()
        self._task = asyncio.ensure_future(self._keep_alive(margin_s, lifetime_s))

    async def _keep_alive(self, margin_s: float, lifetime_s: float) -> None:
        while True:
            if self.expiry is None:
                self.expiry = self._clock()  # no end set yet: give it one now
            await asyncio.sleep(max(0.0, self.expiry - margin_s - self._clock()))
            try:
                await self.renew(lifetime_s)
            except SdkError as exc:
                # Keep trying while time is left; the platform may be restarting.
                log.warning("renewing %s failed: %s", self.href, exc)
                await asyncio.sleep(min(margin_s / 4, 5.0))

    def _stop_renewing(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def cancel(self) -> None:
        """Stop renewing and DELETE the subscription."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.http.request("DELETE", self.href, expect=(204,))


def _inner(api: Api, body: Any, href: str) -> dict[str, Any]:
    """The subscription's own fields: the body, or its one root element's content (MEC 013)."""
    inner = body
    if api in _ROOTED and isinstance(body, dict) and len(body) == 1:
        inner = next(iter(body.values()))
    if not isinstance(inner, dict):
        raise UnexpectedResponse("GET", href, 200, "the subscription is not a JSON object")
    return inner


def _expiry(api: Api, body: Any, now: float, href: str) -> float | None:
    inner = _inner(api, body, href)
    if api is Api.LOCATION_V2:
        duration = inner.get("duration")
        return now + duration if isinstance(duration, int | float) and duration > 0 else None
    deadline = inner.get("expiryDeadline")
    if deadline is None:
        return None
    try:
        return TimeStamp.model_validate(deadline).unix()
    except ValueError as exc:
        raise UnexpectedResponse("GET", href, 200, f"expiryDeadline: {exc}") from exc
