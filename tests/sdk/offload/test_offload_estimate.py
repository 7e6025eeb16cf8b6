"""The estimates, worked out by hand."""

from __future__ import annotations

import math

import pytest
from contexts import PHONE_ENERGY, context, site

from meclab.sdk.offload import InvalidContext, Link, Node, Placement, Task, estimate, estimates
from meclab.sdk.offload.estimate import compute_s, rto_s, transfer_s


def test_terminal_is_its_compute_time_and_cycle_energy() -> None:
    task = Task(cycles=1e9, input_bytes=50_000, output_bytes=1_000)
    e = estimate(task, context(), Placement.TERMINAL)
    assert e.completion_s == pytest.approx(0.5)  # 1e9 / 2 GHz
    assert (e.upload_s, e.download_s) == (0.0, 0.0)
    assert e.energy_j == pytest.approx(1.0)  # 1e9 cycles * 1 nJ
    assert e.cost == 0.0


def test_offloaded_adds_up_transfers_sharing_and_loss() -> None:
    # 10 segments up at 8 Mbit/s, 1 segment down at 80 Mbit/s, 1 % loss, RTO at its 200 ms
    # floor (2 * 10 ms + 8 * 1 ms = 28 ms); 7 tasks already on 4 cores: this one gets half.
    edge = site(10.0, jitter_ms=1.0, loss_pct=1.0, up_mbps=8.0, down_mbps=80.0, cores=4, active=7)
    task = Task(cycles=1e9, input_bytes=14_480, output_bytes=1_448)
    e = estimate(task, context(edge=edge), Placement.EDGE)
    up = 0.010 + 8 * 14_480 / 8e6 + 10 * 0.01 * 0.2
    down = 0.010 + 8 * 1_448 / 80e6 + 1 * 0.01 * 0.2
    assert e.upload_s == pytest.approx(up)
    assert e.compute_s == pytest.approx(0.5)  # 1e9 / (4 GHz * 4/8)
    assert e.download_s == pytest.approx(down)
    assert e.completion_s == pytest.approx(up + 0.5 + down)
    radio_j = (8 * 14_480 * 100 + 8 * 1_448 * 50) * 1e-9
    assert e.energy_j == pytest.approx(radio_j + 0.5 * (up + 0.5 + down))
    assert e.cost == pytest.approx(2.0)  # 1 giga-cycle at the edge's default price


def test_rto_grows_with_a_long_jittery_path() -> None:
    assert rto_s(Link(50.0, jitter_ms=10.0)) == pytest.approx(0.2)  # 180 ms: the floor
    assert rto_s(Link(80.0, jitter_ms=10.0)) == pytest.approx(0.24)  # 160 ms + 80 ms


def test_empty_transfer_is_only_latency_and_no_limit_costs_no_time() -> None:
    link = Link(12.0, loss_pct=5.0, up_mbps=1.0)
    assert transfer_s(link, 0, link.up_mbps) == pytest.approx(0.012)
    assert transfer_s(Link(12.0), 10**9, None) == pytest.approx(0.012)


def test_processor_sharing_share_is_capped_at_one_core() -> None:
    assert compute_s(Node(cores=8, speed_ghz=2.0, active_tasks=3), 2e9) == pytest.approx(1.0)
    assert compute_s(Node(cores=2, speed_ghz=2.0, active_tasks=3), 2e9) == pytest.approx(2.0)


def test_estimates_cover_only_reachable_placements() -> None:
    ctx = context(cloud=site(30.0))
    assert [e.placement for e in estimates(Task(cycles=1e9), ctx)] == [
        Placement.TERMINAL,
        Placement.CLOUD,
    ]
    with pytest.raises(InvalidContext, match="edge"):
        estimate(Task(cycles=1e9), ctx, Placement.EDGE)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"cycles": 0}, "cycles"),
        ({"cycles": math.inf}, "cycles"),
        ({"cycles": 1.0, "input_bytes": -1}, "input_bytes"),
        ({"cycles": 1.0, "output_bytes": 1.5}, "output_bytes"),
        ({"cycles": 1.0, "deadline_s": 0}, "deadline_s"),
        ({"cycles": 1.0, "energy_weight": -1}, "energy_weight"),
    ],
)
def test_a_bad_task_names_its_field(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=f"task {field} ") as caught:
        Task(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field  # type: ignore[attr-defined]


def test_measured_task_converts_time_on_a_reference_node() -> None:
    task = Task.measured(0.25, on_ghz=2.4, input_bytes=10)
    assert task.cycles == pytest.approx(0.6e9)
    assert task.input_bytes == 10


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Link(-1.0), "latency_ms"),
        (lambda: Link(1.0, loss_pct=100.0), "loss_pct"),
        (lambda: Link(1.0, up_mbps=0.0), "up_mbps"),
        (lambda: Node(cores=0, speed_ghz=1.0), "cores"),
        (lambda: Node(cores=1, speed_ghz=1.0, active_tasks=-1), "active_tasks"),
        (lambda: PHONE_ENERGY.__class__(1.0, -1.0, 1.0, 1.0), "tx_nj_per_bit"),
    ],
)
def test_a_bad_context_names_its_field(make: object, field: str) -> None:
    with pytest.raises(InvalidContext, match=f"context {field} "):
        make()  # type: ignore[operator]
