"""The bodies of ETSI GS MEC 010-2 v3.1.1 granting (``granting/v1``).

Class names are the spec's schema names and attributes its wire names; bodies travel bare (not
``{"GrantRequest": {...}}``, INVENTORY §3.10). The parts that describe VIM-side structures meclab
has no counterpart for (external virtual links and their connection points, the
``additionalParams`` maps) are passed through as JSON objects.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from meclab.lifecycle.records import LcmOperation
from meclab.platform.wire import LinkType, WireModel
from meclab.services.app_lcm.models import VimConnectionInfo


class Resource(WireModel):
    vimConnectionInfo: VimConnectionInfo
    resourceId: str


class ResourceDefinition(WireModel):
    id: str
    type: Literal["COMPUTE", "STORAGE", "LINKPORT", "OSCONTAINER"]
    vduId: str | None = None
    resourceTemplateId: list[str] = Field(min_length=1)
    resource: Resource


class GrantLinks(WireModel):
    appLcmOpOcc: LinkType
    appInstance: LinkType


class GrantRequest(WireModel):
    appInstanceId: str
    appLcmOpOccId: str
    appDId: str
    operation: LcmOperation
    addResources: list[ResourceDefinition] | None = None
    tempResources: list[ResourceDefinition] | None = None
    removeResources: list[ResourceDefinition] | None = None
    updateResources: list[ResourceDefinition] | None = None
    additionalParams: dict[str, Any] | None = None
    links: GrantLinks = Field(alias="_links")


class ZoneInfo(WireModel):
    id: str
    zoneId: str
    vimConnectionId: str | None = None


class ZoneGroupInfo(WireModel):
    zoneId: list[str] = Field(min_length=1)


class KeyValuePair(WireModel):
    key: str | None = None
    value: str | None = None


class GrantInfo(WireModel):
    resourceDefinitionId: str
    vimConnectionId: str | None = None
    zoneId: str | None = None
    resourceGroupId: str | None = None
    containerNamespace: str | None = None
    mcioConstraints: list[KeyValuePair] | None = None


class VimSoftwareImage(WireModel):
    vimConnectionId: str | None = None
    appDSoftwareImageId: str
    vimSoftwareImageId: str


class VimAssets(WireModel):
    softwareImages: list[VimSoftwareImage] | None = None


class Grant(WireModel):
    id: str
    appInstanceId: str
    appLcmOpOccId: str
    vimConnections: list[dict[str, VimConnectionInfo]] | None = None
    zones: list[ZoneInfo] | None = None
    """meclab: one zone per MEC host the grant approves, ``zoneId`` the host's name."""
    zoneGroups: list[ZoneGroupInfo] | None = None
    addResources: list[GrantInfo] | None = None
    tempResources: list[GrantInfo] | None = None
    removeResources: list[GrantInfo] | None = None
    updateResources: list[GrantInfo] | None = None
    vimAssets: VimAssets | None = None
    extVirtualLinks: list[dict[str, Any]] | None = None
    additionalParams: dict[str, Any] | None = None
    links: GrantLinks = Field(alias="_links")
