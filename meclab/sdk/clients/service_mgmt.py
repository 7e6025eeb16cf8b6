"""ETSI GS MEC 011 v3.1.1 service management (``/mec_service_mgmt/v1``, clause 8), as a client.

Every operation of the API, typed with the bodies the server uses:

==========================================  =================================================
discovery (clauses 8.2.3, 8.2.4)            :meth:`~ServiceMgmtClient.services` with every
                                            filter, :meth:`~ServiceMgmtClient.service`
transports (8.2.5)                          ``transports``
an instance's services (8.2.6, 8.2.7)       ``app_services``, ``register_service``,
                                            ``app_service``, ``update_service``,
                                            ``deregister_service``
availability subscriptions (8.2.8, 8.2.9)   ``subscribe_availability``,
                                            ``availability_subscriptions``,
                                            ``availability_subscription``, ``unsubscribe``
liveness (8.2.10)                           ``liveness``, ``heartbeat``
==========================================  =================================================

:func:`rest_service` builds the ServiceInfo of a REST service from a few arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict, Unpack

from meclab.platform.service_info import (
    CategoryRef,
    EndPointInfo,
    SecurityInfo,
    ServiceInfo,
    ServiceState,
    TransportInfo,
)
from meclab.platform.wire import SubscriptionLinkList
from meclab.sdk.errors import ConfigError
from meclab.sdk.http import Created, HttpClient, Params, Tagged, segment
from meclab.services.mec011.models import (
    SER_AVAILABILITY_SUBSCRIPTION,
    FilteringCriteria,
    SerAvailabilityNotificationSubscription,
    ServiceLivenessInfo,
    ServiceLivenessUpdate,
)
from meclab.types import LocalityType, SerializerType, TransportType

BASE = "/mec_service_mgmt/v1"

Names = str | Sequence[str] | None
"""One value or several of a repeatable query parameter (``?ser_name=a&ser_name=b``)."""


class Discovery(TypedDict, total=False):
    """The filters of a service availability query (clause 8.2.3.3.1), all optional.

    The three selectors (``ser_instance_id``, ``ser_name``, ``ser_category_id``) are mutually
    exclusive; the platform refuses more than one (400 naming them).
    """

    ser_instance_id: Names
    ser_name: Names
    ser_category_id: Names
    scope_of_locality: LocalityType | None
    consumed_local_only: bool | None
    is_local: bool | None


def discovery_query(**filters: Unpack[Discovery]) -> Params:
    """The query parameters of those filters (enums by value, absent ones left out)."""
    return {
        name: value.value if isinstance(value, LocalityType) else value
        for name, value in filters.items()
    }


def rest_service(
    name: str,
    uri: str,
    *,
    version: str = "1.0",
    category: CategoryRef | None = None,
    state: ServiceState = ServiceState.ACTIVE,
    serializer: SerializerType = SerializerType.JSON,
    scope_of_locality: LocalityType | None = None,
    consumed_local_only: bool | None = None,
    liveness_interval_s: int | None = None,
) -> ServiceInfo:
    """The ServiceInfo of a REST-over-HTTP service ``name`` served at ``uri``.

    ``liveness_interval_s`` asks for liveness heartbeats: 0 lets the platform pick the
    interval (clause 8.1.2.2), None (the default) registers the service without liveness.
    """
    if not uri.startswith(("http://", "https://")):
        raise ConfigError(f"service {name!r}: endpoint {uri!r} is not an http(s):// URI")
    return ServiceInfo(
        serName=name,
        serCategory=category,
        version=version,
        state=state,
        transportInfo=TransportInfo(
            id=f"{name}-rest",
            name="REST",
            type=TransportType.REST_HTTP,
            protocol="HTTP",
            version="1.1",
            endpoint=EndPointInfo(uris=[uri]),
            security=SecurityInfo(),
        ),
        serializer=serializer,
        scopeOfLocality=scope_of_locality,
        consumedLocalOnly=consumed_local_only,
        livenessInterval=liveness_interval_s,
    )


class ServiceMgmtClient:
    """MEC 011 service management on the platform ``http`` speaks to."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _app(self, app_instance_id: str, tail: str = "") -> str:
        return f"{BASE}/applications/{segment(app_instance_id)}{tail}"

    # --- discovery -----------------------------------------------------------------------

    async def services(self, **filters: Unpack[Discovery]) -> list[ServiceInfo]:
        """The services this MEC host sees, filtered (see :class:`Discovery`)."""
        params = discovery_query(**filters)
        return await self.http.get_list(f"{BASE}/services", ServiceInfo, params=params)

    async def service(self, ser_instance_id: str) -> Tagged[ServiceInfo]:
        """One service this MEC host sees, with its ETag."""
        return await self.http.get_tagged(
            f"{BASE}/services/{segment(ser_instance_id)}", ServiceInfo
        )

    async def transports(self) -> list[TransportInfo]:
        """The transports the platform provides (a ``transportId`` may name one)."""
        return await self.http.get_list(f"{BASE}/transports", TransportInfo)

    # --- an instance's services ----------------------------------------------------------

    async def app_services(
        self, app_instance_id: str, **filters: Unpack[Discovery]
    ) -> list[ServiceInfo]:
        """The services the instance produces, filtered (see :class:`Discovery`)."""
        params = discovery_query(**filters)
        return await self.http.get_list(
            self._app(app_instance_id, "/services"), ServiceInfo, params=params
        )

    async def register_service(
        self, app_instance_id: str, info: ServiceInfo
    ) -> Created[ServiceInfo]:
        """Register a service the instance produces (it must have confirmed ready: 403
        otherwise, clause 5.2.2): the ServiceInfo with its ``serInstanceId`` and links."""
        return await self.http.post(self._app(app_instance_id, "/services"), info, ServiceInfo)

    async def app_service(self, app_instance_id: str, ser_instance_id: str) -> Tagged[ServiceInfo]:
        """One service the instance produces, with its ETag."""
        path = self._app(app_instance_id, f"/services/{segment(ser_instance_id)}")
        return await self.http.get_tagged(path, ServiceInfo)

    async def update_service(
        self,
        app_instance_id: str,
        ser_instance_id: str,
        info: ServiceInfo,
        *,
        if_match: str | None = None,
    ) -> Tagged[ServiceInfo]:
        """Replace a service the instance produces (e.g. its ``state``)."""
        path = self._app(app_instance_id, f"/services/{segment(ser_instance_id)}")
        return await self.http.put_tagged(path, info, ServiceInfo, if_match=if_match)

    async def deregister_service(
        self, app_instance_id: str, ser_instance_id: str, *, if_match: str | None = None
    ) -> None:
        """Deregister a service the instance produces (204)."""
        path = self._app(app_instance_id, f"/services/{segment(ser_instance_id)}")
        await self.http.delete(path, if_match=if_match)

    # --- availability subscriptions ------------------------------------------------------

    async def subscribe_availability(
        self,
        app_instance_id: str,
        callback_uri: str,
        criteria: FilteringCriteria | None = None,
    ) -> Created[SerAvailabilityNotificationSubscription]:
        """Be told (at ``callback_uri``) when services ``criteria`` covers are added, removed
        or changed."""
        body = SerAvailabilityNotificationSubscription(
            subscriptionType=SER_AVAILABILITY_SUBSCRIPTION,
            callbackReference=callback_uri,
            filteringCriteria=criteria,
        )
        return await self.http.post(
            self._app(app_instance_id, "/subscriptions"),
            body,
            SerAvailabilityNotificationSubscription,
        )

    async def availability_subscriptions(self, app_instance_id: str) -> SubscriptionLinkList:
        """The instance's availability subscriptions, by link."""
        return await self.http.get(
            self._app(app_instance_id, "/subscriptions"), SubscriptionLinkList
        )

    async def availability_subscription(self, href: str) -> SerAvailabilityNotificationSubscription:
        """One availability subscription, by its URL."""
        return await self.http.get(href, SerAvailabilityNotificationSubscription)

    async def unsubscribe(self, href: str) -> None:
        """Delete a subscription, by its URL (204)."""
        await self.http.delete(href)

    # --- liveness ------------------------------------------------------------------------

    def liveness_url(self, service: ServiceInfo | str) -> str:
        """Where ``service``'s heartbeats go: the ``_links.liveness`` the platform allocated
        (clause 8.2.10), or, given a serInstanceId, meclab's ``/liveness/{id}``."""
        if isinstance(service, str):
            return f"{BASE}/liveness/{segment(service)}"
        link = service.links.liveness if service.links is not None else None
        if link is None:
            raise ConfigError(
                f"service {service.serName!r} has no _links.liveness: "
                "it was registered without livenessInterval"
            )
        return link.href

    async def liveness(self, service: ServiceInfo | str) -> Tagged[ServiceLivenessInfo]:
        """A service's liveness as the platform sees it (state, last heartbeat, interval)."""
        return await self.http.get_tagged(self.liveness_url(service), ServiceLivenessInfo)

    async def heartbeat(self, service: ServiceInfo | str) -> None:
        """One heartbeat: the service is alive (``PATCH {"state": "ACTIVE"}``, 204)."""
        await self.http.request(
            "PATCH",
            self.liveness_url(service),
            json_body=ServiceLivenessUpdate(state=ServiceState.ACTIVE),
            expect=(204,),
        )
