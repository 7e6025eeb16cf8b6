"""ETSI GS MEC 010-2 v3.1.1 application lifecycle management (``app_lcm/v1``).

The MEC system's API (not one host's): create application instance identifiers, instantiate,
operate and terminate them, follow the operation occurrences, subscribe to their changes. The
routes speak to the lifecycle through :class:`~meclab.services.app_lcm.port.LcmPort`.
"""
