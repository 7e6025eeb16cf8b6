"""MEC 013 V2.2.1 behaviour tests: the queries (as V3.1.1's, on this API), and the life of
userTracking and zonalTraffic subscriptions in their OMA shapes (``callbackReference.notifyURL``,
``resourceURL``, lists of whole subscriptions)."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from meclab.conformance.catalogue.location_v2 import LOCATION_V2 as LOC2
from meclab.conformance.results import Violation
from meclab.conformance.session import Session
from meclab.conformance.suite import location
from meclab.conformance.suite.common import created_at, need_ok, same_url


async def queries_v2(session: Session) -> None:
    """Zones, access points and users, as :mod:`.location` tests them, on V2.2.1."""
    await location.zones(session, LOC2)
    await location.users(session, LOC2)


def _notify_url(clause: str, url: str, wrapper: str) -> Any:
    def judge(exchange: Any) -> list[Violation]:
        body = exchange.body.get(wrapper) if isinstance(exchange.body, dict) else None
        got = ((body or {}).get("callbackReference") or {}).get("notifyURL")
        if got == url:
            return []
        return [Violation("$.callbackReference.notifyURL", clause, url, repr(got))]

    return judge


def _listed(clause: str, url: str, member: str) -> Any:
    def judge(exchange: Any) -> list[Violation]:
        inner = (
            exchange.body.get("notificationSubscriptionList")
            if isinstance(exchange.body, dict)
            else None
        )
        subs = (inner or {}).get(member) or []
        urls = [s.get("resourceURL") for s in subs if isinstance(s, dict)]
        if any(isinstance(u, str) and same_url(u, url, exchange.url) for u in urls):
            return []
        return [Violation("subscription listed", clause, url, f"{len(urls)} other subscriptions")]

    return judge


async def _life(session: Session, kind: str, wrapper: str, body: dict[str, Any]) -> None:
    created = need_ok(
        await session.call(
            LOC2, f"{kind}.subscribe", f"create a {kind} subscription", body={wrapper: body}
        )
    )
    inner = created.body.get(wrapper) if isinstance(created.body, dict) else None
    url = created_at(created, {"_links": {"self": {"href": (inner or {}).get("resourceURL")}}})
    notify = body["callbackReference"]["notifyURL"]
    read = need_ok(
        await session.call(
            LOC2,
            f"{kind}.subscription",
            f"read the {kind} subscription",
            url=url,
            judge=_notify_url(LOC2.op(f"{kind}.subscription").clause, notify, wrapper),
        )
    )
    await session.call(
        LOC2,
        f"{kind}.subscriptions",
        f"list the {kind} subscriptions",
        judge=_listed(LOC2.op(f"{kind}.subscriptions").clause, url, wrapper),
    )
    current = copy.deepcopy((read.body or {}).get(wrapper) or body)
    etag = read.headers.get("etag")
    await session.stale_if_match(
        LOC2,
        f"{kind}.update_subscription",
        f"replace the {kind} subscription with a stale If-Match: 412",
        url=url,
        body={wrapper: current},
        etag=etag,
    )
    moved = session.receiver.callback(f"{kind}-moved")
    current["callbackReference"] = {"notifyURL": moved}
    await session.call(
        LOC2,
        f"{kind}.update_subscription",
        f"replace the {kind} subscription",
        url=url,
        body={wrapper: current},
        headers={"If-Match": etag} if etag else None,
        judge=_notify_url(LOC2.op(f"{kind}.update_subscription").clause, moved, wrapper),
    )
    need_ok(
        await session.call(LOC2, f"{kind}.unsubscribe", f"delete the {kind} subscription", url=url)
    )
    await session.call(
        LOC2,
        f"{kind}.subscription",
        f"read the {kind} subscription after delete: 404",
        url=url,
        expect=404,
    )


async def subscriptions_v2(session: Session) -> None:
    """A userTracking subscription on a user and a zonalTraffic one on a zone, through their
    lives."""
    address, zone_id = session.facts.get("address"), session.facts.get("zone_id")
    correlator = f"conformance-{uuid.uuid4().hex[:8]}"
    if address:
        body = {
            "callbackReference": {"notifyURL": session.receiver.callback("user-tracking")},
            "address": address,
            "clientCorrelator": correlator,
        }
        await _life(session, "userTracking", "userTrackingSubscription", body)
    else:
        session.skip(
            LOC2, "userTracking.subscribe", "create a userTracking subscription", "no user"
        )
    if zone_id:
        body = {
            "callbackReference": {"notifyURL": session.receiver.callback("zonal-traffic")},
            "zoneId": zone_id,
            "clientCorrelator": correlator,
        }
        await _life(session, "zonalTraffic", "zonalTrafficSubscription", body)
    else:
        session.skip(
            LOC2, "zonalTraffic.subscribe", "create a zonalTraffic subscription", "no zone"
        )


CASES = (queries_v2, subscriptions_v2)
"""The tests of MEC 013 V2.2.1."""
