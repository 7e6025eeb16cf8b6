"""MEC 012 behaviour tests: the four queries with their filters, and a CellChange
subscription's life (with its test notification)."""

from __future__ import annotations

import uuid
from typing import Any

from meclab.conformance.catalogue.rni import RNI
from meclab.conformance.session import Session
from meclab.conformance.suite.common import every_item, need_ok
from meclab.conformance.suite.subscriptions import subscription_life


def _cells(body: Any) -> list[dict[str, Any]]:
    cells = body.get("cellUserInfo") if isinstance(body, dict) else None
    return [c for c in cells or [] if isinstance(c, dict) and isinstance(c.get("ecgi"), dict)]


async def queries(session: Session) -> None:
    """rab_info (and by cell), plmn_info for the app instance, s1_bearer_info, layer2_meas."""
    app_id = session.facts.get("app_instance_id")
    if app_id:
        await session.call(
            RNI,
            "plmn_info",
            "PLMN of the app instance",
            query={"app_ins_id": app_id},
            judge=every_item(
                lambda p: p.get("appInstanceId") == app_id,
                f"only the PLMN info of {app_id}",
                RNI.op("plmn_info").clause,
            ),
        )
    else:
        session.skip(
            RNI,
            "plmn_info",
            "PLMN of the app instance",
            "no app instance (app_ins_id is mandatory)",
        )
    rab = need_ok(await session.call(RNI, "rab_info", "radio access bearers"))
    cells = _cells(rab.body)
    configured = session.settings.rni.ecgi
    if configured:
        session.facts["ecgi"] = {
            "plmn": {"mcc": configured.mcc, "mnc": configured.mnc},
            "cellId": configured.cell_id,
        }
    elif cells:
        session.facts["ecgi"] = cells[0]["ecgi"]
    ecgi = session.facts.get("ecgi")
    if ecgi:
        cell = ecgi.get("cellId")
        await session.call(
            RNI,
            "rab_info",
            "radio access bearers of one cell (cell_id)",
            query={"cell_id": str(cell)},
            judge=every_item(
                lambda c: c.get("ecgi", {}).get("cellId") == cell,
                f"only cell {cell}",
                RNI.op("rab_info").clause,
                lambda b: (b or {}).get("cellUserInfo"),
                at_least_one=False,
            ),
        )
    await session.call(RNI, "s1_bearer_info", "S1 bearers")
    await session.call(RNI, "layer2_meas", "layer 2 measurements")


async def cell_change(session: Session) -> None:
    """A CellChangeSubscription on the cell found by :func:`queries`, through its life."""
    ecgi = session.facts.get("ecgi")
    if not ecgi:
        session.skip(
            RNI,
            "subscribe",
            "create a CellChangeSubscription",
            "no cell: no UE in rab_info and no rni.ecgi in the settings file",
        )
        return
    callback = session.receiver.callback("cell-change")
    body = {
        "subscriptionType": "CellChangeSubscription",
        "callbackReference": callback,
        "requestTestNotification": True,
        "filterCriteriaAssocHo": {"ecgi": [ecgi]},
    }
    await subscription_life(
        session,
        RNI,
        "CellChangeSubscription",
        body,
        callback=callback,
        links=lambda b: (b or {}).get("_links", {}).get("subscription"),
        list_query={"subscription_type": "cell_change"},
    )
    await session.call(
        RNI,
        "subscription",
        "read an unknown subscription: 404",
        params={"subscriptionId": f"unknown-{uuid.uuid4().hex}"},
        expect=404,
    )


CASES = (queries, cell_change)
"""The tests of MEC 012, in order."""
