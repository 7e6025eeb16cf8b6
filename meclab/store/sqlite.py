"""The embedded store: one SQLite file in the data directory.

WAL mode with ``synchronous=NORMAL``: a crash of meclab loses nothing committed, a power loss at
most the last transactions, and writers do not block readers. Calls are short enough (well
under a millisecond for a tick's batch) to run on the event loop thread.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from meclab.bus.base import EventRecord
from meclab.engine.events import ManualEvent
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery, Store

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (collection, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    t REAL NOT NULL,
    wall REAL NOT NULL,
    type TEXT NOT NULL,
    subject TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_type ON events (type, seq);
CREATE INDEX IF NOT EXISTS events_subject ON events (subject, seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

DEFAULT_MAX_EVENTS = 2_000_000
"""History kept; older records are pruned (about 0.5 GB of SQLite at most)."""


def _subject(record: EventRecord) -> str | None:
    """The terminal or element an event is about (an operator's command names it in params)."""
    event = record.event
    if isinstance(event, ManualEvent):
        return event.params.get("ue") or event.params.get("element")
    return getattr(event, "ue", None) or getattr(event, "element", None)


class SqliteStore(Store):
    """A Store in one SQLite database file (``:memory:`` for a throwaway one)."""

    def __init__(self, path: str | Path, *, max_events: int = DEFAULT_MAX_EVENTS) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self.max_events = max_events
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        row = self._db.execute("SELECT value FROM meta WHERE key = 'last_seq'").fetchone()
        self._last_seq = int(row[0]) if row else 0

    async def get(self, collection: str, key: str) -> Any | None:
        row = self._db.execute(
            "SELECT value FROM documents WHERE collection = ? AND key = ?", (collection, key)
        ).fetchone()
        return json.loads(row[0]) if row else None

    async def put(self, collection: str, key: str, value: Any) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO documents (collection, key, value) VALUES (?, ?, ?)",
            (collection, key, json.dumps(value, separators=(",", ":"))),
        )

    async def delete(self, collection: str, key: str) -> bool:
        cur = self._db.execute(
            "DELETE FROM documents WHERE collection = ? AND key = ?", (collection, key)
        )
        return cur.rowcount > 0

    async def items(self, collection: str) -> list[tuple[str, Any]]:
        rows = self._db.execute(
            "SELECT key, value FROM documents WHERE collection = ? ORDER BY key", (collection,)
        ).fetchall()
        return [(key, json.loads(value)) for key, value in rows]

    async def clear(self, collection: str) -> None:
        self._db.execute("DELETE FROM documents WHERE collection = ?", (collection,))

    async def append_events(
        self, records: Sequence[EventRecord], *, t: float | None = None
    ) -> None:
        if not records and t is None:
            return
        rows = []
        for record in records:
            data = record.event.to_dict()
            rows.append(
                (
                    record.seq,
                    record.event.t,
                    record.wall,
                    record.type,
                    _subject(record),
                    json.dumps(data),
                )
            )
        last = max(self._last_seq, records[-1].seq) if records else self._last_seq
        with self._db:  # one transaction per batch
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT INTO events (seq, t, wall, type, subject, data) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_seq', ?)", (str(last),)
            )
            if t is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('recorded_t', ?)", (repr(t),)
                )
            # A range delete on the primary key: next to nothing when there is nothing to prune.
            if last > self.max_events:
                self._db.execute("DELETE FROM events WHERE seq <= ?", (last - self.max_events,))
        self._last_seq = last

    async def events(self, query: EventQuery) -> list[EventRecord]:
        where, args = [], []
        if query.types:
            where.append(f"type IN ({','.join('?' * len(query.types))})")
            args.extend(query.types)
        if query.subject is not None:
            where.append("subject = ?")
            args.append(query.subject)
        if query.after_seq is not None:
            where.append("seq > ?")
            args.append(query.after_seq)
        if query.since_t is not None:
            where.append("t >= ?")
            args.append(query.since_t)
        if query.until_t is not None:
            where.append("t <= ?")
            args.append(query.until_t)
        sql = "SELECT seq, wall, data FROM events"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq " + ("DESC" if query.newest_first else "ASC") + " LIMIT ?"
        args.append(max(0, min(query.limit, MAX_QUERY_LIMIT)))
        return [
            EventRecord.from_dict({"seq": seq, "wall": wall, **json.loads(data)})
            for seq, wall, data in self._db.execute(sql, args)
        ]

    async def last_seq(self) -> int:
        return self._last_seq

    async def recorded_t(self) -> float | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'recorded_t'").fetchone()
        return float(row[0]) if row else None

    async def close(self) -> None:
        self._db.close()
