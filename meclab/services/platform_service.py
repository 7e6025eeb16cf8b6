"""The platform's own MEC services (RNIS, Location, WAI, UE identity ...) in the MEC 011 registry.

Each such API offers itself on every MEC host once the platforms are built (INVENTORY §3.8:
ServiceInfo with serName, serCategory, version, REST over HTTP transport with the host's URL,
JSON serializer), so applications discover it through service management; it is withdrawn when
meclab stops (see :meth:`~meclab.platform.platform.Platforms.offer_service`).
"""

from __future__ import annotations

from dataclasses import dataclass

from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.service_info import (
    CategoryRef,
    EndPointInfo,
    SecurityInfo,
    ServiceInfo,
    ServiceState,
    TransportInfo,
)
from meclab.scenario.model import LocalityType, SerializerType, TransportType

REST_TRANSPORT_ID = "meclab-rest-http"
"""The platform-provided REST transport (listed by MEC 011 ``GET /transports``)."""


def rest_transport(platforms: Platforms, host: str, path: str = "/") -> TransportInfo:
    """The platform's REST-over-HTTP transport on ``host``, its endpoint at ``path``."""
    return TransportInfo(
        id=REST_TRANSPORT_ID,
        name="REST over HTTP",
        description="RESTful HTTP with JSON bodies, as the MEC service APIs (ETSI MEC 009)",
        type=TransportType.REST_HTTP,
        protocol="HTTP",
        version="1.1",
        endpoint=EndPointInfo(uris=[platforms.url(host, path)]),
        security=SecurityInfo(),
    )


@dataclass(frozen=True, slots=True)
class PlatformService:
    """How one of meclab's ETSI APIs describes itself in the registry."""

    name: str
    """serName, e.g. ``rni``."""
    category_id: str
    category_name: str
    version: str
    """The API version, e.g. ``2.2.1``."""
    path: str
    """Base path on a host, e.g. ``/rni/v2``."""

    def info(self, platforms: Platforms, host: str) -> ServiceInfo:
        """The ServiceInfo this service registers on ``host``."""
        return ServiceInfo(
            serName=self.name,
            serCategory=CategoryRef(
                href=f"{platforms.url(host, '/mec_service_mgmt/v1')}/services?ser_name={self.name}",
                id=self.category_id,
                name=self.category_name,
                version=self.version,
            ),
            version=self.version,
            state=ServiceState.ACTIVE,
            transportInfo=rest_transport(platforms, host, self.path),
            serializer=SerializerType.JSON,
            scopeOfLocality=LocalityType.MEC_HOST,
            consumedLocalOnly=True,
        )

    def attach(self, platforms: Platforms) -> None:
        """Offer this service on every host each time the platforms are built or restored."""

        async def offer(world: World, resumed: bool) -> None:
            for host in platforms.hosts:
                await platforms.offer_service(host, self.info(platforms, host))

        platforms.loaded_listeners.append(offer)
