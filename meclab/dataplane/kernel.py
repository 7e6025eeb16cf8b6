"""Optional kernel rate limiting: tbf on veth interfaces in network namespaces, via pyroute2.

meclab shapes traffic in user space by default (the relay's rate stage), which works anywhere
and needs no privilege. Where the process may administer networking (root, or CAP_NET_ADMIN
plus CAP_SYS_ADMIN for namespaces), pyroute2 is installed (``pip install meclab[kernel]``) and
the kernel has the ``tbf`` qdisc, a rate can instead be enforced by the kernel on an interface
inside a network namespace: cheaper per byte and exact at high rates.

What this module does:

* :func:`detect` says, at start, what is available and, for what is not, why. It never raises
  and never requires anything: with ``probe=True`` it creates a throwaway namespace with a veth
  pair, tries ``tbf`` and ``htb`` on it, and removes it; the host's own interfaces are not
  touched.
* :class:`KernelShaper` creates, updates, reads and removes a token-bucket (``tbf``) rate as the
  root qdisc of an interface in a namespace: the interface's *egress*, so a veth end inside a
  UE's namespace limits that UE's uplink and the host end its downlink.
* :class:`VethNamespace` makes (and removes) a namespace holding one end of a veth pair, with
  an IPv4 address on each end, for a shaper to act on.

What it does not do: delay, jitter or loss (this kernel has no ``netem``; the relay adds those
in user space), ingress policing, htb class trees (``htb`` is only detected), IPv6 addresses,
rates above 2**32 - 1 bytes/s (about 34 Gbit/s, the limit of tbf's 32-bit rate field without
the 64-bit attribute), or moving a UE's traffic into a namespace (the relay's business).

pyroute2's synchronous API runs its own event loop, so it cannot be called from a thread whose
asyncio loop is running; every call here then hops to a worker thread and waits. Calls block
for a few milliseconds: from a coroutine prefer ``await asyncio.to_thread(shaper.update, ...)``.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

log = logging.getLogger("meclab.dataplane.kernel")

T = TypeVar("T")

CAP_NET_ADMIN = 12
"""Capability bit to configure interfaces and qdiscs (linux/capability.h)."""
CAP_SYS_ADMIN = 21
"""Capability bit needed to create (mount) named network namespaces."""
TBF_MAX_RATE_BPS = (2**32 - 1) * 8
"""tbf's rate field holds bytes/s in 32 bits (TCA_TBF_PARMS)."""
DEFAULT_LATENCY_MS = 50.0
"""Longest a packet may wait in the tbf queue before it is dropped (sets the queue length)."""
TIMER_HZ = 250
"""A conservative kernel timer rate: the bucket must hold what the rate sends in one tick."""
MIN_BURST_BYTES = 16 * 1024
"""Bucket floor: several full-size frames, so that a 1500-octet MTU never starves."""
ROOT_HANDLE = 0x10000
"""``1:``, the handle given to the root qdisc."""


class KernelShapingError(RuntimeError):
    """A netlink operation failed; the message names the namespace, interface and step."""


# --- capabilities -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KernelCapabilities:
    """What kernel rate limiting can use here, and why not where it cannot."""

    pyroute2: bool
    root: bool
    """Effective user id 0."""
    net_admin: bool
    """CAP_NET_ADMIN and CAP_SYS_ADMIN are effective (root normally has both)."""
    ip_command: bool
    """The ``ip`` tool is on PATH (handy for ``ip netns exec``; meclab does not need it)."""
    netns: bool
    """A named network namespace could be created and removed (probed)."""
    veth: bool
    tbf: bool
    htb: bool
    reasons: tuple[str, ...]
    """Why each missing piece is missing, in words."""

    @property
    def available(self) -> bool:
        """Whether :class:`KernelShaper` can work here."""
        return self.pyroute2 and self.netns and self.veth and self.tbf

    def summary(self) -> str:
        if self.available:
            extra = ", htb too" if self.htb else ""
            return f"kernel rate limiting available (netns, veth, tbf{extra})"
        return "kernel rate limiting unavailable: " + "; ".join(self.reasons)


def detect(*, probe: bool = True) -> KernelCapabilities:
    """What is available for kernel rate limiting (see :class:`KernelCapabilities`).

    Never raises. With ``probe`` false only the cheap checks run (module, privileges) and the
    kernel features are reported as not probed.
    """
    reasons: list[str] = []
    has_pyroute2 = _has_pyroute2()
    if not has_pyroute2:
        reasons.append("pyroute2 is not installed (pip install 'meclab[kernel]')")
    root = _euid() == 0
    caps = _effective_capabilities()
    net_admin = caps is not None and all(caps >> bit & 1 for bit in (CAP_NET_ADMIN, CAP_SYS_ADMIN))
    if not net_admin:
        reasons.append(
            "not privileged: needs root or CAP_NET_ADMIN and CAP_SYS_ADMIN"
            if caps is not None
            else "cannot read process capabilities (not Linux?)"
        )
    ip_command = shutil.which("ip") is not None
    netns = veth = tbf = htb = False
    if has_pyroute2 and net_admin and probe:
        try:
            netns, veth, tbf, htb, found = _off_loop(_probe)
        except Exception as exc:  # never let detection fail the start
            found = [f"probe failed: {exc}"]
        reasons.extend(found)
    elif has_pyroute2 and net_admin:
        reasons.append("kernel features not probed")
    return KernelCapabilities(
        pyroute2=has_pyroute2,
        root=root,
        net_admin=net_admin,
        ip_command=ip_command,
        netns=netns,
        veth=veth,
        tbf=tbf,
        htb=htb,
        reasons=tuple(reasons),
    )


def _has_pyroute2() -> bool:
    try:
        import pyroute2  # noqa: F401
    except Exception:  # ImportError, or a broken install
        return False
    return True


def _euid() -> int:
    geteuid = getattr(os, "geteuid", None)
    return geteuid() if geteuid is not None else -1


def _effective_capabilities() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("CapEff:"):
                    return int(line.split()[1], 16)
    except (OSError, ValueError):
        return None
    return None


def _probe() -> tuple[bool, bool, bool, bool, list[str]]:
    """Try a namespace, a veth pair in it, then tbf and htb on the veth; clean up."""
    from pyroute2 import NetNS, netns

    reasons: list[str] = []
    name = f"meclab-probe-{uuid.uuid4().hex[:8]}"
    try:
        netns.create(name)
    except Exception as exc:
        return False, False, False, False, [f"cannot create a network namespace: {exc}"]
    veth = tbf = htb = False
    try:
        with NetNS(name) as ns:
            try:
                ns.link("add", ifname="probe0", kind="veth", peer="probe1")
                index = ns.link_lookup(ifname="probe0")[0]
                veth = True
            except Exception as exc:
                reasons.append(f"cannot create a veth pair: {exc}")
                index = None
            if index is not None:
                for kind, options in (
                    ("tbf", {"rate": 125_000, "burst": MIN_BURST_BYTES, "latency": "50ms"}),
                    ("htb", {"default": 0x10}),
                ):
                    try:
                        ns.tc("add", kind, index, ROOT_HANDLE, **options)
                        ns.tc("del", index=index, root=True)
                    except Exception as exc:
                        reasons.append(f"the kernel refused a {kind} qdisc: {exc}")
                    else:
                        tbf = tbf or kind == "tbf"
                        htb = htb or kind == "htb"
    finally:
        try:
            netns.remove(name)
        except Exception as exc:
            reasons.append(f"could not remove probe namespace {name}: {exc}")
    return True, veth, tbf, htb, reasons


def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Run ``fn`` here, or in a worker thread when this thread runs an asyncio loop
    (pyroute2's synchronous calls would try to run their own loop in it and fail)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn(*args)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="meclab-kernel") as pool:
        return pool.submit(fn, *args).result()


# --- shaping ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TbfStats:
    """Counters of a tbf qdisc (``tc -s qdisc``)."""

    rate_bps: int
    bytes: int
    packets: int
    drops: int
    overlimits: int
    """Times a packet had to wait for tokens: nonzero once the rate has held traffic back."""


class KernelShaper:
    """Token-bucket rates on interfaces in network namespaces (root ``tbf`` qdisc, egress).

    ``latency_ms`` bounds the queue (packets that would wait longer are dropped, as ``tc``'s
    ``latency``); ``burst_bytes`` fixes the bucket size (default: what the rate sends in one
    timer tick at :data:`TIMER_HZ`, at least :data:`MIN_BURST_BYTES`).
    """

    def __init__(
        self, *, latency_ms: float = DEFAULT_LATENCY_MS, burst_bytes: int | None = None
    ) -> None:
        if latency_ms <= 0:
            raise ValueError(f"latency_ms must be positive, got {latency_ms}")
        if burst_bytes is not None and burst_bytes < 1500:
            raise ValueError(f"burst_bytes must hold a 1500-octet frame, got {burst_bytes}")
        self.latency_ms = latency_ms
        self.burst_bytes = burst_bytes
        self._lock = threading.Lock()

    def create(self, netns: str, ifname: str, rate_bps: int) -> None:
        """Limit ``ifname``'s egress in ``netns`` to ``rate_bps`` bit/s (fails if it has a root
        qdisc already)."""
        self._tbf("add", netns, ifname, rate_bps)

    def update(self, netns: str, ifname: str, rate_bps: int) -> None:
        """Change the rate set by :meth:`create`, in place: queued packets are kept."""
        self._tbf("change", netns, ifname, rate_bps)

    def remove(self, netns: str, ifname: str) -> bool:
        """Remove the rate (the root qdisc); False when there was none."""
        if self.stats(netns, ifname) is None:
            return False

        def op(ns: Any, index: int) -> None:
            ns.tc("del", index=index, root=True)

        self._run(netns, ifname, "remove the rate", op)
        return True

    def rate_bps(self, netns: str, ifname: str) -> int | None:
        """The tbf rate on ``ifname`` now, in bit/s; None when it has no tbf root qdisc."""
        stats = self.stats(netns, ifname)
        return None if stats is None else stats.rate_bps

    def stats(self, netns: str, ifname: str) -> TbfStats | None:
        """The tbf root qdisc's rate and counters; None when there is none."""

        def op(ns: Any, index: int) -> TbfStats | None:
            for qdisc in ns.get_qdiscs(index=index):
                if qdisc["parent"] != 0xFFFFFFFF or qdisc.get_attr("TCA_KIND") != "tbf":
                    continue
                parms = qdisc.get_nested("TCA_OPTIONS", "TCA_TBF_PARMS")
                stats2 = qdisc.get_attr("TCA_STATS2")
                basic = stats2.get_attr("TCA_STATS_BASIC") if stats2 else None
                queue = stats2.get_attr("TCA_STATS_QUEUE") if stats2 else None
                return TbfStats(
                    rate_bps=int(parms["rate"]) * 8,
                    bytes=int(basic["bytes"]) if basic else 0,
                    packets=int(basic["packets"]) if basic else 0,
                    drops=int(queue["drops"]) if queue else 0,
                    overlimits=int(queue["overlimits"]) if queue else 0,
                )
            return None

        return self._run(netns, ifname, "read the qdisc", op)

    def _tbf(self, command: str, netns: str, ifname: str, rate_bps: int) -> None:
        if not 8 <= rate_bps <= TBF_MAX_RATE_BPS:
            raise ValueError(f"rate_bps must be in 8..{TBF_MAX_RATE_BPS}, got {rate_bps}")
        rate_bytes = rate_bps // 8
        burst = self.burst_bytes or max(rate_bytes // TIMER_HZ, MIN_BURST_BYTES)
        latency_us = int(self.latency_ms * 1000)

        def op(ns: Any, index: int) -> None:
            # pyroute2 reads an integer rate as bytes/s and an integer latency as microseconds.
            ns.tc(
                command, "tbf", index, ROOT_HANDLE, rate=rate_bytes, burst=burst, latency=latency_us
            )

        self._run(netns, ifname, f"{command} tbf at {rate_bps} bit/s", op)

    def _run(self, netns: str, ifname: str, step: str, op: Callable[[Any, int], T]) -> T:
        def call() -> T:
            from pyroute2 import NetNS

            with NetNS(netns) as ns:
                found = ns.link_lookup(ifname=ifname)
                if not found:
                    raise KernelShapingError(f"no interface {ifname!r} in namespace {netns!r}")
                return op(ns, found[0])

        with self._lock:
            try:
                return _off_loop(call)
            except KernelShapingError:
                raise
            except Exception as exc:
                raise KernelShapingError(
                    f"cannot {step} on {ifname} in namespace {netns}: {exc}"
                ) from exc


# --- a namespace with a veth pair ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VethNamespace:
    """A network namespace joined to the host by a veth pair, IPv4 on both ends.

    ``host_ifname`` stays in the host's namespace with ``host_address``; ``ns_ifname`` is in
    ``netns`` with ``ns_address``; both are /``prefixlen``. Interface names have at most 15
    characters (IFNAMSIZ).
    """

    netns: str
    host_ifname: str
    ns_ifname: str
    host_address: str
    ns_address: str
    prefixlen: int = 30

    def create(self) -> None:
        """Make the namespace, the pair and the addresses; undo what was done on failure.

        Refuses (KernelShapingError) when the namespace or the host interface exists already,
        rather than adopt or remove something this object did not make.
        """
        made: list[str] = []
        try:
            _off_loop(self._create, made)
        except Exception as exc:
            if made:
                _off_loop(self._undo, made)
            raise KernelShapingError(f"cannot set up namespace {self.netns}: {exc}") from exc

    def destroy(self) -> None:
        """Remove the pair and the namespace (whatever of them exists); never raises."""
        try:
            _off_loop(self._destroy)
        except Exception as exc:
            log.warning("cleaning up namespace %s: %s", self.netns, exc)

    def _create(self, made: list[str]) -> None:
        from pyroute2 import IPRoute, NetNS, netns

        if self.netns in netns.listnetns():
            raise KernelShapingError(f"namespace {self.netns} exists already")
        with IPRoute() as ipr:
            if ipr.link_lookup(ifname=self.host_ifname):
                raise KernelShapingError(f"interface {self.host_ifname} exists already")
        netns.create(self.netns)
        made.append("netns")
        with IPRoute() as ipr:
            ipr.link(
                "add",
                ifname=self.host_ifname,
                kind="veth",
                peer={"ifname": self.ns_ifname, "net_ns_fd": self.netns},
            )
            made.append("veth")
            index = ipr.link_lookup(ifname=self.host_ifname)[0]
            ipr.addr("add", index=index, address=self.host_address, prefixlen=self.prefixlen)
            ipr.link("set", index=index, state="up")
        with NetNS(self.netns) as ns:
            index = ns.link_lookup(ifname=self.ns_ifname)[0]
            ns.addr("add", index=index, address=self.ns_address, prefixlen=self.prefixlen)
            ns.link("set", index=index, state="up")
            ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")

    def _undo(self, made: list[str]) -> None:
        try:
            self._destroy()
        except Exception as exc:
            log.warning("undoing namespace %s (%s): %s", self.netns, made, exc)

    def _destroy(self) -> None:
        from pyroute2 import IPRoute, netns

        with IPRoute() as ipr:
            found = ipr.link_lookup(ifname=self.host_ifname)
            if found:  # deleting one end of a veth pair deletes both
                ipr.link("del", index=found[0])
        if self.netns in netns.listnetns():
            netns.remove(self.netns)
