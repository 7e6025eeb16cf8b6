"""Who is calling: the client a request's access token names, for the code that serves it.

The authentication layer (:mod:`meclab.http.auth`) sets it for the request; the platform core
reads it where it hands out or changes an owned resource (:mod:`meclab.platform.access`).
None means nobody was checked: meclab's open mode, or meclab's own work (ticks, deliveries),
which runs outside any request.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from meclab.security.credentials import OPERATOR


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated client: an app instance (its id) or the operator."""

    client_id: str
    scopes: frozenset[str]

    @property
    def operator(self) -> bool:
        """The operator may act on every resource."""
        return self.client_id == OPERATOR


CALLER: ContextVar[Principal | None] = ContextVar("meclab_principal", default=None)
"""The client of the request being served (set by the authentication layer)."""


def current() -> Principal | None:
    """The client of the request being served; None outside a checked request."""
    return CALLER.get()


@contextmanager
def acting_as(principal: Principal | None) -> Iterator[None]:
    """Serve what runs inside as ``principal``."""
    token = CALLER.set(principal)
    try:
        yield
    finally:
        CALLER.reset(token)
