"""Per-user context of an edge application, keyed by UE address, exportable and importable.

An edge instance keeps some state per user (a session, a model, the last frame seen). When the
user moves, MEC 021 application mobility may relocate that user's context to another instance;
this store makes that possible: :meth:`ContextStore.export` gives one user's context as a
self-describing blob and :meth:`ContextStore.import_` takes one in. Serialisation is explicit
and versioned::

    {"schema": "meclab.sdk.context", "version": 1, "user": "acr:10.0.0.1",
     "updated": 1733130000.5, "state": {...}}

A blob with another ``schema`` or an unknown ``version`` is refused with
:class:`ContextFormatError`, never half-read. ``state`` is the application's JSON data.

Hooks let the application take part: ``on_export(user, state)`` runs before a context leaves
(to flush or trim it) and returns the state to send; ``on_import(user, state)`` runs when one
arrives (to warm caches) and returns the state to keep.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from meclab.sdk.errors import SdkError

SCHEMA = "meclab.sdk.context"
VERSION = 1
"""The version this SDK writes; it reads :data:`READABLE`."""
READABLE = frozenset({1})

Hook = Callable[[str, dict[str, Any]], dict[str, Any]]


class ContextFormatError(SdkError):
    """A context blob this SDK cannot read: not JSON, another schema, an unknown version."""


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
        """Replace the user's context; it must be JSON data (checked now, not at export)."""
        if not user:
            raise ValueError("a context needs the user's address")
        try:
            json.dumps(state)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"context of {user}: not JSON data: {exc}") from exc
        self._contexts[user] = state
        self._updated[user] = self._clock()

    def remove(self, user: str) -> dict[str, Any] | None:
        """Forget the user's context (after it was relocated, say); what it was."""
        self._updated.pop(user, None)
        return self._contexts.pop(user, None)

    def export(self, user: str) -> bytes:
        """The user's context as a versioned blob (KeyError for a user without one)."""
        state = self._contexts[user]
        if self.on_export is not None:
            state = self.on_export(user, state)
        blob = {
            "schema": SCHEMA,
            "version": VERSION,
            "user": user,
            "updated": self._updated[user],
            "state": state,
        }
        return json.dumps(blob, separators=(",", ":")).encode()

    def import_(self, blob: bytes | str) -> str:
        """Take in a context another instance exported; the user it belongs to."""
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
        if self.on_import is not None:
            state = self.on_import(user, state)
        self.put(user, state)
        return user
