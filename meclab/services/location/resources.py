"""Subscription resources of both versions: create, read, replace, delete, list.

The representation of a subscription is its body in its root element
(``{"userAreaSubscription": {...}}``, MEC 013 clause 6.3). v3 bodies carry ``_links.self`` and
``expiryDeadline``; v2.2.1 bodies carry ``resourceURL`` and their ``duration`` as given, which
is when the platform ends them (``duration`` 0 or absent: meclab's policy sets no limit).

``clientCorrelator`` (clause 6.3.4 note 2) lets a client retry a creation whose answer it
lost: a POST naming the correlator of a live subscription of the same type on the same host
answers that subscription (201 with its Location), instead of creating a second one. The
server never alters nor generates it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from meclab.http.etag import check_if_match, etag_of
from meclab.platform.errors import InvalidField, NotFound, Unprocessable
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.services.location.criteria_v2 import parse_v2
from meclab.services.location.criteria_v3 import parse_v3
from meclab.services.location.dispatch import API_V2, API_V3, Dispatcher
from meclab.services.location.models_v2 import V2Subscription
from meclab.services.location.models_v3 import SubscriptionBase, root_element
from meclab.services.location.routing import check_scope, check_url
from meclab.services.location.southbound import LocationView
from meclab.services.subscribing import (
    created,
    delivery_of,
    expiry_of,
    resource,
    without_alternative,
)

Model = SubscriptionBase | V2Subscription


def represent(sub: Subscription) -> dict[str, Any]:
    """A subscription as its resource answers it, in its root element."""
    body = sub.body
    if sub.api == API_V2:
        body = {k: v for k, v in body.items() if k not in ("_links", "expiryDeadline")}
        body["resourceURL"] = sub.href
    return {root_element(sub.type): body}


class Subscriptions:
    """The location subscriptions of every host, as the routes handle them."""

    def __init__(self, platforms: Platforms, view: LocationView, dispatcher: Dispatcher) -> None:
        self.platforms = platforms
        self.registry = platforms.subscriptions
        self.view = view
        self.dispatcher = dispatcher

    # --- reading ----------------------------------------------------------------------------

    def find(self, host: str, sub_id: str, kinds: dict[str, tuple[str, ...]]) -> Subscription:
        """The subscription ``sub_id`` of ``host`` if it is of one of ``kinds`` (API -> types)
        the resource holds; NotFound otherwise, Forbidden unless the caller owns it."""
        sub = self.registry.find(sub_id)
        if sub is None or sub.host != host or sub.type not in kinds.get(sub.api, ()):
            raise NotFound(f"no subscription {sub_id!r} here")
        return self.registry.checked(sub)

    def listed(self, host: str, kinds: dict[str, tuple[str, ...]]) -> list[Subscription]:
        """Subscriptions of ``host`` of the given kinds, oldest first."""
        subs = [
            s for api, types in kinds.items() for s in self.registry.list(host, api, types=types)
        ]
        return sorted(subs, key=lambda s: s.created)

    # --- writing ----------------------------------------------------------------------------

    def _prepare(
        self, host: str, model: Model, root: str
    ) -> tuple[str, dict[str, Any], str | None, bool, float | None]:
        """(api, body, callback, websocket?, expiry) of a requested subscription."""
        wire = model.wire()
        check_scope(self.view.scope(host), wire, root)
        now = self.platforms.wall()
        if isinstance(model, V2Subscription):
            wire.pop("resourceURL", None)  # the server's to set
            notify_url = check_url(
                model.callbackReference.notifyURL, f"{root}.callbackReference.notifyURL"
            )
            duration = wire.get("duration")
            expiry = now + duration if duration else None
            return API_V2, wire, notify_url, False, expiry
        wire.pop("_links", None)  # the server's to set
        callback, websocket = delivery_of(wire)
        if callback is not None:
            check_url(callback, f"{root}.callbackReference")
        wire = without_alternative(wire, websocket)
        return API_V3, wire, callback, websocket, expiry_of(wire, now)

    async def create(self, host: str, model: Model, collection: str) -> JSONResponse:
        """POST: 201 with the new subscription (or the one its clientCorrelator names)."""
        root = root_element(model.TYPE)
        api, body, callback, websocket, expiry = self._prepare(host, model, root)
        correlator = body.get("clientCorrelator")
        if correlator is not None:
            for sub in self.registry.list(host, api, types=[model.TYPE]):
                if sub.body.get("clientCorrelator") == correlator:
                    return created(represent(sub), sub.href)
        parse = parse_v2 if api == API_V2 else parse_v3
        sub = await self.registry.create(
            host=host,
            api=api,
            type=model.TYPE,
            body=body,
            href=lambda sub_id: f"{collection}/{sub_id}",
            criteria=parse(model.TYPE, body),
            callback=callback,
            websocket=websocket,
            expiry=expiry,
            test_notification=bool(body.get("requestTestNotification")),
        )
        await self.dispatcher.prime(sub)
        return created(represent(sub), sub.href)

    async def replace(self, sub: Subscription, model: Model) -> JSONResponse:
        """PUT: the subscription replaced by ``model`` (same type; its state starts afresh)."""
        if sub.type != model.TYPE or (sub.api == API_V2) != isinstance(model, V2Subscription):
            raise Unprocessable(
                f"subscription {sub.id} is a {sub.type}: a PUT keeps the subscription type"
            )
        root = root_element(model.TYPE)
        self._check_self(sub, model, root)
        api, body, callback, websocket, expiry = self._prepare(sub.host, model, root)
        parse = parse_v2 if api == API_V2 else parse_v3
        await self.registry.replace(
            sub,
            body=body,
            criteria=parse(model.TYPE, body),
            callback=callback,
            websocket=websocket,
            expiry=expiry,
        )
        await self.dispatcher.prime(sub)
        return resource(represent(sub))

    @staticmethod
    def _check_self(sub: Subscription, model: Model, root: str) -> None:
        """A PUT body naming its resource must name this one."""
        if isinstance(model, V2Subscription):
            named, field = model.resourceURL, f"{root}.resourceURL"
        else:
            named, field = (
                (model.links.self.href if model.links else None),
                f"{root}._links.self.href",
            )
        if named is not None and named.rstrip("/").rsplit("/", 1)[-1] != sub.id:
            raise InvalidField(field, f"names another resource than {sub.href}")

    async def delete(self, request: Request, sub: Subscription) -> Response:
        """DELETE: 204, unless If-Match names an outdated representation (412)."""
        check_if_match(request.headers.get("if-match"), etag_of(represent(sub)))
        await self.registry.delete(sub)
        return Response(status_code=204)


def if_match(request: Request, sub: Subscription) -> None:
    """412 unless the request's If-Match (if any) names the subscription's current ETag."""
    check_if_match(request.headers.get("if-match"), etag_of(represent(sub)))
