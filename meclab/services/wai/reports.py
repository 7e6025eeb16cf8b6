"""Radio measurement reports of a station, measured in the world at the time asked.

One MeasurementInfo asks for one kind of report (ETSI GS MEC 028 clause 6.5.13, NOTE 1). What
the station measures comes from the engine (:meth:`World.measurements`): the APs of its operator
it hears (:meth:`.southbound.WlanView.heard_aps`: beacons at or above
:data:`.wifi.BEACON_SENSITIVITY_DBM`, or inside the AP's coverage, and always its own AP), their
signal and SINR. Rules, per IEEE 802.11-2016 clause 11.11 (radio measurement) and the MEC 028
attributes that carry them:

* **Beacon report**: one entry per AP heard, on the asked channel (0 or 255: every channel of
  the operating class), of the asked BSSID and SSID if given; kept if the reporting condition
  of Table 9-89 holds: 0 always, 1/2 RCPI above/below the threshold, 3/4 RSNI above/below it.
  Conditions 5-10 are relative to the serving AP's reference level, which meclab does not
  model: they are refused (422) when configured.
* **Channel load report**: the share of time the channel is busy is the chance that at least
  one AP heard on it is transmitting, ``1 - prod(1 - load)`` over those APs, with the engine's
  per-AP load; reported if Table 9-153's condition holds.
* **Neighbor report**: the other APs heard of the ESS the station is associated with (or of
  the asked SSID), strongest first, ranked as BSS transition candidates 255, 254, ...;
  reachable (3) when the station is inside their coverage.

Measurement timing: a measurement lasts ``measurementDuration`` TUs (default
:data:`DEFAULT_DURATION_TU`, about one second). IEEE lets a station wait up to
``randomInterval`` before it starts; meclab starts at once, so that a world replays exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from meclab.engine.world import CellMeasurement
from meclab.platform.errors import InvalidField, Unprocessable
from meclab.services.wai import wifi
from meclab.services.wai.models_ids import StaIdentity
from meclab.services.wai.models_measure import (
    BeaconReport,
    BeaconRequestConfig,
    BssCapabilities,
    BssidInfo,
    ChannelLoad,
    ChannelLoadConfig,
    MeasurementInfo,
    NeighborReport,
    NeighborReportConfig,
    ReportedBeaconFrameInfo,
)
from meclab.services.wai.southbound import WlanView

DEFAULT_DURATION_TU = 977
"""Measurement duration when a configuration gives none: 977 TUs = 1.0004 s."""

WILDCARD_CHANNELS = (0, 255)
"""Channel numbers that mean "every channel of the operating class" (MEC 028
BeaconRequestConfig.channelId)."""
WILDCARD_BSSID = "ffffffffffff"

SUPPORTED_BEACON_CONDITIONS = (0, 1, 2, 3, 4)
REACHABLE = 3
NOT_REACHABLE = 1

EMULATED_AP_CAPABILITIES = BssCapabilities(
    spectrumManagement=True,  # 5 GHz APs do DFS and TPC (IEEE 802.11-2016 clause 11.8)
    qos=True,
    apsd=False,
    radioMeasurements=True,  # the reports above are 802.11k radio measurements
    delayedBACK=False,
    immediateBACK=True,
)
"""What meclab's emulated APs declare: VHT APs with QoS and 802.11k radio measurement."""


@dataclass(frozen=True, slots=True)
class Reports:
    """The reports of one measurement (only the kind asked for is non-empty)."""

    beacon: list[BeaconReport]
    channel_load: list[ChannelLoad]
    neighbor: list[NeighborReport]

    def __bool__(self) -> bool:
        return bool(self.beacon or self.channel_load or self.neighbor)


def duration_tu(info: MeasurementInfo) -> int:
    return info.measurementDuration or DEFAULT_DURATION_TU


def check_measurement(info: MeasurementInfo, field: str = "measurementInfo") -> None:
    """Whether meclab can make this measurement: InvalidField (400) for a malformed request,
    Unprocessable (422) for one it does not support."""
    kinds = [
        name
        for name in (
            "channelLoadConf",
            "beaconRequestConf",
            "staStatisticsConf",
            "neighborReportConf",
        )
        if getattr(info, name) is not None
    ]
    if len(kinds) != 1:  # clause 6.5.13, NOTE 1
        raise InvalidField(
            field,
            "give exactly one of channelLoadConf, beaconRequestConf, staStatisticsConf, "
            f"neighborReportConf (got {', '.join(kinds) or 'none'})",
        )
    if info.staStatisticsConf is not None:
        raise Unprocessable(
            f"{field}.staStatisticsConf: meclab does not model IEEE 802.11 frame counters, so "
            "it cannot report STA statistics; ask for beacon, channel load or neighbor reports"
        )
    beacon = info.beaconRequestConf
    if beacon is not None:
        condition = beacon.beaconReportingConf.reportingCondition
        if condition > 10:
            raise InvalidField(
                f"{field}.beaconRequestConf.beaconReportingConf.reportingCondition",
                "IEEE 802.11-2016 Table 9-89 defines 0 to 10",
            )
        if condition not in SUPPORTED_BEACON_CONDITIONS:
            raise Unprocessable(
                f"{field}.beaconRequestConf.beaconReportingConf.reportingCondition {condition}: "
                "conditions relative to the serving AP's reference level (5-10) are not "
                "supported; use 0-4"
            )
    load = info.channelLoadConf
    if load is not None and load.reportingCondition in (1, 2) and load.threshold is None:
        raise InvalidField(
            f"{field}.channelLoadConf.threshold", "required with reportingCondition 1 or 2"
        )


def measure(
    view: WlanView,
    station: str,
    measurement_id: str,
    info: MeasurementInfo,
    sta_id: StaIdentity | None,
) -> Reports:
    """What station ``station`` reports now for one measurement; ``sta_id`` goes into each
    report (None inside a StaInfo, which names the station itself)."""
    beacon: list[BeaconReport] = []
    channel_load: list[ChannelLoad] = []
    neighbor: list[NeighborReport] = []
    if info.beaconRequestConf is not None:
        beacon = _beacon(view, station, measurement_id, info.beaconRequestConf, sta_id)
    elif info.channelLoadConf is not None:
        found = _channel_load(
            view, station, measurement_id, info.channelLoadConf, duration_tu(info), sta_id
        )
        channel_load = [found] if found is not None else []
    elif info.neighborReportConf is not None:
        neighbor = _neighbor(view, station, measurement_id, info.neighborReportConf, sta_id)
    return Reports(beacon, channel_load, neighbor)


def _on_channel(operating_class: int, channel: int) -> bool:
    """Whether meclab's AP channel is among those a request names."""
    if operating_class != wifi.OPERATING_CLASS:
        return False
    return channel in WILDCARD_CHANNELS or channel == wifi.CHANNEL


def _beacon(
    view: WlanView,
    station: str,
    measurement_id: str,
    config: BeaconRequestConfig,
    sta_id: StaIdentity | None,
) -> list[BeaconReport]:
    if not _on_channel(config.operatingClass, config.channelId):
        return []
    wanted_bssid = wifi.normalize_mac(config.bssid) if config.bssid else WILDCARD_BSSID
    condition = config.beaconReportingConf.reportingCondition
    threshold = config.beaconReportingConf.threshold
    out = []
    for m in view.heard_aps(station):
        bssid, ssid = view.bssid_of(m.poa), view.ssid_of(m.poa)
        if wanted_bssid != WILDCARD_BSSID and wifi.normalize_mac(bssid) != wanted_bssid:
            continue
        if config.ssid is not None and config.ssid != ssid:
            continue
        rcpi, rsni = wifi.rcpi(m.signal_dbm), wifi.rsni(m.sinr_db)
        keep = {
            0: True,
            1: rcpi > threshold,
            2: rcpi < threshold,
            3: rsni > threshold,
            4: rsni < threshold,
        }.get(condition, False)
        if keep:
            out.append(
                BeaconReport(
                    staId=sta_id,
                    measurementId=measurement_id,
                    operatingClass=wifi.OPERATING_CLASS,
                    channel=wifi.CHANNEL,
                    reportedFrameInfo=ReportedBeaconFrameInfo(
                        phyType=wifi.PHY_TYPE_VHT, frameType=wifi.FRAME_TYPE_BEACON
                    ),
                    bssid=bssid,
                    ssid=ssid,
                    rcpi=rcpi,
                    rsni=rsni,
                )
            )
    return out


def _channel_load(
    view: WlanView,
    station: str,
    measurement_id: str,
    config: ChannelLoadConfig,
    duration: int,
    sta_id: StaIdentity | None,
) -> ChannelLoad | None:
    if config.operatingClass != wifi.OPERATING_CLASS or config.channel in WILDCARD_CHANNELS:
        return None  # a channel load request names one channel of one class
    heard = view.heard_aps(station) if config.channel == wifi.CHANNEL else []
    idle = 1.0
    for m in heard:
        idle *= 1.0 - view.load_of(m.poa)
    load = round(255 * (1.0 - idle))
    condition = config.reportingCondition or 0
    threshold = config.threshold or 0
    if (condition == 1 and load < threshold) or (condition == 2 and load > threshold):
        return None
    return ChannelLoad(
        staId=sta_id,
        measurementId=measurement_id,
        operatingClass=config.operatingClass,
        channel=config.channel,
        measurementDuration=duration,
        channelLoad=load,
    )


def _neighbor(
    view: WlanView,
    station: str,
    measurement_id: str,
    config: NeighborReportConfig,
    sta_id: StaIdentity | None,
) -> list[NeighborReport]:
    heard = view.heard_aps(station)
    serving = next((m for m in heard if m.serving), None)
    if serving is None:
        return []  # a neighbor report is asked of the AP the station is associated with
    ssid = config.ssid if config.ssid is not None else view.ssid_of(serving.poa)
    # clause 6.5.17 NOTE: the BSSID counts only together with an SSID
    wanted = wifi.normalize_mac(config.bssid) if config.ssid and config.bssid else None
    candidates: list[CellMeasurement] = [
        m
        for m in heard
        if not m.serving
        and view.ssid_of(m.poa) == ssid
        and (wanted is None or wifi.normalize_mac(view.bssid_of(m.poa)) == wanted)
    ]
    candidates.sort(key=lambda m: -m.signal_dbm)
    return [
        NeighborReport(
            staId=sta_id,
            measurementId=measurement_id,
            bssid=view.bssid_of(m.poa),
            bssidInfo=BssidInfo(
                apReachability=REACHABLE if m.in_coverage else NOT_REACHABLE,
                security=True,  # one ESS, one security configuration
                capabilities=EMULATED_AP_CAPABILITIES,
                mobilityDomain=False,
                highThroughput=True,
                veryHighThroughput=True,
                ftm=False,
            ),
            operatingClass=wifi.OPERATING_CLASS,
            channel=wifi.CHANNEL,
            phyType=wifi.PHY_TYPE_VHT,
            bssTransitionCandidatePreference=max(1, 255 - rank),
        )
        for rank, m in enumerate(candidates)
    ]
