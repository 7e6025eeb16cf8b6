"""The WAI service on every MEC host: wiring of registry, world view, triggers and routes."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from meclab.engine.world import World
from meclab.http.problem import ProblemError
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.platform.platform import Platforms
from meclab.platform.subscription import Subscription
from meclab.platform.subscriptions import SubscriptionApi
from meclab.platform.wire import LinkType, TimeStamp
from meclab.runtime import Runtime
from meclab.services.hosting import mount_per_host
from meclab.services.platform_service import PlatformService
from meclab.services.wai.measurements import MeasurementConfigs
from meclab.services.wai.models_ids import StaIdentity
from meclab.services.wai.models_subs import (
    SUBSCRIPTION_MODELS,
    AssocStaSubscription,
    ExpiryNotification,
    MeasurementReportSubscription,
    RateTrigger,
    StaDataRateSubscription,
    SubscriptionLinks,
    TestNotification,
    WaiSubscription,
)
from meclab.services.wai.reports import check_measurement
from meclab.services.wai.southbound import WlanView
from meclab.services.wai.triggers import API, Triggers

BASE_PATH = "/wai/v2"
SERVICE = PlatformService(
    name="wai", category_id="wai", category_name="WAI", version="2.3.1", path=BASE_PATH
)

_NEEDS_DL = {RateTrigger.DL_AT_LEAST, RateTrigger.DL_AT_MOST}
_NEEDS_UL = {RateTrigger.UL_AT_LEAST, RateTrigger.UL_AT_MOST}


class Wai:
    """ETSI GS MEC 028 WLAN Access Information on every MEC host (see the package docstring)."""

    def __init__(self, platforms: Platforms, runtime: Runtime) -> None:
        self.platforms = platforms
        self.runtime = runtime
        self.measurements = MeasurementConfigs(platforms.store, wall=platforms.wall)
        self._view: WlanView | None = None
        self.triggers = Triggers(platforms, self.current_view, runtime.wall)
        platforms.subscriptions.register_api(
            SubscriptionApi(
                name=API,
                parse=lambda kind, body: SUBSCRIPTION_MODELS[kind].model_validate(body),
                expiry_notification=expiry_notification_of,
                test_notification=test_notification_of,
            )
        )
        SERVICE.attach(platforms)
        platforms.loaded_listeners.append(self._loaded)
        platforms.reset_listeners.append(self._reset)
        runtime.bus.subscribe(self.triggers.on_events)
        runtime.on_tick(self.triggers.on_tick)

    async def _reset(self) -> None:
        await self.measurements.clear()
        self.triggers.reset()

    async def _loaded(self, world: World, resumed: bool) -> None:
        self._view = WlanView(world)
        if resumed:
            await self.measurements.restore()

    def mount(self, app: FastAPI) -> None:
        """Serve the API on every host."""
        from meclab.services.wai.routes import build_router

        mount_per_host(app, self.platforms, lambda: build_router(self))

    # --- what the routes share ----------------------------------------------------------

    def current_view(self) -> WlanView | None:
        """The view of the world the platforms were built for (None before that)."""
        return self._view

    def view(self) -> WlanView:
        if self._view is None:
            raise ProblemError(503, "no world is loaded yet")
        return self._view

    def url(self, host: str, path: str) -> str:
        return self.platforms.url(host, f"{BASE_PATH}{path}")

    def zone(self, host: str) -> str | None:
        return self.platforms.host(host).zone

    def check_stations(self, view: WlanView, stations: list[StaIdentity], field: str) -> None:
        """Unprocessable (422) for a MAC no Wi-Fi capable terminal of the world has."""
        for i, wanted in enumerate(stations):
            if view.station_name(wanted.macId) is None:
                raise Unprocessable(
                    f"{field}[{i}].macId {wanted.macId!r} is no Wi-Fi station of this world; "
                    "GET .../queries/sta/sta_information lists the associated ones"
                )

    def check_subscription(self, host: str, criteria: WaiSubscription) -> None:
        """The rules of ETSI GS MEC 028 clauses 6.3.2-6.3.5 a schema cannot express."""
        view = self.view()
        if (
            isinstance(criteria, AssocStaSubscription | StaDataRateSubscription)
            and criteria.notificationPeriod is None
            and criteria.notificationEvent is None
        ):
            raise InvalidField(  # clause 6.3.2/6.3.3, NOTE 2
                "notificationPeriod/notificationEvent",
                f"{criteria.subscriptionType} needs notificationPeriod or notificationEvent",
            )
        if isinstance(criteria, AssocStaSubscription):
            zone = self.zone(host)
            ap = view.ap_by_bssid(criteria.apId.bssid)
            if ap is None or view.zone_of(ap) != zone:
                known = ", ".join(view.bssid_of(a) for a in view.ap_names(zone)) or "none"
                raise Unprocessable(
                    f"apId.bssid {criteria.apId.bssid!r} is no Wi-Fi access point of {host} "
                    f"(zone {zone}); its access points: {known}"
                )
            # The BSSID names the AP; an SSID list given too must include the AP's. meclab's
            # APs have no IP address of their own, so apId.ipAddress is not compared.
            if criteria.apId.ssid and view.ssid_of(ap) not in criteria.apId.ssid:
                raise Unprocessable(
                    f"apId.ssid {criteria.apId.ssid} does not include the SSID "
                    f"{view.ssid_of(ap)!r} of access point {criteria.apId.bssid}"
                )
        if isinstance(criteria, StaDataRateSubscription):
            self.check_stations(view, criteria.staId, "staId")
            event = criteria.notificationEvent
            if event is not None:
                needs_dl = event.trigger not in _NEEDS_UL
                needs_ul = event.trigger not in _NEEDS_DL
                if needs_dl and event.downlinkRateThreshold is None:
                    raise InvalidField(
                        "notificationEvent.downlinkRateThreshold",
                        f"required with trigger {int(event.trigger)}",
                    )
                if needs_ul and event.uplinkRateThreshold is None:
                    raise InvalidField(
                        "notificationEvent.uplinkRateThreshold",
                        f"required with trigger {int(event.trigger)}",
                    )
        if isinstance(criteria, MeasurementReportSubscription):
            self.check_stations(view, criteria.staId, "staId")
            check_measurement(criteria.measurementInfo)


def expiry_notification_of(sub: Subscription, now: float) -> dict[str, Any]:
    """ExpiryNotification (clause 6.4.4), the subscription's last notification."""
    deadline = sub.expiry if sub.expiry is not None else now
    return ExpiryNotification(
        notificationType="ExpiryNotification",
        links=SubscriptionLinks(subscription=LinkType(href=sub.href)),
        expiryDeadline=TimeStamp.of(deadline),
    ).wire()


def test_notification_of(sub: Subscription) -> dict[str, Any]:
    """TestNotification (clause 6.4.6)."""
    return TestNotification(
        notificationType="TestNotification",
        links=SubscriptionLinks(subscription=LinkType(href=sub.href)),
    ).wire()
