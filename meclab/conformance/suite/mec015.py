"""MEC 015 behaviour tests: a bandwidth allocation and a traffic steering session, each
through its life (create, read, list by app instance, stale If-Match, replace, delete, gone)."""

from __future__ import annotations

import copy
from typing import Any

from meclab.conformance.catalogue.mec015 import BWM, MTS
from meclab.conformance.catalogue.model import Api
from meclab.conformance.session import Session
from meclab.conformance.suite.common import created_at, every_item, member_equals, need_ok

NO_APP = "no app instance (see app_instance_id in the settings file)"


async def _life(
    session: Session,
    api: Api,
    kind: str,
    body: dict[str, Any],
    change: tuple[str, Any],
    list_query: dict[str, str],
) -> str:
    """Create, read, list, stale If-Match, replace: the URL of the resource, for the rest."""
    app_id = body["appInsId"]
    created = need_ok(
        await session.call(
            api,
            "create",
            f"create a {kind}",
            body=body,
            judge=member_equals("appInsId", app_id, api.op("create").clause),
        )
    )
    url = created_at(created)
    read = need_ok(
        await session.call(
            api,
            "read",
            f"read the {kind}",
            url=url,
            judge=member_equals("appInsId", app_id, api.op("read").clause),
        )
    )
    await session.call(
        api,
        "list",
        f"list the {kind}s of the app instance",
        query=list_query,
        judge=every_item(
            lambda r: r.get("appInsId") == app_id, f"only {app_id}'s", api.op("list").clause
        ),
    )
    etag = read.headers.get("etag")
    current = copy.deepcopy(read.body) if isinstance(read.body, dict) else dict(body)
    await session.stale_if_match(
        api,
        "replace",
        f"replace the {kind} with a stale If-Match: 412",
        url=url,
        body=current,
        etag=etag,
    )
    name, value = change
    current[name] = value
    await session.call(
        api,
        "replace",
        f"replace the {kind}",
        url=url,
        body=current,
        headers={"If-Match": etag} if etag else None,
        judge=member_equals(name, value, api.op("replace").clause),
    )
    return url


async def allocation(session: Session) -> None:
    """An application-level bandwidth allocation through its life, a PATCH included."""
    app_id = session.facts.get("app_instance_id")
    if not app_id:
        session.skip(BWM, "create", "create a bandwidth allocation", NO_APP)
        return
    body = {
        "appInsId": app_id,
        "requestType": 0,
        "fixedAllocation": "1000000",
        "allocationDirection": "00",
    }
    url = await _life(
        session,
        BWM,
        "bandwidth allocation",
        body,
        ("fixedAllocation", "2000000"),
        {"app_instance_id": app_id},
    )
    read = need_ok(await session.call(BWM, "read", "read the replaced allocation", url=url))
    await session.call(
        BWM,
        "patch",
        "change the allocation (BwInfoDeltas)",
        url=url,
        body={"appInsId": app_id, "requestType": 0, "fixedAllocation": "1500000"},
        headers={"If-Match": read.headers["etag"]} if "etag" in read.headers else None,
        judge=member_equals("fixedAllocation", "1500000", BWM.op("patch").clause),
    )
    need_ok(await session.call(BWM, "delete", "delete the allocation", url=url))
    await session.call(BWM, "read", "read after delete: 404", url=url, expect=404)


async def steering(session: Session) -> None:
    """The steering capabilities, and an application-level session through its life."""
    await session.call(MTS, "capability", "read the steering capabilities")
    app_id = session.facts.get("app_instance_id")
    if not app_id:
        session.skip(MTS, "create", "create a steering session", NO_APP)
        return
    body = {
        "appInsId": app_id,
        "requestType": 0,
        "flowFilter": [],
        "qosD": {"minTpt": 1000},
        "mtsMode": 0,
        "trafficDirection": "00",
    }
    url = await _life(
        session, MTS, "steering session", body, ("mtsMode", 1), {"app_instance_id": app_id}
    )
    need_ok(await session.call(MTS, "delete", "delete the session", url=url))
    await session.call(MTS, "read", "read after delete: 404", url=url, expect=404)


CASES = (allocation, steering)
"""The tests of MEC 015."""
