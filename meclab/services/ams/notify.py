"""The mobility manager's notices, as MEC 021 notifications to the matching subscriptions.

A :class:`ProcedureNotice` goes to every MobilityProcedureSubscription **of the notice's host**
whose ``filterCriteria`` match (each absent criterion matches anything):

* ``appInstanceId`` is the registering instance of the notice;
* ``associateId`` (absent or empty: any) holds one of the notice's AssociateIds, compared by
  MEC 012 type number and value;
* ``mobilityStatus`` (``[1]`` when the subscriber gave none) holds the notice's status.

The MobilityProcedureNotification carries the spec's attributes and meclab's ``meclab`` object
(``procedure``: the procedure's URL in the control API; ``prediction`` when the move was
predicted; ``reason`` when it failed), with only the keys that have a value.

An :class:`AdjacentChange` goes to every AdjacentAppInfoSubscription of its host whose
``filterCriteria.appInstanceId`` (absent: any) is the change's registered instance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from meclab.mobility.notices import AdjacentChange, ProcedureNotice
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionRegistry
from meclab.platform.wire import TimeStamp
from meclab.services.ams.bodies import comm_interface
from meclab.services.ams.models import (
    ADJACENT_APP_INFO,
    MOBILITY_PROCEDURE,
    AdjacentAppInfoNotification,
    AdjacentAppInfoSubscription,
    AssociateId,
    MobilityProcedureNotification,
    MobilityProcedureSubscription,
    MobilityStatus,
)

API = "ams"
"""The subscription registry's name of MEC 021's subscriptions."""

RELOCATIONS = "/meclab/v1/relocations"


def procedure_matches(criteria: MobilityProcedureSubscription, notice: ProcedureNotice) -> bool:
    """Whether a MobilityProcedureSubscription's filter selects the notice."""
    wanted = criteria.filterCriteria
    if wanted.appInstanceId is not None and wanted.appInstanceId != notice.app_instance_id:
        return False
    if wanted.associateId:
        given = {AssociateId.model_validate(a).key() for a in notice.associate_ids}
        if not any(a.key() in given for a in wanted.associateId):
            return False
    statuses = wanted.mobilityStatus or [MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED]
    return int(notice.status) in {int(s) for s in statuses}


class Notices:
    """Turns notices into notifications through the shared subscription registry."""

    def __init__(self, registry: SubscriptionRegistry, base_url: Callable[[], str]) -> None:
        self.registry = registry
        self.base_url = base_url
        """meclab's own base URL (the control API is at its root)."""

    async def __call__(self, notice: ProcedureNotice | AdjacentChange) -> None:
        if isinstance(notice, ProcedureNotice):
            self.procedure(notice)
        else:
            self.adjacent(notice)

    def procedure(self, notice: ProcedureNotice) -> None:
        for sub in self.registry.subscribers(API, notice.host):
            if sub.type == MOBILITY_PROCEDURE and procedure_matches(sub.criteria, notice):
                self.registry.notify(sub, self.procedure_body(sub, notice))

    def adjacent(self, change: AdjacentChange) -> None:
        for sub in self.registry.subscribers(API, change.host):
            if sub.type != ADJACENT_APP_INFO:
                continue
            criteria: AdjacentAppInfoSubscription = sub.criteria
            wanted = criteria.filterCriteria.appInstanceId
            if wanted is None or wanted == change.app_instance_id:
                self.registry.notify(sub, adjacent_body(sub, change, self.registry.wall()))

    def procedure_body(self, sub: Subscription, notice: ProcedureNotice) -> dict[str, Any]:
        """The MobilityProcedureNotification of ``notice`` for ``sub``."""
        extension = {
            "procedure": f"{self.base_url()}{RELOCATIONS}/{notice.procedure}",
            "prediction": notice.prediction,
            "reason": notice.reason,
        }
        target = None
        if notice.target is not None:
            target = {
                "appInstanceId": notice.target.app_instance_id,
                "commInterface": comm_interface(notice.target),
            }
        return MobilityProcedureNotification.model_validate(
            {
                "notificationType": "MobilityProcedureNotification",
                "timeStamp": TimeStamp.of(notice.wall or self.registry.wall()),
                "associateId": list(notice.associate_ids),
                "mobilityStatus": int(notice.status),
                "targetAppInfo": target,
                "_links": {"subscription": {"href": sub.href}},
                "meclab": {k: v for k, v in extension.items() if v is not None},
            }
        ).wire()


def adjacent_body(sub: Subscription, change: AdjacentChange, now: float) -> dict[str, Any]:
    """The AdjacentAppInfoNotification of ``change`` for ``sub``."""
    return AdjacentAppInfoNotification.model_validate(
        {
            "notificationType": "AdjacentAppInfoNotification",
            "timeStamp": TimeStamp.of(change.wall or now),
            "adjacentAppInfo": [
                {
                    "appInstanceId": a.instance.app_instance_id,
                    "commInterface": comm_interface(a.instance),
                }
                for a in change.adjacent
            ],
            "_links": {"subscription": {"href": sub.href}},
        }
    ).wire()
