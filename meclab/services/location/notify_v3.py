"""Building MEC 013 v3.1.1 notifications, and reading a subscription's reporting controls.

Every notification travels in its root element (``{"userAreaNotification": {...}}``) and links
back to its subscription (``_links.subscription``, the GS tables of clause 6.4).
"""

from __future__ import annotations

from typing import Any

from meclab.platform.subscription import Subscription
from meclab.platform.wire import LinkType
from meclab.services.location.models_v3 import LocationEventType, ReportingCtrl, root_element
from meclab.services.location.models_v3_notifications import (
    NotificationBase,
    NotificationLinks,
    TestNotification,
)
from meclab.services.location.tracking import Pacer

ENTERING = LocationEventType.ENTERING
LEAVING = LocationEventType.LEAVING
BOTH = frozenset(LocationEventType)


def wrap(note: NotificationBase | TestNotification) -> dict[str, Any]:
    """A notification in its root element (``{"userAreaNotification": {...}}``)."""
    return {root_element(type(note).__name__): note.wire()}


def links(sub: Subscription) -> NotificationLinks:
    return NotificationLinks(subscription=LinkType(href=sub.href))


def test_notification(sub: Subscription) -> dict[str, Any]:
    """The TestNotification a subscriber asked for with requestTestNotification (clause 6.4.3)."""
    return wrap(TestNotification(notificationType="TestNotification", _links=links(sub)))


def pacer_of(ctrl: ReportingCtrl | None) -> Pacer:
    if ctrl is None:
        return Pacer()
    gap = max(ctrl.minimumInterval or 0, ctrl.maximumFrequency or 0)
    return Pacer(max_count=ctrl.maximumCount or 0, min_gap_s=float(gap))


def events_of(criteria: list[LocationEventType] | None) -> frozenset[LocationEventType]:
    """The events asked for; none listed means both."""
    return frozenset(criteria) if criteria else BOTH
