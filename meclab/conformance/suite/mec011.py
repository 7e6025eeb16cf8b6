"""MEC 011 behaviour tests: discovery, a service's life with its availability notifications,
subscriptions to app termination, DNS and traffic rules, timing, and the app instance's own
registration (which the run uses as the app instance under test where the settings name none).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from typing import Any

from meclab.conformance.catalogue.mec011 import APP_SUPPORT as AS
from meclab.conformance.catalogue.mec011 import SERVICE_MGMT as SM
from meclab.conformance.catalogue.model import Api
from meclab.conformance.results import Violation
from meclab.conformance.session import Session
from meclab.conformance.suite.common import (
    created_at,
    every_item,
    lists_href,
    member_equals,
    need_ok,
    same_url,
)

NO_APP = (
    "no app instance: set app_instance_id in the settings file, or let the suite register one "
    "(MEC 011 app support)"
)


def service_body(name: str) -> dict[str, Any]:
    """A ServiceInfo to register: an application's REST service."""
    return {
        "serName": name,
        "serCategory": {
            "href": "urn:meclab:conformance",
            "id": "conformance",
            "name": "Conformance",
            "version": "1",
        },
        "version": "1.0",
        "state": "ACTIVE",
        "transportInfo": {
            "id": f"{name}-transport",
            "name": "REST",
            "type": "REST_HTTP",
            "protocol": "HTTP",
            "version": "1.1",
            "endpoint": {"uris": [f"http://{name}.conformance.invalid/api"]},
            "security": {},
        },
        "serializer": "JSON",
    }


# --- the app instance under test ----------------------------------------------------------


async def register_app(session: Session) -> None:
    """Find the app instance the run acts as: the settings' one, or one registered now
    (POST /registrations, read, stale If-Match, confirm_ready)."""
    given = session.settings.app_instance_id
    if given:
        session.facts["app_instance_id"] = given
        return
    info = {
        "appName": "meclab-conformance",
        "appProvider": "meclab-conformance",
        "isInsByMec": False,
        "endpoint": {"uris": [session.receiver.callback("app")]},
    }
    created = await session.call(
        AS,
        "register",
        "register an app instance",
        body=info,
        optional="the platform offers no registrations (MEC 011 V3 only): set app_instance_id",
    )
    need_ok(created)
    body = created.body if isinstance(created.body, dict) else {}
    app_id = body.get("appInstanceId")
    if not isinstance(app_id, str) or not app_id:
        session.fail(
            AS,
            "register",
            "the registration names its appInstanceId",
            Violation(
                "$.appInstanceId", AS.op("register").clause, "the new instance's id", repr(app_id)
            ),
        )
        return
    session.facts["app_instance_id"] = app_id
    session.facts["registered"] = True
    where = created_at(created)
    read = await session.call(
        AS,
        "registration",
        "read the registration",
        url=where,
        judge=member_equals("appInstanceId", app_id, AS.op("registration").clause),
    )
    await session.stale_if_match(
        AS,
        "update_registration",
        "update with a stale If-Match: 412",
        url=where,
        body=read.body or info,
        etag=read.headers.get("etag"),
    )
    await session.call(
        AS,
        "confirm_ready",
        "confirm the instance ready",
        params={"appInstanceId": app_id},
        body={"indication": "READY"},
    )


async def deregister_app(session: Session) -> None:
    """Deregister the instance :func:`register_app` registered, and see it gone."""
    if not session.facts.get("registered"):
        return
    params = {"appInstanceId": session.facts["app_instance_id"]}
    need_ok(await session.call(AS, "deregister", "deregister the app instance", params=params))
    await session.call(
        AS, "registration", "read after deregistration: 404", params=params, expect=404
    )


# --- service management ---------------------------------------------------------------------


async def discovery(session: Session) -> None:
    """The service registry as any app sees it: list, read one, filter, 404, transports."""
    listed = need_ok(await session.call(SM, "services", "list the services"))
    await session.call(SM, "transports", "list the transports")
    await session.call(
        SM,
        "service",
        "read an unknown service: 404",
        params={"serviceId": f"unknown-{uuid.uuid4().hex}"},
        expect=404,
    )
    services = [s for s in listed.body or [] if isinstance(s, dict)]
    if not services:
        session.skip(SM, "service", "read one service", "the platform lists no services")
        return
    first = services[0]
    sid, name = first.get("serInstanceId"), first.get("serName")
    clause = SM.op("services").clause
    if isinstance(sid, str):
        await session.call(
            SM,
            "service",
            "read one service",
            params={"serviceId": sid},
            judge=member_equals("serInstanceId", sid, SM.op("service").clause),
        )
    if isinstance(name, str):
        await session.call(
            SM,
            "services",
            "filter by ser_name",
            query={"ser_name": name},
            judge=every_item(
                lambda s: s.get("serName") == name, f"only services named {name}", clause
            ),
        )


async def service_life(session: Session) -> None:
    """A service registered, notified, read, updated (If-Match), deleted, notified again."""
    app_id = session.facts.get("app_instance_id")
    if not app_id:
        session.skip(SM, "register", "register a service", NO_APP)
        return
    app = {"appInstanceId": app_id}
    name = f"conformance-{uuid.uuid4().hex[:8]}"
    callback = session.receiver.callback("ser-availability")
    subscription = {
        "subscriptionType": "SerAvailabilityNotificationSubscription",
        "callbackReference": callback,
        "filteringCriteria": {"serNames": [name]},
    }
    created = need_ok(
        await session.call(
            SM, "subscribe", "subscribe to service availability", params=app, body=subscription
        )
    )
    sub_url = created_at(created)
    await _read_and_list(session, SM, sub_url, ("callbackReference", callback), app)

    body = service_body(name)
    registered = need_ok(
        await session.call(
            SM,
            "register",
            "register a service",
            params=app,
            body=body,
            judge=member_equals("serName", name, SM.op("register").clause),
        )
    )
    service_url = created_at(registered)
    sid = (registered.body or {}).get("serInstanceId")
    await _availability(session, callback, sub_url, name, "ADDED")

    read = need_ok(
        await session.call(
            SM,
            "app_service",
            "read the service",
            url=service_url,
            judge=member_equals("serName", name, SM.op("app_service").clause),
        )
    )
    if isinstance(sid, str):
        await session.call(
            SM,
            "services",
            "filter by ser_instance_id",
            query={"ser_instance_id": sid},
            judge=every_item(
                lambda s: s.get("serInstanceId") == sid,
                f"exactly the service {sid}",
                SM.op("services").clause,
            ),
        )
    current = read.body if isinstance(read.body, dict) else body
    etag = read.headers.get("etag")
    await session.stale_if_match(
        SM, "update", "update with a stale If-Match: 412", url=service_url, body=current, etag=etag
    )
    changed = copy.deepcopy(current)
    changed["version"] = "2.0"
    await session.call(
        SM,
        "update",
        "update the service",
        url=service_url,
        body=changed,
        headers={"If-Match": etag} if etag else None,
        judge=member_equals("version", "2.0", SM.op("update").clause),
    )
    need_ok(await session.call(SM, "deregister", "delete the service", url=service_url))
    await session.call(SM, "app_service", "read after delete: 404", url=service_url, expect=404)
    await _availability(session, callback, sub_url, name, "REMOVED")

    need_ok(await session.call(SM, "unsubscribe", "delete the subscription", url=sub_url))
    await session.call(SM, "subscription", "read after delete: 404", url=sub_url, expect=404)


async def _availability(
    session: Session, callback: str, sub_url: str, name: str, change: str
) -> None:
    def match(body: Any) -> bool:
        refs = body.get("serviceReferences") if isinstance(body, dict) else None
        return isinstance(refs, list) and any(
            isinstance(r, dict) and r.get("serName") == name and r.get("changeType") == change
            for r in refs
        )

    note = await session.notification(
        SM,
        "notify",
        f"notified: service {change}",
        callback=callback,
        match=match,
        what=f"a SerAvailabilityNotification {change} {name}",
    )
    link = (
        (note or {}).get("_links", {}).get("subscription", {}).get("href")
        if isinstance(note, dict)
        else None
    )
    if isinstance(link, str) and not same_url(link, sub_url, sub_url):
        session.fail(
            SM,
            "notify",
            f"notification names its subscription ({change})",
            Violation("$._links.subscription.href", SM.op("notify").clause, sub_url, link),
        )


# --- application support --------------------------------------------------------------------


async def timing(session: Session) -> None:
    """The platform's clock and timing capabilities."""
    await session.call(AS, "current_time", "read the current time")
    await session.call(AS, "timing_caps", "read the timing capabilities")


async def termination_subscription(session: Session) -> None:
    """An AppTermination subscription created, read, listed, deleted, gone."""
    app_id = session.facts.get("app_instance_id")
    if not app_id:
        session.skip(AS, "subscribe", "subscribe to app termination", NO_APP)
        return
    app = {"appInstanceId": app_id}
    callback = session.receiver.callback("app-termination")
    body = {
        "subscriptionType": "AppTerminationNotificationSubscription",
        "callbackReference": callback,
        "appInstanceId": app_id,
    }
    created = need_ok(
        await session.call(AS, "subscribe", "subscribe to app termination", params=app, body=body)
    )
    url = created_at(created)
    await _read_and_list(session, AS, url, ("appInstanceId", app_id), app)
    need_ok(await session.call(AS, "unsubscribe", "delete the subscription", url=url))
    await session.call(AS, "subscription", "read after delete: 404", url=url, expect=404)


async def rules(session: Session) -> None:
    """The instance's DNS and traffic rules: listed, one read, a stale If-Match refused."""
    app_id = session.facts.get("app_instance_id")
    if not app_id:
        session.skip(AS, "dns_rules", "list the DNS rules", NO_APP)
        return
    for kind, id_name in (("dns_rule", "dnsRuleId"), ("traffic_rule", "trafficRuleId")):
        listed = need_ok(
            await session.call(
                AS,
                f"{kind}s",
                f"list the {kind.replace('_', ' ')}s",
                params={"appInstanceId": app_id},
            )
        )
        items = [
            r for r in listed.body or [] if isinstance(r, dict) and isinstance(r.get(id_name), str)
        ]
        if not items:
            what = kind.replace("_", " ")
            why = f"the app instance has no {what}s (set app_instance_id to one that has)"
            session.skip(AS, kind, f"read a {kind.replace('_', ' ')}", why)
            session.skip(AS, f"update_{kind}", "update with a stale If-Match: 412", why)
            continue
        params = {"appInstanceId": app_id, id_name: items[0][id_name]}
        read = need_ok(
            await session.call(
                AS,
                kind,
                f"read a {kind.replace('_', ' ')}",
                params=params,
                judge=member_equals(id_name, items[0][id_name], AS.op(kind).clause),
            )
        )
        await session.stale_if_match(
            AS,
            f"update_{kind}",
            "update with a stale If-Match: 412",
            url=session.url(AS, kind, params),
            body=read.body,
            etag=read.headers.get("etag"),
        )


CASES = (timing, discovery, service_life, termination_subscription, rules)
"""The tests of MEC 011, in order (the app instance is registered before, deregistered after)."""


async def _read_and_list(
    session: Session,
    api: Api,
    url: str,
    member: tuple[str, Any],
    params: Mapping[str, str],
) -> None:
    """Read a MEC 011 subscription just made (``member``: a name and the value it must hold)
    and find it in the list of the app's subscriptions."""
    name, value = member
    await session.call(
        api,
        "subscription",
        "read the subscription",
        url=url,
        judge=member_equals(name, value, api.op("subscription").clause),
    )
    await session.call(
        api,
        "subscriptions",
        "list the subscriptions",
        params=params,
        judge=lists_href(
            url,
            api.op("subscriptions").clause,
            lambda b: (b or {}).get("_links", {}).get("subscriptions"),
        ),
    )
