"""Placement on a crafted world (tests/lifecycle/placement_world.py has its latencies): the exact
host chosen, and the sentence that explains it."""

from __future__ import annotations

import pytest
from placement_world import placement_world

from meclab.lifecycle.capacity import CapacityLedger, Requirements
from meclab.lifecycle.placement import Candidate, NoPlacement, place
from meclab.platform.errors import Conflict, NotFound

APP = Requirements(cpu_cores=2, memory_mb=8192, storage_gb=10)
MEC = ["mec-a", "mec-b", "mec-c"]


def _fill_memory(ledger: CapacityLedger, node: str, leave_mb: float) -> None:
    """Reserve all of ``node``'s memory but ``leave_mb``."""
    total = ledger.total(node).memory_mb
    ledger.reserve(node, f"filler-{node}", Requirements(memory_mb=total - leave_mb))


def test_users_in_a_zone_get_that_zones_host() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    for ue, host, latency in [("ue-a", "mec-a", 8), ("ue-b", "mec-b", 10), ("ue-c", "mec-c", 8)]:
        chosen = place(world, APP, ledger, users=[ue])
        assert (chosen.host, chosen.expected_latency_ms) == (host, latency)
    chosen = place(world, APP, ledger, users=["ue-a"])
    assert (
        chosen.explanation
        == "mec-a: lowest expected latency to ue-a (8 ms); mec-c 20 ms; mec-b 22 ms"
    )
    assert [c.host for c in chosen.candidates] == ["mec-a", "mec-c", "mec-b"]
    assert chosen.candidates[0] == Candidate("mec-a", 8.0, ledger.free("mec-a"), True, "8 ms")


def test_a_full_host_is_skipped_for_the_next_best() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    _fill_memory(ledger, "mec-a", leave_mb=2048)
    before = ledger.reservations()
    chosen = place(world, APP, ledger, users=["ue-a"], max_latency_ms=30)
    assert chosen.host == "mec-c"
    assert chosen.explanation == (
        "mec-c: lowest expected latency to ue-a (20 ms, bound 30 ms); mec-b 22 ms; "
        "mec-a full (memory 8192 MB needed, 2048 MB free)"
    )
    full = chosen.candidates[-1]
    assert (full.host, full.fits, full.latency_ms) == ("mec-a", False, 8.0)
    assert ledger.reservations() == before  # place() only reads the ledger


def test_the_latency_bound_excludes_far_hosts() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    _fill_memory(ledger, "mec-a", leave_mb=0)
    chosen = place(world, APP, ledger, users=["ue-a"], max_latency_ms=21)
    assert chosen.host == "mec-c"
    assert chosen.explanation == (
        "mec-c: the only host that qualifies, to ue-a (20 ms, bound 21 ms); "
        "mec-a full (memory 8192 MB needed, 0 MB free); "
        "mec-b too far (ue-a at 22 ms, bound 21 ms)"
    )
    with pytest.raises(NoPlacement) as err:
        place(world, APP, ledger, users=["ue-a"], max_latency_ms=15)
    refusal = err.value
    assert isinstance(refusal, Conflict) and refusal.status == 409
    assert str(refusal) == (
        "no host qualifies: mec-a full (memory 8192 MB needed, 0 MB free); "
        "mec-b too far (ue-a at 22 ms, bound 15 ms); mec-c too far (ue-a at 20 ms, bound 15 ms)"
    )
    assert [c.host for c in refusal.candidates] == MEC
    assert refusal.extensions["candidates"][1] == {
        "host": "mec-b",
        "reason": "too far (ue-a at 22 ms, bound 15 ms)",
    }


def test_a_host_both_full_and_too_far_gives_both_reasons() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    _fill_memory(ledger, "mec-b", leave_mb=0)
    chosen = place(world, APP, ledger, users=["ue-a"], max_latency_ms=21)
    assert chosen.candidates[-1].reason == (
        "full (memory 8192 MB needed, 0 MB free) and too far (ue-a at 22 ms, bound 21 ms)"
    )


def test_the_bound_holds_for_the_worst_user() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    # ue-a: mec-a 8, mec-b 22, mec-c 20; ue-b: mec-a 20, mec-b 10, mec-c 20
    chosen = place(world, APP, ledger, users=["ue-a", "ue-b"], max_latency_ms=20)
    assert (chosen.host, chosen.expected_latency_ms) == ("mec-a", 20)
    assert chosen.explanation == (
        "mec-a: as near as mec-c for the worst-off user and nearer on average "
        "(mean 14 ms against 20 ms) to ue-a, ue-b (worst 20 ms, bound 20 ms); mec-c 20 ms; "
        "mec-b too far (ue-a at 22 ms, bound 20 ms)"
    )
    with pytest.raises(NoPlacement):
        place(world, APP, ledger, users=["ue-a", "ue-b"], max_latency_ms=19.5)


def test_the_worst_user_counts_before_the_mean() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    # mec-b: 22, 22, 10 ms (mean 18, worst 22); mec-c: 20, 20, 20 ms (mean 20, worst 20)
    chosen = place(world, APP, ledger, users=["ue-a", "ue-a2", "ue-b"], hosts=["mec-b", "mec-c"])
    assert (chosen.host, chosen.expected_latency_ms) == ("mec-c", 20)


def test_a_user_named_twice_counts_once() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    # mec-a: ue-a 8, ue-c 20 ms; mec-c: ue-a 20, ue-c 8 ms. Counted twice, ue-c would pull the
    # mean towards mec-c; counted once, the two tie and the name decides.
    chosen = place(world, APP, ledger, users=["ue-a", "ue-c", "ue-c"], hosts=["mec-c", "mec-a"])
    assert chosen.host == "mec-a"
    assert chosen.explanation.startswith("mec-a: as near and as free as mec-c to ue-a, ue-c")


def test_equal_worst_latency_goes_to_the_host_nearer_the_others() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    # worst user 20 ms on mec-a and mec-c; mean 12 ms on mec-a, 20 ms on mec-c
    chosen = place(world, APP, ledger, users=["ue-a", "ue-a2", "ue-b"], hosts=["mec-c", "mec-a"])
    assert chosen.host == "mec-a"
    assert chosen.explanation == (
        "mec-a: as near as mec-c for the worst-off user and nearer on average "
        "(mean 12 ms against 20 ms) to ue-a, ue-a2, ue-b (worst 20 ms); mec-c 20 ms"
    )


def test_equally_near_hosts_go_by_free_capacity_then_name() -> None:
    world = placement_world(twin=True)
    ledger = CapacityLedger(world)
    chosen = place(world, APP, ledger, users=["ue-a"], hosts=["mec-a2", "mec-a"])
    assert chosen.host == "mec-a"
    assert chosen.explanation == (
        "mec-a: as near and as free as mec-a2 to ue-a (8 ms), first by name; mec-a2 8 ms"
    )
    ledger.reserve("mec-a", "other", Requirements(cpu_cores=1))
    chosen = place(world, APP, ledger, users=["ue-a"], hosts=["mec-a", "mec-a2"])
    assert chosen.host == "mec-a2"
    assert chosen.explanation == (
        "mec-a2: as near as mec-a to ue-a (8 ms), with more free capacity "
        "(16 cores, 65536 MB, 2048 GB free); mec-a 8 ms"
    )


def test_without_users_the_host_with_most_free_capacity_wins() -> None:
    big = {"cores": 32, "speed_ghz": 3.0, "memory_gb": 64}
    world = placement_world(compute={"mec-b": big, "mec-c": big})
    ledger = CapacityLedger(world)
    chosen = place(world, APP, ledger)
    assert (chosen.host, chosen.expected_latency_ms) == ("mec-b", None)
    assert chosen.explanation == (
        "mec-b: most free capacity (32 cores, 65536 MB, 2048 GB free); no users given, so latency "
        "was not weighed; mec-c 32 cores, 65536 MB, 2048 GB free; "
        "mec-a 16 cores, 65536 MB, 2048 GB free"
    )
    ledger.reserve("mec-b", "other", Requirements(memory_mb=1024))  # same cores, less memory
    assert place(world, APP, ledger).host == "mec-c"
    ledger.reserve("mec-c", "other-c", Requirements(cpu_cores=17))  # cores before memory
    assert place(world, APP, ledger).host == "mec-b"


def test_a_bound_without_users_is_not_checked_and_says_so() -> None:
    world = placement_world()
    chosen = place(world, APP, CapacityLedger(world), max_latency_ms=1, hosts=["mec-c"])
    assert chosen.explanation == (
        "mec-c: the only host that qualifies (16 cores, 65536 MB, 2048 GB free); no users given, "
        "so latency was not weighed (bound 1 ms not checked)"
    )


def test_requirements_bigger_than_every_host_name_the_resource() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    with pytest.raises(NoPlacement) as err:
        place(world, Requirements(cpu_cores=24, memory_mb=1024), ledger, users=["ue-b"])
    assert str(err.value) == (
        "no host can ever hold it (cpu 24 cores needed, 16 in total at the largest (mec-a)): "
        "mec-a too small (cpu 24 cores needed, 16 in total); "
        "mec-b too small (cpu 24 cores needed, 16 in total); "
        "mec-c too small (cpu 24 cores needed, 16 in total)"
    )
    # the cloud, when named, holds it
    chosen = place(world, Requirements(cpu_cores=24), ledger, users=["ue-b"], hosts=[*MEC, "cloud"])
    assert (chosen.host, chosen.expected_latency_ms) == ("cloud", 37)


def test_fog_nodes_are_candidates_and_too_small_ones_are_passed_over() -> None:
    world = placement_world(fog=True)
    ledger = CapacityLedger(world)
    assert place(world, APP, ledger, users=["ue-a"]).host == "fog-a"
    chosen = place(world, Requirements(cpu_cores=8), ledger, users=["ue-a"])
    assert chosen.host == "mec-a"
    assert chosen.explanation.endswith("fog-a too small (cpu 8 cores needed, 4 in total)")


def test_hosts_restricts_the_candidates() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    chosen = place(world, APP, ledger, users=["ue-a"], hosts=["cloud", "mec-b", "mec-b"])
    assert chosen.host == "mec-b"
    assert [c.host for c in chosen.candidates] == ["mec-b", "cloud"]
    with pytest.raises(NoPlacement, match="no host to place it on: there are no candidates"):
        place(world, APP, ledger, hosts=[])


def test_a_user_out_of_coverage_is_left_out_of_the_figures() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    chosen = place(world, APP, ledger, users=["ue-out", "ue-b"], max_latency_ms=15)
    assert chosen.host == "mec-b"
    assert chosen.explanation == (
        "mec-b: the only host that qualifies, to ue-b (10 ms, bound 15 ms); "
        "mec-a too far (ue-b at 20 ms, bound 15 ms); mec-c too far (ue-b at 20 ms, bound 15 ms); "
        "ue-out out of coverage, not counted"
    )


def test_only_users_out_of_coverage_rank_by_free_capacity() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    ledger.reserve("mec-a", "other", Requirements(cpu_cores=1))
    chosen = place(world, APP, ledger, users=["ue-out"], hosts=["mec-a", "mec-c"])
    assert (chosen.host, chosen.expected_latency_ms) == ("mec-c", None)
    assert chosen.explanation == (
        "mec-c: most free capacity (16 cores, 65536 MB, 2048 GB free); latency not weighed, as "
        "no user is in coverage (ue-out); mec-a 15 cores, 65536 MB, 2048 GB free"
    )


def test_unknown_hosts_and_users_are_not_found() -> None:
    world = placement_world()
    ledger = CapacityLedger(world)
    with pytest.raises(NotFound, match="'mec-z'"):
        place(world, APP, ledger, hosts=["mec-a", "mec-z"])
    with pytest.raises(NotFound, match="no terminal named 'ue-z'"):
        place(world, APP, ledger, users=["ue-z"])
    with pytest.raises(NotFound, match="no terminal named 'cell-a'"):
        place(world, APP, ledger, users=["cell-a"])
