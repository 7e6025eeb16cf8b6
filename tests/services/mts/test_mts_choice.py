"""meclab.services.mts.choice: which of a terminal's accesses carry a session, per mode."""

from __future__ import annotations

import itertools

import pytest

from meclab.services.mts.choice import Access, QosTarget, choose, cost_rank
from meclab.services.mts.models import MtsMode, QosD
from meclab.types import RadioType

WIFI = Access(1, latency_ms=8.0, loss=0.02, throughput_mbps=60.0, cost_rank=0, jitter_ms=3.0)
LTE = Access(2, latency_ms=25.0, loss=0.001, throughput_mbps=40.0, cost_rank=1, jitter_ms=5.0)
NR = Access(3, latency_ms=6.0, loss=0.005, throughput_mbps=300.0, cost_rank=2, jitter_ms=1.0)
ALL = [WIFI, LTE, NR]


def ids(chosen: tuple[Access, ...]) -> list[int]:
    return [a.access_id for a in chosen]


def test_cost_ranks_wifi_then_4g_then_5g() -> None:
    assert [cost_rank(r) for r in (RadioType.WIFI, RadioType.LTE, RadioType.NR)] == [0, 1, 2]


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (MtsMode.LOW_COST, [1]),
        (MtsMode.LOW_LATENCY, [3]),
        (MtsMode.HIGH_THROUGHPUT, [3]),
        (MtsMode.REDUNDANCY, [3, 1]),
        (MtsMode.QOS, [1]),  # no figure: every access meets it, the cheapest wins
    ],
)
def test_each_mode_on_three_accesses(mode: MtsMode, expected: list[int]) -> None:
    for order in itertools.permutations(ALL):  # the order of the candidates never matters
        assert ids(choose(mode, order)) == expected


def test_no_candidate_carries_nothing() -> None:
    assert all(choose(mode, []) == () for mode in MtsMode)


def test_one_candidate_carries_every_mode() -> None:
    for mode in MtsMode:
        assert choose(mode, [LTE]) == (LTE,)


def test_the_choice_switches_when_an_access_degrades() -> None:
    congested = Access(3, latency_ms=40.0, loss=0.005, throughput_mbps=20.0, cost_rank=2)
    assert ids(choose(MtsMode.LOW_LATENCY, [WIFI, LTE, congested])) == [1]
    assert ids(choose(MtsMode.HIGH_THROUGHPUT, [WIFI, LTE, congested])) == [1]
    assert ids(choose(MtsMode.REDUNDANCY, [WIFI, LTE, congested])) == [1, 2]


def test_ties_fall_to_the_next_criterion_then_the_id() -> None:
    twin = Access(4, latency_ms=6.0, loss=0.001, throughput_mbps=300.0, cost_rank=2)
    assert ids(choose(MtsMode.LOW_LATENCY, [NR, twin])) == [4]  # same latency, less loss
    same = Access(5, latency_ms=6.0, loss=0.005, throughput_mbps=300.0, cost_rank=2)
    assert ids(choose(MtsMode.LOW_LATENCY, [same, NR])) == [3]
    cheap = Access(6, latency_ms=30.0, loss=0.0, throughput_mbps=5.0, cost_rank=0)
    assert ids(choose(MtsMode.LOW_COST, [cheap, WIFI])) == [1]  # both Wi-Fi: less latency


def test_qos_figures_are_read_in_the_specs_units() -> None:
    target = QosTarget.of(
        QosD(minTpt=50_000, maxLatency=1_000_000, maxJitter=200_000, maxLoss=2, priority=3)
    )
    assert target == QosTarget(
        min_throughput_mbps=50.0, max_latency_ms=10.0, max_jitter_ms=2.0, max_loss=0.01
    )
    assert QosTarget.of(QosD()) == QosTarget()


@pytest.mark.parametrize(
    ("qos", "expected"),
    [
        (QosD(minTpt=50_000), 1),  # Wi-Fi (60) and 5G (300) have 50 Mbit/s: Wi-Fi is cheaper
        (QosD(minTpt=100_000), 3),  # only 5G
        (QosD(maxLatency=1_000_000), 1),  # 10 ms: Wi-Fi (8) and 5G (6)
        (QosD(maxLoss=2), 2),  # 1 %: 4G (0.1 %) and 5G (0.5 %), 4G cheaper
        (QosD(maxLoss=3), 2),  # 0.1 %: 4G only
        (QosD(maxJitter=200_000), 3),  # 2 ms: 5G only
        (QosD(maxLoss=2, maxLatency=2_000_000), 3),  # 1 % and 20 ms: 5G only
    ],
)
def test_qos_takes_the_cheapest_access_meeting_every_figure(qos: QosD, expected: int) -> None:
    assert ids(choose(MtsMode.QOS, ALL, QosTarget.of(qos))) == [expected]


def test_qos_met_by_none_takes_the_one_missing_fewest() -> None:
    # 1 Gbit/s and 0.01 %: 4G misses only the throughput, the others both
    target = QosTarget.of(QosD(minTpt=1_000_000, maxLoss=4))
    lossless = Access(2, latency_ms=25.0, loss=0.00001, throughput_mbps=40.0, cost_rank=1)
    assert ids(choose(MtsMode.QOS, [WIFI, lossless, NR], target)) == [2]
    # all miss one figure alike: the least latency
    assert ids(choose(MtsMode.QOS, ALL, QosTarget.of(QosD(minTpt=1_000_000)))) == [3]
