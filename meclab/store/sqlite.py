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
from meclab.store.base import MAX_QUERY_LIMIT, EventQuery, OutboxEntry, Store

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
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY,
    subscription TEXT NOT NULL,
    api TEXT NOT NULL,
    host TEXT NOT NULL,
    body BLOB NOT NULL,
    notification_type TEXT NOT NULL,
    final INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS given_up (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data TEXT NOT NULL
);
"""

DEFAULT_MAX_EVENTS = 2_000_000
"""History kept; older records are pruned (about 0.5 GB of SQLite at most)."""
MAX_GIVEN_UP = 1000
"""Records of given-up notifications kept (their count is kept whole)."""


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
        self._added: list[OutboxEntry] = []
        self._removed: list[int] = []
        self._given_up: list[dict[str, Any]] = []

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
        with self._db:  # one transaction per batch, with the outbox changes it caused
            self._db.execute("BEGIN")
            self._write_outbox()
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
        self._written()
        self._last_seq = last

    def stage_outbox(
        self,
        *,
        added: Sequence[OutboxEntry] = (),
        removed: Sequence[int] = (),
        given_up: Sequence[dict[str, Any]] = (),
    ) -> None:
        self._added.extend(added)
        self._removed.extend(removed)
        self._given_up.extend(given_up)

    async def flush_outbox(self) -> None:
        if not (self._added or self._removed or self._given_up):
            return
        with self._db:
            self._db.execute("BEGIN")
            self._write_outbox()
        self._written()  # not before: a failed transaction leaves them for the next

    def _write_outbox(self) -> None:
        """Write the staged outbox changes inside the caller's transaction."""
        added, removed, given_up = self._added, self._removed, self._given_up
        if not (added or removed or given_up):
            return
        self._db.executemany(
            "INSERT OR REPLACE INTO outbox VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (e.id, e.subscription, e.api, e.host, e.body, e.notification_type, e.final)
                for e in added
            ],
        )
        # Added and removed in one batch (delivered at once) still pass through the table.
        self._db.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in removed])
        if given_up:
            self._db.executemany(
                "INSERT INTO given_up (data) VALUES (?)",
                [(json.dumps(g, separators=(",", ":")),) for g in given_up],
            )
            self._db.execute(
                "DELETE FROM given_up WHERE id <= (SELECT MAX(id) FROM given_up) - ?",
                (MAX_GIVEN_UP,),
            )

    def _written(self) -> None:
        """The transaction that wrote the staged outbox changes committed."""
        self._added, self._removed, self._given_up = [], [], []

    async def outbox(self) -> list[OutboxEntry]:
        rows = self._db.execute(
            "SELECT id, subscription, api, host, body, notification_type, final FROM outbox"
            " ORDER BY id"
        ).fetchall()
        return [OutboxEntry(i, s, a, h, bytes(b), n, bool(f)) for i, s, a, h, b, n, f in rows]

    async def given_up(self, limit: int) -> tuple[int, list[dict[str, Any]]]:
        # AUTOINCREMENT ids never go back, so the highest is the count ever given up.
        row = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'given_up'").fetchone()
        rows = self._db.execute(
            "SELECT data FROM given_up ORDER BY id DESC LIMIT ?", (limit,)
        ).fetchall()
        return (int(row[0]) if row else 0), [json.loads(d) for (d,) in reversed(rows)]

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
        await self.flush_outbox()  # what was staged belongs to this store, whoever closes it
        self._db.close()
