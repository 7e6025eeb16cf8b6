"""How services look from a MEC host: representations, URLs, transports and discovery queries.

A service's representation depends on who looks: ``isLocal`` is relative to the queried host
(MEC 011 clause 8.1.2.2 note 4), ``_links.self`` is the URL it was reached by (the global
``/services/{id}`` or the producer's ``/applications/{appInstanceId}/services/{id}``), and
``_links.liveness`` is where its producer sends heartbeats, on its own host. Its ETag, however,
is that of the service as registered, so that a GET through one URL guards a PUT through the
other (RFC 9110 8.8.3: the tag identifies the resource's state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from meclab.http.etag import etag_of
from meclab.http.problem import ProblemError
from meclab.platform.platform import Platforms
from meclab.platform.services import (
    EndPointInfo,
    SecurityInfo,
    ServiceLinks,
    ServiceRecord,
    TransportInfo,
)
from meclab.platform.wire import LinkType
from meclab.scenario.model import LocalityType, TransportType
from meclab.services.mec011.routing import SERVICE_MGMT

PLATFORM_REST_TRANSPORT = "meclab-rest-http"
"""``transportId`` of the transport every meclab platform provides (MEC 011 clause 8.2.5)."""


def service_url(platforms: Platforms, host: str, ser_instance_id: str) -> str:
    """The service as any application on ``host`` reaches it (``/services/{id}``)."""
    return platforms.url(host, f"{SERVICE_MGMT}/services/{ser_instance_id}")


def app_service_url(platforms: Platforms, record: ServiceRecord) -> str:
    """The service under its producer (``/applications/{appInstanceId}/services/{id}``)."""
    path = f"{SERVICE_MGMT}/applications/{record.owner}/services/{record.id}"
    return platforms.url(record.host, path)


def liveness_url(platforms: Platforms, record: ServiceRecord) -> str:
    """Where the producer sends heartbeats: a URI the platform allocates (clause 8.2.10)."""
    return platforms.url(record.host, f"{SERVICE_MGMT}/liveness/{record.id}")


def service_body(platforms: Platforms, record: ServiceRecord, host: str, self_href: str) -> Any:
    """The ServiceInfo of ``record`` as ``host`` sees it, reached at ``self_href``."""
    links = ServiceLinks(
        self=LinkType(href=self_href),
        liveness=LinkType(href=liveness_url(platforms, record))
        if record.info.livenessInterval
        else None,
    )
    local = platforms.services.is_local(record, host)
    return record.info.model_copy(update={"isLocal": local, "links": links}).wire()


def service_etag(record: ServiceRecord) -> str:
    """The ETag of a service, whatever URL it was reached by (module docstring)."""
    return etag_of(record.info.wire())


def platform_transports(platforms: Platforms, host: str) -> list[TransportInfo]:
    """The transports a host's platform provides: REST over HTTP, on the host's API root.

    meclab relays no service traffic itself: a service registered with this transport is
    reached where its producer serves it; the entry tells consumers it speaks REST/JSON.
    """
    return [
        TransportInfo(
            id=PLATFORM_REST_TRANSPORT,
            name="REST over HTTP",
            description="RESTful HTTP with JSON bodies, as the MEC service APIs (ETSI MEC 009)",
            type=TransportType.REST_HTTP,
            protocol="HTTP",
            version="1.1",
            endpoint=EndPointInfo(uris=[platforms.url(host, "/")]),
            security=SecurityInfo(),
        )
    ]


def _values(values: list[str] | None) -> frozenset[str]:
    # Form style repeats the parameter (?ser_name=a&ser_name=b); MEC 009 lists also take
    # comma-separated values (?ser_name=a,b). Both are accepted.
    return frozenset(p for v in values or () for p in v.split(",") if p)


@dataclass(frozen=True, slots=True)
class ServiceQuery:
    """The service availability query's filters (MEC 011 clause 8.2.3.3.1 / 8.2.6.3.1)."""

    ser_instance_ids: frozenset[str] = frozenset()
    ser_names: frozenset[str] = frozenset()
    ser_category_ids: frozenset[str] = frozenset()
    scope_of_locality: LocalityType | None = None
    consumed_local_only: bool | None = None
    is_local: bool | None = None

    def matches(self, record: ServiceRecord, local: bool) -> bool:
        """Whether the service passes every filter; ``local`` is its isLocal on the host."""
        info = record.info
        if self.ser_instance_ids and record.id not in self.ser_instance_ids:
            return False
        if self.ser_names and info.serName not in self.ser_names:
            return False
        if self.ser_category_ids and (
            info.serCategory is None or info.serCategory.id not in self.ser_category_ids
        ):
            return False
        scope = info.scopeOfLocality or LocalityType.MEC_HOST  # its default (clause 8.1.2.2)
        if self.scope_of_locality is not None and scope is not self.scope_of_locality:
            return False
        consumed_local_only = info.consumedLocalOnly is not False  # absent means true
        if self.consumed_local_only is not None and consumed_local_only != self.consumed_local_only:
            return False
        return self.is_local is None or local == self.is_local


async def service_query(
    ser_instance_id: Annotated[
        list[str] | None, Query(description="serInstanceIds; repeat or comma-separate")
    ] = None,
    ser_name: Annotated[list[str] | None, Query(description="serNames")] = None,
    ser_category_id: Annotated[list[str] | None, Query(description="serCategory ids")] = None,
    scope_of_locality: LocalityType | None = None,
    consumed_local_only: bool | None = None,
    is_local: bool | None = None,
) -> ServiceQuery:
    """A dependency reading the query; 400 when more than one service selector is given."""
    selectors = {
        "ser_instance_id": ser_instance_id,
        "ser_name": ser_name,
        "ser_category_id": ser_category_id,
    }
    given = [name for name, value in selectors.items() if value]
    if len(given) > 1:
        # "Either ser_instance_id or ser_name or ser_category_id or none of them shall be
        # present" (MEC 011 2.1.1 file; clause 8.2.3.3.1 note in v3).
        raise ProblemError(
            400,
            f"query parameters {', '.join(given)} are mutually exclusive: give only one",
            invalidParams=[
                {
                    "name": name,
                    "in": "query",
                    "reason": "mutually exclusive with "
                    + ", ".join(other for other in given if other != name),
                }
                for name in given
            ],
        )
    return ServiceQuery(
        ser_instance_ids=_values(ser_instance_id),
        ser_names=_values(ser_name),
        ser_category_ids=_values(ser_category_id),
        scope_of_locality=scope_of_locality,
        consumed_local_only=consumed_local_only,
        is_local=is_local,
    )
