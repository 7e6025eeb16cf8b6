"""Pure shaping stages: given a chunk's size and the time it arrived, when may it leave?

No stage reads a clock or draws an unseeded random number (STYLE.md §2): ``now`` is an argument
and randomness comes from a :class:`numpy.random.Generator` handed in, so every decision can be
replayed under a fake clock. The asyncio relays (:mod:`meclab.dataplane.tcp`,
:mod:`meclab.dataplane.udp`) only read, ask a :class:`~.pipeline.Pipeline`, and write.

One pipeline per direction of a flow (STYLE.md §7, after toxiproxy's link)::

    arrival ─► loss ─► rate (token bucket, slices) ─► delay (latency + jitter) ─► toxics ─► FIFO

* :mod:`.rate`: the bottleneck throughput, serialising pieces like a link;
* :mod:`.loss`: datagrams dropped; for a byte stream, the retransmission delay loss causes;
* :mod:`.delay`: one-way latency plus a jitter sample from the scenario's distribution;
* :mod:`.redundancy`: copies over several accesses, the first to arrive kept (MTS redundancy);
* :mod:`.toxics`: toxiproxy's toxics, for faults injected through its API;
* :mod:`.pipeline`: the chain, updated in place, never reordering nor losing stream bytes.
* :mod:`.share`: an access's capacity divided among the flows crossing it (fair, weighted,
  with guarantees), the rate each flow's rate stage is to get.
"""
