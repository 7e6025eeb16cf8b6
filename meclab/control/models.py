"""The control API's notification report, which carries the platform core's delivery records.

Every other body of ``/meclab/v1`` is in :mod:`.wire`, importable without the server side.
"""

from __future__ import annotations

from pydantic import BaseModel

from meclab.platform.delivery import Undelivered


class NotificationReport(BaseModel):
    """Notification delivery across every API."""

    delivered: int
    pending: int
    given_up: int
    """Notifications ever given up in this store, across restarts."""
    undelivered: list[Undelivered]
    """The most recent notifications given up (up to 1,000), oldest first, across restarts."""
