"""ETSI GS MEC 013 Location API v3.1.1 and v2.2.1 on every MEC host.

::

    models.py, models_v3.py, models_v2.py,  the contract: bodies of both versions
    models_v2_queries.py
    routes_queries.py, routes_v3.py,        northbound: queries; v3 subscriptions (and the
    routes_v2.py, resources.py, routing.py  shared distance collection); v2.2.1 subscriptions
    southbound.py, reports.py               the world as MEC 013 sees it (scope of a host,
                                            users, zones, access points, positions)
    criteria*.py, notify_v3.py, tracking.py what each subscription watches and reports
    dispatch.py                             engine events and ticks -> notifications
    service.py                              Location: the wiring

Scope: each MEC host's instance reports on the host's operator domain (its zones, their points
of access and the operator's terminals); see :mod:`.southbound`. The service registers in each
host's MEC 011 registry as ``location`` (v3.1.1, ``/location/v2``).

Two versions, one base path: both files put MEC 013 at ``/location/v2``, and they share the
query paths and ``/subscriptions/distance`` with different bodies (v3.1.1's access points name
radio technologies where v2.2.1's name cell sizes; v3.1.1's subscription list holds references
with a ``resourceURL`` object, v2.2.1's holds full bodies and a ``resourceURL`` string). So:

* ``/location/v2`` is v3.1.1's, every shared path answering v3.1.1's bodies. The v2.2.1
  collections v3.1.1 lacks (``userTracking``, ``zonalTraffic``, ``zoneStatus``,
  ``area/circle``, ``periodic``) are served there too, and ``subscriptions/distance`` also takes
  a v2.2.1 body, for clients written against it before ``/location/v2.2.1`` existed; its list is
  v3.1.1's and references both versions' subscriptions.
* ``/location/v2.2.1`` (:data:`.reports.BASE_V2`) is the whole of v2.2.1 in its own shapes: point
  a v2.2.1 client there. Its lists hold the host's v2.2.1 subscriptions (wherever they were
  created) and no v3.1.1 one, which has no v2.2.1 shape.
* A subscription always answers in the shape of the version that created it, and its URL is
  under the base path it was created at.
"""
