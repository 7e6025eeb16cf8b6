"""MEC 028 WAI data types of the queries (ETSI GS MEC 028 V2.3.1 clauses 6.2 and 6.5).

Attribute names are the GS's own. Bodies are bare objects on the wire (INVENTORY §3.10).
Attributes meclab's emulated APs have nothing to put in (802.11 capability bit fields
``wlanCap``, ``extBssLoad``, ``oBssLoad``, a civic address, frame counters ``staStatistics``)
are not modelled and never sent; every one of them is optional in the GS.
"""

from __future__ import annotations

from pydantic import Field

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.wai.models_ids import UINT8, UINT16, UINT32, ApIdentity, StaIdentity
from meclab.services.wai.models_measure import BeaconReport, ChannelLoad, NeighborReport


class ApAssociated(WireModel):
    """Clause 6.5.12: the AP a station is associated with."""

    bssid: str
    assocId: str | None = None
    ipAddress: list[str] | None = None
    ssid: list[str] | None = None


class Rssi(WireModel):
    """Clause 6.5.21, on the RCPI scale (see :mod:`.wifi`)."""

    rssi: int = Field(ge=0, le=UINT8)


class StaDataRate(WireModel):
    """Clause 6.5.22: rates in kbit/s; at least one of the two is present."""

    staId: StaIdentity | None = None
    staLastDataDownlinkRate: int | None = Field(None, ge=0, le=UINT32)
    staLastDataUplinkRate: int | None = Field(None, ge=0, le=UINT32)


class GeoLocation(WireModel):
    """Clause 6.5.19: RFC 6225 coordinates (see :mod:`.wifi`)."""

    lat: int = Field(ge=0)
    latUncertainty: int = Field(ge=0, le=UINT8)
    long: int = Field(ge=0)
    longUncertainty: int = Field(ge=0, le=UINT8)
    datum: int = Field(ge=0, le=UINT8)
    altitude: int | None = Field(None, ge=0, le=UINT32)
    altitudeType: int | None = Field(None, ge=0, le=UINT8)
    altitudeUncertainty: int | None = Field(None, ge=0, le=UINT8)


class ApLocation(WireModel):
    """Clause 6.5.9 (meclab gives the geolocation only)."""

    geolocation: GeoLocation | None = None


class BssLoad(WireModel):
    """Clause 6.5.7 (IEEE 802.11-2016 clause 9.4.2.28)."""

    staCount: int = Field(ge=0, le=UINT16)
    channelUtilization: int = Field(ge=0, le=UINT8)
    availAdmCap: int = Field(ge=0, le=UINT16)


class WanMetrics(WireModel):
    """Clause 6.5.6 (Hotspot 2.0 WAN Metrics)."""

    wanInfo: int = Field(ge=0, le=UINT8)
    downlinkSpeed: int = Field(ge=0, le=UINT32)
    uplinkSpeed: int = Field(ge=0, le=UINT32)
    downlinkLoad: int = Field(ge=0, le=UINT8)
    uplinkLoad: int = Field(ge=0, le=UINT8)
    lmd: int = Field(ge=0, le=UINT16)


class ApInfo(WireModel):
    """Clause 6.2.2: one Access Point, as ``GET /queries/ap/ap_information`` lists it."""

    timeStamp: TimeStamp | None = None
    apId: ApIdentity
    channel: int | None = Field(None, ge=0, le=UINT32)
    wanMetrics: WanMetrics | None = None
    bssLoad: BssLoad | None = None
    apLocation: ApLocation | None = None


class StaInfo(WireModel):
    """Clause 6.2.3: one station, as ``GET /queries/sta/sta_information`` lists it.

    The measurement reports are those of the measurement configurations (``/measurements``)
    that name the station, measured at the time of the query.
    """

    timeStamp: TimeStamp | None = None
    staId: StaIdentity
    channel: int | None = Field(None, ge=0, le=UINT32)
    apAssociated: ApAssociated | None = None
    rssi: Rssi | None = None
    staDataRate: StaDataRate | None = None
    beaconReport: list[BeaconReport] | None = None
    neighborReport: list[NeighborReport] | None = None
    channelLoad: list[ChannelLoad] | None = None
