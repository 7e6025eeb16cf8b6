"""A resource as read with its ETag, so that a later PUT, PATCH or DELETE can be guarded.

MEC 009 (clause 6.16, after RFC 9110 8.8.3) has the platform send an ``ETag`` with a
resource; ``If-Match`` with that tag makes a change fail (412) if someone else changed the
resource in between. A client that reads to modify keeps both together.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from meclab.sdk.http import Body, HttpClient, Reply

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Tagged(Generic[M]):
    """A resource's body and the ETag it was sent with (None if the platform sent none)."""

    value: M
    etag: str | None


def tagged(http: HttpClient, reply: Reply, model: type[M]) -> Tagged[M]:
    """The reply's body as ``model``, with its ETag."""
    return Tagged(http.read(reply, model), reply.etag)


async def get_tagged(http: HttpClient, path: str, model: type[M]) -> Tagged[M]:
    """GET ``path`` as ``model``, with its ETag."""
    return tagged(http, await http.request("GET", path), model)


async def put_tagged(
    http: HttpClient, path: str, body: Body, model: type[M], *, if_match: str | None
) -> Tagged[M]:
    """PUT ``body`` at ``path`` (guarded by ``if_match``); what it became, with its new ETag."""
    headers = {"If-Match": if_match} if if_match else None
    reply = await http.request("PUT", path, json_body=body, headers=headers)
    return tagged(http, reply, model)
