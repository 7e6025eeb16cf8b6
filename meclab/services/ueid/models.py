"""MEC 014 data types (ETSI GS MEC 014 V3.1.1 clause 6.2.2), bare on the wire (INVENTORY §3.10).

v3.1.1 encodes a tag's state as an integer (0 UNREGISTERED, 1 REGISTERED); v1.1.1 used the
strings. meclab speaks v3.1.1 only: a string state is a 400 naming the attribute.
"""

from __future__ import annotations

from enum import IntEnum

from pydantic import Field

from meclab.platform.wire import WireModel


class TagState(IntEnum):
    """``UeIdentityTags.state``."""

    UNREGISTERED = 0
    REGISTERED = 1


class UeIdentityTags(WireModel):
    """One tag an application instance presents to the platform, and its state."""

    ueIdentityTag: str = Field(min_length=1, max_length=256)
    state: TagState


class UeIdentityTagInfo(WireModel):
    """Clause 6.2.2: the ``ue_identity_tag_info`` resource of an application instance."""

    ueIdentityTags: list[UeIdentityTags] = Field(min_length=1)
