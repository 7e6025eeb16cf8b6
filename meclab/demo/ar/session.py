"""The AR session state the edge keeps per user: what relocates with the user to another host;
and the names client and edge share.

Pure: the edge hands each served frame to :func:`served` with the user's context (a JSON dict
of a :class:`~meclab.sdk.context.ContextStore`), which keeps::

    {"frames": 412,                       frames served to the user, wherever
     "level": "REDUCED",                  the feature level of the last one
     "last": [{"n": 409, "bytes": 20000}, ...]}   the last LAST_FRAMES frames, oldest first

``frames`` is what the client is answered (:data:`HEADER_FRAMES`): an instance holding the
user's context continues the count, one without it starts over at 1.
"""

from __future__ import annotations

from typing import Any

from meclab.demo.ar.levels import Level

ENV_FPS = "AR_FPS"
"""Frames a second the client sends; the edge needs bandwidth for as many overlays."""
HEADER_FRAME = "X-AR-Frame"
"""Request: the client's sequence number of the frame."""
HEADER_INSTANCE = "X-AR-Instance"
"""Answer: the appInstanceId of the edge instance that served the frame."""
HEADER_FRAMES = "X-AR-Frames"
"""Answer: the user's frame count, from its context there."""
LAST_FRAMES = 5
"""How many of the last frames (sequence number, size) the session keeps."""


def served(context: dict[str, Any], *, frame: int | None, size: int, level: Level) -> int:
    """Count one frame (the client's sequence number ``frame``, ``size`` bytes) served at
    ``level`` into the user's ``context``, in place; the user's frame count."""
    context["frames"] = int(context.get("frames", 0)) + 1
    context["level"] = level.name
    context["last"] = [*context.get("last", []), {"n": frame, "bytes": size}][-LAST_FRAMES:]
    return int(context["frames"])
