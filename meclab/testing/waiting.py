"""Waiting on the event loop for something to become true, failing with what was awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

POLL_S = 0.005
"""How often a condition is checked: well above a loopback round trip's cost, well below the
time a test would notice."""


async def until(predicate: Callable[[], bool], what: str, timeout_s: float = 10.0) -> None:
    """Wait until ``predicate()`` holds, polling; fail naming ``what`` after ``timeout_s``
    (real seconds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(POLL_S)
