"""IEEE 802.11 facts WAI reports, derived from meclab's radio model (meclab/engine/radio.py).

Nothing here is a free constant of the emulation: each value follows from the engine's Wi-Fi
profile (5180 MHz, 20 MHz wide) or from IEEE 802.11-2016, cited beside it.

* **Channel and operating class**: 5 GHz channels start at 5000 MHz, 5 MHz apart, so 5180 MHz
  is channel 36; a 20 MHz channel among 36-48 is global operating class 115 (Annex E, the
  global operating classes table).
* **RSSI, RCPI, RSNI**: MEC 028 types a station's ``rssi`` as an unsigned 8-bit integer and the
  engine gives dBm, so WAI reports it on the RCPI scale of clause 9.4.2.38:
  ``2 x (dBm + 110)``, 0 below -109.5 dBm, 220 from 0 dBm (``dBm = value / 2 - 110``). A beacon
  report's RSNI is clause 9.4.2.41's ``2 x (SINR dB + 10)``, 0 to 254.
* **Data rate**: the PHY rate of the highest VHT MCS (one spatial stream, 20 MHz, 800 ns guard
  interval; clause 21.5) whose minimum SINR the station's SINR meets. The minimum SINR of an MCS
  is its receiver minimum input sensitivity (clause 21.3.18.1) minus the noise floor that
  requirement assumes: ``-174 dBm/Hz + 10 log10(20 MHz) + 10 dB noise figure + 5 dB
  implementation margin``. An associated station below the MCS 0 threshold still gets MCS 0:
  the engine keeps it associated, so its link carries something. meclab's radio model is
  reciprocal, so the uplink PHY rate equals the downlink one.
* **Identities**: an AP's BSSID is its scenario ``bssid``. A Wi-Fi capable terminal's MAC is
  derived from its name (a SHA-256 prefix with the locally administered bit set and the
  multicast bit cleared, IEEE 802-2014 clause 8.2), so it is stable across runs. All APs of an
  operator form one ESS whose SSID is the operator's (domain's) name.
"""

from __future__ import annotations

import hashlib
import math
import re
from ipaddress import ip_address

from meclab.engine.radio import PROFILES, noise_dbm
from meclab.types import RadioType

WIFI = PROFILES[RadioType.WIFI]

PHY_TYPE_VHT = 9
"""dot11PHYType of a VHT (802.11ac) PHY (IEEE 802.11-2016 Annex C)."""
FRAME_TYPE_BEACON = 0
"""ReportedBeaconFrameInfo.frameType of a Beacon or Probe Response."""

BEACON_SENSITIVITY_DBM = -82.0
"""Weakest beacon a station decodes: the 6 Mbit/s OFDM receiver minimum input sensitivity of
a 20 MHz channel (IEEE 802.11-2016 clause 17.3.10), the rate beacons are sent at in 5 GHz. It
is also the OFDM clear channel assessment level: an AP heard this loud makes the medium busy."""

TU_S = 1.024e-3
"""One IEEE 802.11 time unit (1024 microseconds), the unit of measurement durations."""

VHT_20MHZ_1SS = (
    # (MCS, minimum input sensitivity dBm (clause 21.3.18.1), PHY rate kbit/s (clause 21.5))
    (0, -82.0, 6_500),
    (1, -79.0, 13_000),
    (2, -77.0, 19_500),
    (3, -74.0, 26_000),
    (4, -70.0, 39_000),
    (5, -66.0, 52_000),
    (6, -65.0, 58_500),
    (7, -64.0, 65_000),
    (8, -59.0, 78_000),
)
"""VHT MCS 0-8 on a 20 MHz channel with one spatial stream (MCS 9 is not valid at 20 MHz)."""

SENSITIVITY_NOISE_FLOOR_DBM = -174.0 + 10.0 * math.log10(20e6) + 10.0 + 5.0
"""The noise floor the sensitivity requirement assumes: thermal noise over 20 MHz, 10 dB noise
figure, 5 dB implementation margin (about -86 dBm)."""

MCS_MIN_SINR_DB = tuple(
    (mcs, sensitivity - SENSITIVITY_NOISE_FLOOR_DBM, rate)
    for mcs, sensitivity, rate in VHT_20MHZ_1SS
)
"""(MCS, minimum SINR dB, rate kbit/s), lowest MCS first."""


def channel_of(frequency_mhz: float) -> int:
    """IEEE channel number of a centre frequency (2.4 GHz: 2407 + 5 n MHz; 5 GHz: 5000 + 5 n)."""
    if 2412.0 <= frequency_mhz <= 2472.0:
        return round((frequency_mhz - 2407.0) / 5.0)
    if frequency_mhz == 2484.0:
        return 14
    return round((frequency_mhz - 5000.0) / 5.0)


def operating_class_of(channel: int, bandwidth_mhz: float) -> int:
    """Global operating class (IEEE 802.11-2016 Annex E) of a 20 MHz channel."""
    if bandwidth_mhz != 20.0:
        raise ValueError(f"only 20 MHz channels are modelled, not {bandwidth_mhz:g} MHz")
    if 1 <= channel <= 13:
        return 81
    if channel == 14:
        return 82
    for low, high, klass in ((36, 48, 115), (52, 64, 118), (100, 144, 121), (149, 161, 124)):
        if low <= channel <= high:
            return klass
    if 165 <= channel <= 169:
        return 125
    raise ValueError(f"channel {channel} has no 20 MHz operating class")


CHANNEL = channel_of(WIFI.frequency_mhz)
"""The channel every AP of meclab's radio model uses (36)."""
OPERATING_CLASS = operating_class_of(CHANNEL, WIFI.bandwidth_mhz)
"""Its operating class (115)."""
NOISE_DBM = noise_dbm(RadioType.WIFI)


def rcpi(dbm: float) -> int:
    """Received power on the RCPI scale (IEEE 802.11-2016 clause 9.4.2.38)."""
    if math.isnan(dbm):
        return 255  # "measurement not available"
    return max(0, min(220, math.floor(2.0 * (dbm + 110.0) + 0.5)))


def rsni(sinr_db: float) -> int:
    """Signal to noise plus interference on the RSNI scale (clause 9.4.2.41)."""
    if math.isnan(sinr_db):
        return 255  # "RSNI not available"
    return max(0, min(254, math.floor(2.0 * (sinr_db + 10.0) + 0.5)))


def phy_rate_kbps(sinr_db: float) -> int:
    """The VHT PHY rate a station with this SINR transmits at (module docstring)."""
    rate = MCS_MIN_SINR_DB[0][2]
    for _, minimum, candidate in MCS_MIN_SINR_DB:
        if sinr_db >= minimum:
            rate = candidate
    return rate


def station_mac(terminal: str) -> str:
    """The stable, locally administered unicast MAC of a terminal's Wi-Fi interface."""
    raw = bytearray(hashlib.sha256(f"meclab-wlan-station:{terminal}".encode()).digest()[:6])
    raw[0] = (raw[0] & 0xFC) | 0x02  # locally administered, unicast
    return ":".join(f"{b:02x}" for b in raw)


_SEPARATORS = re.compile(r"[:.\-\s]")


def normalize_mac(mac: str) -> str:
    """A MAC address in one spelling (``005C0A0A0A0A``, ``00-5c-...``, ``00:5c:...`` agree)."""
    return _SEPARATORS.sub("", mac).lower()


def station_ip(address: str) -> str | None:
    """The IP address in a terminal's ``acr:`` address, if it holds one."""
    bare = address.removeprefix("acr:")
    try:
        return str(ip_address(bare))
    except ValueError:
        return None


def association_id(ue_index: int) -> str:
    """A station's AID: 1-2007 (IEEE 802.11-2016 clause 9.4.1.8), stable per terminal."""
    return str(ue_index % 2007 + 1)


# --- RFC 6225 coordinates (MEC 028 GeoLocation) --------------------------------------------

RFC6225_FRACTION_BITS = 25
RFC6225_WIDTH_BITS = 34
DATUM_WGS84 = 1
"""RFC 6225 clause 2.2.2: WGS 84 (3D)."""
COORDINATE_UNCERTAINTY = 8 + RFC6225_FRACTION_BITS
"""RFC 6225 clause 2.3.2 encodes an uncertainty of 2^(8 - x) degrees as x; positions are exact
in meclab, so the uncertainty is the encoding's own resolution, 2^-25 degrees (x = 33)."""


def rfc6225_degrees(value: float) -> int:
    """Degrees as RFC 6225's 34-bit two's complement fixed point with 25 fraction bits, read
    as an unsigned integer (MEC 028 types ``lat`` and ``long`` as unsigned)."""
    fixed = round(value * (1 << RFC6225_FRACTION_BITS))
    return fixed & ((1 << RFC6225_WIDTH_BITS) - 1)


def from_rfc6225_degrees(value: int) -> float:
    """Inverse of :func:`rfc6225_degrees`."""
    if value >= 1 << (RFC6225_WIDTH_BITS - 1):
        value -= 1 << RFC6225_WIDTH_BITS
    return value / (1 << RFC6225_FRACTION_BITS)
