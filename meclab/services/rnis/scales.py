"""Reported values on the 3GPP scales: what a UE puts in a measurement report.

A UE does not report dBm: it reports the index of the interval its measurement falls in. The
engine gives physical values (:mod:`meclab.engine.radio`); these functions map them to the
integers RNIS notifications carry (ETSI GS MEC 012 clause 6.4.6 rsrp/rsrq/sinr "with value
mapping defined in" TS 36.133; clause 6.5.11 MeasQuantityResultsNr "as defined in" TS 38.331,
whose ranges are TS 38.133's). Every scale saturates at both ends, as the tables do: the first
index means "below the lowest bound", the last "at or above the highest".

=======================  ==============================  =====================================
quantity                 table                           index
=======================  ==============================  =====================================
LTE RSRP                 TS 36.133 9.1.4 (1 dB steps)    0 below -140 dBm ... 97 from -44 dBm
LTE RSRQ                 TS 36.133 9.1.7 (0.5 dB)        0 below -19.5 dB ... 34 from -3 dB
LTE RS-SINR              TS 36.133 9.1.17 (0.5 dB)       0 below -23 dB ... 127 from 40 dB
NR SS-RSRP               TS 38.133 10.1.6.1 (1 dB)       0 below -156 dBm ... 126 from -31 dBm
NR SS-RSRQ               TS 38.133 10.1.11.1 (0.5 dB)    0 below -43 dB ... 127 from 20 dB
NR SS-SINR               TS 38.133 10.1.16.1 (0.5 dB)    0 below -23 dB ... 127 from 40 dB
=======================  ==============================  =====================================

The extended LTE ranges (``rsrpEx``, ``rsrqEx``: TS 36.133 Rel-13 RSRP_-17..-01, RSRQ_-30..-01
and above 34) are not reported: the GS types them as unsigned 8-bit integers, which cannot hold
their negative indices, so meclab leaves those optional attributes out.

Timing advance (TS 36.213 clause 4.2.3): the eNB tells the UE to advance its uplink by
``N_TA = T_A x 16 Ts`` (``T_A`` 0..1282 in a random access response), where Ts = 1/30.72 MHz.
The advance compensates the round trip, so one step of ``T_A`` is ``c x 16 Ts / 2`` = 78.07 m of
UE-to-cell distance; meclab reports the step nearest to the engine's distance.
"""

from __future__ import annotations

import math

LTE_RSRP_MAX = 97
LTE_RSRQ_MAX = 34
SINR_MAX = 127
NR_RSRP_MAX = 126
NR_RSRQ_MAX = 127

SPEED_OF_LIGHT_MPS = 299_792_458.0
TS_S = 1.0 / 30.72e6
"""LTE basic time unit (TS 36.211 clause 4): 1 / (15000 x 2048) s."""
TA_STEP_M = SPEED_OF_LIGHT_MPS * 16 * TS_S / 2
"""UE-to-cell distance one timing advance step stands for (78.07 m)."""
TA_MAX = 1282
"""Largest T_A of a random access response (11 bits, TS 36.213 clause 4.2.3): about 100 km."""


def _index(value: float, scale: float, offset: float, top: int) -> int:
    """floor(scale x value + offset), clamped to 0..top. NaN (no measurement) maps to 0."""
    if math.isnan(value):
        return 0
    return max(0, min(top, math.floor(scale * value + offset)))


def lte_rsrp(rsrp_dbm: float) -> int:
    """RSRP_00..RSRP_97: RSRP_n covers [-141 + n, -140 + n) dBm (TS 36.133 Table 9.1.4-1)."""
    return _index(rsrp_dbm, 1.0, 141.0, LTE_RSRP_MAX)


def lte_rsrq(rsrq_db: float) -> int:
    """RSRQ_00..RSRQ_34: RSRQ_n covers [-20 + n/2, -19.5 + n/2) dB (TS 36.133 Table 9.1.7-1)."""
    return _index(rsrq_db, 2.0, 40.0, LTE_RSRQ_MAX)


def lte_sinr(sinr_db: float) -> int:
    """RS-SINR_000..127: n covers [-23.5 + n/2, -23 + n/2) dB (TS 36.133 Table 9.1.17-1)."""
    return _index(sinr_db, 2.0, 47.0, SINR_MAX)


def nr_rsrp(rsrp_dbm: float) -> int:
    """SS-RSRP_0..126: n covers [-157 + n, -156 + n) dBm (TS 38.133 Table 10.1.6.1-1)."""
    return _index(rsrp_dbm, 1.0, 157.0, NR_RSRP_MAX)


def nr_rsrq(rsrq_db: float) -> int:
    """SS-RSRQ_0..127: n covers [-43.5 + n/2, -43 + n/2) dB (TS 38.133 Table 10.1.11.1-1)."""
    return _index(rsrq_db, 2.0, 87.0, NR_RSRQ_MAX)


def nr_sinr(sinr_db: float) -> int:
    """SS-SINR_0..127: n covers [-23.5 + n/2, -23 + n/2) dB (TS 38.133 Table 10.1.16.1-1)."""
    return _index(sinr_db, 2.0, 47.0, SINR_MAX)


def timing_advance(distance_m: float) -> int:
    """The T_A step nearest to a UE-to-cell distance, 0..1282 (TS 36.213 clause 4.2.3)."""
    return max(0, min(TA_MAX, round(distance_m / TA_STEP_M)))
