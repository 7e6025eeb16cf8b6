"""Errors of the offloader, under the SDK's tree (meclab.sdk.errors).

::

    SdkError
    └── OffloadError            anything the offloader refuses
        ├── InvalidTask         a task field out of range (also a ValueError); names the field
        ├── InvalidContext      a context field out of range (also a ValueError); names the field
        ├── UnknownPolicy       no policy registered under that name; lists the names that are
        └── MissingExecutor     an Offloader without an executor for the terminal
"""

from __future__ import annotations

from collections.abc import Iterable

from meclab.sdk.errors import SdkError


class OffloadError(SdkError):
    """The offloader refused something it was given."""


class InvalidTask(OffloadError, ValueError):
    """A task field is out of range."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"task {field} {reason}")
        self.field = field


class InvalidContext(OffloadError, ValueError):
    """A decision context field is out of range."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"context {field} {reason}")
        self.field = field


class UnknownPolicy(OffloadError, LookupError):
    """No policy of that name is registered."""

    def __init__(self, name: str, known: Iterable[str]) -> None:
        self.name = name
        self.known = sorted(known)
        super().__init__(f"no offloading policy named {name!r}; known: {', '.join(self.known)}")


class MissingExecutor(OffloadError):
    """The offloader needs an executor for the terminal: the one placement always possible."""

    def __init__(self) -> None:
        super().__init__("an Offloader needs an executor for Placement.TERMINAL")
