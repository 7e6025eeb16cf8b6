"""When a UE sends a measurement report: the triggers of TS 36.331/38.331 clause 5.5.4.

A subscription names triggers (ETSI GS MEC 012 ``Trigger`` values for LTE, ``TriggerNr`` for
NR; subscriptions of clauses 6.3.6 and 6.3.11); meclab plays the UE's side of each, on the
engine's measurements, at every tick. Entering and leaving conditions, with ``Ms``/``Mp`` the
serving cell's RSRP, ``Mn`` a neighbour's, ``Hys`` the hysteresis and no frequency- or
cell-specific offsets (meclab's cells of one type share one carrier)::

    A1  serving better than threshold       enter Ms - Hys > Thresh        leave Ms + Hys < Thresh
    A2  serving worse than threshold        enter Ms + Hys < Thresh        leave Ms - Hys > Thresh
    A3  neighbour offset better than PCell  enter Mn - Hys > Mp + Off      leave Mn + Hys < Mp + Off
    A4  neighbour better than threshold     enter Mn - Hys > Thresh        leave Mn + Hys < Thresh
    A5  PCell worse than T1 and neighbour   enter Mp + Hys < T1 and        leave Mp - Hys > T1 or
        better than T2                            Mn - Hys > T2                  Mn + Hys < T2
    A6  neighbour offset better than SCell  enter Mn - Hys > Ms + Off      leave Mn + Hys < Ms + Off
    B1  other-RAT neighbour better than T   as A4, on neighbours of the other radio type
    B2  PCell worse than T1, other-RAT      as A5, on neighbours of the other radio type
        neighbour better than T2

Reporting is edge-triggered, as with ``reportAmount`` 1: a report when the entering condition
becomes true (for the neighbour events: when a cell joins the cells that triggered, which the
report then lists first); nothing more until the leaving condition has held. Time to trigger is
0: the condition is checked at each tick. A subscription starts with nothing triggered, like a
new measurement configuration, so a condition already true gives a report at the first tick.
On a change of serving cell the UE starts over (TS 36.331 clause 5.5.6.1: a handover clears
the reporting state).

Periodic triggers report at once, then every ``report_interval_s`` of simulation time
(``reportInterval``; at most one report per tick, without catching up on missed periods). CGI
triggers (``reportCGI``, for automatic neighbour relations) report a neighbour the first time
the UE hears it on its serving cell; what it hears at the start is the known neighbourhood.

The thresholds, offsets and hysteresis are not in the GS's subscription: :class:`ReportConfig`
holds meclab's defaults, within TS 36.331's ranges (RSRP thresholds -140..-44 dBm, hysteresis
0..15 dB, offsets -15..15 dB). They are chosen against the engine's handover rule (a same-type
neighbour takes over once 3 dB stronger, the scenario's default ``hysteresis_db``): A3 enters at
``Off + Hys`` = 2 dB, so its report precedes the handover it announces, as in a live network.

Not evaluated (accepted in filters, never reported): C1/C2 (CSI-RS), W1-W3 (WLAN
interworking), V1/V2 (sidelink), H1/H2 (UE height): the engine models none of these.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from meclab.services.rnis.models_common import Trigger, TriggerNr
from meclab.services.rnis.southbound import Measured, UeRadio

MAX_SCELLS = 4
"""Secondary cells of a UE at most (TS 36.331 maxSCell-r10)."""


class Kind(Enum):
    A1 = "A1"
    A2 = "A2"
    A3 = "A3"
    A4 = "A4"
    A5 = "A5"
    A6 = "A6"
    B1 = "B1"
    B2 = "B2"
    PERIODIC = "periodic"
    CGI = "cgi"
    NEVER = "never"


@dataclass(frozen=True, slots=True)
class Rule:
    """How meclab plays one trigger value."""

    kind: Kind
    other_rat: bool = False
    """Whether it concerns neighbours of the other radio type (B1, B2, inter-RAT reports)."""


LTE_RULES: dict[int, Rule] = {
    Trigger.PERIODICAL_REPORT_STRONGEST_CELLS: Rule(Kind.PERIODIC),
    Trigger.PERIODICAL_REPORT_STRONGEST_CELLS_FOR_SON: Rule(Kind.PERIODIC),
    Trigger.PERIODICAL_REPORT_CGI: Rule(Kind.CGI),
    # All of meclab's LTE cells share one carrier, so intra-frequency is all of them.
    Trigger.INTRA_PERIODICAL_REPORT_STRONGEST_CELLS: Rule(Kind.PERIODIC),
    Trigger.INTRA_PERIODICAL_REPORT_CGI: Rule(Kind.CGI),
    Trigger.EVENT_A1: Rule(Kind.A1),
    Trigger.EVENT_A2: Rule(Kind.A2),
    Trigger.EVENT_A3: Rule(Kind.A3),
    Trigger.EVENT_A4: Rule(Kind.A4),
    Trigger.EVENT_A5: Rule(Kind.A5),
    Trigger.EVENT_A6: Rule(Kind.A6),
    Trigger.EVENT_B1: Rule(Kind.B1, other_rat=True),
    Trigger.EVENT_B2: Rule(Kind.B2, other_rat=True),
}
"""LTE trigger values meclab evaluates; the others never fire."""

NR_RULES: dict[int, Rule] = {
    TriggerNr.NR_PERIODICAL: Rule(Kind.PERIODIC),
    TriggerNr.NR_CGI: Rule(Kind.CGI),
    TriggerNr.EVENT_A1: Rule(Kind.A1),
    TriggerNr.EVENT_A2: Rule(Kind.A2),
    TriggerNr.EVENT_A3: Rule(Kind.A3),
    TriggerNr.EVENT_A4: Rule(Kind.A4),
    TriggerNr.EVENT_A5: Rule(Kind.A5),
    TriggerNr.EVENT_A6: Rule(Kind.A6),
    TriggerNr.INTER_RAT_PERIODICAL: Rule(Kind.PERIODIC, other_rat=True),
    TriggerNr.INTER_RAT_CGI: Rule(Kind.CGI, other_rat=True),
    TriggerNr.EVENT_B1: Rule(Kind.B1, other_rat=True),
    TriggerNr.EVENT_B2: Rule(Kind.B2, other_rat=True),
}
"""NR trigger values meclab evaluates; NOT_AVAILABLE never fires."""

NEVER = Rule(Kind.NEVER)


@dataclass(frozen=True, slots=True)
class ReportConfig:
    """Measurement configuration meclab gives every UE (TS 36.331 ReportConfigEUTRA values)."""

    hysteresis_db: float = 1.0
    a1_threshold_dbm: float = -95.0
    a2_threshold_dbm: float = -110.0
    a3_offset_db: float = 1.0
    a4_threshold_dbm: float = -105.0
    a5_threshold1_dbm: float = -110.0
    a5_threshold2_dbm: float = -105.0
    a6_offset_db: float = 1.0
    b1_threshold_dbm: float = -105.0
    b2_threshold1_dbm: float = -110.0
    b2_threshold2_dbm: float = -105.0
    report_interval_s: float = 5.12
    """``reportInterval`` ms5120."""
    max_report_cells: int = 8
    """``maxReportCells``: neighbours listed in a report, at most (TS 36.331: 1..8)."""


@dataclass(slots=True)
class TriggerState:
    """One trigger's reporting state for one UE."""

    entered: bool = False
    """A1, A2: the entering condition held last."""
    cells: frozenset[int] = frozenset()
    """Neighbour events: the cells that triggered (cellsTriggeredList)."""
    due: float | None = None
    """Periodic: simulation time of the next report."""
    known: frozenset[int] | None = None
    """CGI: neighbours heard so far on this serving cell."""


@dataclass(slots=True)
class UeTriggers:
    """A UE's reporting state under one subscription."""

    serving: int
    states: dict[int, TriggerState] = field(default_factory=dict)


def secondary_cells(radio: UeRadio) -> tuple[Measured, ...]:
    """The UE's secondary cells for carrier aggregation.

    The cells of its serving cell's type, of its operator (the engine measures no other), whose
    coverage includes it, up to :data:`MAX_SCELLS`: the first in scenario order. The order is
    fixed rather than by signal so that the configuration is stable, as a network's is: a
    secondary cell stays while it covers the UE, and a stronger newcomer beyond the four is what
    event A6 reports.
    """
    return tuple(sorted(radio.same_rat(), key=lambda m: m.cell)[:MAX_SCELLS])


def evaluate(
    rule: Rule, state: TriggerState, radio: UeRadio, config: ReportConfig, now: float
) -> tuple[int, ...] | None:
    """Whether the UE reports now for this trigger: None if not, else the cells that triggered
    it (neighbour events; empty for the others). Updates ``state``."""
    kind = rule.kind
    hys = config.hysteresis_db
    ms = radio.serving.rsrp_dbm
    neighbours = radio.other_rat() if rule.other_rat else radio.same_rat()
    if kind is Kind.A1:
        return _edge(state, ms - hys > config.a1_threshold_dbm, ms + hys < config.a1_threshold_dbm)
    if kind is Kind.A2:
        return _edge(state, ms + hys < config.a2_threshold_dbm, ms - hys > config.a2_threshold_dbm)
    if kind is Kind.A3:
        off = config.a3_offset_db
        return _cells(
            state, neighbours, lambda mn: mn - hys > ms + off, lambda mn: mn + hys < ms + off
        )
    if kind in (Kind.A4, Kind.B1):
        t = config.a4_threshold_dbm if kind is Kind.A4 else config.b1_threshold_dbm
        return _cells(state, neighbours, lambda mn: mn - hys > t, lambda mn: mn + hys < t)
    if kind in (Kind.A5, Kind.B2):
        t1, t2 = (
            (config.a5_threshold1_dbm, config.a5_threshold2_dbm)
            if kind is Kind.A5
            else (config.b2_threshold1_dbm, config.b2_threshold2_dbm)
        )
        low = ms + hys < t1
        high = ms - hys > t1
        return _cells(
            state,
            neighbours,
            lambda mn: low and mn - hys > t2,
            lambda mn: high or mn + hys < t2,
        )
    if kind is Kind.A6:
        scells = secondary_cells(radio)
        others = tuple(m for m in neighbours if m not in scells)
        off = config.a6_offset_db
        return _cells(
            state,
            others,
            lambda mn: any(mn - hys > s.rsrp_dbm + off for s in scells),
            lambda mn: all(mn + hys < s.rsrp_dbm + off for s in scells),
        )
    if kind is Kind.PERIODIC:
        return _periodic(state, config.report_interval_s, now)
    if kind is Kind.CGI:
        heard = frozenset(m.cell for m in neighbours)
        if state.known is None:
            state.known = heard
            return None
        new = heard - state.known
        if not new:
            return None
        state.known = state.known | new
        return tuple(m.cell for m in neighbours if m.cell in new)
    return None


def _edge(state: TriggerState, enter: bool, leave: bool) -> tuple[int, ...] | None:
    if not state.entered and enter:
        state.entered = True
        return ()
    if state.entered and leave:
        state.entered = False
    return None


def _cells(
    state: TriggerState,
    neighbours: tuple[Measured, ...],
    enter: Callable[[float], bool],
    leave: Callable[[float], bool],
) -> tuple[int, ...] | None:
    """Neighbour events: update cellsTriggeredList; the cells that joined it, strongest first."""
    measured = {m.cell: m.rsrp_dbm for m in neighbours}
    # A triggered cell the UE no longer hears (out of its coverage) has left as well.
    kept = {c for c in state.cells if c in measured and not leave(measured[c])}
    joined = [m.cell for m in neighbours if m.cell not in state.cells and enter(m.rsrp_dbm)]
    state.cells = frozenset(kept | set(joined))
    return tuple(joined) if joined else None


def _periodic(state: TriggerState, interval_s: float, now: float) -> tuple[int, ...] | None:
    if state.due is None:
        state.due = now + interval_s
        return ()
    if now < state.due:
        return None
    missed = math.floor((now - state.due) / interval_s)
    state.due += interval_s * (missed + 1)
    return ()
