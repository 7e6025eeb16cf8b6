"""Platform errors, each with the HTTP status an API answers it with.

::

    PlatformError (meclab.errors.StatusError)
      ├── NotFound            404  no such app instance, service, rule, subscription
      ├── Forbidden           403  the caller may not do this (e.g. app not ready)
      ├── Conflict            409  the resource is not in a state that allows it
      ├── InvalidField        400  a value is wrong; names the field
      ├── PreconditionFailed  412  If-Match did not match the ETag
      └── Unprocessable       422  well-formed but meaningless (e.g. unknown subscription type)
"""

from __future__ import annotations

from typing import Any

from meclab.errors import StatusError


class PlatformError(StatusError):
    """Base of platform errors."""


class NotFound(PlatformError):
    status = 404


class Forbidden(PlatformError):
    status = 403


class Conflict(PlatformError):
    status = 409


class PreconditionFailed(PlatformError):
    status = 412


class Unprocessable(PlatformError):
    status = 422


class InvalidField(PlatformError):
    """A bad value, naming the field (``invalidParams`` in the problem details)."""

    status = 400

    def __init__(self, field: str, reason: str, **extensions: Any) -> None:
        super().__init__(
            f"body field '{field}': {reason}",
            invalidParams=[{"name": field, "in": "body", "reason": reason}],
            **extensions,
        )
        self.field = field
        self.reason = reason
