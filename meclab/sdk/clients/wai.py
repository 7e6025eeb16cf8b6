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
from typing import TypeVar

from meclab.sdk.http import Created, HttpClient, Tagged, model_named, segment, short_type
from meclab.services.wai.models import ApInfo, StaInfo
from meclab.services.wai.models_measure import MeasurementConfig, MeasurementConfigLinkList
from meclab.services.wai.models_subs import (
    SHORT_TYPES,
    SUBSCRIPTION_MODELS,
    SubscriptionLinkList,
    WaiSubscription,
)

BASE = "/wai/v2"
S = TypeVar("S", bound=WaiSubscription)
Filter = str | Sequence[str] | None
"""MEC 009 attribute filters, e.g. ``"(eq,apId/bssid,02:00:00:00:00:a2)"``; several AND."""


class WaiClient:
    """The WLAN Access Information API of one platform (or one of meclab's hosts)."""

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

    # --- subscriptions -------------------------------------------------------------------

    async def subscriptions(self, subscription_type: str | None = None) -> SubscriptionLinkList:
        """The platform's WAI subscriptions, by link; ``subscription_type`` (``assoc_sta``,
        ``sta_data_rate``, ``measure_report`` or the full name) narrows them."""
        wanted = short_type(subscription_type, SHORT_TYPES)
        return await self.http.get(
            f"{BASE}/subscriptions", SubscriptionLinkList, params={"subscription_type": wanted}
        )

    async def subscribe(self, subscription: S) -> Created[S]:
        """Create ``subscription``: the body the platform settled on, its URL and ETag."""
        return await self.http.post(f"{BASE}/subscriptions", subscription, type(subscription))

    async def subscription(self, href: str) -> Tagged[WaiSubscription]:
        """One subscription, by its URL, as the model of its ``subscriptionType``."""
        reply = await self.http.request("GET", href)
        model = model_named(reply, SUBSCRIPTION_MODELS, "subscriptionType")
        return Tagged(self.http.read(reply, model), reply.etag)

    async def update_subscription(
        self, href: str, subscription: S, *, if_match: str | None = None
    ) -> Tagged[S]:
        """Replace a subscription by one of the same type; ``if_match`` guards it."""
        return await self.http.put_tagged(href, subscription, type(subscription), if_match=if_match)

    async def unsubscribe(self, href: str, *, if_match: str | None = None) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href, if_match=if_match)

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
