"""MEC 028 measurement configurations and reports (ETSI GS MEC 028 V2.3.1 clauses 6.2.4,
6.2.5, 6.5.13-6.5.20 and the IEEE 802.11-2016 radio measurements they carry).

A measurement (``MeasurementInfo``) asks for exactly one kind of report (NOTE 1 of its table):
beacon, channel load, neighbor or STA statistics. meclab measures the first three from the
world; STA statistics are 802.11 frame counters, which meclab does not model, so a request for
them is refused (422) rather than answered with invented numbers.
"""

from __future__ import annotations

from pydantic import Field

from meclab.platform.wire import LinkType, WireModel
from meclab.services.wai.models_ids import UINT8, UINT16, UINT32, StaIdentity

# --- configurations ----------------------------------------------------------------------


class BeaconReportingConfig(WireModel):
    """IEEE 802.11-2016 Figure 9-157: when a beacon report is issued (Table 9-89)."""

    reportingCondition: int = Field(ge=0, le=UINT8)
    threshold: int = Field(ge=0, le=UINT8)


class BeaconRequestConfig(WireModel):
    """Clause 6.5.14: a beacon request."""

    operatingClass: int = Field(ge=0, le=UINT8)
    channelId: int = Field(ge=0, le=UINT8)
    """0 and 255: every channel of the operating class."""
    measurementMode: int = Field(ge=0, le=2)
    """0 passive, 1 active, 2 beacon table: the same to an emulated station."""
    bssid: str | None = None
    ssid: str | None = None
    beaconReportingConf: BeaconReportingConfig


class ChannelLoadConfig(WireModel):
    """Clause 6.5.15: a channel load request (reporting conditions of Table 9-153)."""

    operatingClass: int = Field(ge=0, le=UINT8)
    channel: int = Field(ge=0, le=UINT8)
    reportingCondition: int | None = Field(None, ge=0, le=2)
    threshold: int | None = Field(None, ge=0, le=UINT8)


class NeighborReportConfig(WireModel):
    """Clause 6.5.17: a neighbor report request (``bssid`` counts only with ``ssid``)."""

    ssid: str | None = None
    bssid: str | None = None


class StaCounterTriggerCondition(WireModel):
    """IEEE 802.11-2016 Figure 9-161: thresholds of triggered STA statistics."""

    failedCountThreshold: int | None = Field(None, ge=0)
    fcsErrorCountThreshold: int | None = Field(None, ge=0)
    multipleRetryCountThreshold: int | None = Field(None, ge=0)
    frameDuplicateCountThreshold: int | None = Field(None, ge=0)
    rtsFailureCountThreshold: int | None = Field(None, ge=0)
    ackFailureCountThreshold: int | None = Field(None, ge=0)
    retryCountThreshold: int | None = Field(None, ge=0)


class StaStatisticsConfig(WireModel):
    """Clause 6.5.16: accepted on the wire so that the refusal can name it (module docstring)."""

    groupIdentity: int = Field(ge=0, le=UINT8)
    triggeredReport: bool
    measurementCount: int | None = Field(None, ge=0, le=UINT32)
    triggerTimeout: int | None = Field(None, ge=0, le=UINT16)
    triggerCondition: StaCounterTriggerCondition | None = None


class MeasurementInfo(WireModel):
    """Clause 6.5.13: what to measure and for how long (in TUs of 1024 microseconds)."""

    measurementDuration: int | None = Field(None, ge=1, le=UINT16)
    randomInterval: int | None = Field(None, ge=0, le=UINT16)
    channelLoadConf: ChannelLoadConfig | None = None
    beaconRequestConf: BeaconRequestConfig | None = None
    staStatisticsConf: StaStatisticsConfig | None = None
    neighborReportConf: NeighborReportConfig | None = None


class MeasurementLinks(WireModel):
    self: LinkType


class MeasurementConfig(WireModel):
    """Clause 6.2.4: a measurement configuration resource (``/measurements/{id}``)."""

    links: MeasurementLinks | None = Field(None, alias="_links")
    measurementId: str = Field(min_length=1)
    measurementInfo: MeasurementInfo
    staId: list[StaIdentity] = Field(min_length=1)


class MeasurementConfigLink(WireModel):
    href: str
    measurementId: str


class MeasurementConfigLinkList(WireModel):
    """Clause 6.2.5: the measurement configurations of a host, by link."""

    links: MeasurementLinks = Field(alias="_links")
    measurementConfig: list[MeasurementConfigLink] = Field(default_factory=list)


# --- reports -----------------------------------------------------------------------------


class ReportedBeaconFrameInfo(WireModel):
    phyType: int = Field(ge=0, le=127)
    frameType: int = Field(ge=0, le=1)


class BeaconReport(WireModel):
    """Clause 6.5.18: one BSS a station received beacons from."""

    staId: StaIdentity | None = None
    measurementId: str
    operatingClass: int = Field(ge=0, le=UINT8)
    channel: int = Field(ge=0, le=UINT8)
    reportedFrameInfo: ReportedBeaconFrameInfo
    bssid: str
    ssid: str | None = None
    rcpi: int | None = Field(None, ge=0, le=UINT8)
    rsni: int | None = Field(None, ge=0, le=UINT8)
    antennaId: int | None = Field(None, ge=0, le=UINT8)
    parentTsf: int | None = Field(None, ge=0, le=UINT32)


class ChannelLoad(WireModel):
    """Clause 6.5.20: how busy a station found a channel (255 = 100 %)."""

    staId: StaIdentity | None = None
    measurementId: str
    operatingClass: int = Field(ge=0, le=UINT8)
    channel: int = Field(ge=0, le=UINT8)
    measurementDuration: int = Field(ge=0, le=UINT16)
    channelLoad: int = Field(ge=0, le=UINT8)


class BssCapabilities(WireModel):
    """IEEE 802.11-2016 Figure 9-338 capability bits of a reported BSS."""

    spectrumManagement: bool
    qos: bool
    apsd: bool
    radioMeasurements: bool
    delayedBACK: bool
    immediateBACK: bool


class BssidInfo(WireModel):
    """IEEE 802.11-2016 Figure 9-296: the BSSID Information field of a neighbor report."""

    apReachability: int = Field(ge=0, le=3)
    security: bool
    capabilities: BssCapabilities
    mobilityDomain: bool
    highThroughput: bool
    veryHighThroughput: bool
    ftm: bool


class NeighborReport(WireModel):
    """Clause 6.5.17 report: a neighbor AP of the station's ESS."""

    staId: StaIdentity | None = None
    measurementId: str
    bssid: str
    bssidInfo: BssidInfo
    operatingClass: int = Field(ge=0, le=UINT8)
    channel: int = Field(ge=0, le=UINT8)
    phyType: int = Field(ge=0, le=UINT8)
    bssTransitionCandidatePreference: int | None = Field(None, ge=0, le=UINT8)
