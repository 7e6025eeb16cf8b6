"""Optional kernel rate limiting: detection never fails; tbf really limits where it can run.

The shaping test needs root (or CAP_NET_ADMIN and CAP_SYS_ADMIN), pyroute2 and network
namespaces; it skips with the detected reason otherwise. It makes its own namespace and veth
pair with names unique to this process, and removes them whatever happens.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest

from meclab.dataplane.kernel import (
    TBF_MAX_RATE_BPS,
    KernelCapabilities,
    KernelShaper,
    KernelShapingError,
    VethNamespace,
    detect,
)


def test_detect_reports_without_raising() -> None:
    caps = detect()
    assert isinstance(caps, KernelCapabilities)
    if caps.available:
        assert caps.pyroute2 and caps.netns and caps.veth and caps.tbf
        assert caps.summary().startswith("kernel rate limiting available")
    else:
        assert caps.reasons, "an unavailable backend must say why"
        assert "unavailable" in caps.summary()


def test_detect_without_pyroute2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyroute2", None)  # import now raises ImportError
    caps = detect()
    assert not caps.pyroute2 and not caps.available
    assert not (caps.netns or caps.veth or caps.tbf or caps.htb)
    assert any("pyroute2 is not installed" in reason for reason in caps.reasons)


def test_detect_without_probing_only_checks_module_and_privileges() -> None:
    caps = detect(probe=False)
    assert not caps.available
    assert caps.root == (os.geteuid() == 0)
    if caps.pyroute2 and caps.net_admin:
        assert caps.reasons == ("kernel features not probed",)


async def test_detect_inside_a_running_event_loop() -> None:
    # pyroute2's synchronous calls cannot run in a thread whose loop runs: detect hops out.
    assert detect().available == CAPS.available


def test_shaper_checks_its_arguments_before_touching_the_kernel() -> None:
    with pytest.raises(ValueError, match="latency_ms"):
        KernelShaper(latency_ms=0)
    with pytest.raises(ValueError, match="burst_bytes"):
        KernelShaper(burst_bytes=100)
    shaper = KernelShaper()
    for rate in (0, 7, TBF_MAX_RATE_BPS + 8):
        with pytest.raises(ValueError, match="rate_bps"):
            shaper.create("no-such-ns", "eth0", rate)


# --- the real thing -----------------------------------------------------------------------

CAPS = detect()
needs_kernel = pytest.mark.skipif(not CAPS.available, reason=CAPS.summary())

HOST_ADDRESS = "10.254.77.1"
NS_ADDRESS = "10.254.77.2"


@pytest.fixture
def veth() -> Iterator[VethNamespace]:
    tag = f"{os.getpid() % 100000:05d}"
    link = VethNamespace(
        netns=f"meclab-test-{tag}",
        host_ifname=f"mlh{tag}",
        ns_ifname=f"mln{tag}",
        host_address=HOST_ADDRESS,
        ns_address=NS_ADDRESS,
    )
    link.create()
    try:
        yield link
    finally:
        link.destroy()
    from pyroute2 import IPRoute, netns

    assert link.netns not in netns.listnetns()
    with IPRoute() as ipr:
        assert not ipr.link_lookup(ifname=link.host_ifname)


SENDER = """
import socket, sys
from pyroute2 import netns
netns.setns(sys.argv[1], flags=0)
with socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=10) as s:
    s.sendall(b"x" * int(sys.argv[4]))
"""


def transfer_rate_bps(link: VethNamespace, size_bytes: int) -> float:
    """Send ``size_bytes`` over TCP from inside the namespace to the host end; the rate seen by
    the receiver from its first to its last byte (sender start-up excluded)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind((HOST_ADDRESS, 0))
        server.listen(1)
        server.settimeout(20)
        port = server.getsockname()[1]
        sender = subprocess.Popen(
            [sys.executable, "-c", SENDER, link.netns, HOST_ADDRESS, str(port), str(size_bytes)]
        )
        try:
            conn, _ = server.accept()
            with conn:
                conn.settimeout(20)
                received, first, last = 0, 0.0, 0.0
                while received < size_bytes:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    now = time.perf_counter()
                    if received == 0:
                        first = now
                    received += len(chunk)
                    last = now
        finally:
            assert sender.wait(timeout=30) == 0
    assert received == size_bytes
    return (received * 8) / max(last - first, 1e-6)


@needs_kernel
def test_tbf_rate_is_set_read_changed_and_removed(veth: VethNamespace) -> None:
    shaper = KernelShaper()
    ns, ifname = veth.netns, veth.ns_ifname
    assert shaper.rate_bps(ns, ifname) is None
    assert shaper.remove(ns, ifname) is False
    shaper.create(ns, ifname, 4_000_000)
    assert shaper.rate_bps(ns, ifname) == 4_000_000
    with pytest.raises(KernelShapingError, match=ifname):
        shaper.create(ns, ifname, 4_000_000)  # it has a root qdisc already
    shaper.update(ns, ifname, 8_000_000)
    assert shaper.rate_bps(ns, ifname) == 8_000_000
    assert shaper.remove(ns, ifname) is True
    assert shaper.rate_bps(ns, ifname) is None
    with pytest.raises(KernelShapingError, match="no interface"):
        shaper.create(ns, "nonexistent0", 1_000_000)


@needs_kernel
def test_tbf_really_limits_the_traffic(veth: VethNamespace) -> None:
    shaper = KernelShaper()
    rate_bps = 4_000_000  # 500 kB/s
    shaper.create(veth.netns, veth.ns_ifname, rate_bps)
    measured = transfer_rate_bps(veth, 600_000)  # about 1.2 s at that rate
    # A bound that only the shaper can make true: unshaped, a veth moves gigabits per second.
    # (The first bucketful passes at once, hence some tolerance above the rate.)
    assert measured < rate_bps * 1.3, measured
    assert measured > rate_bps * 0.5, measured
    stats = shaper.stats(veth.netns, veth.ns_ifname)
    assert stats is not None
    assert stats.bytes >= 600_000 and stats.overlimits > 0


@needs_kernel
def test_veth_namespace_refuses_to_adopt_an_existing_one(veth: VethNamespace) -> None:
    twin = VethNamespace(
        netns=veth.netns,
        host_ifname=veth.host_ifname + "x",
        ns_ifname="other0",
        host_address="10.254.78.1",
        ns_address="10.254.78.2",
    )
    with pytest.raises(KernelShapingError, match="exists already"):
        twin.create()
    # The original is untouched.
    assert KernelShaper().rate_bps(veth.netns, veth.ns_ifname) is None


@needs_kernel
async def test_shaper_works_from_inside_an_event_loop(veth: VethNamespace) -> None:
    shaper = KernelShaper()
    shaper.create(veth.netns, veth.ns_ifname, 2_000_000)
    assert shaper.rate_bps(veth.netns, veth.ns_ifname) == 2_000_000
    assert threading.current_thread() is threading.main_thread()
