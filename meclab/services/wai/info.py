"""ApInfo and StaInfo bodies (ETSI GS MEC 028 clauses 6.2.2, 6.2.3) from WAI's world view.

How each attribute is derived (see :mod:`.wifi` and :mod:`.southbound` for the rules):

* ``ApInfo.bssLoad``: ``staCount`` the stations associated, ``channelUtilization`` the engine's
  load of the AP (255 = 100 %), ``availAdmCap`` the medium time left;
* ``ApInfo.wanMetrics`` (Hotspot 2.0 WAN Metrics): ``downlinkSpeed``/``uplinkSpeed`` the
  bottleneck throughput (kbit/s) of the AP's backhaul (zone, operator core, public network; 0
  when no element limits it, Hotspot 2.0's "unknown"); ``wanInfo`` link up (1) plus the
  symmetric-link bit (4) when both speeds agree; loads and ``lmd`` 0, the specified "unknown";
* ``ApInfo.apLocation.geolocation``: the AP's position in RFC 6225 coordinates;
* ``StaInfo.rssi``: the serving signal on the RCPI scale; ``staDataRate`` in kbit/s.
"""

from __future__ import annotations

from collections.abc import Iterable

from meclab.platform.wire import TimeStamp
from meclab.services.wai import wifi
from meclab.services.wai.models import (
    ApAssociated,
    ApInfo,
    ApLocation,
    BssLoad,
    GeoLocation,
    Rssi,
    StaDataRate,
    StaInfo,
    WanMetrics,
)
from meclab.services.wai.models_ids import ApIdentity, StaIdentity
from meclab.services.wai.models_measure import MeasurementConfig
from meclab.services.wai.reports import measure
from meclab.services.wai.southbound import AccessPoint, Station, WlanView

WAN_LINK_UP = 1
WAN_SYMMETRIC = 4


def ap_identity(ap: AccessPoint) -> ApIdentity:
    return ApIdentity(bssid=ap.bssid, ssid=[ap.ssid])


def sta_identity(station: Station) -> StaIdentity:
    return StaIdentity(
        macId=station.mac,
        aid=station.aid,
        ipAddress=[station.ip] if station.ip else None,
        ssid=[station.ssid],
    )


def sta_data_rate(station: Station, *, with_id: bool) -> StaDataRate:
    return StaDataRate(
        staId=sta_identity(station) if with_id else None,
        staLastDataDownlinkRate=station.downlink_kbps,
        staLastDataUplinkRate=station.uplink_kbps,
    )


def _kbps(mbps: float | None) -> int:
    return 0 if mbps is None else round(mbps * 1000.0)


def ap_info(view: WlanView, ap: AccessPoint, now: float) -> ApInfo:
    backhaul = view.backhaul(ap)
    down, up = _kbps(backhaul.throughput_dl_mbps), _kbps(backhaul.throughput_ul_mbps)
    return ApInfo(
        timeStamp=TimeStamp.of(now),
        apId=ap_identity(ap),
        channel=wifi.CHANNEL,
        wanMetrics=WanMetrics(
            wanInfo=WAN_LINK_UP | (WAN_SYMMETRIC if down == up else 0),
            downlinkSpeed=down,
            uplinkSpeed=up,
            downlinkLoad=0,
            uplinkLoad=0,
            lmd=0,
        ),
        bssLoad=BssLoad(
            staCount=len(ap.stations),
            channelUtilization=round(255 * ap.load),
            availAdmCap=view.admission_capacity(ap),
        ),
        apLocation=ApLocation(
            geolocation=GeoLocation(
                lat=wifi.rfc6225_degrees(ap.lat),
                latUncertainty=wifi.COORDINATE_UNCERTAINTY,
                long=wifi.rfc6225_degrees(ap.lon),
                longUncertainty=wifi.COORDINATE_UNCERTAINTY,
                datum=wifi.DATUM_WGS84,
            )
        ),
    )


def sta_info(
    view: WlanView, station: Station, now: float, configs: Iterable[MeasurementConfig]
) -> StaInfo:
    """A station, with the reports of the measurement configurations that name it."""
    beacon, load, neighbor = [], [], []
    for config in configs:
        reports = measure(view, station.name, config.measurementId, config.measurementInfo, None)
        beacon.extend(reports.beacon)
        load.extend(reports.channel_load)
        neighbor.extend(reports.neighbor)
    return StaInfo(
        timeStamp=TimeStamp.of(now),
        staId=sta_identity(station),
        channel=wifi.CHANNEL,
        apAssociated=ApAssociated(
            bssid=station.ap.bssid, assocId=station.aid, ssid=[station.ap.ssid]
        ),
        rssi=Rssi(rssi=wifi.rcpi(station.rssi_dbm)),
        staDataRate=sta_data_rate(station, with_id=False),
        beaconReport=beacon or None,
        neighborReport=neighbor or None,
        channelLoad=load or None,
    )


def matches(wanted: StaIdentity, station: Station) -> bool:
    """Whether a StaIdentity of a request names this station: the MAC must match, and so must
    each other attribute the request gives (clause 6.5.11)."""
    if wifi.normalize_mac(wanted.macId) != wifi.normalize_mac(station.mac):
        return False
    if wanted.aid is not None and wanted.aid != station.aid:
        return False
    if wanted.ssid and station.ssid not in wanted.ssid:
        return False
    return not (wanted.ipAddress and (station.ip is None or station.ip not in wanted.ipAddress))
