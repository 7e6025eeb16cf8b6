"""Service availability notifications (MEC 011 clause 8.2.8, 8.1.4.2), from registry changes.

Every change of the service registry (a service added, removed, its state or attributes
changed, its liveness lapsed) reaches :meth:`Availability.on_change`. For each MEC host that
sees the service, every SerAvailabilityNotificationSubscription managed there whose
filteringCriteria match gets a ServiceAvailabilityNotification with one serviceReference. The
criteria are ANDed (clause 8.1.3.2): serInstanceIds, serNames or serCategories (by category
id), ``states`` (the state after the change) and ``isLocal`` (relative to the subscription's
host).

Visibility is judged on the service after the change: a host that stops seeing a service
because its locality attributes changed is not told.
"""

from __future__ import annotations

from typing import Any

from meclab.platform.apps import AppInstance
from meclab.platform.platform import Platforms
from meclab.platform.service_info import ChangeType
from meclab.platform.services import ServiceChange, ServiceRecord
from meclab.platform.subscription import Subscription
from meclab.platform.wire import LinkType
from meclab.services.mec011.models import (
    SER_AVAILABILITY_NOTIFICATION,
    FilteringCriteria,
    SerAvailabilityNotificationSubscription,
    ServiceAvailabilityNotification,
    ServiceAvailabilityNotificationLinks,
    ServiceReferences,
)
from meclab.services.mec011.routing import SERVICE_MGMT_API
from meclab.services.mec011.views import service_url


def criteria_of(_: AppInstance, body: SerAvailabilityNotificationSubscription) -> Any:
    """What a new subscription matches events against: its filteringCriteria (None: all)."""
    return body.filteringCriteria


def parse_stored(_: str, body: dict[str, Any]) -> FilteringCriteria | None:
    """The criteria of a stored subscription body (SubscriptionApi.parse, on restore)."""
    criteria = body.get("filteringCriteria")
    return None if criteria is None else FilteringCriteria.model_validate(criteria)


def matches(criteria: FilteringCriteria | None, record: ServiceRecord, local: bool) -> bool:
    """Whether a service (after its change) passes a subscription's filteringCriteria."""
    if criteria is None:
        return True
    info = record.info
    if criteria.serInstanceIds and record.id not in criteria.serInstanceIds:
        return False
    if criteria.serNames and info.serName not in criteria.serNames:
        return False
    if criteria.serCategories:
        wanted = {c.id for c in criteria.serCategories}
        if info.serCategory is None or info.serCategory.id not in wanted:
            return False
    if criteria.states and info.state not in criteria.states:
        return False
    return criteria.isLocal is None or criteria.isLocal == local


def notification(
    platforms: Platforms, sub: Subscription, record: ServiceRecord, change: ChangeType
) -> dict[str, Any]:
    """The ServiceAvailabilityNotification telling ``sub`` of one change."""
    reference = ServiceReferences(
        # The link is absent for a removed service (clause 8.1.4.2: "unless REMOVED").
        link=None
        if change is ChangeType.REMOVED
        else LinkType(href=service_url(platforms, sub.host, record.id)),
        serName=record.info.serName,
        serInstanceId=record.id,
        state=record.info.state,
        changeType=change,
    )
    return ServiceAvailabilityNotification(
        notificationType=SER_AVAILABILITY_NOTIFICATION,
        serviceReferences=[reference],
        links=ServiceAvailabilityNotificationLinks(subscription=LinkType(href=sub.href)),
    ).wire()


class Availability:
    """Turns service registry changes into notifications to the subscribers concerned."""

    def __init__(self, platforms: Platforms) -> None:
        self.platforms = platforms

    async def on_change(self, change: ServiceChange) -> None:
        """A ServiceRegistry listener."""
        record = change.record
        services = self.platforms.services
        registry = self.platforms.subscriptions
        for host in self.platforms.hosts:
            if not services.visible_on(record, host):
                continue
            local = services.is_local(record, host)
            for sub in registry.subscribers(SERVICE_MGMT_API, host):
                if matches(sub.criteria, record, local):
                    registry.notify(sub, notification(self.platforms, sub, record, change.change))
