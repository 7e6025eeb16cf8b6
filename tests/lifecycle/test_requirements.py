"""What an AppD asks of its host, read from stand-ins with the AppD's attribute names."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from meclab.lifecycle.capacity import Requirements
from meclab.lifecycle.requirements import latency_bound_of, requirements_of
from meclab.platform.errors import Unprocessable


def _vm(cpu: int | None = 2, memory_mb: float | None = 4096, disks: tuple[float, ...] = ()) -> NS:
    return NS(
        virtualCpu=NS(numVirtualCpu=cpu, virtualCpuClock=2400.0),
        virtualMemory=NS(virtualMemSize=memory_mb),
        virtualDisk=[NS(sizeOfStorage=gb) for gb in disks],
    )


def test_a_virtual_machine_asks_cores_memory_and_its_disks() -> None:
    appd = NS(virtualComputeDescriptor=_vm(disks=(20, 5.5)), virtualStorageDescriptor=[])
    assert requirements_of(appd) == Requirements(cpu_cores=2, memory_mb=4096, storage_gb=25.5)


def test_storage_descriptors_of_each_type_add_up() -> None:
    appd = NS(
        virtualComputeDescriptor=_vm(disks=(10,)),
        virtualStorageDescriptor=[
            NS(typeOfStorage="BLOCK", blockStorageData=NS(sizeOfStorage=100)),
            NS(typeOfStorage="FILE", blockStorageData=None, fileStorageData=NS(sizeOfStorage=7)),
            NS(typeOfStorage="OBJECT", objectStorageData=NS(maxSizeOfStorage=3)),
        ],
    )
    assert requirements_of(appd).storage_gb == 120


def test_os_containers_ask_their_sum_with_cpu_in_milli_cpu() -> None:
    appd = NS(
        virtualComputeDescriptor=None,
        osContainerDescriptor=[
            NS(requestedCpuResources=500, requestedMemoryResources=256),
            NS(
                requestedCpuResources=1500,
                requestedMemoryResources=1024,
                requestedEphemeralStorageResources=2,
            ),
        ],
        virtualStorageDescriptor=[NS(blockStorageData=NS(sizeOfStorage=1))],
    )
    assert requirements_of(appd) == Requirements(cpu_cores=2, memory_mb=1280, storage_gb=3)


def test_an_appd_that_describes_no_compute_asks_nothing() -> None:
    assert requirements_of(NS(appDId="x")) == Requirements()
    assert requirements_of(NS(virtualComputeDescriptor=_vm(cpu=None, memory_mb=None))) == (
        Requirements()
    )


@pytest.mark.parametrize(
    ("appd", "path"),
    [
        (
            NS(virtualComputeDescriptor=_vm(cpu=-1)),
            "virtualComputeDescriptor.virtualCpu.numVirtualCpu",
        ),
        (
            NS(virtualComputeDescriptor=_vm(memory_mb=float("nan"))),
            "virtualComputeDescriptor.virtualMemory.virtualMemSize",
        ),
        (
            NS(virtualStorageDescriptor=[NS(), NS(blockStorageData=NS(sizeOfStorage="big"))]),
            "virtualStorageDescriptor[1].blockStorageData.sizeOfStorage",
        ),
        (
            NS(osContainerDescriptor=[NS(requestedCpuResources=True)]),
            "osContainerDescriptor[0].requestedCpuResources",
        ),
    ],
)
def test_a_bad_figure_is_refused_naming_its_field(appd: NS, path: str) -> None:
    with pytest.raises(Unprocessable) as err:
        requirements_of(appd)
    assert err.value.status == 422
    assert str(err.value).startswith(f"AppD {path}: ")
    assert err.value.extensions["invalidParams"][0]["name"] == path


def test_the_latency_bound_is_max_latency_from_nanoseconds_to_ms() -> None:
    assert latency_bound_of(NS(appLatency=NS(maxLatency=10_000_000))) == 10.0
    assert latency_bound_of(NS(appLatency=NS(maxLatency=2_500_000))) == 2.5
    assert latency_bound_of(NS(appLatency=None)) is None
    assert latency_bound_of(NS()) is None
    with pytest.raises(Unprocessable, match=r"appLatency\.maxLatency"):
        latency_bound_of(NS(appLatency=NS(maxLatency=-5)))
