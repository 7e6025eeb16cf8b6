"""ETSI GS MEC 011 v3.1.1 application support (``/mec_app_support/v1``, clause 7), as a client.

Every operation of the API, typed with the bodies the server uses:

===============================================  ============================================
start-up and termination (clauses 5.2.2, 5.2.3)  :meth:`~AppSupportClient.confirm_ready`,
                                                 :meth:`~AppSupportClient.confirm_termination`
registrations (clauses 7.2.13, 7.2.14)           ``register``, ``registration``,
                                                 ``update_registration``, ``deregister``
AppTermination subscriptions (7.2.9, 7.2.10)     ``subscribe_termination``,
                                                 ``termination_subscriptions``,
                                                 ``termination_subscription``, ``unsubscribe``
DNS rules (7.2.4, 7.2.5)                         ``dns_rules``, ``dns_rule``, ``put_dns_rule``
traffic rules (7.2.6, 7.2.7)                     ``traffic_rules``, ``traffic_rule``,
                                                 ``put_traffic_rule``
timing (7.2.8, 7.2.12)                           ``current_time``, ``timing_caps``
===============================================  ============================================

A subscription is named by its URL (the ``Location`` of its creation, or an ``href`` of the
subscription list), as the platform gives it.
"""

from __future__ import annotations

from meclab.platform.rules import DnsRule, TrafficRule
from meclab.platform.wire import SubscriptionLinkList
from meclab.sdk.http import Created, HttpClient, Tagged, segment
from meclab.services.mec011.models import (
    APP_TERMINATION_SUBSCRIPTION,
    AppInfo,
    AppReadyConfirmation,
    AppTerminationConfirmation,
    AppTerminationNotificationSubscription,
    CurrentTime,
    OperationActionType,
    TimingCaps,
)

BASE = "/mec_app_support/v1"


class AppSupportClient:
    """MEC 011 application support on the platform ``http`` speaks to."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _app(self, app_instance_id: str, tail: str = "") -> str:
        return f"{BASE}/applications/{segment(app_instance_id)}{tail}"

    # --- start-up and termination --------------------------------------------------------

    async def confirm_ready(self, app_instance_id: str) -> None:
        """Tell the platform the instance is up and running (clause 7.2.11; 204)."""
        await self.http.request(
            "POST",
            self._app(app_instance_id, "/confirm_ready"),
            json_body=AppReadyConfirmation(indication="READY"),
            expect=(204,),
        )

    async def confirm_termination(self, app_instance_id: str, action: OperationActionType) -> None:
        """Tell the platform the instance has done its own termination or stop (clause
        7.2.11.3.4); ``action`` is the ``operationAction`` of the notification."""
        await self.http.request(
            "POST",
            self._app(app_instance_id, "/confirm_termination"),
            json_body=AppTerminationConfirmation(operationAction=action),
            expect=(204,),
        )

    # --- registrations -------------------------------------------------------------------

    async def register(self, info: AppInfo) -> Created[AppInfo]:
        """Register an application instance (clause 7.2.13.3.4): the AppInfo the platform
        settled on (its ``appInstanceId``), its URL and ETag."""
        return await self.http.post(f"{BASE}/registrations", info, AppInfo)

    async def registration(self, app_instance_id: str) -> Tagged[AppInfo]:
        """An instance's registration, with its ETag."""
        return await self.http.get_tagged(
            f"{BASE}/registrations/{segment(app_instance_id)}", AppInfo
        )

    async def update_registration(
        self, app_instance_id: str, info: AppInfo, *, if_match: str | None = None
    ) -> str | None:
        """Replace an instance's registration (204); the new ETag."""
        headers = {"If-Match": if_match} if if_match else None
        reply = await self.http.request(
            "PUT",
            f"{BASE}/registrations/{segment(app_instance_id)}",
            json_body=info,
            headers=headers,
            expect=(204,),
        )
        return reply.etag

    async def deregister(self, app_instance_id: str, *, if_match: str | None = None) -> None:
        """End an instance's registration (204)."""
        await self.http.delete(
            f"{BASE}/registrations/{segment(app_instance_id)}", if_match=if_match
        )

    # --- AppTermination subscriptions ----------------------------------------------------

    async def subscribe_termination(
        self, app_instance_id: str, callback_uri: str, *, watched: str | None = None
    ) -> Created[AppTerminationNotificationSubscription]:
        """Subscribe ``app_instance_id`` to the termination of ``watched`` (itself by
        default): AppTerminationNotifications are POSTed to ``callback_uri``."""
        body = AppTerminationNotificationSubscription(
            subscriptionType=APP_TERMINATION_SUBSCRIPTION,
            callbackReference=callback_uri,
            appInstanceId=watched or app_instance_id,
        )
        return await self.http.post(
            self._app(app_instance_id, "/subscriptions"),
            body,
            AppTerminationNotificationSubscription,
        )

    async def termination_subscriptions(self, app_instance_id: str) -> SubscriptionLinkList:
        """The instance's AppTermination subscriptions, by link."""
        return await self.http.get(
            self._app(app_instance_id, "/subscriptions"), SubscriptionLinkList
        )

    async def termination_subscription(self, href: str) -> AppTerminationNotificationSubscription:
        """One AppTermination subscription, by its URL."""
        return await self.http.get(href, AppTerminationNotificationSubscription)

    async def unsubscribe(self, href: str) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href)

    # --- DNS rules -----------------------------------------------------------------------

    async def dns_rules(self, app_instance_id: str) -> list[DnsRule]:
        """The instance's DNS rules."""
        return await self.http.get_list(self._app(app_instance_id, "/dns_rules"), DnsRule)

    async def dns_rule(self, app_instance_id: str, dns_rule_id: str) -> Tagged[DnsRule]:
        """One DNS rule, with its ETag."""
        path = self._app(app_instance_id, f"/dns_rules/{segment(dns_rule_id)}")
        return await self.http.get_tagged(path, DnsRule)

    async def put_dns_rule(
        self, app_instance_id: str, rule: DnsRule, *, if_match: str | None = None
    ) -> Tagged[DnsRule]:
        """Replace a DNS rule (its ``dnsRuleId`` names it), e.g. to (de)activate it."""
        path = self._app(app_instance_id, f"/dns_rules/{segment(rule.dnsRuleId)}")
        return await self.http.put_tagged(path, rule, DnsRule, if_match=if_match)

    # --- traffic rules -------------------------------------------------------------------

    async def traffic_rules(self, app_instance_id: str) -> list[TrafficRule]:
        """The instance's traffic rules."""
        return await self.http.get_list(self._app(app_instance_id, "/traffic_rules"), TrafficRule)

    async def traffic_rule(self, app_instance_id: str, traffic_rule_id: str) -> Tagged[TrafficRule]:
        """One traffic rule, with its ETag."""
        path = self._app(app_instance_id, f"/traffic_rules/{segment(traffic_rule_id)}")
        return await self.http.get_tagged(path, TrafficRule)

    async def put_traffic_rule(
        self, app_instance_id: str, rule: TrafficRule, *, if_match: str | None = None
    ) -> Tagged[TrafficRule]:
        """Replace a traffic rule (its ``trafficRuleId`` names it)."""
        path = self._app(app_instance_id, f"/traffic_rules/{segment(rule.trafficRuleId)}")
        return await self.http.put_tagged(path, rule, TrafficRule, if_match=if_match)

    # --- timing --------------------------------------------------------------------------

    async def current_time(self) -> CurrentTime:
        """The platform's time of day (clause 7.2.12)."""
        return await self.http.get(f"{BASE}/timing/current_time", CurrentTime)

    async def timing_caps(self) -> TimingCaps:
        """The platform's timing capabilities: NTP servers, PTP masters (clause 7.2.8)."""
        return await self.http.get(f"{BASE}/timing/timing_caps", TimingCaps)
