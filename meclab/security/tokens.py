"""Access tokens: signed JWTs (RFC 9068) that a MEC host issues and its APIs verify.

A token is issued to a client that proves its identity (:mod:`.credentials`) for scopes it
holds, signed by the current key (:mod:`.keys`)::

    header  {"typ": "at+jwt", "alg": "ES256", "kid": "<the key's thumbprint>"}
    claims  {"iss": <issuer>, "sub": <client id>, "aud": <audience(s)>, "client_id": <client id>,
             "scope": "rnis:read ...", "iat": t, "nbf": t, "exp": t + lifetime, "jti": <random>}

``sub`` is the client id: a client credentials grant has no resource owner, and RFC 9068
§2.2 then asks for the client's identifier. Verification trusts nothing the token says about
how to verify it: the algorithm must be ES256 and the key one of meclab's own, chosen by
``kid`` (never a key or a key URL the header offers).

Checking an ES256 signature costs 0.13-0.23 ms here, more than a whole service discovery
request (bench/mec011.py), and a client presents the same token for minutes: tokens whose
signature verified are remembered (bounded, least recently used first out), and every use
checks again what can change with time: the key still verifies, the token has not expired,
and it was meant for this audience and issuer (~2 µs). Only tokens with a good signature are
remembered, so a client cannot fill that memory with made-up ones.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry

from meclab.security.bearer import MalformedAuthorization, parse_authorization
from meclab.security.credentials import Client, Credentials
from meclab.security.errors import (
    InsufficientScope,
    InvalidToken,
    MissingToken,
    OAuthError,
    OAuthErrorCode,
    TokenFault,
)
from meclab.security.keys import ALGORITHM, SigningKeys
from meclab.security.scopes import format_scope

DEFAULT_LIFETIME_S = 300
"""Five minutes: short enough that a revoked client loses access soon, long enough that
renewing costs nothing noticeable."""

LEEWAY_S = 5
"""How far the verifier's clock may be from the issuer's (RFC 7519 §4.1.4 allows "a small
leeway"); one process issues and verifies here, so only rounding needs it."""

TOKEN_TYPES = ("at+jwt", "application/at+jwt")
"""The ``typ`` values RFC 9068 §4 accepts (media types: compared case-insensitively)."""

REQUIRED_CLAIMS = ("iss", "sub", "aud", "client_id", "scope", "iat", "nbf", "exp", "jti")

MAX_TOKEN_CHARS = 4096
"""Far more than a meclab token (~600); a longer one is refused before parsing."""

REMEMBERED_TOKENS = 10_000
"""How many verified tokens are remembered: a few per app instance."""

_REGISTRY = JWSRegistry(algorithms=[ALGORITHM])


@dataclass(frozen=True)
class Claims:
    """What a verified access token says."""

    issuer: str
    subject: str
    audience: tuple[str, ...]
    client_id: str
    scopes: frozenset[str]
    issued_at: int
    not_before: int
    expires_at: int
    jwt_id: str

    def require(self, scope: str) -> None:
        """InsufficientScope unless the token holds ``scope``."""
        if scope not in self.scopes:
            raise InsufficientScope(scope)


class TokenService:
    """Issues and verifies the access tokens of one meclab (every MEC host shares its keys).

    ``clock`` gives the time in seconds since the epoch (``time.time``); tests pass a fake one.
    ValueError when ``keys`` would retire a key before the tokens it signed expire.
    """

    def __init__(
        self,
        keys: SigningKeys,
        credentials: Credentials,
        lifetime_s: int = DEFAULT_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if keys.retire_after_s < lifetime_s + LEEWAY_S:
            raise ValueError(
                f"signing keys retire {keys.retire_after_s} s after rotation, before tokens "
                f"of {lifetime_s} s expire: give SigningKeys retire_after_s >= "
                f"{lifetime_s + LEEWAY_S}"
            )
        self.keys = keys
        self.credentials = credentials
        self.lifetime_s = lifetime_s
        self._clock = clock
        self._verified: OrderedDict[str, tuple[str, Claims]] = OrderedDict()
        self._verified_lock = threading.Lock()  # verify() may run in several threads

    def issue(
        self,
        client_id: str,
        secret: str,
        requested_scopes: Collection[str] | None,
        audience: str | Sequence[str],
        issuer: str,
        admit: Callable[[Client], str | Sequence[str] | None] | None = None,
    ) -> tuple[str, int, str]:
        """A token for a client proving itself with ``secret``: (token, expires_in, scope).

        ``requested_scopes`` None asks for every scope the client holds (RFC 6749 §3.3 lets the
        server pick a default). OAuthError ``invalid_client`` for an unknown client or a wrong
        secret, ``invalid_scope`` for a scope it does not hold. ``admit(client)``, once the
        client proved itself, may refuse it this endpoint (raising OAuthError) or give its
        token an audience of its own (None: ``audience``). Slow (the
        secret's hash): call it off the event loop.
        """
        client = self.credentials.check(client_id, secret)
        if client is None:
            raise OAuthError(OAuthErrorCode.INVALID_CLIENT, "unknown client or wrong secret")
        if admit is not None:
            audience = admit(client) or audience
        scopes = client.scopes if requested_scopes is None else frozenset(requested_scopes)
        refused = scopes - client.scopes
        if refused:
            raise OAuthError(
                OAuthErrorCode.INVALID_SCOPE,
                f"the client does not hold {format_scope(refused)}",
            )
        if not scopes:
            raise OAuthError(OAuthErrorCode.INVALID_SCOPE, "the client holds no scope")
        now = int(self._clock())
        scope = format_scope(scopes)
        claims = {
            "iss": issuer,
            "sub": client_id,
            "aud": audience if isinstance(audience, str) else list(audience),
            "client_id": client_id,
            "scope": scope,
            "iat": now,
            "nbf": now,
            "exp": now + self.lifetime_s,
            "jti": secrets.token_urlsafe(16),
        }
        key = self.keys.current
        header = {"typ": TOKEN_TYPES[0], "alg": ALGORITHM, "kid": key.kid}
        token = jwt.encode(header, claims, key, algorithms=[ALGORITHM], default_type=None)
        return token, self.lifetime_s, scope

    def verify(self, token: str, audience: str, issuer: str | Iterable[str]) -> Claims:
        """The claims of ``token`` if it is one of meclab's, valid now, for ``audience`` from
        ``issuer`` (or any of several issuers); InvalidToken saying why not otherwise."""
        with self._verified_lock:
            remembered = self._verified.get(token)
            if remembered is not None:
                self._verified.move_to_end(token)
        if remembered is None:
            kid, claims = self._authentic(token)
            self._remember(token, kid, claims)
        else:
            kid, claims = remembered
            if self.keys.verification_key(kid) is None:
                raise InvalidToken(
                    TokenFault.UNKNOWN_KEY, "the key that signed the token is retired"
                )
        self._check_time(claims)
        if audience not in claims.audience:
            raise InvalidToken(
                TokenFault.AUDIENCE,
                f"the token is for {', '.join(claims.audience)}, not for {audience}",
            )
        issuers = (issuer,) if isinstance(issuer, str) else tuple(issuer)
        if claims.issuer not in issuers:
            raise InvalidToken(
                TokenFault.ISSUER,
                f"the token was issued by {claims.issuer}, not by {' or '.join(issuers)}",
            )
        return claims

    def authenticate(
        self, authorization: str | None, audience: str, issuer: str | Iterable[str]
    ) -> Claims:
        """The claims of the bearer token in an ``Authorization`` header value.

        MissingToken when the header carries no bearer token, InvalidToken when it is not a
        valid one: both StatusErrors (401 with their ``WWW-Authenticate`` challenge).
        """
        token = authorization[7:] if authorization and authorization[:7] == "Bearer " else None
        # A token verified before was well formed then: its header needs no parsing again.
        if token is None or token not in self._verified:
            try:
                token = parse_authorization(authorization)
            except MalformedAuthorization as error:
                raise InvalidToken(TokenFault.MALFORMED, str(error)) from error
        if token is None:
            raise MissingToken()
        return self.verify(token, audience, issuer)

    def _remember(self, token: str, kid: str, claims: Claims) -> None:
        with self._verified_lock:
            self._verified[token] = (kid, claims)
            if len(self._verified) > REMEMBERED_TOKENS:
                self._verified.popitem(last=False)

    def _authentic(self, token: str) -> tuple[str, Claims]:
        """The kid and claims of a token that meclab signed with a key still valid."""
        if len(token) > MAX_TOKEN_CHARS or not token.isascii():
            raise InvalidToken(TokenFault.MALFORMED, "the token is not a meclab access token")
        try:
            signed = jws.extract_compact(token.encode(), registry=_REGISTRY)
        except (JoseError, ValueError) as error:
            raise InvalidToken(
                TokenFault.MALFORMED, "the token is not a signed JWT (JWS compact form)"
            ) from error
        header = signed.headers()
        alg = header.get("alg")
        if alg != ALGORITHM:
            raise InvalidToken(
                TokenFault.ALGORITHM, f"the token is signed with {alg!r}; only ES256 is accepted"
            )
        typ = header.get("typ")
        if not isinstance(typ, str) or typ.lower() not in TOKEN_TYPES:
            raise InvalidToken(TokenFault.TYPE, "the token is not an access token (typ at+jwt)")
        kid = header.get("kid")
        key = self.keys.verification_key(kid) if isinstance(kid, str) else None
        if key is None:
            raise InvalidToken(
                TokenFault.UNKNOWN_KEY, "the token is not signed by a key of this meclab"
            )
        try:
            authentic = jws.validate_compact(
                signed, key, algorithms=[ALGORITHM], registry=_REGISTRY
            )
        except JoseError:
            authentic = False
        if not authentic:
            raise InvalidToken(TokenFault.SIGNATURE, "the token's signature does not verify")
        return kid, _claims(signed.payload)

    def _check_time(self, claims: Claims) -> None:
        now = self._clock()
        if now >= claims.expires_at + LEEWAY_S:
            raise InvalidToken(TokenFault.EXPIRED, "the token has expired")
        if now < claims.not_before - LEEWAY_S:
            raise InvalidToken(TokenFault.NOT_YET_VALID, "the token is not valid yet")


def _claims(payload: bytes | None) -> Claims:
    try:
        values: Any = json.loads(payload or b"")
    except ValueError as error:
        raise InvalidToken(TokenFault.CLAIMS, "the token's claims are not JSON") from error
    if not isinstance(values, dict):
        raise InvalidToken(TokenFault.CLAIMS, "the token's claims are not a JSON object")
    missing = [name for name in REQUIRED_CLAIMS if name not in values]
    if missing:
        raise InvalidToken(TokenFault.CLAIMS, f"the token lacks the claims {', '.join(missing)}")
    audience = values["aud"]
    audiences = (audience,) if isinstance(audience, str) else audience
    strings = ("iss", "sub", "client_id", "scope", "jti")
    times = ("iat", "nbf", "exp")
    if (
        not all(isinstance(values[name], str) for name in strings)
        or not all(_numeric_date(values[name]) for name in times)
        or not isinstance(audiences, list | tuple)
        or not all(isinstance(a, str) for a in audiences)
    ):
        raise InvalidToken(TokenFault.CLAIMS, "the token's claims have the wrong types")
    return Claims(
        issuer=values["iss"],
        subject=values["sub"],
        audience=tuple(audiences),
        client_id=values["client_id"],
        scopes=frozenset(values["scope"].split()),
        issued_at=values["iat"],
        not_before=values["nbf"],
        expires_at=values["exp"],
        jwt_id=values["jti"],
    )


def _numeric_date(value: object) -> bool:
    # RFC 7519 §2 NumericDate; meclab writes whole seconds, so an int is all it accepts (a
    # bool is an int to Python, and not a date).
    return isinstance(value, int) and not isinstance(value, bool)
