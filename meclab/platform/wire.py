"""Building blocks of ETSI MEC bodies, as they travel on the wire.

Attribute names are the spec's own (camelCase), so a model reads like its table in the GS and
serialises without aliases, except ``_links``. Requests reject unknown attributes: a misspelt
``callbackRefrence`` is an error, not a subscription without a callback.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WireModel(BaseModel):
    """Base of every ETSI body model."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    def wire(self) -> dict[str, Any]:
        """The body as sent: aliases (``_links``), no absent optional attributes."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class TimeStamp(WireModel):
    """MEC 009 TimeStamp: seconds and nanoseconds since the Unix epoch."""

    seconds: int = Field(ge=0)
    nanoSeconds: int = Field(ge=0, le=999_999_999)

    @classmethod
    def of(cls, unix_s: float) -> TimeStamp:
        """The timestamp of a Unix time in seconds."""
        frac, whole = math.modf(unix_s)
        return cls(seconds=int(whole), nanoSeconds=min(999_999_999, round(frac * 1e9)))

    def unix(self) -> float:
        """Back to Unix seconds."""
        return self.seconds + self.nanoSeconds / 1e9


class LinkType(WireModel):
    """A hyperlink."""

    href: str


class SelfLink(WireModel):
    """``_links`` holding only ``self``."""

    self: LinkType


class SubscriptionLink(WireModel):
    """One entry of a subscription list."""

    href: str
    subscriptionType: str


class SubscriptionLinks(WireModel):
    self: LinkType
    subscriptions: list[SubscriptionLink] = Field(default_factory=list)


class SubscriptionLinkList(WireModel):
    """MEC 009 SubscriptionLinkList: the subscriptions of a collection, by link."""

    links: SubscriptionLinks = Field(alias="_links")


class ProblemDetails(BaseModel):
    """RFC 7807 problem details, the body of every error (MEC 009 clause 6.15).

    Every member is optional, as MEC 009 has it, and unknown members are kept: this is how any
    platform's error is read (meclab's own always carry type, title, status and detail).
    """

    model_config = ConfigDict(extra="allow")

    type: str | None = None
    title: str | None = None
    status: int | None = None
    detail: str | None = None
    instance: str | None = None
