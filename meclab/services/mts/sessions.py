"""The MTS sessions of every MEC host, kept in the store.

A session belongs to its application instance (``appInsId``, an instance of the host it was
created on), and is kept like every such record (:mod:`meclab.platform.records`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from meclab.platform.records import HostRecords
from meclab.services.mts.models import MtsSessionInfo
from meclab.store.base import Store

COLLECTION = "mts_sessions"


@dataclass(frozen=True, slots=True)
class MtsSession:
    """One session: where it was created, and its representation (sessionId, timeStamp and
    appName set)."""

    host: str
    info: MtsSessionInfo

    @property
    def id(self) -> str:
        assert self.info.sessionId is not None  # set by the service before it is kept
        return self.info.sessionId

    @property
    def owner(self) -> str:
        """The application instance the session belongs to."""
        return self.info.appInsId

    @property
    def app_name(self) -> str | None:
        return self.info.appName

    def body(self) -> dict[str, Any]:
        """The session as sent."""
        return self.info.wire()


def session_registry(store: Store) -> HostRecords[MtsSession]:
    """Every host's MTS sessions, mirrored in ``store``."""

    def load(host: str, body: Any) -> MtsSession:
        return MtsSession(host, MtsSessionInfo.model_validate(body))

    return HostRecords(store, COLLECTION, load, "MTS session")
