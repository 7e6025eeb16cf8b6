"""WAI's view of the world: Wi-Fi access points and the stations associated with them.

Scope of a MEC host: its WAI reports on **the Wi-Fi APs of the host's zone** and on the
stations associated with them (a fog node's zone is its PoA's). Queries, subscription checks and
notifications all use this one rule, so what a host's WAI lists is what it notifies about.

Everything is read from the engine at call time (AdvantEDGE's ``sbi`` records, STYLE §9):

* an AP is a scenario PoA of type WIFI: BSSID, position, the channel of the engine's Wi-Fi
  profile, its stations = the terminals the engine says it serves, its load = the engine's
  carrier load model (:func:`meclab.engine.radio.cell_load`);
* a station is a terminal served by such an AP: its RSSI is the engine's serving signal, its
  SINR the engine's measurement of that AP, its data rate the VHT rate of that SINR
  (:func:`.wifi.phy_rate_kbps`) capped, per direction, by the throughput the scenario gives the
  radio link (the AP's and the terminal's network characteristics, as a path composes them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from meclab.engine.radio import cell_load
from meclab.engine.world import CellMeasurement, World
from meclab.scenario.model import NetChar, PointOfAccess
from meclab.services.wai import wifi
from meclab.types import RadioType

MEDIUM_TIME_UNITS_PER_S = 31_250
"""BSS Load's available admission capacity counts medium time in units of 32 microseconds per
second (IEEE 802.11-2016 clause 9.4.2.28): a whole second is 31250 of them."""


@dataclass(frozen=True, slots=True)
class AccessPoint:
    """One Wi-Fi AP as WAI reports it."""

    name: str
    index: int
    """PoA index in the engine's arrays."""
    bssid: str
    ssid: str
    zone: str
    lon: float
    lat: float
    stations: tuple[str, ...]
    """Terminals associated now, in scenario order."""
    load: float
    """Share of the channel's time in use (engine load model), 0 to 1."""


@dataclass(frozen=True, slots=True)
class Station:
    """One associated Wi-Fi station as WAI reports it."""

    name: str
    index: int
    mac: str
    aid: str
    ip: str | None
    ap: AccessPoint
    rssi_dbm: float
    sinr_db: float
    downlink_kbps: int
    uplink_kbps: int

    @property
    def ssid(self) -> str:
        return self.ap.ssid


class WlanView:
    """Answers WAI's questions about the world as it is now."""

    def __init__(self, world: World) -> None:
        self.world = world
        top = world.top
        self._wifi = [
            (i, poa)
            for i, poa in enumerate(top.poas)
            if poa.type is RadioType.WIFI and poa.bssid is not None
        ]
        self._by_bssid = {wifi.normalize_mac(p.bssid or ""): p.name for _, p in self._wifi}
        self._by_zone: dict[str | None, list[str]] = {None: [p.name for _, p in self._wifi]}
        for _, p in self._wifi:
            self._by_zone.setdefault(top.elements[p.name].zone, []).append(p.name)
        self._macs = {
            wifi.normalize_mac(wifi.station_mac(t.name)): t.name
            for t in top.terminals
            if RadioType.WIFI in t.radio_priority
        }

    # --- access points --------------------------------------------------------------------

    def ap_names(self, zone: str | None) -> list[str]:
        """Wi-Fi APs of a zone (all of them for None), in scenario order."""
        return list(self._by_zone.get(zone, ()))

    def is_wifi(self, poa: str) -> bool:
        index = self.world.top.poa_index.get(poa)
        return index is not None and self.world.top.poas[index].type is RadioType.WIFI

    def ap_by_bssid(self, bssid: str) -> str | None:
        """Name of the AP with this BSSID (any spelling), or None."""
        return self._by_bssid.get(wifi.normalize_mac(bssid))

    def zone_of(self, poa: str) -> str | None:
        return self.world.top.elements[poa].zone

    def ap(self, name: str) -> AccessPoint:
        world = self.world
        index = world.poa(name)
        poa = world.top.poas[index]
        element = world.top.elements[name]
        st = world.state
        members = np.flatnonzero(st.serving == index).tolist()
        served = st.served[index : index + 1]
        return AccessPoint(
            name=name,
            index=index,
            bssid=(poa.bssid or "").lower(),
            ssid=element.domain or "",
            zone=element.zone or "",
            lon=poa.position[0],
            lat=poa.position[1],
            stations=tuple(world.ue_names[i] for i in members),
            load=float(cell_load(served)[0]),
        )

    def poa_model(self, name: str) -> PointOfAccess:
        return self.world.top.poas[self.world.poa(name)]

    def backhaul(self, ap: AccessPoint) -> NetChar:
        """The AP's WAN backhaul: its zone's metro network, the operator's core and the
        public network, as one bottleneck (throughput only; loads are unknown)."""
        top = self.world.top
        chain = [ap.zone, top.elements[ap.zone].parent, top.scenario.name]
        dl = [top.elements[e].netchar.throughput_dl_mbps for e in chain if e]
        ul = [top.elements[e].netchar.throughput_ul_mbps for e in chain if e]
        known_dl = [r for r in dl if r is not None]
        known_ul = [r for r in ul if r is not None]
        return NetChar(
            throughput_dl_mbps=min(known_dl) if known_dl else None,
            throughput_ul_mbps=min(known_ul) if known_ul else None,
        )

    @staticmethod
    def admission_capacity(ap: AccessPoint) -> int:
        """Remaining medium time (BSS Load ``availAdmCap``)."""
        return round((1.0 - ap.load) * MEDIUM_TIME_UNITS_PER_S)

    # --- stations -------------------------------------------------------------------------

    def station_name(self, mac: str) -> str | None:
        """The Wi-Fi capable terminal with this MAC (any spelling), or None."""
        return self._macs.get(wifi.normalize_mac(mac))

    def station(self, name: str, aps: set[str] | None = None) -> Station | None:
        """Terminal ``name`` as a station, if it is associated with a Wi-Fi AP (one of ``aps``
        when given)."""
        world = self.world
        index = world.ue(name)
        serving = int(world.state.serving[index])
        if serving < 0:
            return None
        poa_name = world.poa_names[serving]
        if (aps is not None and poa_name not in aps) or not self.is_wifi(poa_name):
            return None
        return self._station(name, index, self.ap(poa_name))

    def stations_of(self, ap: AccessPoint) -> list[Station]:
        return [self._station(n, self.world.ue(n), ap) for n in ap.stations]

    def _station(self, name: str, index: int, ap: AccessPoint) -> Station:
        world = self.world
        serving = self.serving_measurement(name)
        sinr = serving.sinr_db if serving is not None else float("nan")
        phy = wifi.phy_rate_kbps(sinr)
        terminal = world.top.elements[name].netchar
        radio = world.top.elements[ap.name].netchar
        return Station(
            name=name,
            index=index,
            mac=wifi.station_mac(name),
            aid=wifi.association_id(index),
            ip=wifi.station_ip(world.top.terminals[index].address),
            ap=ap,
            rssi_dbm=float(world.state.signal_dbm[index]),
            sinr_db=sinr,
            downlink_kbps=_cap(phy, radio.throughput_dl_mbps, terminal.throughput_dl_mbps),
            uplink_kbps=_cap(phy, radio.throughput_ul_mbps, terminal.throughput_ul_mbps),
        )

    def serving_measurement(self, name: str) -> CellMeasurement | None:
        measured = self.world.measurements(name)
        return measured[0] if measured and measured[0].serving else None

    def heard_aps(self, name: str) -> list[CellMeasurement]:
        """Wi-Fi APs station ``name`` hears now, the serving one first, then by signal.

        Heard: beacons at or above the decoding sensitivity, or inside the AP's coverage (the
        engine lets a terminal associate there, so it must decode the AP's beacons there too).
        """
        return [
            m
            for m in self.world.measurements(name)
            if m.radio is RadioType.WIFI
            and (m.serving or m.in_coverage or m.signal_dbm >= wifi.BEACON_SENSITIVITY_DBM)
        ]

    def ssid_of(self, poa: str) -> str:
        return self.world.top.elements[poa].domain or ""

    def bssid_of(self, poa: str) -> str:
        return (self.poa_model(poa).bssid or "").lower()

    def load_of(self, poa: str) -> float:
        index = self.world.poa(poa)
        return float(cell_load(self.world.state.served[index : index + 1])[0])


def _cap(phy_kbps: int, *limits_mbps: float | None) -> int:
    """The PHY rate, limited by the radio link's configured throughputs."""
    rate = float(phy_kbps)
    for limit in limits_mbps:
        if limit is not None:
            rate = min(rate, limit * 1000.0)
    return round(rate)
