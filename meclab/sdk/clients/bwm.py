"""ETSI GS MEC 015 Bandwidth Management (``/bwm/v1``), as a client.

=======================================  ====================================================
GET    /bw_allocations                   :meth:`~BwmClient.list` (``app_instance_id``,
                                         ``app_name``, ``session_id``: each one or several)
POST   /bw_allocations                   :meth:`~BwmClient.create`
GET    /bw_allocations/{allocationId}    :meth:`~BwmClient.get`
PUT    /bw_allocations/{allocationId}    :meth:`~BwmClient.replace`
PATCH  /bw_allocations/{allocationId}    :meth:`~BwmClient.patch`
DELETE /bw_allocations/{allocationId}    :meth:`~BwmClient.delete`
=======================================  ====================================================

An application asks for a fixed bandwidth (``fixedAllocation``, bit/s as a decimal string)
downlink, uplink or both, for all its traffic (``requestType`` 0) or for the sessions its
``sessionFilter`` names (1). A platform that cannot honour it answers 409, raised as
:class:`~meclab.sdk.errors.MecApiError` like every other problem. Bodies go bare, as on the
wire (INVENTORY §3.10).
"""

from __future__ import annotations

from collections.abc import Sequence

from meclab.sdk.http import Created, HttpClient, Tagged, segment
from meclab.services.bwm.models import BwInfo, BwInfoDeltas

BASE = "/bwm/v1"
Values = str | Sequence[str] | None
"""One value of a filter, or several (any of them matches)."""


class BwmClient:
    """The Bandwidth Management service of one platform (or one of meclab's hosts)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def list(
        self,
        *,
        app_instance_id: Values = None,
        app_name: Values = None,
        session_id: Values = None,
    ) -> list[BwInfo]:
        """The allocations of the platform, narrowed by each filter given (``session_id``
        is an ``allocationId``)."""
        params = {
            "app_instance_id": app_instance_id,
            "app_name": app_name,
            "session_id": session_id,
        }
        return await self.http.get_list(f"{BASE}/bw_allocations", BwInfo, params=params)

    async def create(self, info: BwInfo) -> Created[BwInfo]:
        """Ask for an allocation (without ``allocationId``): the allocation with its id, URL
        and ETag."""
        return await self.http.post(f"{BASE}/bw_allocations", info, BwInfo)

    async def get(self, allocation_id: str) -> Tagged[BwInfo]:
        """One allocation, with its ETag."""
        return await self.http.get_tagged(_path(allocation_id), BwInfo)

    async def replace(self, info: BwInfo, *, if_match: str | None = None) -> Tagged[BwInfo]:
        """Replace the allocation ``info.allocationId`` names; ``if_match`` guards it with
        its ETag (412 if stale)."""
        if info.allocationId is None:
            raise ValueError("an allocation to replace names its allocationId")
        return await self.http.put_tagged(_path(info.allocationId), info, BwInfo, if_match=if_match)

    async def patch(
        self, allocation_id: str, deltas: BwInfoDeltas, *, if_match: str | None = None
    ) -> BwInfo:
        """Change the terms ``deltas`` gives (its ``appInsId`` and ``requestType`` are the
        allocation's own); what the allocation became."""
        return await self.http.patch(_path(allocation_id), deltas, BwInfo, if_match=if_match)

    async def delete(self, allocation_id: str, *, if_match: str | None = None) -> None:
        """Release an allocation (204)."""
        await self.http.delete(_path(allocation_id), if_match=if_match)


def _path(allocation_id: str) -> str:
    return f"{BASE}/bw_allocations/{segment(allocation_id)}"
