"""What "the same engine events, byte for byte" compares.

A run's engine events are the records the world and the operator's world commands made: every
event but the MEC system's own (``relocation`` steps, which the apps running set off, not the
world), and of the manual events only those of the commands a recording replays
(:data:`REPLAYED_ACTIONS`, with ``load_scenario`` that starts every run). Each is compared as
one canonical line: the record as ``GET /meclab/v1/events`` returns it, without ``seq`` (a lab
reused by many tests goes on numbering) and ``wall`` (the wall clock's time of publication),
as JSON with sorted keys and no spaces. Same inputs, same lines, in the same order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import orjson

from meclab.bus.base import EventRecord
from meclab.engine.events import ManualEvent

REPLAYED_ACTIONS = frozenset({"move", "release", "netchar", "pause", "resume", "speed"})
"""The operator commands a recording carries: those that act on the world or its clock."""
NOT_ENGINE = frozenset({"relocation"})
"""Event types the MEC system publishes, not the world (Runtime.announce)."""


def is_engine_event(record: EventRecord) -> bool:
    """Whether ``record`` is one of a run's engine events (module docstring)."""
    event = record.event
    if isinstance(event, ManualEvent):
        return event.action in REPLAYED_ACTIONS or event.action == "load_scenario"
    return record.type not in NOT_ENGINE


def canonical_line(record: EventRecord) -> bytes:
    """The record as compared: its event's fields, sorted, without seq and wall."""
    return orjson.dumps(
        record.event.to_dict(), option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY
    )


def engine_lines(records: Iterable[EventRecord]) -> list[bytes]:
    """The canonical lines of the engine events among ``records``, in order."""
    return [canonical_line(r) for r in records if is_engine_event(r)]


class EventDigest:
    """A running count and SHA-256 of engine-event lines, each followed by a newline (the
    digest of the file ``--events-out`` writes)."""

    def __init__(self) -> None:
        self.count = 0
        self._hash = hashlib.sha256()

    def add(self, records: Iterable[EventRecord]) -> None:
        for line in engine_lines(records):
            self.count += 1
            self._hash.update(line + b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
