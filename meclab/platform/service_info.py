"""MEC 011 ServiceInfo and the bodies it holds (clause 8.1.2), as the registry keeps them.

Pydantic and the shared vocabulary only: the service management API, the registry and the SDK
all use these definitions.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from meclab.platform.wire import LinkType, WireModel
from meclab.types import LocalityType, SerializerType, TransportType


class ServiceState(StrEnum):
    ACTIVE = "ACTIVE"
    INACTIVE = "INACTIVE"
    SUSPENDED = "SUSPENDED"


class CategoryRef(WireModel):
    href: str
    id: str
    name: str
    version: str


class Address(WireModel):
    host: str
    port: int = Field(ge=0, le=65535)


class EndPointInfo(WireModel):
    """Where a service is reached: URIs for REST, or FQDNs, addresses, something else."""

    uris: list[str] | None = None
    fqdn: list[str] | None = None
    addresses: list[Address] | None = None
    alternative: dict[str, Any] | None = None


class GrantType(StrEnum):
    """OAuth 2.0 grant types a transport may offer (MEC 011 clause 8.1.5.4)."""

    OAUTH2_AUTHORIZATION_CODE = "OAUTH2_AUTHORIZATION_CODE"
    OAUTH2_IMPLICIT_GRANT = "OAUTH2_IMPLICIT_GRANT"
    OAUTH2_RESOURCE_OWNER = "OAUTH2_RESOURCE_OWNER"
    OAUTH2_CLIENT_CREDENTIALS = "OAUTH2_CLIENT_CREDENTIALS"


class OAuth2Info(WireModel):
    grantTypes: list[GrantType] = Field(min_length=1)
    tokenEndpoint: str | None = None

    @field_validator("grantTypes", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        # The v3.1.1 file types it as one string, the GS as a list; accept both.
        return [value] if isinstance(value, str) else value


class SecurityInfo(WireModel):
    oAuth2Info: OAuth2Info | None = None


class TransportInfo(WireModel):
    id: str
    name: str
    description: str | None = None
    type: TransportType
    protocol: str
    version: str
    endpoint: EndPointInfo
    security: SecurityInfo
    implSpecificInfo: dict[str, Any] | None = None


class ServiceLinks(WireModel):
    self: LinkType
    liveness: LinkType | None = None


class ServiceInfo(WireModel):
    """MEC 011 ServiceInfo (clause 8.1.2.2)."""

    serInstanceId: str | None = None
    serName: str = Field(min_length=1)
    serCategory: CategoryRef | None = None
    version: str = Field(min_length=1)
    state: ServiceState
    transportId: str | None = None
    transportInfo: TransportInfo | None = None
    serializer: SerializerType
    scopeOfLocality: LocalityType | None = None
    consumedLocalOnly: bool | None = None
    isLocal: bool | None = None
    livenessInterval: int | None = Field(None, ge=0, le=86_400)
    """0 in a registration: the producer sends heartbeats, the platform picks the interval
    (MEC 011 clause 8.1.2.2)."""
    links: ServiceLinks | None = Field(None, alias="_links")


class ChangeType(StrEnum):
    """MEC 011 ServiceAvailabilityNotification changeType."""

    ADDED = "ADDED"
    REMOVED = "REMOVED"
    STATE_CHANGED = "STATE_CHANGED"
    ATTRIBUTES_CHANGED = "ATTRIBUTES_CHANGED"
