"""The application descriptor (AppD) of ETSI GS MEC 010-2 V3.1.1 clause 6.2.1, as meclab reads it.

Pydantic and the shared vocabulary only (plus the MEC 011 wire pieces of
:mod:`meclab.platform.service_info`, which are pydantic too), so that a package can be validated
anywhere. Attribute names are the spec's; unknown attributes are refused, so that a misspelt
``appServiceRequird`` is an error that names it, not a silently ignored dependency.

What meclab acts on, and the units the spec gives them:

=================================================  =============================================
attribute                                          meaning in meclab
=================================================  =============================================
``virtualComputeDescriptor.virtualCpu``            ``numVirtualCpu`` cores reserved on the host;
                                                   ``virtualCpuClock`` is a minimum clock rate in
                                                   **MHz** (the spec's example unit), informative
``virtualComputeDescriptor.virtualMemory``         ``virtualMemSize`` reserved, in **MB**
``virtualStorageDescriptor[].blockStorageData``    ``sizeOfStorage`` reserved, in **GB** (file
                                                   storage's ``sizeOfStorage`` too, GB)
``swImageDescriptor[]``                            which software image runs the app: see
                                                   :mod:`meclab.lifecycle.manifest`
``appServiceRequired`` / ``appServiceOptional``    MEC 011 services the instance needs / may use
``appServiceProduced``                             services the instance offers (MEC 011)
``appDNSRule``                                     the host's DNS answers for the instance
``appTrafficRule``                                 the host's traffic rules for the instance
``appLatency.maxLatency``                          one-way latency the app tolerates, in
                                                   **nanoseconds** as the spec has it
                                                   (:attr:`LatencyDescriptor.max_latency_ms`)
``userContextTransferCapability``                  whether the app is stateful and relocatable
``terminateAppInstanceOpConfig``                   graceful termination timeouts, in seconds
``changeAppInstanceStateOpConfig``                 graceful stop timeouts, in seconds
=================================================  =============================================

**DNS rules naming the instance.** A package does not know the address meclab gives its
instance in the emulated network. An ``appDNSRule`` whose ``ipAddress`` is the unspecified
address (``0.0.0.0`` for ``IP_V4``, ``::`` for ``IP_V6``) therefore means "the address of the
instance meclab deploys": the lifecycle substitutes that address when it installs the rule
(:meth:`DnsRuleDescriptor.names_instance`).

Where the v3.1.1 file is a doc2oas artefact (INVENTORY.md §3.7, §3.10), the older v2.1.1 file
and the GS text decide: enumerations the file writes ``SEE_DESCRIPTION`` take the values its
description lists; ``mecVersion`` is read as a comma-separated string (v3.1.1) or a list (v2.1.1)
and kept as a list; ``dstInterface`` is a list of at most two interfaces (v2.1.1, and the
description's "two values shall be provided"); ``swImage`` is the reference to the image (a path
relative to the package root, or a URL: the attribute's description), not the recursive object
the file declares. The NFV attributes meclab does not act on (OS containers, MCIO data,
maintenance rules of virtual links...) are kept as given.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    field_validator,
    model_validator,
)

from meclab.platform import rules
from meclab.platform.service_info import CategoryRef, SecurityInfo
from meclab.platform.wire import WireModel
from meclab.types import (
    FilterType,
    InterfaceType,
    IpAddressType,
    SerializerType,
    TrafficAction,
    TransportType,
)

Text = Annotated[str, Field(min_length=1)]
KeyValuePairs = dict[str, Any]
"""An NFV key-value pair object: kept as given."""


# --- MEC 011 dependency types (also used by MEC 011 AppInfo) ----------------------------------


class FeatureDependency(WireModel):
    featureName: Text
    version: Text


class TransportDescriptor(WireModel):
    name: Text
    description: str | None = None
    type: TransportType
    protocol: Text
    version: Text
    security: SecurityInfo
    implSpecificInfo: dict[str, Any] | None = None


class TransportDependency(WireModel):
    transport: TransportDescriptor
    serializers: list[SerializerType] = Field(min_length=1)
    labels: list[str] = Field(min_length=1)


class ServiceDependency(WireModel):
    serName: Text
    serCategory: CategoryRef | None = None
    version: Text
    serTransportDependencies: list[TransportDependency] | None = None
    requestedPermissions: Any | None = None
    """Its format is left to the data model design stage (MEC 009 clause 7.2)."""


class TransportsSupported(WireModel):
    transport: TransportDescriptor
    serializers: list[SerializerType] = Field(min_length=1)


class ServiceDescriptor(WireModel):
    """A service the application produces (clause 6.2.1.5)."""

    serName: Text
    serCategory: CategoryRef | None = None
    version: Text
    transportsSupported: list[TransportsSupported] | None = None
    """REST over HTTP with JSON when absent."""


# --- virtual resources --------------------------------------------------------------------


class VirtualCpuPinningData(WireModel):
    virtualCpuPinningPolicy: Literal["STATIC", "DYNAMIC"] | None = None
    virtualCpuPinningRule: list[str] | None = None


class VirtualCpuData(WireModel):
    cpuArchitecture: str | None = None
    numVirtualCpu: int = Field(ge=1)
    """Virtual CPUs (cores) the instance needs."""
    virtualCpuClock: float | None = Field(None, gt=0)
    """Minimum clock rate, in MHz."""
    virtualCpuOversubscriptionPolicy: str | None = None
    vduCpuRequirements: list[KeyValuePairs] | None = None
    virtualCpuPinning: VirtualCpuPinningData | None = None


class VirtualMemoryData(WireModel):
    virtualMemSize: float = Field(gt=0)
    """Memory the instance needs, in MB."""
    virtualMemOversubscriptionPolicy: str | None = None
    vduMemRequirements: list[KeyValuePairs] | None = None
    numaEnabled: bool | None = None
    hugePagesRequirements: str | None = None


class LogicalNodeRequirements(WireModel):
    id: Text
    logicalNodeRequirementDetail: list[str] | None = None


class RequestedAdditionalCapabilityData(WireModel):
    requestedAdditionalCapabilityName: Text
    supportMandatory: bool
    minRequestedAdditionalCapabilityVersion: str | None = None
    preferredRequestedAdditionalCapabilityVersion: str | None = None
    targetPerformanceParameters: list[KeyValuePairs]


class ChecksumData(WireModel):
    algorithm: Text
    hash: Text


class SwImageDescriptor(WireModel):
    """A software image of the application (NFV SwImageDesc; clause 6.2.1.2)."""

    id: Text
    name: Text
    version: Text
    checksum: ChecksumData | None = None
    containerFormat: Text
    """The image's container format; meclab runs ``BARE`` images as processes (manifest)."""
    diskFormat: str | None = None
    minDisk: float | None = Field(None, ge=0)
    minRam: float | None = Field(None, ge=0)
    size: float | None = Field(None, ge=0)
    swImage: Text
    """Reference to the image: a path relative to the package root, or a URL."""
    operatingSystem: str | None = None
    supportedVirtualisationEnvironment: list[str] | None = None


class MonitoringParameter(WireModel):
    monitoringParameterId: Text
    name: str | None = None
    performanceMetric: Text
    collectionPeriod: str | None = None


class OsContainerDescriptor(WireModel):
    """An OS container realising (part of) the application; for a later container backend."""

    osContainerDescId: Text
    name: Text
    description: str
    requestedCpuResources: int | None = Field(None, ge=0)
    """Milli-CPUs."""
    requestedMemoryResources: float | None = Field(None, ge=0)
    """MB."""
    requestedEphemeralStorageResources: float | None = Field(None, ge=0)
    """GB."""
    extendedResourceRequests: list[KeyValuePairs] | None = None
    additionalProperties: str | None = None
    cpuResourceLimit: int | None = Field(None, ge=0)
    memoryResourceLimit: float | None = Field(None, ge=0)
    ephemeralStorageResourceLimit: float | None = Field(None, ge=0)
    hugePageResources: dict[str, Any] | None = None
    cpuPinningRequirements: VirtualCpuPinningData | None = None
    swImageDesc: SwImageDescriptor
    bootData: str | None = None
    monitoringParameters: list[MonitoringParameter] | None = None


class BlockStorageData(WireModel):
    sizeOfStorage: float = Field(ge=0)
    """Size of the storage, in GB."""
    vduStorageRequirements: list[KeyValuePairs] | None = None
    rdmaEnabled: bool | None = None
    swImageDesc: SwImageDescriptor | None = None


class FileStorageData(WireModel):
    sizeOfStorage: float | None = Field(None, ge=0)
    """Size of the storage, in GB."""
    fileSystemProtocol: str | None = None
    intVirtualLinkDesc: KeyValuePairs | None = None


class ObjectStorageData(WireModel):
    maxSizeOfStorage: float | None = Field(None, ge=0)
    """Maximum size of the storage, in GB."""


class VirtualComputeDescriptor(WireModel):
    """CPU and memory of the single VM (or process) realising the application."""

    virtualComputeDescId: Text
    logicalNode: list[LogicalNodeRequirements] | None = None
    requestAdditionalCapabilities: list[RequestedAdditionalCapabilityData] | None = None
    computeRequirements: list[str] | None = None
    virtualMemory: VirtualMemoryData
    virtualCpu: VirtualCpuData
    virtualDisk: list[BlockStorageData] | None = None


class StorageType(StrEnum):
    BLOCK = "BLOCK"
    OBJECT = "OBJECT"
    FILE = "FILE"


_STORAGE_DATA = {
    StorageType.BLOCK: "blockStorageData",
    StorageType.OBJECT: "objectStorageData",
    StorageType.FILE: "fileStorageData",
}


class VirtualStorageDescriptor(WireModel):
    id: str | None = None
    typeOfStorage: StorageType | None = None
    blockStorageData: BlockStorageData | None = None
    objectStorageData: ObjectStorageData | None = None
    fileStorageData: FileStorageData | None = None
    nfviMaintenanceInfo: KeyValuePairs | None = None
    perVnfcInstance: bool | None = None

    @model_validator(mode="after")
    def _data_of_its_type(self) -> VirtualStorageDescriptor:
        # "Required when typeOfStorage is set to ..." (clause 6.2.1.4 via NFV-IFA 011)
        if self.typeOfStorage is not None:
            wanted = _STORAGE_DATA[self.typeOfStorage]
            if getattr(self, wanted) is None:
                raise ValueError(f"{wanted} is required when typeOfStorage is {self.typeOfStorage}")
        return self

    @property
    def size_gb(self) -> float:
        """The storage this descriptor reserves, in GB (block or file storage; 0 otherwise)."""
        if self.blockStorageData is not None:
            return self.blockStorageData.sizeOfStorage
        if self.fileStorageData is not None and self.fileStorageData.sizeOfStorage is not None:
            return self.fileStorageData.sizeOfStorage
        return 0.0


# --- external connection points -----------------------------------------------------------


class VirtualNetworkInterfaceRequirements(WireModel):
    name: str | None = None
    description: str | None = None
    standardizedNetworkInterfaceRequirements: str | None = None
    networkInterfaceRequirements: str | None = None
    nicIoRequirements: list[LogicalNodeRequirements] | None = None


class ServicePortData(WireModel):
    name: Text
    protocol: Literal["TCP", "UDP", "SCTP"]
    port: int = Field(ge=0, le=65535)
    portConfigurable: bool


class AdditionalServiceData(WireModel):
    portData: list[ServicePortData]
    serviceData: str | None = None


class AppExternalCpd(WireModel):
    """An external interface the application exposes (clause 6.2.1.6)."""

    virtualNetworkInterfaceRequirements: list[VirtualNetworkInterfaceRequirements] | None = None
    additionalServiceData: list[AdditionalServiceData] | None = None
    inherited_attributes: dict[str, Any]
    """The NFV Cpd attributes (cpdId, layerProtocol, cpRole ...), kept as given."""


# --- rules ------------------------------------------------------------------------------------


class TunnelType(StrEnum):
    GTP_U = "GTP-U"
    GRE = "GRE"


class TunnelInfo(WireModel):
    tunnelType: TunnelType
    tunnelDstAddress: Text
    tunnelSrcAddress: Text
    tunnelSpecificData: dict[str, Any] | None = None


class InterfaceDescriptor(WireModel):
    interfaceType: InterfaceType
    tunnelInfo: TunnelInfo | None = None
    srcMACAddress: str | None = None
    dstMACAddress: str | None = None
    dstIPAddress: str | None = None


class TrafficFilter(rules.TrafficFilter):
    """Which packets a traffic rule applies to: MEC 011's filter, plus the AppD's ``uri`` and
    ``packetLabel``."""

    uri: list[str] | None = None
    packetLabel: list[str] | None = None


_INTERFACES_OF = {
    TrafficAction.DROP: 0,
    TrafficAction.FORWARD_DECAPSULATED: 1,
    TrafficAction.FORWARD_ENCAPSULATED: 1,
    TrafficAction.PASSTHROUGH: 1,
    TrafficAction.DUPLICATE_DECAPSULATED: 2,
    TrafficAction.DUPLICATE_ENCAPSULATED: 2,
}


class TrafficRuleDescriptor(WireModel):
    """A traffic rule the application requires (clause 6.2.1.9)."""

    trafficRuleId: Text
    filterType: FilterType
    priority: int = Field(ge=0, le=255)
    """0 is the highest priority, 255 the lowest."""
    trafficFilter: list[TrafficFilter] = Field(min_length=1)
    action: TrafficAction
    dstInterface: list[InterfaceDescriptor] | None = Field(None, max_length=2)

    @field_validator("dstInterface", mode="before")
    @classmethod
    def _one_or_two(cls, value: Any) -> Any:
        # The v3.1.1 file declares one interface, v2.1.1 and the text up to two: accept both.
        return [value] if isinstance(value, dict) else value

    @field_validator("dstInterface")
    @classmethod
    def _interfaces_for_action(
        cls, value: list[InterfaceDescriptor] | None, info: ValidationInfo
    ) -> list[InterfaceDescriptor] | None:
        action = info.data.get("action")
        if action is None or value is None:
            return value
        # An interface is optional for forwarding in meclab (the data plane delivers to the
        # instance); what the text forbids is one for DROP, or more than the action uses.
        wanted = _INTERFACES_OF[action]
        if len(value) > wanted:
            raise ValueError(f"action {action} takes {wanted} value(s), {len(value)} given")
        return value


_UNSPECIFIED = {IpAddressType.IP_V4: "0.0.0.0", IpAddressType.IP_V6: "::"}


class DnsRuleDescriptor(WireModel):
    """A DNS rule the application requires (clause 6.2.1.13); see the module docstring for the
    unspecified address."""

    dnsRuleId: Text
    domainName: Text
    ipAddressType: IpAddressType
    ipAddress: Text
    ttl: int | None = Field(None, ge=0)

    @field_validator("ipAddress")
    @classmethod
    def _address_of_its_type(cls, value: str, info: ValidationInfo) -> str:
        try:
            address = ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address") from None
        kind = info.data.get("ipAddressType")  # absent when it was invalid itself
        if kind is not None and address.version != (4 if kind is IpAddressType.IP_V4 else 6):
            raise ValueError(f"{value} is not an {kind} address")
        return value

    @property
    def names_instance(self) -> bool:
        """Whether the rule answers with the deployed instance's address (unspecified address)."""
        return ipaddress.ip_address(self.ipAddress) == ipaddress.ip_address(
            _UNSPECIFIED[self.ipAddressType]
        )


class LatencyDescriptor(WireModel):
    maxLatency: int = Field(ge=0, le=2**32 - 1)
    """One-way end-to-end latency the application tolerates, in nanoseconds (uint32)."""

    @property
    def max_latency_ms(self) -> float:
        return self.maxLatency / 1e6


class UserContextTransferCapability(WireModel):
    statefulApplication: bool
    userContextTransferSupport: bool | None = None
    """Present exactly when the application is stateful."""

    @model_validator(mode="after")
    def _support_iff_stateful(self) -> UserContextTransferCapability:
        if self.statefulApplication and self.userContextTransferSupport is None:
            raise ValueError("userContextTransferSupport is required for a stateful application")
        if not self.statefulApplication and self.userContextTransferSupport is not None:
            raise ValueError("userContextTransferSupport is only for a stateful application")
        return self


class SteeredNetwork(WireModel):
    cellularNetwork: bool | None = None
    wifiNetwork: bool | None = Field(None, alias="wi-fiNetwork")
    fixedAccessNetwork: bool | None = None


class AppNetworkPolicy(WireModel):
    steeredNetwork: SteeredNetwork


class TerminateAppInstanceOpConfig(WireModel):
    minGracefulTerminationTimeout: float = Field(ge=0)
    """Seconds the instance is given, at least, to terminate gracefully."""
    maxRecommendedGracefulTerminationTimeout: float | None = Field(None, ge=0)
    parameter: list[str] | None = None


class ChangeAppInstanceStateOpConfig(WireModel):
    minGracefulStopTimeout: float = Field(ge=0)
    """Seconds the instance is given, at least, to stop gracefully."""
    maxRecommendedGracefulStopTimeout: float | None = Field(None, ge=0)
    parameter: list[str] | None = None


class McioIdentificationData(WireModel):
    name: Text
    type: Text


def _versions(value: Any) -> Any:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


MecVersions = Annotated[
    list[Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]],
    BeforeValidator(_versions),
    PlainSerializer(lambda v: ",".join(v), return_type=str),
    Field(min_length=1),
]
"""``mecVersion``: read from "3.1.1, 2.2.1" (v3.1.1) or a list (v2.1.1), sent as v3.1.1 does."""


class AppD(WireModel):
    """The application descriptor (clause 6.2.1.2)."""

    appDId: Text
    """Globally unique identifier of the descriptor, chosen by the provider."""
    appName: Text
    appProvider: Text
    appSoftVersion: Text
    appDVersion: Text
    mecVersion: MecVersions
    appInfoName: str | None = None
    appDescription: str
    virtualComputeDescriptor: VirtualComputeDescriptor | None = None
    osContainerDescriptor: list[OsContainerDescriptor] | None = None
    swImageDescriptor: list[SwImageDescriptor] = Field(min_length=1)
    virtualStorageDescriptor: list[VirtualStorageDescriptor] | None = None
    appExtCpd: list[AppExternalCpd]
    appServiceRequired: list[ServiceDependency] | None = None
    appServiceOptional: list[ServiceDependency] | None = None
    appServiceProduced: list[ServiceDescriptor] | None = None
    appFeatureRequired: list[FeatureDependency] | None = None
    appFeatureOptional: list[FeatureDependency] | None = None
    transportDependencies: list[TransportDependency] | None = None
    appTrafficRule: list[TrafficRuleDescriptor] | None = None
    appDNSRule: list[DnsRuleDescriptor] | None = None
    appLatency: LatencyDescriptor | None = None
    terminateAppInstanceOpConfig: TerminateAppInstanceOpConfig | None = None
    changeAppInstanceStateOpConfig: ChangeAppInstanceStateOpConfig | None = None
    userContextTransferCapability: UserContextTransferCapability | None = None
    appNetworkPolicy: AppNetworkPolicy | None = None
    mciopId: str | None = None
    mcioIdentificationData: McioIdentificationData | None = None
    logicalNode: list[LogicalNodeRequirements] | None = None
    requestAdditionalCapabilities: list[RequestedAdditionalCapabilityData] | None = None
    mcioConstraintParams: list[str] | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> AppD:
        for attr, key in (
            ("swImageDescriptor", "id"),
            ("appDNSRule", "dnsRuleId"),
            ("appTrafficRule", "trafficRuleId"),
        ):
            seen: set[str] = set()
            for item in getattr(self, attr) or []:
                value = getattr(item, key)
                if value in seen:
                    raise ValueError(f"{attr}: {key} {value!r} is used twice")
                seen.add(value)
        return self

    # --- what meclab reads ---------------------------------------------------------------

    @property
    def cpu_cores(self) -> float:
        """Cores to reserve (0 without a virtualComputeDescriptor)."""
        vcd = self.virtualComputeDescriptor
        return float(vcd.virtualCpu.numVirtualCpu) if vcd else 0.0

    @property
    def memory_mb(self) -> float:
        vcd = self.virtualComputeDescriptor
        return vcd.virtualMemory.virtualMemSize if vcd else 0.0

    @property
    def storage_gb(self) -> float:
        return sum(d.size_gb for d in self.virtualStorageDescriptor or [])

    @property
    def max_latency_ms(self) -> float | None:
        return self.appLatency.max_latency_ms if self.appLatency else None
