"""The security audit: every refused request, with who asked for what and why (issue 12).

Authentication failures (401), authorization refusals (403) and limit hits (408, 413, 429)
are each recorded with the client (its id when its token named one), its address, the method
and path, the status and the reason; kept in memory (the last :data:`KEPT` of them, for the
control API), counted in ``meclab_security_refusals_total{kind, reason}`` and logged, at most
:data:`LOGGED_PER_S` lines a second so that a flood cannot flood the log as well.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from prometheus_client import Counter

from meclab.metrics import Metrics

log = logging.getLogger("meclab.audit")

KEPT = 1000
"""Refusals kept for the control API (older ones are dropped, and counted as dropped)."""

LOGGED_PER_S = 10
"""Log lines per second at most; the rest are summed up in the next line."""


class Kind(StrEnum):
    """What a refusal was about."""

    AUTHENTICATION = "authentication"
    AUTHORIZATION = "authorization"
    LIMIT = "limit"


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused request."""

    time: float
    """Unix seconds."""
    kind: Kind
    reason: str
    """``missing_token``, ``invalid_token``, ``insufficient_scope``, ``forbidden``, ``rate``,
    ``queue``, ``body_too_large``, ``body_timeout``."""
    status: int
    client_id: str | None
    """The client its token named; None without a valid token."""
    address: str | None
    method: str
    path: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        """The refusal as the control API shows it."""
        return asdict(self)


class Audit:
    """The refusals of one meclab (see the module docstring)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._kept: deque[Refusal] = deque(maxlen=KEPT)
        self.total = 0
        self._window = (0, 0)  # (second, lines logged in it)
        self._unlogged = 0
        self._counter: Counter | None = None

    def count_on(self, metrics: Metrics) -> None:
        """Count refusals on ``metrics``' registry (from now on)."""
        self._counter = Counter(
            "meclab_security_refusals",
            "Requests refused for security: authentication (401), authorization (403) "
            "and limits (408, 413, 429), by reason",
            ["kind", "reason"],
            registry=metrics.registry,
        )

    def record(
        self,
        kind: Kind,
        reason: str,
        *,
        status: int,
        client_id: str | None,
        address: str | None,
        method: str,
        path: str,
        detail: str,
    ) -> Refusal:
        """Record one refusal."""
        refusal = Refusal(
            self._clock(), kind, reason, status, client_id, address, method, path, detail
        )
        self._kept.append(refusal)
        self.total += 1
        if self._counter is not None:
            self._counter.labels(kind.value, reason).inc()
        self._log(refusal)
        return refusal

    @property
    def dropped(self) -> int:
        """Refusals recorded but no longer kept."""
        return self.total - len(self._kept)

    def recent(
        self,
        *,
        kind: Kind | None = None,
        client_id: str | None = None,
        limit: int = 100,
    ) -> list[Refusal]:
        """The latest refusals, newest first, optionally of one kind or client."""
        chosen: Iterable[Refusal] = reversed(self._kept)
        out = []
        for refusal in chosen:
            if kind is not None and refusal.kind != kind:
                continue
            if client_id is not None and refusal.client_id != client_id:
                continue
            out.append(refusal)
            if len(out) >= limit:
                break
        return out

    def _log(self, refusal: Refusal) -> None:
        second = int(refusal.time)
        start, lines = self._window
        if second != start:
            start, lines = second, 0
        if lines >= LOGGED_PER_S:
            self._unlogged += 1
            self._window = (start, lines)
            return
        more = f" (+{self._unlogged} more refusals not logged)" if self._unlogged else ""
        self._unlogged = 0
        self._window = (start, lines + 1)
        who = refusal.client_id or "anonymous"
        log.warning(
            "refused %s %s: %d %s (%s) client=%s address=%s: %s%s",
            refusal.method,
            refusal.path,
            refusal.status,
            refusal.kind.value,
            refusal.reason,
            who,
            refusal.address,
            refusal.detail,
            more,
        )
