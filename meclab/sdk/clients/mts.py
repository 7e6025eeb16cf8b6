"""ETSI GS MEC 015 Multi-access Traffic Steering (``/mts/v1``), as a client.

==================================  ========================================================
capability info (clause 8.3)        :meth:`~MtsClient.capability_info`
sessions (clauses 8.4, 8.5)         ``sessions``, ``create_session``, ``session``,
                                    ``replace_session``, ``delete_session``
==================================  ========================================================

An application asks the platform to steer its flows over a multi-access terminal's accesses
by a mode (low cost, low latency, high throughput, redundancy, QoS): it creates an
``MtsSessionInfo`` naming itself (``appInsId``) and the flows (``flowFilter``), and deletes it
when it no longer needs the steering.
"""

from __future__ import annotations

from collections.abc import Sequence

from meclab.sdk.http import Created, HttpClient, Tagged, segment
from meclab.services.mts.models import MtsCapabilityInfo, MtsSessionInfo

BASE = "/mts/v1"


class MtsClient:
    """The MTS service of one platform (or one of meclab's hosts)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    async def capability_info(self) -> MtsCapabilityInfo:
        """The access networks the platform offers and the modes it supports."""
        return await self.http.get(f"{BASE}/mts_capability_info", MtsCapabilityInfo)

    async def sessions(
        self,
        *,
        app_instance_id: str | Sequence[str] | None = None,
        app_name: str | Sequence[str] | None = None,
        session_id: str | Sequence[str] | None = None,
    ) -> list[MtsSessionInfo]:
        """The sessions (those of the caller, in secure mode); each filter given must match one
        of its values."""
        params = {"app_instance_id": app_instance_id, "app_name": app_name}
        return await self.http.get_list(
            f"{BASE}/mts_sessions", MtsSessionInfo, params={**params, "session_id": session_id}
        )

    async def create_session(self, info: MtsSessionInfo) -> Created[MtsSessionInfo]:
        """Create a session (without ``sessionId``): it with its id, URL and ETag."""
        return await self.http.post(f"{BASE}/mts_sessions", info, MtsSessionInfo)

    async def session(self, session_id: str) -> Tagged[MtsSessionInfo]:
        """One session, with its ETag."""
        return await self.http.get_tagged(
            f"{BASE}/mts_sessions/{segment(session_id)}", MtsSessionInfo
        )

    async def replace_session(
        self, info: MtsSessionInfo, *, if_match: str | None = None
    ) -> Tagged[MtsSessionInfo]:
        """Replace the session ``info.sessionId`` names (same ``appInsId``); ``if_match``
        guards it with its ETag (412 if stale)."""
        if info.sessionId is None:
            raise ValueError("a session to replace names its sessionId")
        return await self.http.put_tagged(
            f"{BASE}/mts_sessions/{segment(info.sessionId)}",
            info,
            MtsSessionInfo,
            if_match=if_match,
        )

    async def delete_session(self, session_id: str, *, if_match: str | None = None) -> None:
        """End a session (204): its flows are no longer steered."""
        await self.http.delete(f"{BASE}/mts_sessions/{segment(session_id)}", if_match=if_match)
