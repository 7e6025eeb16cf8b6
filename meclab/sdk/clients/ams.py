"""ETSI GS MEC 021 Application Mobility Service (``/amsi/v1``), as a client.

=======================================  ====================================================
registrations (clauses 8.2 to 8.4)       :meth:`~AmsClient.registrations`, ``register``,
                                         ``registration``, ``update_registration``,
                                         ``report_transferred``, ``deregister``,
                                         ``deregister_task``
subscriptions (clauses 8.5, 8.6)         ``subscriptions``, ``subscribe``, ``subscription``,
                                         ``update_subscription``, ``unsubscribe``
adjacent instances (clause 8.7)          ``adjacent_app_instances``
=======================================  ====================================================

A stateful edge application registers the devices it serves with an
``appMobilityServiceLevel``; when it has moved a user's context to the target instance it
says so with :meth:`AmsClient.report_transferred` (``contextTransferState`` 1), which an
APP_MOBILITY_WITH_CONFIRMATION procedure waits for.
"""

from __future__ import annotations

from collections.abc import Sequence

from meclab.sdk.clients.subscribing import TypedSubscriptions
from meclab.sdk.http import Created, HttpClient, Tagged, segment, short_type
from meclab.services.ams.models import (
    SHORT_TYPES,
    SUBSCRIPTION_MODELS,
    AdjacentAppInstanceInfo,
    AmsSubscription,
    AssociateId,
    ContextTransferState,
    RegistrationInfo,
    SubscriptionLinkList,
)

BASE = "/amsi/v1"
Filter = str | Sequence[str] | None
"""MEC 009 attribute filters, e.g. ``"(eq,serviceConsumerId/appInstanceId,x)"``; several AND."""


class AmsClient(TypedSubscriptions[SubscriptionLinkList, AmsSubscription]):
    """The Application Mobility Service of one platform (or one of meclab's hosts)."""

    BASE = BASE
    MODELS = SUBSCRIPTION_MODELS
    SHORT_TYPES = SHORT_TYPES
    LIST_MODEL = SubscriptionLinkList

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def subscriptions(self, subscription_type: str | None = None) -> SubscriptionLinkList:
        """The platform's AMS subscriptions, by link; ``subscription_type``
        (``mobility_proc``, ``adj_app_info`` or the full type name) narrows them to one type.
        MEC 021 names the query parameter ``subscriptiontype``."""
        wanted = short_type(subscription_type, self.SHORT_TYPES)
        return await self.http.get(
            f"{BASE}/subscriptions", SubscriptionLinkList, params={"subscriptiontype": wanted}
        )

    # --- registrations -------------------------------------------------------------------

    async def registrations(self, *, filter: Filter = None) -> list[RegistrationInfo]:
        """The registrations made on the platform."""
        return await self.http.get_list(
            f"{BASE}/app_mobility_services", RegistrationInfo, params={"filter": filter}
        )

    async def register(self, info: RegistrationInfo) -> Created[RegistrationInfo]:
        """Register (without ``appMobilityServiceId``): the registration with its id, URL
        and ETag."""
        return await self.http.post(f"{BASE}/app_mobility_services", info, RegistrationInfo)

    async def registration(self, registration_id: str) -> Tagged[RegistrationInfo]:
        """One registration, with its ETag."""
        return await self.http.get_tagged(
            f"{BASE}/app_mobility_services/{segment(registration_id)}", RegistrationInfo
        )

    async def update_registration(
        self, info: RegistrationInfo, *, if_match: str | None = None
    ) -> Tagged[RegistrationInfo]:
        """Replace the registration ``info.appMobilityServiceId`` names; ``if_match`` guards
        it with its ETag (412 if stale)."""
        if info.appMobilityServiceId is None:
            raise ValueError("a registration to update names its appMobilityServiceId")
        return await self.http.put_tagged(
            f"{BASE}/app_mobility_services/{segment(info.appMobilityServiceId)}",
            info,
            RegistrationInfo,
            if_match=if_match,
        )

    async def report_transferred(
        self, registration_id: str, associate_id: AssociateId
    ) -> Tagged[RegistrationInfo]:
        """Say that the user context of one device has moved to the target instance: its
        ``contextTransferState`` becomes 1 (read, changed, written back under its ETag).
        ValueError when the registration does not list the device."""
        current = await self.registration(registration_id)
        info = current.value.model_copy(deep=True)
        wanted = associate_id.key()
        devices = [d for d in info.deviceInformation or [] if d.associateId.key() == wanted]
        if not devices:
            raise ValueError(
                f"registration {registration_id} lists no device {associate_id.value!r}"
            )
        for device in devices:
            device.contextTransferState = ContextTransferState.USER_CONTEXT_TRANSFER_COMPLETED
        return await self.update_registration(info, if_match=current.etag)

    async def deregister(self, registration_id: str, *, if_match: str | None = None) -> None:
        """Delete a registration now (204)."""
        await self.http.delete(
            f"{BASE}/app_mobility_services/{segment(registration_id)}", if_match=if_match
        )

    async def deregister_task(self, registration_id: str) -> None:
        """Have the registration removed once its expiryTime has run out (at once without one)."""
        await self.http.request(
            "POST",
            f"{BASE}/app_mobility_services/{segment(registration_id)}/deregister_task",
            expect=(204,),
        )

    # --- adjacent application instances --------------------------------------------------

    async def adjacent_app_instances(
        self, *, filter: Filter = None
    ) -> list[AdjacentAppInstanceInfo]:
        """Instances on other hosts of the applications that have an instance here."""
        return await self.http.get_list(
            f"{BASE}/queries/adjacent_app_instances",
            AdjacentAppInstanceInfo,
            params={"filter": filter},
        )
