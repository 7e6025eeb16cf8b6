"""The MTS sessions of every MEC host, kept in the store.

A session belongs to its application instance (``appInsId``, an instance of the host it was
created on): only that instance and the operator see and change it in secure mode
(:mod:`meclab.platform.access`), and it ends with the instance. The registry is restored when
meclab resumes its stored world (dropping sessions whose instance is gone) and emptied when a
new scenario is loaded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from meclab.platform.errors import NotFound
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

    def body(self) -> dict[str, Any]:
        """The session as sent."""
        return self.info.wire()


class SessionRegistry:
    """Every host's sessions by id, in creation order, mirrored in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._sessions: dict[str, MtsSession] = {}
        self._seq: dict[str, int] = {}
        """Each session's creation number: the stored sessions come back in creation order."""

    async def restore(self, live_apps: Iterable[str]) -> list[MtsSession]:
        """Reload the stored sessions of instances that still exist (the others are deleted);
        returns those reloaded."""
        live = set(live_apps)
        self._sessions.clear()
        self._seq.clear()
        stored = await self.store.items(COLLECTION)
        for session_id, data in sorted(stored, key=lambda item: item[1]["seq"]):
            session = MtsSession(data["host"], MtsSessionInfo.model_validate(data["info"]))
            if session.owner in live:
                self._sessions[session_id] = session
                self._seq[session_id] = data["seq"]
            else:
                await self.store.delete(COLLECTION, session_id)
        return list(self._sessions.values())

    async def clear(self) -> None:
        self._sessions.clear()
        self._seq.clear()
        await self.store.clear(COLLECTION)

    def on_host(self, host: str) -> list[MtsSession]:
        """The sessions created on ``host``, oldest first."""
        return [s for s in self._sessions.values() if s.host == host]

    def of_instance(self, app_instance_id: str) -> list[MtsSession]:
        return [s for s in self._sessions.values() if s.owner == app_instance_id]

    def get(self, host: str, session_id: str) -> MtsSession:
        """A session of ``host``; NotFound for an unknown id or one of another host."""
        session = self._sessions.get(session_id)
        if session is None or session.host != host:
            raise NotFound(f"no MTS session {session_id!r} on {host}")
        return session

    async def put(self, session: MtsSession) -> None:
        """Keep a new session, or replace one (it keeps its place in the order)."""
        seq = self._seq.setdefault(session.id, max(self._seq.values(), default=-1) + 1)
        self._sessions[session.id] = session
        data = {"host": session.host, "info": session.body(), "seq": seq}
        await self.store.put(COLLECTION, session.id, data)

    async def remove(self, session_id: str) -> None:
        self._seq.pop(session_id, None)
        if self._sessions.pop(session_id, None) is not None:
            await self.store.delete(COLLECTION, session_id)
