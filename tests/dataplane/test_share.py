"""Dividing a shared capacity: the water-filling rule, the incremental Share, demand estimates."""

from __future__ import annotations

import math
import random

import pytest

from meclab.dataplane.shaping.share import (
    DEMAND_HEADROOM,
    Claim,
    Division,
    Share,
    demand_bps,
    divide,
)

REL = 1e-9
C = 100e6  # a 100 Mbit/s cell


def close(a: float, b: float, rel: float = REL) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=rel * C)


# --- divide -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 1000])
def test_equal_backlogged_flows_get_a_nth_each(n: int) -> None:
    division = divide(C, {i: Claim() for i in range(n)})
    assert list(division) == list(range(n))
    for rate in division.values():
        assert close(rate, C / n)
    assert division.guarantees_met
    assert close(division.level_bps, C / n)


def test_a_flow_alone_gets_the_whole_capacity() -> None:
    assert divide(C, {"ue-1": Claim()})["ue-1"] == C


def test_weights_one_two_three() -> None:
    division = divide(C, {"a": Claim(weight=1), "b": Claim(weight=2), "c": Claim(weight=3)})
    assert close(division["a"], C / 6)
    assert close(division["b"], 2 * C / 6)
    assert close(division["c"], 3 * C / 6)


def test_a_light_flow_gets_its_demand_and_the_rest_share_the_remainder() -> None:
    division = divide(C, {"light": Claim(demand_bps=10e6), "b": Claim(), "c": Claim()})
    assert division["light"] == 10e6
    assert close(division["b"], 45e6)
    assert close(division["c"], 45e6)


def test_what_light_flows_leave_goes_round_until_the_capacity_is_full() -> None:
    # fair share 25 each; a takes 5 and b 20, so c and d share the 75 left
    claims = {
        "a": Claim(demand_bps=5e6),
        "b": Claim(demand_bps=20e6),
        "c": Claim(),
        "d": Claim(demand_bps=60e6),
    }
    division = divide(C, claims)
    assert division["a"] == 5e6
    assert division["b"] == 20e6
    assert close(division["c"], 37.5e6)
    assert close(division["d"], 37.5e6)
    assert close(sum(division.values()), C)


def test_every_demand_met_when_they_fit() -> None:
    division = divide(C, {"a": Claim(demand_bps=10e6), "b": Claim(demand_bps=0)})
    assert dict(division) == {"a": 10e6, "b": 0.0}
    assert division.level_bps == math.inf


def test_a_guarantee_is_met_while_others_saturate() -> None:
    claims = {"bwm": Claim(guaranteed_bps=40e6)} | {i: Claim() for i in range(9)}
    division = divide(C, claims)
    assert division["bwm"] == 40e6
    for i in range(9):
        assert close(division[i], 60e6 / 9)
    assert division.guarantees_met


def test_a_guarantee_below_the_fair_share_is_a_floor_not_a_bonus() -> None:
    division = divide(C, {"bwm": Claim(guaranteed_bps=10e6), "b": Claim(), "c": Claim()})
    for rate in division.values():
        assert close(rate, C / 3)


def test_a_guarantee_counts_only_up_to_the_demand() -> None:
    division = divide(C, {"idle": Claim(guaranteed_bps=50e6, demand_bps=1e6), "b": Claim()})
    assert division["idle"] == 1e6
    assert close(division["b"], 99e6)


def test_guarantees_over_capacity_are_scaled_and_said_so() -> None:
    claims = {"a": Claim(guaranteed_bps=80e6), "b": Claim(guaranteed_bps=120e6), "c": Claim()}
    division = divide(C, claims)
    assert not division.guarantees_met
    assert close(division.guarantee_scale, 0.5)
    assert close(division["a"], 40e6)
    assert close(division["b"], 60e6)
    assert division["c"] == 0.0
    assert close(sum(division.values()), C)


def test_guarantees_exactly_filling_the_capacity_are_met() -> None:
    division = divide(C, {"a": Claim(guaranteed_bps=C), "b": Claim()})
    assert division.guarantees_met
    assert (division["a"], division["b"]) == (C, 0.0)


def test_no_capacity_and_no_flows() -> None:
    assert dict(divide(0.0, {"a": Claim(), "b": Claim(guaranteed_bps=1e6)})) == {
        "a": 0.0,
        "b": 0.0,
    }
    assert len(divide(C, {})) == 0


@pytest.mark.parametrize("capacity", [-1.0, math.inf, math.nan])
def test_bad_capacity_is_refused(capacity: float) -> None:
    with pytest.raises(ValueError, match="capacity_bps"):
        divide(capacity, {})
    with pytest.raises(ValueError, match="capacity_bps"):
        Share(capacity)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("weight", 0.0),
        ("weight", -1.0),
        ("weight", math.inf),
        ("guaranteed_bps", -1.0),
        ("guaranteed_bps", math.inf),
        ("demand_bps", -1.0),
        ("demand_bps", math.nan),
    ],
)
def test_bad_claims_name_their_field(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        Claim(**{field: value})


# --- the rule's properties over a seeded random sweep (hypothesis is not installed) -----------


def random_claims(rnd: random.Random, capacity: float) -> dict[int, Claim]:
    n = rnd.randint(1, 40)
    fair = capacity / n
    claims = {}
    for i in range(n):
        weight = rnd.choice([0.5, 1.0, 1.0, 2.0, 3.0, rnd.uniform(0.01, 10.0)])
        guaranteed = 0.0 if rnd.random() < 0.6 else rnd.uniform(0.0, 2 * fair)
        roll = rnd.random()
        demand = math.inf if roll < 0.4 else 0.0 if roll < 0.5 else rnd.uniform(0.0, 2 * fair)
        claims[i * 7 + 3] = Claim(weight, guaranteed, demand)
    return claims


def check_max_min(capacity: float, claims: dict[int, Claim], division: Division[int]) -> None:
    rates = division.rates
    tol = 1e-9 * capacity
    total = math.fsum(rates.values())
    assert total <= capacity + tol
    floors = {i: min(c.guaranteed_bps, c.demand_bps) for i, c in claims.items()}
    for i, c in claims.items():
        assert rates[i] <= c.demand_bps + tol
    if not division.guarantees_met:
        assert close(total, capacity)
        for i in claims:
            assert close(rates[i], floors[i] * division.guarantee_scale)
        return
    for i, c in claims.items():
        assert rates[i] >= floors[i] - tol
        if rates[i] >= c.demand_bps - tol:
            continue  # it wants no more
        # it could gain: only from a flow that may lose (above its floor), and only if that
        # flow's weighted rate is no lower than its own; nothing is free
        assert total >= capacity - tol
        mine = rates[i] / c.weight
        for j, other in claims.items():
            if rates[j] > floors[j] + tol:
                assert rates[j] / other.weight <= mine * (1 + 1e-9) + tol


def test_random_sweep_is_feasible_and_max_min_optimal() -> None:
    rnd = random.Random(20240613)
    for _ in range(2000):
        capacity = rnd.choice([0.0, 1e3, 1e6, 100e6, rnd.uniform(1.0, 1e10)])
        claims = random_claims(rnd, max(capacity, 1.0))
        division = divide(capacity, claims)
        assert list(division) == list(claims)
        check_max_min(capacity, claims, division)


def test_order_of_the_flows_does_not_change_their_rates() -> None:
    rnd = random.Random(7)
    for _ in range(200):
        claims = random_claims(rnd, C)
        division = divide(C, claims)
        items = list(claims.items())
        rnd.shuffle(items)
        shuffled = divide(C, dict(items))
        for i in claims:
            assert math.isclose(division[i], shuffled[i], rel_tol=1e-12, abs_tol=1e-6)


# --- Share ------------------------------------------------------------------------------------


def test_share_divides_again_only_when_something_changed() -> None:
    share: Share[int] = Share(C)
    share.add(1)
    share.add(2, Claim(demand_bps=10e6))
    first = share.rates()
    assert share.rates() is first
    version = share.version
    share.update(2, Claim(demand_bps=10e6))  # the same claim again
    share.capacity_bps = C  # the same capacity again
    assert share.version == version
    assert share.rates() is first
    share.update(2, Claim(demand_bps=20e6))
    assert share.version == version + 1
    second = share.rates()
    assert second is not first
    assert (second[1], second[2]) == (80e6, 20e6)


def test_removal_restores_fairness() -> None:
    share: Share[str] = Share(C)
    for flow in ("a", "b", "c"):
        share.add(flow)
    share.add("bwm", Claim(guaranteed_bps=70e6))
    assert close(share.rates()["a"], 10e6)
    assert share.remove("bwm") == Claim(guaranteed_bps=70e6)
    rates = share.rates()
    assert set(rates) == {"a", "b", "c"}
    for rate in rates.values():
        assert close(rate, C / 3)


def test_handover_moves_a_flow_and_its_claim_to_the_new_share() -> None:
    old: Share[int] = Share(C)
    new: Share[int] = Share(50e6)
    for flow in range(4):
        old.add(flow)
    new.add(10)
    new.add(3, old.remove(3))
    assert 3 not in old and 3 in new
    assert len(old) == 3 and len(new) == 2
    assert all(close(r, C / 3) for r in old.rates().values())
    assert all(close(r, 25e6) for r in new.rates().values())


def test_capacity_change_re_divides() -> None:
    share: Share[int] = Share(C)
    share.add(1)
    share.add(2)
    share.capacity_bps = 40e6
    assert dict(share.rates()) == {1: 20e6, 2: 20e6}
    with pytest.raises(ValueError, match="capacity_bps"):
        share.capacity_bps = -1.0
    assert share.capacity_bps == 40e6


def test_share_refuses_a_flow_twice_and_unknown_flows() -> None:
    share: Share[int] = Share(C)
    share.add(1)
    with pytest.raises(ValueError, match="already"):
        share.add(1)
    with pytest.raises(KeyError):
        share.update(2, Claim())
    with pytest.raises(KeyError):
        share.remove(2)
    assert share.claim(1) == Claim()


# --- demand -----------------------------------------------------------------------------------


def test_a_limited_flow_demands_without_bound() -> None:
    assert demand_bps(125_000, 0.1, limited=True) == math.inf


def test_a_light_flow_demands_what_it_moved_with_headroom() -> None:
    # 125 kB in 100 ms is 10 Mbit/s
    assert math.isclose(demand_bps(125_000, 0.1, limited=False), 10e6 * DEMAND_HEADROOM)


def test_an_idle_flow_holds_nothing() -> None:
    assert demand_bps(0, 0.1, limited=False) == 0.0
    idle = Claim(demand_bps=demand_bps(0, 0.1, limited=False))
    division = divide(C, {"idle": idle, "b": Claim()})
    assert (division["idle"], division["b"]) == (0.0, C)


@pytest.mark.parametrize(("moved", "window", "field"), [(-1, 0.1, "moved"), (1, 0.0, "window")])
def test_bad_measurements_are_refused(moved: int, window: float, field: str) -> None:
    with pytest.raises(ValueError, match=field):
        demand_bps(moved, window, limited=False)


def test_a_lone_flow_takes_what_it_can_of_the_capacity() -> None:
    # one flow per Share is the usual case of a terminal's own link (a fast path in divide)
    rnd = random.Random(7)
    for _ in range(500):
        capacity = rnd.choice([0.0, 1e6, rnd.uniform(1.0, 1e9)])
        claims = random_claims(rnd, max(capacity, 1.0))
        first = next(iter(claims))
        lone = {first: claims[first]}
        division = divide(capacity, lone)
        check_max_min(capacity, lone, division)
        claim = lone[first]
        if claim.demand_bps > capacity > min(claim.guaranteed_bps, claim.demand_bps):
            assert division[first] == pytest.approx(capacity)
            assert division.level_bps == pytest.approx(capacity / claim.weight)
