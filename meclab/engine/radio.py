"""The radio model: path loss, received power, RSRP/RSRQ and Wi-Fi RSSI.

Path loss is log-distance with a free-space reference at 1 m (Rappaport, *Wireless
Communications*, eq. 4.68; the form of 3GPP TR 38.901's close-in "CI" model)::

    PL(d) = FSPL(1 m, f) + 10 n log10(d / 1 m)          d >= 1 m
    FSPL(1 m, f) = 20 log10(f / MHz) - 27.55 dB

with a carrier ``f`` and exponent ``n`` per radio type (below). It has no shadowing or fading
term, so a world replays exactly.

Received levels:

* LTE/NR **RSRP** (3GPP TS 36.214 5.1.1, TS 38.215 5.1.1): power of one reference-signal
  resource element. With the transmit power spread evenly over ``12 x N_RB`` subcarriers,
  ``RSRP = P_tx - 10 log10(12 N_RB) - PL``.
* LTE/NR **RSRQ** (TS 36.214 5.1.3): ``N_RB x RSRP / RSSI``, where RSSI is the total power
  received on the carrier: every same-type cell's full-band power times its load, plus thermal
  noise ``-174 dBm/Hz + 10 log10(B) + NF``. A cell's load grows with the terminals it serves
  (:func:`cell_load`), so RSRQ falls in busy and overlapping cells.
* Wi-Fi **RSSI**: total received power ``P_tx - PL``.

Cell selection compares the *signal* of cells of the same type: RSRP for 4G/5G, RSSI for Wi-Fi.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from meclab.types import RadioType

THERMAL_NOISE_DBM_PER_HZ = -174.0
UE_NOISE_FIGURE_DB = 7.0
LOAD_IDLE = 2.0 / 12.0
"""Share of resource elements busy in an empty cell: the reference signals take 2 of the 12
subcarriers of a resource block in the symbols that carry them, which is why an unloaded LTE
cell reports RSRQ = -3 dB (10 log10(1/2))."""
LOAD_PER_UE = 0.05
"""Share added by each terminal the cell serves, up to a full carrier."""


@dataclass(frozen=True, slots=True)
class RadioProfile:
    """Defaults and propagation of one radio type."""

    frequency_mhz: float
    path_loss_exponent: float
    tx_power_dbm: float
    bandwidth_mhz: float
    resource_blocks: int
    """N_RB of the carrier; 0 for Wi-Fi (no resource-element reference signal)."""


PROFILES: dict[RadioType, RadioProfile] = {
    # LTE band 3 macro cell, 20 MHz (100 RB), 20 W; urban exponent 3.0.
    RadioType.LTE: RadioProfile(1800.0, 3.0, 43.0, 20.0, 100),
    # NR n78 small/macro cell, 100 MHz at 30 kHz SCS (273 RB), 10 W.
    RadioType.NR: RadioProfile(3500.0, 3.0, 40.0, 100.0, 273),
    # Wi-Fi 5 GHz channel 36, 20 MHz, 100 mW.
    RadioType.WIFI: RadioProfile(5180.0, 3.0, 20.0, 20.0, 0),
}

RADIO_CODES: tuple[RadioType, ...] = (RadioType.LTE, RadioType.NR, RadioType.WIFI)
"""Radio types in the order of their integer codes in engine arrays."""


def fspl_1m_db(frequency_mhz: float) -> float:
    """Free-space path loss at 1 m."""
    return 20.0 * np.log10(frequency_mhz) - 27.55


def reference_offset_db(radio: RadioType) -> float:
    """dB from total transmit power to the power the signal measure sees (per RE for LTE/NR)."""
    profile = PROFILES[radio]
    if profile.resource_blocks == 0:
        return 0.0
    return float(10.0 * np.log10(12 * profile.resource_blocks))


def noise_dbm(radio: RadioType) -> float:
    """Thermal noise over the carrier bandwidth at the terminal."""
    bandwidth_hz = PROFILES[radio].bandwidth_mhz * 1e6
    return THERMAL_NOISE_DBM_PER_HZ + 10.0 * np.log10(bandwidth_hz) + UE_NOISE_FIGURE_DB


@dataclass(frozen=True, slots=True)
class CellRadio:
    """Per-cell arrays the selection and measurements need (index = cell index)."""

    code: NDArray[np.int8]
    """Radio type code, an index into RADIO_CODES."""
    radius_m: NDArray[np.float64]
    signal_1m_dbm: NDArray[np.float64]
    """Signal (RSRP or RSSI) at 1 m: tx power - reference offset - FSPL(1 m)."""
    slope_db: NDArray[np.float64]
    """10 x path-loss exponent: dB lost per decade of distance."""
    edge_dbm: NDArray[np.float64]
    """Signal at the coverage radius."""
    tx_power_dbm: NDArray[np.float64]

    @classmethod
    def build(
        cls, radios: list[RadioType], radius_m: list[float], tx_power_dbm: list[float | None]
    ) -> CellRadio:
        """Arrays for cells given their type, radius and (optional) transmit power."""
        code = np.array([RADIO_CODES.index(r) for r in radios], dtype=np.int8)
        tx = np.array(
            [
                PROFILES[r].tx_power_dbm if p is None else p
                for r, p in zip(radios, tx_power_dbm, strict=True)
            ],
            dtype=np.float64,
        )
        offset = np.array([reference_offset_db(r) for r in radios], dtype=np.float64)
        fspl = np.array([fspl_1m_db(PROFILES[r].frequency_mhz) for r in radios], dtype=np.float64)
        slope = np.array([10.0 * PROFILES[r].path_loss_exponent for r in radios], dtype=np.float64)
        radius = np.asarray(radius_m, dtype=np.float64)
        signal_1m = tx - offset - fspl
        edge = signal_1m - slope * np.log10(np.maximum(radius, 1.0))
        return cls(code, radius, signal_1m, slope, edge, tx)

    def signal_dbm(
        self, cells: NDArray[np.intp], distance_m: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Signal of ``cells`` at ``distance_m`` (arrays of the same shape)."""
        return self.signal_1m_dbm[cells] - self.slope_db[cells] * np.log10(
            np.maximum(distance_m, 1.0)
        )


def cell_load(served: NDArray[np.int64]) -> NDArray[np.float64]:
    """Share of a carrier's resource elements in use, given the terminals each cell serves."""
    return np.minimum(1.0, LOAD_IDLE + LOAD_PER_UE * served)


def rsrq_db(
    rsrp_dbm: float,
    radio: RadioType,
    interferers_dbm: NDArray[np.float64],
    loads: NDArray[np.float64],
) -> float:
    """RSRQ of a cell whose RSRP is ``rsrp_dbm``.

    ``interferers_dbm`` are the RSRPs of every same-type cell the terminal hears, the measured cell
    included, and ``loads`` their loads. This is the physical ratio; a terminal *reports* it on
    TS 36.133's scale, which stops at -19.5 and -3 dB (RNIS maps it there).
    """
    profile = PROFILES[radio]
    per_carrier = 10.0 * np.log10(12 * profile.resource_blocks)
    carrier_mw = np.sum(10.0 ** ((interferers_dbm + per_carrier) / 10.0) * loads)
    rssi = 10.0 * np.log10(carrier_mw + 10.0 ** (noise_dbm(radio) / 10.0))
    return float(10.0 * np.log10(profile.resource_blocks) + rsrp_dbm - rssi)


def sinr_db(
    signal_dbm: float,
    radio: RadioType,
    interferers_dbm: NDArray[np.float64],
    loads: NDArray[np.float64],
) -> float:
    """Signal to interference plus noise over the carrier.

    ``interferers_dbm`` are the signals of the other same-type cells heard and ``loads`` their
    loads; powers are scaled from the signal measure to the whole carrier first.
    """
    offset = reference_offset_db(radio)
    noise_mw = 10.0 ** (noise_dbm(radio) / 10.0)
    interference_mw = float(np.sum(10.0 ** ((interferers_dbm + offset) / 10.0) * loads))
    return float(signal_dbm + offset - 10.0 * np.log10(noise_mw + interference_mw))
