"""AR feature levels and the rule that picks one from the serving cell's RSRP.

Pure: no I/O, no clock. The edge component feeds it each RSRP it learns from RNIS and gets the
level to serve at.

=========  ===========================  ====================================================
level      while                        what the edge serves
=========  ===========================  ====================================================
FULL       RSRP >= -95 dBm              full-resolution overlays
REDUCED    -105 dBm <= RSRP < -95 dBm   reduced overlays (a quarter of the pixels)
OFF        RSRP < -105 dBm              no overlay: frames are acknowledged, nothing drawn
=========  ===========================  ====================================================

A level is lowered as soon as the RSRP falls below its threshold and raised only once the RSRP
is :data:`HYSTERESIS_DB` above it, so a UE hovering at a threshold does not flap between two
levels (the same idea as the hysteresis of TS 36.331 clause 5.5.4 events). The thresholds are
those of a typical LTE link budget: about -95 dBm leaves room for 64QAM, about -105 dBm is near
the edge where only robust modulation holds (and meclab's 4G cells reach about -111 dBm at
their coverage radius, :mod:`meclab.engine.radio`).
"""

from __future__ import annotations

from enum import IntEnum

FULL_DBM = -95.0
"""At or above: full features."""
REDUCED_DBM = -105.0
"""At or above (and below FULL_DBM): reduced features; below: off."""
HYSTERESIS_DB = 2.0
"""How far above a threshold the RSRP must climb before the level above is restored."""


class Level(IntEnum):
    """AR feature level, ordered: a higher value serves more."""

    OFF = 0
    REDUCED = 1
    FULL = 2


OVERLAY_BYTES: dict[Level, int] = {Level.FULL: 64_000, Level.REDUCED: 16_000, Level.OFF: 0}
"""Overlay size the edge returns per frame at each level."""


def plain(rsrp_dbm: float) -> Level:
    """The level for ``rsrp_dbm`` without hysteresis (a first report, or after a handover)."""
    if rsrp_dbm >= FULL_DBM:
        return Level.FULL
    if rsrp_dbm >= REDUCED_DBM:
        return Level.REDUCED
    return Level.OFF


def step(current: Level | None, rsrp_dbm: float) -> Level:
    """The level after learning ``rsrp_dbm`` while at ``current`` (None: no level yet).

    Lower at once to the plain level; raise one level per threshold only where the RSRP is
    :data:`HYSTERESIS_DB` above that threshold."""
    target = plain(rsrp_dbm)
    if current is None or target <= current:
        return target
    raised = plain(rsrp_dbm - HYSTERESIS_DB)
    return max(current, raised)


def threshold_of(level: Level) -> float | None:
    """The RSRP below which ``level`` is left (None for OFF, the floor)."""
    return {Level.FULL: FULL_DBM, Level.REDUCED: REDUCED_DBM, Level.OFF: None}[level]
