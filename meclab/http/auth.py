"""Authentication at the server edge: the access token of every request to a protected API.

:class:`AuthLayer` asks ``requirement_of(path, method)`` what a request needs: nothing (the
token endpoint, the API docs), or a :class:`Requirement` (a valid token for an audience, from
one of some issuers, holding a scope). It then

* answers 401 with the ``WWW-Authenticate`` challenge of RFC 6750 §3 for no token or a bad
  one, and 403 (``insufficient_scope``) for a token without the scope, before the app sees
  the request;
* serves the request as the token's client (:data:`meclab.security.principal.CALLER`), so
  that the platform core can check ownership (:mod:`meclab.platform.access`), and names the
  client in the ASGI scope (``meclab.client``) for the rate limits inside it;
* records every refusal the request meets, its own and those of the layers and routes inside
  (403 not the owner, 408/413/429 limits), in the :class:`~meclab.security.audit.Audit`.

Websocket handshakes are authenticated as requests are: a refused one is closed before it is
accepted (the server answers the upgrade with 403).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from meclab.errors import StatusError
from meclab.http.limits import REFUSED, send_problem
from meclab.security.audit import Audit, Kind
from meclab.security.errors import InsufficientScope, InvalidToken, MissingToken
from meclab.security.principal import CALLER, Principal
from meclab.security.tokens import TokenService

CLIENT = "meclab.client"
"""The ASGI scope key naming the authenticated client's id."""

_LIMITS = frozenset({408, 413, 429})
_MAX_DETAIL_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Requirement:
    """What a request must carry: a token for ``audience`` from one of ``issuers`` with
    ``scope``."""

    audience: str
    issuers: tuple[str, ...]
    scope: str


RequirementOf = Callable[[str, str], Requirement | None]
"""(path, method) -> what the request needs; None for a public path."""


class AuthLayer:
    """The ASGI layer of the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenService,
        requirement_of: RequirementOf,
        audit: Audit,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.requirement_of = requirement_of
        self.audit = audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        method = scope.get("method", "GET")
        need = self.requirement_of(scope["path"], method)
        if need is None:
            await self.app(scope, receive, self._watching(scope, send))
            return
        try:
            claims = self.tokens.authenticate(_authorization(scope), need.audience, need.issuers)
            scope[CLIENT] = claims.client_id
            claims.require(need.scope)
        except StatusError as error:
            self._refused(scope, error)
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008, "reason": error.detail})
            else:
                await send_problem(send, scope, error.status, error.detail, error.headers)
            return
        reset = CALLER.set(Principal(claims.client_id, claims.scopes))
        try:
            await self.app(scope, receive, self._watching(scope, send))
        finally:
            CALLER.reset(reset)

    def _refused(self, scope: Scope, error: StatusError) -> None:
        self._record(scope, *refusal_of(error), error.status, error.detail)

    def _record(self, scope: Scope, kind: Kind, reason: str, status: int, detail: str) -> None:
        client = scope.get("client")
        self.audit.record(
            kind,
            reason,
            status=status,
            client_id=scope.get(CLIENT),
            address=client[0] if client else None,
            method=scope.get("method", "GET"),
            path=scope["path"],
            detail=detail,
        )

    def _watching(self, scope: Scope, send: Send) -> Send:
        """``send``, noting a refusal answered inside (403, 408, 413, 429) in the audit."""
        status = 0
        body: list[bytes] = []

        async def watched(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind == "http.response.start":
                status = message["status"]
            elif kind == "http.response.body" and (status == 403 or status in _LIMITS):
                if sum(map(len, body)) < _MAX_DETAIL_BYTES:
                    body.append(message.get("body", b""))
                if not message.get("more_body", False):
                    detail = _detail(body)
                    if status == 403:
                        self._record(scope, Kind.AUTHORIZATION, "forbidden", status, detail)
                    elif REFUSED in scope:  # a limit's refusal, not the app's own 4xx
                        self._record(scope, Kind.LIMIT, scope[REFUSED], status, detail)
            await send(message)

        return watched


def _authorization(scope: Scope) -> str | None:
    """The request's ``Authorization`` header (ASGI names are lower-case bytes)."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            return str(value.decode("latin-1"))
    return None


def refusal_of(error: StatusError) -> tuple[Kind, str]:
    """The audit's kind and reason for an error that refused a request."""
    if isinstance(error, MissingToken):
        return Kind.AUTHENTICATION, "missing_token"
    if isinstance(error, InvalidToken):
        return Kind.AUTHENTICATION, "invalid_token"
    if isinstance(error, InsufficientScope):
        return Kind.AUTHORIZATION, "insufficient_scope"
    return Kind.AUTHORIZATION, "forbidden"


def _detail(chunks: Iterable[bytes]) -> str:
    """The ``detail`` of a problem+json body, or '' when it has none."""
    try:
        value = orjson.loads(b"".join(chunks))
    except orjson.JSONDecodeError:
        return ""
    detail = value.get("detail") if isinstance(value, dict) else None
    return str(detail) if detail is not None else ""
