"""Identities of Access Points and stations (ETSI GS MEC 028 V2.3.1 clauses 6.5.3, 6.5.11).

Used by queries, measurement reports and subscriptions alike.
"""

from __future__ import annotations

from pydantic import Field

from meclab.platform.wire import WireModel

UINT8 = 255
UINT16 = 65_535
UINT32 = 4_294_967_295


class ApIdentity(WireModel):
    """Clause 6.5.3: an Access Point."""

    bssid: str = Field(min_length=1)
    ipAddress: list[str] | None = None
    ssid: list[str] | None = None


class StaIdentity(WireModel):
    """Clause 6.5.11: a station. ``macId`` is required; the others narrow a filter."""

    macId: str = Field(min_length=1)
    aid: str | None = None
    ipAddress: list[str] | None = None
    ssid: list[str] | None = None
