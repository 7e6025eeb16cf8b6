"""ETSI GS MEC 014 UE Identity (``/ui/v1``), as a client: an application instance registers
the UE identity tags it serves, so that the platform applies its traffic rules to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from meclab.sdk.http import HttpClient, Tagged, segment
from meclab.services.ueid.models import TagState, UeIdentityTagInfo, UeIdentityTags

BASE = "/ui/v1"


class UeIdentityClient:
    """The UE identity API of one platform (or one of meclab's hosts)."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def _path(self, app_instance_id: str) -> str:
        return f"{BASE}/{segment(app_instance_id)}/ue_identity_tag_info"

    async def tags(self, app_instance_id: str, tags: Iterable[str]) -> Tagged[UeIdentityTagInfo]:
        """The state of ``tags`` for the instance, with the ETag a later change can carry."""
        reply = await self.http.request(
            "GET", self._path(app_instance_id), params={"ueIdentityTag": list(tags)}
        )
        return Tagged(self.http.read(reply, UeIdentityTagInfo), reply.etag)

    async def set_tags(
        self,
        app_instance_id: str,
        states: Mapping[str, TagState],
        *,
        if_match: str | None = None,
    ) -> Tagged[UeIdentityTagInfo]:
        """Register or deregister tags (``{tag: TagState}``); ``if_match`` guards it with the
        ETag of :meth:`tags` (412 if another change came first)."""
        body = UeIdentityTagInfo(
            ueIdentityTags=[UeIdentityTags(ueIdentityTag=t, state=s) for t, s in states.items()]
        )
        return await self.http.put_tagged(
            self._path(app_instance_id), body, UeIdentityTagInfo, if_match=if_match
        )
