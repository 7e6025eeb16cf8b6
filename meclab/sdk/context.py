"""Per-user context of an edge application, keyed by UE address, exportable and importable.

An edge instance keeps some state per user (a session, a model, the last frame seen). When the
user moves, MEC 021 application mobility may relocate that user's context to another instance;
this store makes that possible: :meth:`ContextStore.export` gives one user's context as a
self-describing blob and :meth:`ContextStore.import_` takes one in. Serialisation is explicit
and versioned::

    {"schema": "meclab.sdk.context", "version": 2, "user": "acr:10.0.0.1",
     "revision": 7, "updated": 1733130000.5, "state": {...}}

A blob with another ``schema`` or an unknown ``version`` is refused with
:class:`ContextFormatError`, never half-read. ``state`` is the application's JSON data.

``revision`` (format 2) numbers the user's context: every change by :meth:`~ContextStore.put`
and every :meth:`~ContextStore.export` gives a new one (an export too, since the state may have
changed in place), and an import continues from the revision the context came with. A context
made afresh (the store held none for the user) is no newer than the last one the store saw of
that user: it knows nothing of what happened elsewhere since, so the user's own context coming
back supersedes it. So each blob a store exports of a user carries a higher revision than any
before it, across a chain of instances, and a receiver can refuse one that is not newer than
what it holds (a replay, or a late copy).
Format 1 blobs (no revision) are still read; importing one makes a new local revision.

Hooks let the application take part: ``on_export(user, state)`` runs before a context leaves
(to flush or trim it) and returns the state to send; ``on_import(user, state)`` runs when one
arrives (to warm caches) and returns the state to keep.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from meclab.sdk.errors import SdkError

SCHEMA = "meclab.sdk.context"
VERSION = 2
"""The version this SDK writes; it reads :data:`READABLE`."""
READABLE = frozenset({1, 2})

Hook = Callable[[str, dict[str, Any]], dict[str, Any]]


class ContextFormatError(SdkError):
    """A context blob this SDK cannot read: not JSON, another schema, an unknown version."""


class ContextNotFound(SdkError, KeyError):
    """The store holds no context for this user (a KeyError too, as it always was)."""

    def __init__(self, user: str) -> None:
        self.user = user
        super().__init__(f"no context for user {user!r}")

    def __str__(self) -> str:  # KeyError would show the message quoted
        return str(self.args[0])


@dataclass(frozen=True, slots=True)
class ContextBlob:
    """A context blob as read: whose, which revision (0 for a format-1 blob), its state."""

    user: str
    revision: int
    updated: float | None
    state: dict[str, Any]


def read_blob(blob: bytes | str) -> ContextBlob:
    """Read a blob :meth:`ContextStore.export` made; :class:`ContextFormatError` if it is not
    one this SDK reads."""
    try:
        data = json.loads(blob)
    except ValueError as exc:
        raise ContextFormatError(f"context blob is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        found = data.get("schema") if isinstance(data, dict) else type(data).__name__
        raise ContextFormatError(f"not a meclab context blob (schema {found!r})")
    version = data.get("version")
    if version not in READABLE:
        raise ContextFormatError(
            f"context blob version {version!r} is unknown; this SDK reads "
            f"{', '.join(str(v) for v in sorted(READABLE))}"
        )
    user, state = data.get("user"), data.get("state")
    if not isinstance(user, str) or not user:
        raise ContextFormatError("context blob: 'user' must be a non-empty string")
    if not isinstance(state, dict):
        raise ContextFormatError("context blob: 'state' must be an object")
    revision = data.get("revision", 0) if version == 1 else data.get("revision")
    if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
        raise ContextFormatError("context blob: 'revision' must be a whole number >= 0")
    updated = data.get("updated")
    if isinstance(updated, bool) or not isinstance(updated, (int, float, type(None))):
        raise ContextFormatError("context blob: 'updated' must be a number")
    return ContextBlob(user, revision, updated, state)


class ContextStore:
    """The contexts of an instance's users, by UE address (``acr:10.0.0.1``)."""

    def __init__(
        self,
        *,
        on_export: Hook | None = None,
        on_import: Hook | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._contexts: dict[str, dict[str, Any]] = {}
        self._updated: dict[str, float] = {}
        self._revisions: dict[str, int] = {}
        self.on_export = on_export
        self.on_import = on_import
        self._clock = clock

    def __contains__(self, user: object) -> bool:
        return user in self._contexts

    def __len__(self) -> int:
        return len(self._contexts)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._contexts))

    def get(self, user: str) -> dict[str, Any]:
        """The user's context, made empty on first use (change it in place, or :meth:`put`)."""
        if user not in self._contexts:
            self.put(user, {})
        return self._contexts[user]

    def put(self, user: str, state: dict[str, Any]) -> None:
        """Replace the user's context (a new revision), or make it (at the revision last seen:
        see the module docstring); it must be JSON data (checked now, not at export)."""
        if not user:
            raise ValueError("a context needs the user's address")
        try:
            json.dumps(state)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"context of {user}: not JSON data: {exc}") from exc
        changed = user in self._contexts
        self._contexts[user] = state
        self._updated[user] = self._clock()
        self._revisions[user] = self.revision(user) + (1 if changed else 0)

    def revision(self, user: str) -> int:
        """The revision of the user's context held here; 0 when none was ever held."""
        return self._revisions.get(user, 0)

    def remove(self, user: str) -> dict[str, Any] | None:
        """Forget the user's context (after it was relocated, say); what it was.

        Its revision is kept, so that a copy older than the one removed is still known old."""
        self._updated.pop(user, None)
        return self._contexts.pop(user, None)

    def export(self, user: str) -> bytes:
        """The user's context as a versioned blob, under a new revision
        (:class:`ContextNotFound` for a user without one)."""
        if user not in self._contexts:
            raise ContextNotFound(user)
        state = self._contexts[user]
        if self.on_export is not None:
            state = self.on_export(user, state)
        self._revisions[user] = self.revision(user) + 1
        blob = {
            "schema": SCHEMA,
            "version": VERSION,
            "user": user,
            "revision": self._revisions[user],
            "updated": self._updated[user],
            "state": state,
        }
        return json.dumps(blob, separators=(",", ":")).encode()

    def import_(self, blob: bytes | str) -> str:
        """Take in a context another instance exported; the user it belongs to."""
        return self.adopt(read_blob(blob))

    def adopt(self, context: ContextBlob) -> str:
        """Take in a context already read (:func:`read_blob`); the user it belongs to.

        The store's revision becomes the context's, or one more than it held when that is not
        newer (a format-1 blob, an older copy taken in on purpose): it never goes back."""
        user, state = context.user, context.state
        if self.on_import is not None:
            state = self.on_import(user, state)
        held = self.revision(user)
        self.put(user, state)
        self._revisions[user] = max(context.revision, held + 1)
        return user
