"""app_lcm/v1 subscriptions and the notifications the lifecycle's changes make.

=================================== ============================ ==================================
lifecycle change (``on_change``)     subscriptions told            notification
=================================== ============================ ==================================
``identifier_created``               AppIdentifierCreation         AppInstanceIdentifierCreation...
``identifier_deleted``               AppIdentifierDeletion         AppInstanceIdentifierDeletion...
``instance_state``                   AppInstanceStateChange        AppInstNotification
``op_state``                         AppLcmOpOccStateChange        AppLcmOpOccNotification
=================================== ============================ ==================================

A subscription is told when its filters all hold (absent ones hold):

* ``appInstanceSubscriptionFilter`` by ``appInstSelectorType``: VOID every instance;
  APP_IDENTITY, APP_NAME, APP_D_ID the instance's id, name or appDId is in ``appInstances``;
  APP_FROM_PROVIDER one of ``appsFromProviders`` names its provider and, where given, one of
  that provider's products its appName, and one of that product's versions its appSoftVersion
  (and, where given, appDVersion);
* ``appInstanceState``: the state after the change is one of those listed (NOT_INSTANTIATED,
  or the operational state STARTED/STOPPED of an instantiated instance);
* ``operationTypes`` and ``operationStates``: the occurrence's operation and new state.

One change makes one notification ``id``, the same for every subscription told (as the file
asks). Subscriptions live in the platform's registry under :data:`meclab.lifecycle.SYSTEM_HOST`.
"""

from __future__ import annotations

import uuid
from typing import Any

from meclab.lifecycle import SYSTEM_HOST
from meclab.lifecycle.records import InstantiationState, LcmInstance, OpOcc
from meclab.platform.platform import Platforms
from meclab.platform.subscriptions import SubscriptionApi
from meclab.platform.wire import WireModel
from meclab.services.app_lcm.models import (
    APP_IDENTIFIER_CREATION,
    APP_IDENTIFIER_DELETION,
    APP_INSTANCE_STATE_CHANGE,
    APP_LCM_OP_OCC_STATE_CHANGE,
    SUBSCRIPTION_INFOS,
    AppInstanceIdentifierCreationNotification,
    AppInstanceIdentifierDeletionNotification,
    AppInstanceIdentifierLinks,
    AppInstanceSubscriptionFilter,
    AppInstNotification,
    AppLcmOpOccNotification,
    AppLcmOpOccNotificationLinks,
    LinkType,
    SubscriptionLinkOnly,
    TimeStamp,
)
from meclab.services.app_lcm.views import Urls

API = "app_lcm"
"""Name of app_lcm/v1 in the subscription registry."""

KIND_TYPES = {
    "identifier_created": APP_IDENTIFIER_CREATION,
    "identifier_deleted": APP_IDENTIFIER_DELETION,
    "instance_state": APP_INSTANCE_STATE_CHANGE,
    "op_state": APP_LCM_OP_OCC_STATE_CHANGE,
}


def parse_stored(kind: str, body: dict[str, Any]) -> WireModel:
    """A stored subscription body as its SubscriptionInfo model (the criteria)."""
    return SUBSCRIPTION_INFOS[kind].model_validate(body)


SUBSCRIPTION_API = SubscriptionApi(name=API, parse=parse_stored)


def _listed(value: Any) -> set[str] | None:
    """A filter attribute given as one value or a list, as a set of strings; None if absent."""
    if value is None:
        return None
    return {str(v) for v in (value if isinstance(value, list) else [value])}


def selects(chosen: AppInstanceSubscriptionFilter | None, inst: LcmInstance) -> bool:
    """Whether an appInstanceSubscriptionFilter selects an instance (module docstring)."""
    if chosen is None:
        return True
    listed = set(chosen.appInstances or ())
    match chosen.selector:
        case "VOID":
            return True
        case "APP_IDENTITY":
            return inst.id in listed
        case "APP_NAME":
            return inst.name is not None and inst.name in listed
        case "APP_D_ID":
            return inst.app_d_id in listed
    return any(
        provider.appProvider == inst.app_provider
        and (
            not provider.appProducts
            or any(
                product.appName == inst.app_name
                and (
                    not product.versions
                    or any(
                        version.appSoftVersion == inst.app_soft_version
                        and (not version.appDVersion or inst.app_d_version in version.appDVersion)
                        for version in product.versions
                    )
                )
                for product in provider.appProducts
            )
        )
        for provider in chosen.appsFromProviders or ()
    )


def instance_state(inst: LcmInstance) -> str:
    """An instance's state as AppInst subscriptions name it."""
    if inst.instantiation_state is InstantiationState.NOT_INSTANTIATED:
        return "NOT_INSTANTIATED"
    return str(inst.operational_state or "STARTED")


def concerned(criteria: Any, kind: str, inst: LcmInstance, op: OpOcc | None) -> bool:
    """Whether a subscription (its parsed SubscriptionInfo) is told of this change."""
    if kind == "op_state":
        if op is None:
            return False
        chosen = criteria.appLcmOpOccSubscriptionFilter
        if chosen is None:
            return True
        types, states = _listed(chosen.operationTypes), _listed(chosen.operationStates)
        return (
            selects(chosen.appInstanceSubscriptionFilter, inst)
            and (types is None or op.operation.value in types)
            and (states is None or op.state.value in states)
        )
    if kind == "instance_state":
        states = _listed(criteria.appInstanceState)
        if states is not None and instance_state(inst) not in states:
            return False
    return selects(criteria.appInstanceSubscriptionFilter, inst)


class Notifications:
    """Turns the lifecycle's changes into notifications to the subscribers concerned."""

    def __init__(self, platforms: Platforms, urls: Urls) -> None:
        self.platforms = platforms
        self.urls = urls

    async def on_change(self, kind: str, inst: LcmInstance, op: OpOcc | None) -> None:
        """An LcmPort change listener."""
        sub_type = KIND_TYPES.get(kind)
        if sub_type is None:
            return
        registry = self.platforms.subscriptions
        told = [
            sub
            for sub in registry.subscribers(API, SYSTEM_HOST)
            if sub.type == sub_type and concerned(sub.criteria, kind, inst, op)
        ]
        if not told:
            return
        note_id = uuid.uuid4().hex
        now = TimeStamp.of(self.platforms.wall())
        for sub in told:
            registry.notify(sub, self._body(kind, note_id, now, sub.id, sub.href, inst, op))

    def _body(
        self,
        kind: str,
        note_id: str,
        now: TimeStamp,
        sub_id: str,
        sub_href: str,
        inst: LcmInstance,
        op: OpOcc | None,
    ) -> dict[str, Any]:
        subscription = LinkType(href=sub_href)
        instance = LinkType(href=self.urls.instance(inst.id))
        common: dict[str, Any] = {
            "id": note_id,
            "subscriptionId": sub_id,
            "timeStamp": now,
            "appInstanceId": inst.id,
        }
        if kind == "op_state":
            assert op is not None
            return AppLcmOpOccNotification(
                notificationType=APP_LCM_OP_OCC_STATE_CHANGE,
                operationType=op.operation,
                operationState=op.state,
                appLcmOpOccId=op.id,
                links=AppLcmOpOccNotificationLinks(
                    appInstance=instance,
                    subscription=subscription,
                    appLcmOpOcc=LinkType(href=self.urls.occurrence(op.id)),
                ),
                **common,
            ).wire()
        if kind == "instance_state":
            return AppInstNotification(
                notificationType=APP_INSTANCE_STATE_CHANGE,
                appInstanceState=instance_state(inst),  # type: ignore[arg-type]
                appPkgId=inst.app_pkg_id,
                appDId=inst.app_d_id,
                links=SubscriptionLinkOnly(subscription=subscription),
                **common,
            ).wire()
        model = (
            AppInstanceIdentifierCreationNotification
            if kind == "identifier_created"
            else AppInstanceIdentifierDeletionNotification
        )
        return model(
            notificationType=KIND_TYPES[kind],  # type: ignore[arg-type]
            links=AppInstanceIdentifierLinks(subscription=subscription, appInstance=instance),
            **common,
        ).wire()
