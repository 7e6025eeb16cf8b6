"""Applications the MEC system deploys: packages, lifecycle, placement, the processes running them.

ETSI GS MEC 010-2 puts package management and lifecycle in the MEC *system* (the MEC
orchestrator), not on one host: a package is onboarded once, and an instance of it is placed on
the MEC host that suits its users, where it becomes an ordinary MEC 011 application instance of
that host's platform. This package is that system-level core; the APIs over it live in
``meclab.services`` (``app_pkgm``, ``app_lcm``, ``granting``, ``dev_app``).
"""

SYSTEM_HOST = "mec-system"
"""What the subscription registry files the system-level APIs' subscriptions under, in place of
a MEC host's name."""
