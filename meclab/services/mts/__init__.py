"""ETSI GS MEC 015 V2.2.1 Multi-access Traffic Steering (MTS) API, ``/mts/v1`` on every MEC host.

An application instance asks its MEC platform to steer its traffic (all of it, or the flows its
filters name) over the access networks of a multi-access terminal by a mode: low cost, low
latency, high throughput, redundancy or QoS.

* :mod:`.models`: MtsCapabilityInfo, MtsSessionInfo and their parts (clause 7.2);
* :mod:`.accesses`: the access networks of a host's zone, from the world;
* :mod:`.choice`: which of a terminal's accesses carry a session (a pure function);
* :mod:`.port`: :class:`~.port.SteeringPort`, what the data plane implements to enforce sessions;
* :mod:`.sessions`: the sessions of every host, kept in the store;
* :mod:`.bodies`: the rules of a session body a schema cannot express;
* :mod:`.routes`: the six operations (clause 8);
* :mod:`.service`: :class:`~.service.Mts`, the wiring.
"""
