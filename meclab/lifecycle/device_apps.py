"""What the MEC system tells the device application interface (MEC 016) about applications.

The MEC 016 service (``meclab.services.dev_app``) asks the lifecycle through a narrow port
(:class:`meclab.services.dev_app.port.DevAppPort`); these are the values that cross it. They
live here, beside the lifecycle, so that the manager that fills them needs no import of the
service layer. Nothing here speaks the wire: the service turns them into MEC 016 bodies.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AvailableApp:
    """An application a device application may ask for: an enabled, onboarded package.

    Identity and versions are the AppD's (MEC 010-2 clause 6.2.1.2); MEC 016 bounds
    ``app_name``, ``app_provider`` and ``app_soft_version`` to 32 characters (a longer
    description is cut to 128). The characteristics are those MEC 016 lists in ``appCharcs``,
    in its units; None when the AppD says nothing.
    """

    app_d_id: str
    app_name: str
    app_provider: str
    app_soft_version: str
    app_d_version: str
    description: str
    memory_mb: int | None = None
    """Memory the instance is expected to use, Mbytes (AppD virtualMemSize)."""
    storage_mb: int | None = None
    """Storage the instance is expected to use, Mbytes (MEC 016 counts Mbytes, the AppD GB)."""
    latency_ms: int | None = None
    """Target round-trip time, ms (AppD appLatency.maxLatency)."""
    bandwidth_kbps: int | None = None
    """Connection bandwidth the app needs, kbit/s."""
    service_continuity: bool | None = None
    """Whether the app needs service continuity (AppD userContextTransferCapability)."""
    vendor_id: str | None = None
    """The vendor whose device applications the app is listed for (MEC 016 vendorSpecificExt)."""
    hosts: tuple[str, ...] = ()
    """MEC hosts (or fog nodes) where an instance of it could run."""


@dataclass(frozen=True, slots=True)
class ContextPlacement:
    """The instance an application context uses, and how the device reaches it."""

    app_instance_id: str
    host: str
    """The MEC host (or fog node) it runs on."""
    reference_uri: str
    """The URI the device application uses, reached through meclab's data plane."""


@dataclass(frozen=True, slots=True)
class ReferenceChange:
    """The lifecycle's news about an instance application contexts use.

    ``placement`` is where the contexts that used ``app_instance_id`` are served from now: the
    same instance at a new reference URI, or another instance (relocation). None: the instance
    is gone (terminated) and nothing replaces it; its contexts end.
    """

    app_instance_id: str
    placement: ContextPlacement | None
