"""ETSI GS MEC 015 V2.2.1 Bandwidth Management (BWM) API, ``/bwm/v1`` on every MEC host.

An application instance asks its MEC platform for a fixed bandwidth (bit/s, downlink, uplink or
both) for all its traffic (application-level) or for the sessions its filters name
(session-specific). The platform admits an allocation only when the elements it loads can
honour it beside the host's other allocations:

* per direction (symmetrical counts in both), the allocations loading one element reserve at
  most :data:`~.admission.ADMISSIBLE_FRACTION` (90 %) of its throughput;
* an application-level allocation loads the MEC host's own link (its ``throughput_ul_mbps`` /
  ``throughput_dl_mbps`` in the scenario);
* a session-specific one loads the serving point of access of each terminal its filters name
  (``sourceIp`` uplink, ``dstAddress`` downlink); a filter address naming no terminal is a 400;
* an element without a throughput in a direction is unlimited; a refusal is a 409 naming the
  element, the direction, what is asked and what is left, and changes nothing.

* :mod:`.models`: BwInfo, BwInfoDeltas and their parts (clause 7.2);
* :mod:`.allocations`: the allocations of every host, kept in the store;
* :mod:`.bodies`: the rules of a body a schema cannot express, and PATCH;
* :mod:`.admission`: what a host can honour (the rules above);
* :mod:`.port`: :class:`~.port.BandwidthPort`, what the data plane implements to honour them;
* :mod:`.routes`: the six operations (clause 8);
* :mod:`.service`: :class:`~.service.Bwm`, the wiring.
"""
