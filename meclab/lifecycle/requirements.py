"""What an application descriptor (MEC 010-2 AppD) asks of the host it runs on.

Read from any object with the AppD's attribute names (the wire model in
:mod:`meclab.lifecycle.appd`, or a stand-in); an attribute left out counts as absent.

Compute, as MEC 010-2 v3.1.1 states its units:

* a virtual machine (``virtualComputeDescriptor``): ``virtualCpu.numVirtualCpu`` cores,
  ``virtualMemory.virtualMemSize`` MB, and its ``virtualDisk`` list (``sizeOfStorage`` GB each);
* or OS containers sharing one host (``osContainerDescriptor``; the AppD has one or the other):
  the sum of their ``requestedCpuResources`` in milli-CPU (the unit the spec gives as its
  example, and Kubernetes's), ``requestedMemoryResources`` MB and
  ``requestedEphemeralStorageResources`` GB;
* plus every ``virtualStorageDescriptor``: ``blockStorageData.sizeOfStorage``,
  ``fileStorageData.sizeOfStorage`` or ``objectStorageData.maxSizeOfStorage``, in GB.

An AppD that describes none of these asks for nothing. ``virtualCpuClock`` (a minimum clock
rate) is not a quantity a host gives away, so it is not part of :class:`Requirements`.

Latency: ``appLatency.maxLatency`` is in **nanoseconds** on the wire (MEC 010-2 v3.1.1 and
v2.1.1: "the maximum latency in nano seconds", a uint32), the one-way end-to-end latency between
the client application and the instance; :func:`latency_bound_of` gives it in ms, as the world's
paths measure latency.
"""

from __future__ import annotations

import math
from typing import Any

from meclab.lifecycle.capacity import Requirements
from meclab.platform.errors import Unprocessable

NS_PER_MS = 1_000_000
MILLI_CPU_PER_CORE = 1000


def _items(value: Any) -> list[Any]:
    return [] if value is None else list(value)


def _amount(value: Any, path: str) -> float:
    """A figure of the AppD, checked: absent is 0; negative, not finite or not a number refused."""
    if value is None:
        return 0.0
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0:
        reason = f"{value!r} is no number >= 0"
        raise Unprocessable(
            f"AppD {path}: {reason}", invalidParams=[{"name": path, "reason": reason}]
        )
    return float(value)


def _at(obj: Any, *names: str) -> Any:
    """``obj.a.b.c`` for ``names`` (a, b, c), or None where one of them is absent."""
    for name in names:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _storage(descriptor: Any, path: str) -> float:
    for data, size in (
        ("blockStorageData", "sizeOfStorage"),
        ("fileStorageData", "sizeOfStorage"),
        ("objectStorageData", "maxSizeOfStorage"),
    ):
        value = _at(descriptor, data, size)
        if value is not None:
            return _amount(value, f"{path}.{data}.{size}")
    return 0.0


def requirements_of(appd: Any) -> Requirements:
    """What ``appd`` asks of its host: cores, memory MB and storage GB (see the module docstring).

    Raises Unprocessable (422) naming the AppD field of a figure that is negative or no number.
    """
    cpu = memory = storage = 0.0
    vm = getattr(appd, "virtualComputeDescriptor", None)
    if vm is not None:
        vcd = "virtualComputeDescriptor"
        cpu += _amount(_at(vm, "virtualCpu", "numVirtualCpu"), f"{vcd}.virtualCpu.numVirtualCpu")
        memory += _amount(
            _at(vm, "virtualMemory", "virtualMemSize"), f"{vcd}.virtualMemory.virtualMemSize"
        )
        for i, disk in enumerate(_items(getattr(vm, "virtualDisk", None))):
            path = f"{vcd}.virtualDisk[{i}].sizeOfStorage"
            storage += _amount(getattr(disk, "sizeOfStorage", None), path)
    for i, container in enumerate(_items(getattr(appd, "osContainerDescriptor", None))):
        path = f"osContainerDescriptor[{i}]"
        milli = _amount(
            getattr(container, "requestedCpuResources", None), f"{path}.requestedCpuResources"
        )
        cpu += milli / MILLI_CPU_PER_CORE
        memory += _amount(
            getattr(container, "requestedMemoryResources", None),
            f"{path}.requestedMemoryResources",
        )
        storage += _amount(
            getattr(container, "requestedEphemeralStorageResources", None),
            f"{path}.requestedEphemeralStorageResources",
        )
    for i, descriptor in enumerate(_items(getattr(appd, "virtualStorageDescriptor", None))):
        storage += _storage(descriptor, f"virtualStorageDescriptor[{i}]")
    return Requirements(cpu_cores=cpu, memory_mb=memory, storage_gb=storage)


def latency_bound_of(appd: Any) -> float | None:
    """The one-way latency each user of ``appd`` must meet, in ms (``appLatency.maxLatency`` is
    in ns on the wire), or None when the AppD states none."""
    value = _at(appd, "appLatency", "maxLatency")
    if value is None:
        return None
    return _amount(value, "appLatency.maxLatency") / NS_PER_MS
