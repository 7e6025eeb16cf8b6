"""Capacity of the world's compute nodes: totals from the scenario, reservations, refusals."""

from __future__ import annotations

import pytest
from placement_world import placement_world

from meclab.engine.topology import ElementKind
from meclab.lifecycle.capacity import (
    CapacityLedger,
    InsufficientCapacity,
    Requirements,
    never_fits,
)
from meclab.platform.errors import Conflict, NotFound
from meclab.scenario.compute import DEFAULT_STORAGE_GB
from meclab.types import ComputeKind

SMALL = {"cores": 8, "speed_ghz": 2.5, "memory_gb": 32}


def test_totals_come_from_the_scenario_compute_or_the_kind_default() -> None:
    ledger = CapacityLedger(placement_world(fog=True, compute={"mec-a": SMALL}))
    assert ledger.total("mec-a") == Requirements(8, 32 * 1024, 2048)
    assert ledger.total("mec-b") == Requirements(16, 64 * 1024, 2048)
    assert ledger.total("fog-a") == Requirements(4, 16 * 1024, 512)
    assert ledger.total("cloud") == Requirements(96, 384 * 1024, 16384)
    assert ledger.nodes() == ["cloud", "mec-a", "fog-a", "mec-b", "mec-c"]  # scenario order
    assert ledger.nodes(ElementKind.MEC_HOST) == ["mec-a", "mec-b", "mec-c"]
    assert ledger.nodes(ElementKind.FOG) == ["fog-a"]
    assert ledger.nodes(ElementKind.CLOUD) == ["cloud"]


def test_storage_is_the_kind_default() -> None:
    ledger = CapacityLedger(placement_world(fog=True))
    for node, kind in [("mec-c", ComputeKind.MEC_HOST), ("fog-a", ComputeKind.FOG)]:
        assert ledger.total(node).storage_gb == DEFAULT_STORAGE_GB[kind]
    assert ledger.total("cloud").storage_gb == DEFAULT_STORAGE_GB[ComputeKind.CLOUD]


def test_apps_the_scenario_declares_take_nothing() -> None:
    ledger = CapacityLedger(placement_world(apps=True))
    assert ledger.free("mec-a") == ledger.total("mec-a")


def test_reserve_and_release_add_up() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "app-1", Requirements(4, 8192, 100))
    ledger.reserve("mec-a", "app-2", Requirements(2.5, 1024, 0))
    ledger.reserve("mec-b", "app-3", Requirements(1, 512, 10))
    assert ledger.free("mec-a") == Requirements(9.5, 65536 - 9216, 1948)
    assert ledger.free("mec-b") == Requirements(15, 65024, 2038)
    assert ledger.reservations() == {
        "app-1": ("mec-a", Requirements(4, 8192, 100)),
        "app-2": ("mec-a", Requirements(2.5, 1024, 0)),
        "app-3": ("mec-b", Requirements(1, 512, 10)),
    }
    ledger.release("app-1")
    ledger.release("app-1")  # idempotent
    ledger.release("never-reserved")
    assert ledger.free("mec-a") == Requirements(13.5, 64512, 2048)
    ledger.release("app-2")
    assert ledger.free("mec-a") == ledger.total("mec-a")
    assert list(ledger.reservations()) == ["app-3"]


def test_reservations_is_a_copy() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "app-1", Requirements(1))
    ledger.reservations().clear()
    assert ledger.free("mec-a").cpu_cores == 15


def test_a_reservation_can_take_everything_and_then_nothing_more_fits() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "all", ledger.total("mec-a"))
    assert ledger.free("mec-a") == Requirements()
    with pytest.raises(InsufficientCapacity) as err:
        ledger.reserve("mec-a", "more", Requirements(memory_mb=1))
    assert err.value.shortfalls == {"memory_mb": (1, 0)}


def test_refusal_names_every_resource_short_and_changes_nothing() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "app-1", Requirements(0, 63488, 0))
    with pytest.raises(InsufficientCapacity) as err:
        ledger.reserve("mec-a", "app-2", Requirements(20, 8192, 10))
    refusal = err.value
    assert isinstance(refusal, Conflict) and refusal.status == 409
    assert str(refusal) == (
        "mec-a cannot hold it: cpu 20 cores needed, 16 free; memory 8192 MB needed, 2048 MB free"
    )
    assert refusal.node == "mec-a"
    assert refusal.shortfalls == {"cpu_cores": (20, 16), "memory_mb": (8192, 2048)}
    assert refusal.extensions["shortfalls"] == {
        "cpu_cores": {"needed": 20, "free": 16},
        "memory_mb": {"needed": 8192, "free": 2048},
    }
    assert list(ledger.reservations()) == ["app-1"]


def test_storage_short_is_named_in_gb() -> None:
    ledger = CapacityLedger(placement_world(fog=True))
    with pytest.raises(InsufficientCapacity, match=r"storage 600 GB needed, 512 GB free$"):
        ledger.reserve("fog-a", "app", Requirements(storage_gb=600))


def test_one_reservation_per_owner() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "app-1", Requirements(1))
    with pytest.raises(Conflict, match="app-1 already holds capacity on mec-a"):
        ledger.reserve("mec-b", "app-1", Requirements(1))
    assert ledger.reservations() == {"app-1": ("mec-a", Requirements(1))}


def test_unknown_node_is_not_found() -> None:
    ledger = CapacityLedger(placement_world())
    for call in (ledger.total, ledger.free):
        with pytest.raises(NotFound, match="'cell-a'"):
            call("cell-a")
    with pytest.raises(NotFound, match="'nowhere'"):
        ledger.reserve("nowhere", "app", Requirements(1))


@pytest.mark.parametrize("field", ["cpu_cores", "memory_mb", "storage_gb"])
@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_requirements_are_finite_and_not_negative(field: str, value: float) -> None:
    with pytest.raises(ValueError, match=field):
        Requirements(**{field: value})


def test_never_fits_names_each_resource_above_the_largest_node() -> None:
    ledger = CapacityLedger(placement_world(compute={"mec-b": SMALL}))
    hosts = ["mec-a", "mec-b", "mec-c"]
    assert never_fits(ledger, Requirements(16, 65536, 2048), hosts) == ""
    assert never_fits(ledger, Requirements(200, 512, 0), hosts) == (
        "cpu 200 cores needed, 16 in total at the largest (mec-a)"
    )
    assert never_fits(ledger, Requirements(17, 70000, 3000), hosts) == (
        "cpu 17 cores needed, 16 in total at the largest (mec-a); "
        "memory 70000 MB needed, 65536 MB in total at the largest (mec-a); "
        "storage 3000 GB needed, 2048 GB in total at the largest (mec-a)"
    )
    # every node of the world, the cloud among them, when none are named
    assert never_fits(ledger, Requirements(200, 512, 0)) == (
        "cpu 200 cores needed, 96 in total at the largest (cloud)"
    )
    assert never_fits(ledger, Requirements(20, 512, 0)) == ""


def test_never_fits_says_when_no_node_has_everything_together() -> None:
    ledger = CapacityLedger(
        placement_world(
            compute={
                "mec-a": {"cores": 32, "speed_ghz": 3.0, "memory_gb": 16},
                "mec-b": {"cores": 8, "speed_ghz": 3.0, "memory_gb": 128},
            }
        )
    )
    req = Requirements(24, 100_000, 0)
    assert never_fits(ledger, req, ["mec-a", "mec-b"]) == (
        "no node has 24 cores, 100000 MB, 0 GB all together"
    )


def test_never_fits_ignores_reservations() -> None:
    ledger = CapacityLedger(placement_world())
    ledger.reserve("mec-a", "all", ledger.total("mec-a"))
    assert never_fits(ledger, Requirements(16), ["mec-a"]) == ""
