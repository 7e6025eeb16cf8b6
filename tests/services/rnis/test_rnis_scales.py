"""The 3GPP reporting scales at their boundaries (TS 36.133, TS 38.133, TS 36.213)."""

from __future__ import annotations

import math

import pytest

from meclab.services.rnis import scales


@pytest.mark.parametrize(
    ("dbm", "index"),
    [
        (-200.0, 0),
        (-140.01, 0),  # RSRP_00: below -140 dBm
        (-140.0, 1),  # RSRP_01: -140 <= RSRP < -139
        (-139.01, 1),
        (-139.0, 2),
        (-100.5, 40),
        (-44.01, 96),  # RSRP_96: -45 <= RSRP < -44
        (-44.0, 97),  # RSRP_97: -44 dBm and above
        (0.0, 97),
        (math.nan, 0),
    ],
)
def test_lte_rsrp(dbm: float, index: int) -> None:
    assert scales.lte_rsrp(dbm) == index


@pytest.mark.parametrize(
    ("db", "index"),
    [
        (-30.0, 0),
        (-19.51, 0),  # RSRQ_00: below -19.5 dB
        (-19.5, 1),  # RSRQ_01: -19.5 <= RSRQ < -19
        (-19.01, 1),
        (-19.0, 2),
        (-3.01, 33),  # RSRQ_33: -3.5 <= RSRQ < -3
        (-3.0, 34),  # RSRQ_34: -3 dB and above
        (5.0, 34),
    ],
)
def test_lte_rsrq(db: float, index: int) -> None:
    assert scales.lte_rsrq(db) == index


@pytest.mark.parametrize(
    ("db", "index"),
    [
        (-30.0, 0),
        (-23.01, 0),  # below -23 dB
        (-23.0, 1),
        (0.0, 47),
        (39.99, 126),
        (40.0, 127),  # 40 dB and above
        (60.0, 127),
    ],
)
def test_sinr_lte_and_nr(db: float, index: int) -> None:
    assert scales.lte_sinr(db) == index
    assert scales.nr_sinr(db) == index


@pytest.mark.parametrize(
    ("dbm", "index"),
    [
        (-170.0, 0),
        (-156.01, 0),  # SS-RSRP_0: below -156 dBm
        (-156.0, 1),  # SS-RSRP_1: -156 <= SS-RSRP < -155
        (-31.01, 125),  # SS-RSRP_125: -32 <= SS-RSRP < -31
        (-31.0, 126),  # SS-RSRP_126: -31 dBm and above
        (0.0, 126),
    ],
)
def test_nr_rsrp(dbm: float, index: int) -> None:
    assert scales.nr_rsrp(dbm) == index


@pytest.mark.parametrize(
    ("db", "index"),
    [
        (-50.0, 0),
        (-43.01, 0),  # SS-RSRQ_0: below -43 dB
        (-43.0, 1),
        (-3.0, 81),
        (19.99, 126),
        (20.0, 127),  # SS-RSRQ_127: 20 dB and above
    ],
)
def test_nr_rsrq(db: float, index: int) -> None:
    assert scales.nr_rsrq(db) == index


def test_one_timing_advance_step_is_16_ts_of_round_trip() -> None:
    assert pytest.approx(78.0710, abs=1e-4) == scales.TA_STEP_M


@pytest.mark.parametrize(
    ("distance_m", "ta"),
    [
        (0.0, 0),
        (39.0, 0),
        (39.1, 1),  # nearest step: 39.03 m is half of one
        (78.07, 1),
        (117.1, 1),
        (117.11, 2),
        (1_000.0, 13),
        (100_087.0, 1282),
        (200_000.0, 1282),  # the largest T_A of a random access response
    ],
)
def test_timing_advance(distance_m: float, ta: int) -> None:
    assert scales.timing_advance(distance_m) == ta
