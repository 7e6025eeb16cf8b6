"""RNI notifications (ETSI GS MEC 012 V2.2.1 clause 6.4) but measurement reports, timing advance and
carrier aggregation (:mod:`.models_reports`).

Every notification has ``notificationType``, a ``timeStamp`` and ``_links.subscription``, the
subscription it is sent for. (The generated v2.2.1 file lists ``_links`` as an array and
``subscription`` beside it: a doc2oas flattening of the GS table, where ``subscription`` is a
member of the ``_links`` structure; INVENTORY §3.5.)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from meclab.platform.wire import TimeStamp, WireModel
from meclab.services.rnis.models_common import (
    AssociateId,
    Ecgi,
    ErabQosParameters,
    HoStatus,
    NotificationLinks,
    S1Event,
    TempUeId,
)


class NotificationBase(WireModel):
    """What every event notification has besides its type: a time stamp and its link."""

    timeStamp: TimeStamp | None = None
    links: NotificationLinks = Field(alias="_links")


class CellChangeNotification(NotificationBase):
    """Clause 6.4.2: a UE's serving cell changed (or is changing)."""

    notificationType: Literal["CellChangeNotification"]
    associateId: list[AssociateId] | None = None
    srcEcgi: Ecgi
    trgEcgi: list[Ecgi] = Field(min_length=1)
    hoStatus: HoStatus
    tempUeId: TempUeId | None = None


class RabEstNotification(NotificationBase):
    """Clause 6.4.3: an E-RAB was established."""

    notificationType: Literal["RabEstNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    erabId: int = Field(ge=0, le=15)
    erabQosParameters: ErabQosParameters | None = None
    tempUeId: TempUeId | None = None


class RabModNotification(NotificationBase):
    """Clause 6.4.4: an E-RAB's QoS was modified."""

    notificationType: Literal["RabModNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    erabId: int = Field(ge=0, le=15)
    erabQosParameters: ErabQosParameters | None = None


class ErabReleaseInfo(WireModel):
    """Clause 6.4.5 erabReleaseInfo."""

    erabId: int = Field(ge=0, le=15)


class RabRelNotification(NotificationBase):
    """Clause 6.4.5: an E-RAB was released."""

    notificationType: Literal["RabRelNotification"]
    ecgi: Ecgi
    associateId: list[AssociateId] | None = None
    erabReleaseInfo: ErabReleaseInfo


# --- S1 bearers -------------------------------------------------------------------------------


class EnbInfo(WireModel):
    """eNB end of an S1 bearer: transport address and GTP-U TEID."""

    ipAddress: str
    tunnelId: str


class SGwInfo(WireModel):
    """S-GW end of an S1 bearer."""

    ipAddress: str
    tunnelId: str


class S1BearerInfoDetailed(WireModel):
    """One S1 bearer (clause 6.2.4 and 6.4.10)."""

    erabId: int = Field(ge=0, le=15)
    enbInfo: EnbInfo
    sGwInfo: SGwInfo


class S1UeInfo1(WireModel):
    """The UE and bearers an S1 bearer notification is about (clause 6.4.10)."""

    tempUeId: TempUeId | None = None
    associateId: list[AssociateId] | None = None
    ecgi: list[Ecgi]
    s1BearerInfo: list[S1BearerInfoDetailed]


class S1BearerNotification(NotificationBase):
    """Clause 6.4.10: an S1 bearer was established, modified or released."""

    notificationType: Literal["S1BearerNotification"]
    s1Event: S1Event
    s1UeInfo: S1UeInfo1


# --- about the subscription itself ------------------------------------------------------------


class ExpiryNotification(WireModel):
    """Clause 6.4.9: the subscription has reached its expiryDeadline and is deleted."""

    notificationType: Literal["ExpiryNotification"]
    timeStamp: TimeStamp | None = None
    links: NotificationLinks = Field(alias="_links")
    expiryDeadline: TimeStamp


class TestNotification(WireModel):
    """Clause 6.4.12 (MEC 009 clause 6.12a): is the callbackReference reachable?"""

    __test__ = False  # not a pytest test class, whatever its name
    notificationType: Literal["TestNotification"]
    links: NotificationLinks = Field(alias="_links")


__all__ = [
    "CellChangeNotification",
    "EnbInfo",
    "ErabReleaseInfo",
    "ExpiryNotification",
    "NotificationBase",
    "RabEstNotification",
    "RabModNotification",
    "RabRelNotification",
    "S1BearerInfoDetailed",
    "S1BearerNotification",
    "S1UeInfo1",
    "SGwInfo",
    "TestNotification",
]
