"""The data plane: real bytes between an application's components cross the emulated network.

A client acting as a UE reaches the edge and cloud applications of the scenario through a
userspace relay that shapes each flow with the end-to-end network characteristics of its
current path (latency, jitter, loss, throughput, per direction), follows the engine live
(handover, network-characteristics changes, loss of coverage), applies the MEC 011 traffic rules
of the MEC host serving the UE, and lets toxiproxy clients inject faults. An edge or cloud
application's own process sends through it too, naming itself instead of a UE
(:mod:`.appsource`), and its bytes feel the path between the two applications' nodes.

Entry points (assembled in :mod:`meclab.dataplane.plane`):

* a SOCKS5 proxy whose username names the UE (``curl -x socks5h://ue@127.0.0.1:1080 ...``,
  :mod:`.socks5`),
* one TCP+UDP port per application, where the UE is the loopback alias the client binds
  (:mod:`.listeners`, :mod:`.identity`),
* the DNS server answering with the MEC DNS rules (:mod:`.dns`),
* toxiproxy's HTTP API (:mod:`.toxiproxy`, :mod:`.proxies`).

Inside: :mod:`.switch` decides each flow (:mod:`.resolve`, :mod:`.rules`, :mod:`.serving`,
the engine's path), :mod:`.tcp` and :mod:`.udp` relay it through the pure stages of
:mod:`.shaping` and the timers of :mod:`.outbox`, :mod:`.follow` keeps it in line with engine
events, :mod:`.flows` and :mod:`.stats` count it, :mod:`.routes` shows it in the control API,
and :mod:`.responder` stands in for applications that have no process of their own.

``DataPlane`` is imported lazily so that light modules such as :mod:`.identity` can be used
without loading the relay.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from meclab.dataplane.plane import DataPlane, EntryPoints

__all__ = ["DataPlane", "EntryPoints"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from meclab.dataplane import plane

        return getattr(plane, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
