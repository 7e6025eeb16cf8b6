"""Processor sharing timings, on explicit times."""

from __future__ import annotations

import pytest

from meclab.sdk.offload import ProcessorSharing


def test_tasks_share_one_core_evenly() -> None:
    node = ProcessorSharing(cores=1, hz=1e9)
    node.admit("a", 1e9, now=0.0)
    node.admit("b", 1e9, now=0.0)
    assert node.next_completion() == pytest.approx(2.0)  # each at half speed
    assert node.advance(1.999) == []
    assert node.advance(2.0) == ["a", "b"]
    assert node.active == 0


def test_more_cores_than_tasks_run_each_at_full_speed() -> None:
    node = ProcessorSharing(cores=4, hz=2e9)
    for key, cycles in (("a", 2e9), ("b", 4e9)):
        node.admit(key, cycles, now=0.0)
    assert node.advance(1.0) == ["a"]
    assert node.next_completion() == pytest.approx(2.0)


def test_a_late_arrival_slows_those_present() -> None:
    # 2 cores, three tasks of 1, 2 and 3 Gcycles at 1 GHz: 2/3 GHz each until the first ends at
    # 1.5 s, then full speed. A fourth task at 2 s (1 Gcycle) shares again.
    node = ProcessorSharing(cores=2, hz=1e9)
    for key, cycles in (("a", 1e9), ("b", 2e9), ("c", 3e9)):
        node.admit(key, cycles, now=0.0)
    assert node.next_completion() == pytest.approx(1.5)
    assert node.admit("d", 1e9, now=2.0) == ["a"]
    # at 2 s b has 0.5 Gcycle left, c 1.5, d 1: three on two cores, 2/3 GHz each
    assert node.next_completion() == pytest.approx(2.0 + 0.5 / (2 / 3))
    assert node.advance(10.0) == ["b", "d", "c"]


def test_preview_tells_a_finish_without_changing_anything() -> None:
    node = ProcessorSharing(cores=1, hz=1e9)
    node.admit("a", 1e9, now=0.0)
    # b (0.5 Gcycle) shares with a: both at 0.5 GHz, b done after 1 s
    assert node.preview(0.5e9, now=0.0) == pytest.approx(1.0)
    assert node.preview(3e9, now=0.0) == pytest.approx(4.0)  # 2 s shared, then 2 s alone
    assert node.active == 1
    assert node.next_completion() == pytest.approx(1.0)


def test_time_does_not_go_backwards() -> None:
    node = ProcessorSharing(cores=1, hz=1e9, now=5.0)
    with pytest.raises(ValueError, match="backwards"):
        node.advance(4.0)
    with pytest.raises(ValueError, match="cycles"):
        node.admit("x", 0.0, now=5.0)
