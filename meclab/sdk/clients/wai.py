"""ETSI GS MEC 028 WLAN Access Information (``/wai/v2``), as a client.

=======================================  ====================================================
queries (clause 7.3, 7.4)                :meth:`~WaiClient.ap_information`,
                                         ``sta_information`` (MEC 009 ``filter`` expressions)
subscriptions (clauses 7.5, 7.6)         ``subscriptions``, ``subscribe``, ``subscription``,
                                         ``update_subscription``, ``unsubscribe``
measurement configurations (7.7, 7.8)    ``measurements``, ``configure_measurement``,
                                         ``measurement``, ``update_measurement``,
                                         ``delete_measurement``
=======================================  ====================================================

WAI notifications carry no link back to their subscription, so give each subscription a
callback URL of its own (:meth:`meclab.sdk.receiver.NotificationReceiver.callback_url` does).
"""

from __future__ import annotations

from collections.abc import Sequence

from meclab.sdk.clients.subscribing import TypedSubscriptions
from meclab.sdk.http import Created, HttpClient, Tagged, segment
from meclab.services.wai.models import ApInfo, StaInfo
from meclab.services.wai.models_measure import MeasurementConfig, MeasurementConfigLinkList
from meclab.services.wai.models_subs import (
    SHORT_TYPES,
    SUBSCRIPTION_MODELS,
    SubscriptionLinkList,
    WaiSubscription,
)

BASE = "/wai/v2"
Filter = str | Sequence[str] | None
"""MEC 009 attribute filters, e.g. ``"(eq,apId/bssid,02:00:00:00:00:a2)"``; several AND."""


class WaiClient(TypedSubscriptions[SubscriptionLinkList, WaiSubscription]):
    """The WLAN Access Information API of one platform (or one of meclab's hosts)."""

    BASE = BASE
    MODELS = SUBSCRIPTION_MODELS
    SHORT_TYPES = SHORT_TYPES
    LIST_MODEL = SubscriptionLinkList

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    # --- queries -------------------------------------------------------------------------

    async def ap_information(self, *, filter: Filter = None) -> list[ApInfo]:
        """The Wi-Fi access points the platform covers."""
        return await self.http.get_list(
            f"{BASE}/queries/ap/ap_information", ApInfo, params={"filter": filter}
        )

    async def sta_information(self, *, filter: Filter = None) -> list[StaInfo]:
        """The stations associated with those access points."""
        return await self.http.get_list(
            f"{BASE}/queries/sta/sta_information", StaInfo, params={"filter": filter}
        )

    # --- measurement configurations ------------------------------------------------------

    async def measurements(self) -> MeasurementConfigLinkList:
        """The measurement configurations of the platform, by link."""
        return await self.http.get(f"{BASE}/measurements", MeasurementConfigLinkList)

    async def configure_measurement(self, config: MeasurementConfig) -> Created[MeasurementConfig]:
        """Create a measurement configuration for some stations."""
        return await self.http.post(f"{BASE}/measurements", config, MeasurementConfig)

    async def measurement(self, config_id: str) -> Tagged[MeasurementConfig]:
        """One measurement configuration, with its ETag."""
        return await self.http.get_tagged(
            f"{BASE}/measurements/{segment(config_id)}", MeasurementConfig
        )

    async def update_measurement(
        self, config_id: str, config: MeasurementConfig, *, if_match: str | None = None
    ) -> Tagged[MeasurementConfig]:
        """Replace a measurement configuration; ``if_match`` guards it."""
        return await self.http.put_tagged(
            f"{BASE}/measurements/{segment(config_id)}", config, MeasurementConfig,
            if_match=if_match,
        )  # fmt: skip

    async def delete_measurement(self, config_id: str) -> None:
        """Delete a measurement configuration (204)."""
        await self.http.delete(f"{BASE}/measurements/{segment(config_id)}")
