"""The root of meclab's errors that an API turns into an HTTP status.

::

    StatusError                  carries ``status`` (an HTTP status hint) and a detail
      ├── http.problem.ProblemError      raised by routes
      └── platform.errors.PlatformError  raised by the platform core (not found, conflict ...)

The one place that turns a StatusError into a response is :mod:`meclab.http.problem`.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any


class StatusError(Exception):
    """An error with the HTTP status that describes it, for whoever answers a request."""

    status: int = 500

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        if status is not None:
            self.status = status
        self.detail = detail
        self.title = title or HTTPStatus(self.status).phrase
        self.headers = dict(headers or {})
        self.extensions = extensions
