"""Measurement report triggers as a UE plays them (TS 36.331 clause 5.5.4), without a world.

Each test feeds :func:`evaluate` a sequence of measurements and checks at which steps a report
goes out and which cells it names. The configuration has round numbers: hysteresis 1 dB,
A3/A6 offset 1 dB, thresholds A1 -95, A2 -110, A4/B1 -105, A5/B2 (-110, -105) dBm.
"""

from __future__ import annotations

import pytest

from meclab.services.rnis.models_common import Trigger, TriggerNr
from meclab.services.rnis.southbound import Measured, UeRadio
from meclab.services.rnis.triggers import (
    LTE_RULES,
    NEVER,
    NR_RULES,
    Kind,
    ReportConfig,
    Rule,
    TriggerState,
    evaluate,
    secondary_cells,
)

CONFIG = ReportConfig()
SERVING = 0


def lte(cell: int, rsrp: float) -> Measured:
    return Measured(cell, False, rsrp, -10.0, 5.0, 100.0)


def nr(cell: int, rsrp: float) -> Measured:
    return Measured(cell, True, rsrp, -10.0, 5.0, 100.0)


def radio(serving_rsrp: float, *neighbours: Measured) -> UeRadio:
    return UeRadio(7, lte(SERVING, serving_rsrp), tuple(neighbours))


def run(rule: Rule, steps: list[UeRadio], times: list[float] | None = None) -> list[object]:
    """What evaluate answers at each step (None: no report)."""
    state = TriggerState()
    times = times or [float(i) for i in range(len(steps))]
    return [evaluate(rule, state, r, CONFIG, t) for r, t in zip(steps, times, strict=True)]


def test_a1_reports_once_when_the_serving_cell_gets_better_than_the_threshold() -> None:
    # enter: Ms - 1 > -95; leave: Ms + 1 < -95
    seq = [-97.0, -95.5, -93.9, -90.0, -95.5, -96.1, -93.0]
    assert run(Rule(Kind.A1), [radio(x) for x in seq]) == [None, None, (), None, None, None, ()]


def test_a2_reports_once_when_the_serving_cell_gets_worse_than_the_threshold() -> None:
    # enter: Ms + 1 < -110; leave: Ms - 1 > -110
    seq = [-105.0, -110.5, -111.1, -115.0, -109.5, -108.9, -112.0]
    assert run(Rule(Kind.A2), [radio(x) for x in seq]) == [None, None, (), None, None, None, ()]


def test_a3_reports_each_neighbour_once_as_it_becomes_offset_better() -> None:
    # enter: Mn - 1 > Mp + 1 (2 dB better); leave: Mn + 1 < Mp + 1 (worse at all)
    steps = [
        radio(-100.0, lte(1, -99.0), lte(2, -105.0)),
        radio(-100.0, lte(1, -97.9), lte(2, -105.0)),  # cell 1 is 2.1 dB better: report
        radio(-100.0, lte(1, -97.0), lte(2, -97.5)),  # cell 1 still in; cell 2 joins
        radio(-100.0, lte(1, -99.5), lte(2, -97.5)),  # cell 1 not yet out (0.5 dB better)
        radio(-100.0, lte(1, -100.1), lte(2, -97.5)),  # cell 1 leaves
        radio(-100.0, lte(1, -97.5), lte(2, -97.5)),  # and enters again
    ]
    assert run(Rule(Kind.A3), steps) == [None, (1,), (2,), None, None, (1,)]


def test_a3_lists_the_strongest_first_when_several_join_at_once() -> None:
    steps = [radio(-100.0, lte(2, -90.0), lte(1, -95.0), lte(3, -99.0))]
    assert run(Rule(Kind.A3), steps) == [(2, 1)]


def test_a3_cell_that_is_no_longer_heard_leaves_and_may_trigger_again() -> None:
    steps = [
        radio(-100.0, lte(1, -95.0)),
        radio(-100.0),  # out of the UE's measurements
        radio(-100.0, lte(1, -95.0)),
    ]
    assert run(Rule(Kind.A3), steps) == [(1,), None, (1,)]


def test_a4_and_b1_compare_neighbours_with_a_threshold_on_their_own_radio_type() -> None:
    steps = [
        radio(-90.0, lte(1, -104.5), nr(9, -104.5)),
        radio(-90.0, lte(1, -103.9), nr(9, -103.9)),
        radio(-90.0, lte(1, -103.0), nr(9, -103.0)),
    ]
    assert run(Rule(Kind.A4), steps) == [None, (1,), None]
    assert run(Rule(Kind.B1, other_rat=True), steps) == [None, (9,), None]


def test_a5_needs_both_a_weak_serving_cell_and_a_strong_neighbour() -> None:
    # enter: Mp + 1 < -110 and Mn - 1 > -105
    steps = [
        radio(-108.0, lte(1, -100.0)),  # serving not weak enough
        radio(-112.0, lte(1, -106.5)),  # neighbour not strong enough
        radio(-112.0, lte(1, -103.0)),  # both: report
        radio(-112.0, lte(1, -103.0)),
        radio(-108.5, lte(1, -103.0)),  # serving better than T1 + hysteresis: left
        radio(-112.0, lte(1, -103.0)),  # enters again
    ]
    assert run(Rule(Kind.A5), steps) == [None, None, (1,), None, None, (1,)]


def test_b2_is_a5_on_the_other_radio_type() -> None:
    steps = [radio(-112.0, lte(1, -100.0), nr(9, -106.5)), radio(-112.0, nr(9, -103.0))]
    assert run(Rule(Kind.B2, other_rat=True), steps) == [None, (9,)]


def test_secondary_cells_are_the_first_four_covering_cells_in_scenario_order() -> None:
    r = radio(-90.0, *(lte(c, -80.0 - c) for c in (6, 2, 5, 3, 1)), nr(9, -70.0))
    assert [m.cell for m in secondary_cells(r)] == [1, 2, 3, 5]


def test_a6_reports_a_neighbour_offset_better_than_a_secondary_cell() -> None:
    # Secondary cells 1..4; cell 5 is a candidate. Enter: M5 - 1 > Ms + 1 for some SCell.
    scells = [lte(1, -100.0), lte(2, -96.0), lte(3, -96.0), lte(4, -96.0)]
    steps = [
        radio(-90.0, *scells, lte(5, -98.5)),  # 1.5 dB better than cell 1: not yet
        radio(-90.0, *scells, lte(5, -97.9)),  # 2.1 dB better: report
        radio(-90.0, *scells, lte(5, -97.9)),
    ]
    assert run(Rule(Kind.A6), steps) == [None, (5,), None]


def test_periodic_reports_at_once_then_every_interval_without_catching_up() -> None:
    steps = [radio(-90.0)] * 6
    # interval 5.12 s: due at 0, 5.12, then 10.24 (a tick at 16 is late: next due 20.48)
    times = [0.0, 3.0, 5.2, 9.0, 16.0, 20.0]
    assert run(Rule(Kind.PERIODIC), steps, times) == [(), None, (), None, (), None]
    assert run(Rule(Kind.PERIODIC), [radio(-90.0)], [20.48]) == [()]


def test_cgi_reports_a_neighbour_heard_for_the_first_time() -> None:
    steps = [
        radio(-90.0, lte(1, -95.0)),  # what is heard at first is known
        radio(-90.0, lte(1, -95.0), lte(2, -99.0)),
        radio(-90.0, lte(1, -95.0)),
        radio(-90.0, lte(1, -95.0), lte(2, -99.0)),  # known by now
    ]
    assert run(Rule(Kind.CGI), steps) == [None, (2,), None, None]


def test_triggers_meclab_cannot_evaluate_never_fire() -> None:
    steps = [radio(-200.0, lte(1, -40.0), nr(9, -40.0))] * 2
    assert run(NEVER, steps) == [None, None]
    never = {
        Trigger.NOT_AVAILABLE,
        Trigger.EVENT_C1,
        Trigger.EVENT_C2,
        Trigger.EVENT_W1,
        Trigger.EVENT_W2,
        Trigger.EVENT_W3,
        Trigger.EVENT_V1,
        Trigger.EVENT_V2,
        Trigger.EVENT_H1,
        Trigger.EVENT_H2,
    }
    assert set(Trigger) - set(LTE_RULES) == never
    assert set(TriggerNr) - set(NR_RULES) == {TriggerNr.NOT_AVAILABLE}


@pytest.mark.parametrize(
    ("trigger", "kind", "other_rat"),
    [
        (TriggerNr.NR_PERIODICAL, Kind.PERIODIC, False),
        (TriggerNr.INTER_RAT_PERIODICAL, Kind.PERIODIC, True),
        (TriggerNr.INTER_RAT_CGI, Kind.CGI, True),
        (TriggerNr.EVENT_B1, Kind.B1, True),
    ],
)
def test_nr_trigger_values(trigger: TriggerNr, kind: Kind, other_rat: bool) -> None:
    assert NR_RULES[trigger] == Rule(kind, other_rat)
