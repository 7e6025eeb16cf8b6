"""MEC 011 application support API (``/mec_app_support/v1``, clause 7): its 18 routes.

* ``/applications/{appInstanceId}/confirm_ready`` and ``.../confirm_termination`` (POST, 204):
  the start-up and termination handshakes (clauses 5.2.2, 5.2.3; the state table is
  :mod:`meclab.platform.apps`: a second confirm_ready, or a confirm_termination nobody asked
  for, is 409);
* ``.../subscriptions`` (AppTerminationNotificationSubscription, 4 routes,
  :mod:`.subscription_routes`);
* ``.../dns_rules`` and ``.../traffic_rules`` (list, GET, PUT with If-Match);
* ``/timing/current_time`` and ``/timing/timing_caps``;
* ``/registrations`` (POST, GET, PUT, DELETE; :mod:`.registrations`).

In secure mode (issue 12) everything under ``/applications/{appInstanceId}`` answers that
instance and the operator only (403 for another instance: :func:`.routing.app_resolver`);
timing answers any authenticated instance.
"""

# No ``from __future__ import annotations``: FastAPI reads the route signatures' annotations,
# which name aliases local to the router builder (``App``, ``Owned`` ...).
from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse

from meclab.http.body import body_doc, json_body
from meclab.http.routing import PrefixedRouter
from meclab.platform.apps import AppAction, AppInstance
from meclab.platform.errors import InvalidField, NotFound
from meclab.platform.rules import DnsRule, TrafficRule
from meclab.platform.wire import TimeStamp
from meclab.services.hosting import host_resolver
from meclab.services.mec011.models import (
    APP_TERMINATION_SUBSCRIPTION,
    AppReadyConfirmation,
    AppTerminationConfirmation,
    AppTerminationNotificationSubscription,
    CurrentTime,
    TimeSourceStatus,
    TimingCaps,
)
from meclab.services.mec011.registrations import add_registration_routes
from meclab.services.mec011.routing import (
    APP_SUPPORT,
    APP_SUPPORT_API,
    ERRORS,
    STRICT,
    app_resolver,
    current,
)
from meclab.services.mec011.subscription_routes import SubscriptionKind, add_subscription_routes
from meclab.services.subscribing import resource

if TYPE_CHECKING:
    from meclab.services.mec011.service import Mec011

TIME_SOURCE = TimeSourceStatus.NONTRACEABLE
"""meclab reads the host's clock and cannot tell whether it is locked to UTC (clause 7.1.2.5)."""


def build_router(mec011: "Mec011") -> APIRouter:
    """The app support routes, served at the root and under ``/hosts/{host}``."""
    platforms = mec011.platforms
    router = PrefixedRouter(prefix=APP_SUPPORT, tags=["MEC 011 application support"])
    App = Annotated[AppInstance, Depends(app_resolver(platforms))]
    Host = Annotated[str, Depends(host_resolver(platforms))]

    # --- start-up and termination handshakes ------------------------------------------

    @router.post(
        "/applications/{appInstanceId}/confirm_ready",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={**ERRORS, 409: {"description": "Already ready, or terminating"}},
        openapi_extra=body_doc(AppReadyConfirmation),
        summary="Confirm the instance is up and running",
    )
    async def confirm_ready(
        app: App,
        _: Annotated[AppReadyConfirmation, Depends(json_body(AppReadyConfirmation))],
    ) -> Response:
        await platforms.transition(app, AppAction.CONFIRM_READY)
        return Response(status_code=204)

    @router.post(
        "/applications/{appInstanceId}/confirm_termination",
        dependencies=STRICT,
        status_code=204,
        response_class=Response,
        responses={**ERRORS, 409: {"description": "Not terminating, or already confirmed"}},
        openapi_extra=body_doc(AppTerminationConfirmation),
        summary="Confirm the instance has done its own termination or stop",
    )
    async def confirm_termination(
        app: App,
        body: Annotated[AppTerminationConfirmation, Depends(json_body(AppTerminationConfirmation))],
    ) -> Response:
        await mec011.terminations.confirm(app, body.operationAction)
        return Response(status_code=204)

    # --- subscriptions ------------------------------------------------------------------

    def criteria(app: AppInstance, body: AppTerminationNotificationSubscription) -> str:
        # Usually the subscriber itself; another instance of the host may be watched too
        # (clause 7.1.3.2: appInstanceId "is used as the filtering criterion").
        watched = platforms.apps.get(body.appInstanceId)
        if watched is None or watched.host != app.host:
            raise InvalidField(
                "appInstanceId", f"no application instance {body.appInstanceId!r} on {app.host}"
            )
        return body.appInstanceId

    add_subscription_routes(
        router,
        platforms,
        SubscriptionKind(
            api=APP_SUPPORT_API,
            base=APP_SUPPORT,
            model=AppTerminationNotificationSubscription,
            subscription_type=APP_TERMINATION_SUBSCRIPTION,
            criteria=criteria,
        ),
    )

    # --- DNS rules ----------------------------------------------------------------------

    async def dns_rule(app: App, dnsRuleId: str) -> DnsRule:
        rule = app.dns_rules.get(dnsRuleId)
        if rule is None:
            raise NotFound(
                f"application instance {app.app_instance_id} has no DNS rule {dnsRuleId!r}"
            )
        return rule

    current_dns_rule = current(dns_rule, DnsRule.wire)

    @router.get(
        "/applications/{appInstanceId}/dns_rules",
        dependencies=STRICT,
        response_model=list[DnsRule],
        responses=ERRORS,
        summary="The instance's DNS rules",
    )
    async def list_dns_rules(app: App) -> Response:
        return resource([r.wire() for r in app.dns_rules.values()])

    @router.get(
        "/applications/{appInstanceId}/dns_rules/{dnsRuleId}",
        dependencies=STRICT,
        response_model=DnsRule,
        responses=ERRORS,
        summary="One DNS rule",
    )
    async def get_dns_rule(rule: Annotated[DnsRule, Depends(dns_rule)]) -> Response:
        return resource(rule.wire())

    @router.put(
        "/applications/{appInstanceId}/dns_rules/{dnsRuleId}",
        dependencies=STRICT,
        response_model=DnsRule,
        responses={**ERRORS, 412: {"description": "If-Match does not match the ETag"}},
        openapi_extra=body_doc(DnsRule),
        summary="Replace a DNS rule (e.g. to activate or deactivate it)",
    )
    async def put_dns_rule(
        app: App,
        rule: Annotated[DnsRule, Depends(current_dns_rule)],
        body: Annotated[DnsRule, Depends(json_body(DnsRule, after=current_dns_rule))],
    ) -> Response:
        if body.dnsRuleId != rule.dnsRuleId:
            raise InvalidField("dnsRuleId", f"must be {rule.dnsRuleId!r}, the rule in the path")
        updated = await platforms.put_dns_rule(app, body)
        return resource(updated.wire())

    # --- traffic rules ------------------------------------------------------------------

    async def traffic_rule(app: App, trafficRuleId: str) -> TrafficRule:
        rule = app.traffic_rules.get(trafficRuleId)
        if rule is None:
            raise NotFound(
                f"application instance {app.app_instance_id} has no traffic rule {trafficRuleId!r}"
            )
        return rule

    current_traffic_rule = current(traffic_rule, TrafficRule.wire)

    @router.get(
        "/applications/{appInstanceId}/traffic_rules",
        dependencies=STRICT,
        response_model=list[TrafficRule],
        responses=ERRORS,
        summary="The instance's traffic rules",
    )
    async def list_traffic_rules(app: App) -> Response:
        return resource([r.wire() for r in app.traffic_rules.values()])

    @router.get(
        "/applications/{appInstanceId}/traffic_rules/{trafficRuleId}",
        dependencies=STRICT,
        response_model=TrafficRule,
        responses=ERRORS,
        summary="One traffic rule",
    )
    async def get_traffic_rule(rule: Annotated[TrafficRule, Depends(traffic_rule)]) -> Response:
        return resource(rule.wire())

    @router.put(
        "/applications/{appInstanceId}/traffic_rules/{trafficRuleId}",
        dependencies=STRICT,
        response_model=TrafficRule,
        responses={**ERRORS, 412: {"description": "If-Match does not match the ETag"}},
        openapi_extra=body_doc(TrafficRule),
        summary="Replace a traffic rule",
    )
    async def put_traffic_rule(
        app: App,
        rule: Annotated[TrafficRule, Depends(current_traffic_rule)],
        body: Annotated[TrafficRule, Depends(json_body(TrafficRule, after=current_traffic_rule))],
    ) -> Response:
        if body.trafficRuleId != rule.trafficRuleId:
            raise InvalidField(
                "trafficRuleId", f"must be {rule.trafficRuleId!r}, the rule in the path"
            )
        updated = await platforms.put_traffic_rule(app, body)
        return resource(updated.wire())

    # --- timing -------------------------------------------------------------------------

    @router.get(
        "/timing/current_time",
        dependencies=STRICT,
        response_model=CurrentTime,
        responses=ERRORS,
        summary="The platform's time of day",
    )
    async def current_time(_: Host) -> Response:
        now = TimeStamp.of(platforms.wall())
        body = CurrentTime(
            seconds=now.seconds, nanoSeconds=now.nanoSeconds, timeSourceStatus=TIME_SOURCE
        )
        return JSONResponse(body.wire())

    @router.get(
        "/timing/timing_caps",
        dependencies=STRICT,
        response_model=TimingCaps,
        responses=ERRORS,
        summary="The platform's timing capabilities",
    )
    async def timing_caps(_: Host) -> Response:
        # meclab runs no NTP server or PTP master of its own: both lists are empty.
        body = TimingCaps(timeStamp=TimeStamp.of(platforms.wall()), ntpServers=[], ptpMasters=[])
        return JSONResponse(body.wire())

    add_registration_routes(router, mec011)
    return router
