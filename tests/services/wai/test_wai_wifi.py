"""The IEEE 802.11 derivations of meclab/services/wai/wifi.py, against the tables they cite."""

from __future__ import annotations

import math

import pytest

from meclab.services.wai import wifi


def test_the_engine_wifi_profile_is_channel_36_of_class_115() -> None:
    assert wifi.CHANNEL == 36  # 5180 MHz = 5000 + 5 x 36
    assert wifi.OPERATING_CLASS == 115
    assert wifi.channel_of(2412.0) == 1
    assert wifi.channel_of(2484.0) == 14
    assert wifi.operating_class_of(6, 20.0) == 81
    assert wifi.operating_class_of(149, 20.0) == 124
    with pytest.raises(ValueError, match="only 20 MHz"):
        wifi.operating_class_of(36, 40.0)


@pytest.mark.parametrize(
    ("dbm", "expected"),
    [(-120.0, 0), (-110.0, 0), (-109.75, 1), (-71.05, 78), (-26.74, 167), (0.0, 220), (5.0, 220)],
)
def test_rcpi_scale(dbm: float, expected: int) -> None:
    assert wifi.rcpi(dbm) == expected


def test_rcpi_and_rsni_unavailable() -> None:
    assert wifi.rcpi(math.nan) == 255
    assert wifi.rsni(math.nan) == 255


@pytest.mark.parametrize(("sinr", "expected"), [(-20.0, 0), (-10.0, 0), (19.6, 59), (200.0, 254)])
def test_rsni_scale(sinr: float, expected: int) -> None:
    assert wifi.rsni(sinr) == expected


def test_mcs_thresholds_follow_table_21_25_minus_its_noise_floor() -> None:
    floor = -174.0 + 10.0 * math.log10(20e6) + 15.0
    assert pytest.approx(floor) == wifi.SENSITIVITY_NOISE_FLOOR_DBM
    minimum = {mcs: sinr for mcs, sinr, _ in wifi.MCS_MIN_SINR_DB}
    assert minimum[0] == pytest.approx(-82.0 - floor)  # about 4 dB
    assert minimum[8] == pytest.approx(-59.0 - floor)  # about 27 dB


@pytest.mark.parametrize(
    ("sinr", "kbps"),
    [
        (-5.0, 6_500),  # below MCS 0: an associated station still gets MCS 0
        (3.9, 6_500),
        (7.0, 13_000),  # MCS 1 needs -79 + 86.0 = 7.0 dB
        (15.9, 26_000),
        (16.0, 39_000),
        (26.9, 65_000),
        (27.0, 78_000),
        (60.0, 78_000),
    ],
)
def test_phy_rate_is_the_best_mcs_the_sinr_supports(sinr: float, kbps: int) -> None:
    assert wifi.phy_rate_kbps(sinr) == kbps


def test_station_mac_is_stable_unicast_and_locally_administered() -> None:
    mac = wifi.station_mac("sta-a")
    assert mac == wifi.station_mac("sta-a")
    assert mac != wifi.station_mac("sta-b")
    first = int(mac[:2], 16)
    assert first & 0x02 == 0x02 and first & 0x01 == 0
    assert len(mac.split(":")) == 6


def test_mac_spellings_agree() -> None:
    spellings = ["005C0A0A0A0A", "00:5c:0a:0a:0a:0a", "00-5C-0A-0A-0A-0A", "005c.0a0a.0a0a"]
    assert {wifi.normalize_mac(s) for s in spellings} == {"005c0a0a0a0a"}


def test_station_ip_and_aid() -> None:
    assert wifi.station_ip("acr:10.0.0.7") == "10.0.0.7"
    assert wifi.station_ip("acr:alice@example.com") is None
    assert wifi.association_id(0) == "1"
    assert wifi.association_id(2007) == "1"


@pytest.mark.parametrize("degrees", [0.0, 43.7, -43.7, 7.42, -179.999, 89.5])
def test_rfc6225_coordinates_round_trip(degrees: float) -> None:
    encoded = wifi.rfc6225_degrees(degrees)
    assert 0 <= encoded < 2**34
    assert wifi.from_rfc6225_degrees(encoded) == pytest.approx(degrees, abs=2**-25)


def test_rfc6225_negative_values_are_twos_complement() -> None:
    assert wifi.rfc6225_degrees(-1.0) == 2**34 - 2**25
