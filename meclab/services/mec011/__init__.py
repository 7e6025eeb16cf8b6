"""ETSI GS MEC 011 v3.1.1 application enablement, on every MEC host: both APIs, 32 operations.

::

    models.py              the bodies (spec schema names; platform-core ones re-exported)
    service.py             Mec011: the wiring of both APIs on every host
    routing.py             base paths, path-id dependencies, strict JSON bodies, check order
    app_support.py         /mec_app_support/v1: handshakes, rules, timing, subscriptions
    registrations.py         /registrations (v3)
    termination.py           graceful termination (clause 5.2.3), in the background
    service_mgmt.py        /mec_service_mgmt/v1: discovery, services, transports, liveness
    views.py                 per-host representations, transports, discovery filters
    availability.py          SerAvailability notifications from registry changes
    subscription_routes.py the subscription routes both APIs share

App instances, services, rules and subscriptions are the platform core's
(:mod:`meclab.platform`); this package is their MEC 011 face. Everything it keeps of its own
(terminations under way) is in the store too, so ``meclab up`` resumes where it stopped and
sends nothing twice.
"""
