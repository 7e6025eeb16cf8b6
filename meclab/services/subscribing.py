"""What every API's subscription routes share (MEC 009 clause 6.12 and 6.12a patterns).

* :func:`delivery_of`: where notifications go. At least one of ``callbackReference`` and
  ``websockNotifConfig`` must be given; when both are, meclab honours the websocket request
  (the client asked for it explicitly) and returns only that alternative, as MEC 009 allows.
* :func:`expiry_of`: an ``expiryDeadline`` in the future, or none.
* :func:`created`: 201 with ``Location`` and ``ETag``; :func:`resource`: 200 with ``ETag``.
* :func:`link_list`: a SubscriptionLinkList body.
* :func:`check_type_filter`: validate a ``subscription_type`` query filter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

from meclab.http.etag import etag_of
from meclab.http.problem import ProblemError
from meclab.platform.errors import InvalidField
from meclab.platform.subscription import Subscription


def delivery_of(
    body: Mapping[str, Any], *, websocket_allowed: bool = True
) -> tuple[str | None, bool]:
    """(callbackReference, websocket?) from a subscription body; InvalidField if neither."""
    callback = body.get("callbackReference")
    config = body.get("websockNotifConfig") or {}
    wants_websocket = bool(websocket_allowed and config.get("requestWebsocketUri"))
    if callback is None and not wants_websocket:
        field = (
            "callbackReference" if not websocket_allowed else "callbackReference/websockNotifConfig"
        )
        raise InvalidField(field, "give a callbackReference (or ask for a websocket)")
    if wants_websocket:
        return None, True
    return str(callback), False


def without_alternative(body: dict[str, Any], websocket: bool) -> dict[str, Any]:
    """The body with only the delivery alternative meclab chose."""
    out = dict(body)
    if websocket:
        out.pop("callbackReference", None)
    else:
        out.pop("websockNotifConfig", None)
    return out


def expiry_of(body: Mapping[str, Any], now: float, field: str = "expiryDeadline") -> float | None:
    """The requested expiry as Unix seconds; InvalidField when it is already past."""
    deadline = body.get(field)
    if deadline is None:
        return None
    seconds = float(deadline.get("seconds", 0)) + float(deadline.get("nanoSeconds", 0)) / 1e9
    if seconds <= now:
        raise InvalidField(field, "the deadline has already passed")
    return seconds


def resource(body: dict[str, Any], status: int = 200) -> JSONResponse:
    """A resource representation with its ETag."""
    return JSONResponse(body, status_code=status, headers={"ETag": etag_of(body)})


def created(body: dict[str, Any], href: str) -> JSONResponse:
    """201 Created: the new resource, its Location and ETag."""
    return JSONResponse(body, status_code=201, headers={"Location": href, "ETag": etag_of(body)})


def link_list(
    href: str, subscriptions: Iterable[Subscription], *, member: str = "subscriptions"
) -> dict[str, Any]:
    """A SubscriptionLinkList body.

    ``member`` names the list in ``_links``: ``subscriptions`` in MEC 011, ``subscription`` in
    the APIs whose data model says so (MEC 012's SubscriptionLinkList, in its v2.1.1 and v2.2.1
    files alike).
    """
    return {
        "_links": {
            "self": {"href": href},
            member: [{"href": s.href, "subscriptionType": s.type} for s in subscriptions],
        }
    }


def check_type_filter(
    value: str | None, known: Mapping[str, str], name: str = "subscription_type"
) -> str | None:
    """The subscriptionType a short ``subscription_type`` query value names (``cell_change`` ->
    ``CellChangeSubscription``); None when absent; InvalidField-like 400 when unknown."""
    if value is None:
        return None
    full = known.get(value)
    if full is None:
        raise ProblemError(
            400,
            f"unknown {name} {value!r}; one of: {', '.join(known)}",
            invalidParams=[{"name": name, "in": "query", "reason": "unknown value"}],
        )
    return full
