"""Access tokens the SDK obtains by itself: OAuth 2.0 client credentials (RFC 6749 §4.4).

A :class:`~meclab.sdk.config.PlatformConfig` with a client id and secret gives its
:class:`~meclab.sdk.http.HttpClient` a :class:`TokenSource`, which

* asks the token endpoint for a token when a request first needs one: ``POST`` of
  ``grant_type=client_credentials`` (and ``scope`` when the config names scopes), the client
  authenticated by HTTP Basic (``client_secret_basic``, id and secret form-encoded first,
  §2.3.1: the method every server must support);
* keeps it, and fetches the next one when little of its lifetime is left (see
  :func:`renewal_margin_s`), so that no request carries a token about to expire;
* fetches one at a time: requests that need a token while a fetch is under way wait for that
  fetch, and all share its token (or its error);
* drops the token when an API refuses it (401 ``invalid_token``, RFC 6750 §3.1: revoked, or
  the platform's clock is ahead of ours), so that the one retry of the request gets a new one.

The source does no I/O of its own: the client hands it a :data:`Post` that sends the request
on the client's session (its TLS trust, its timeout, its errors). A refusal by the token
endpoint raises :class:`~meclab.sdk.errors.AuthenticationFailed`; no answer at all,
:class:`~meclab.sdk.errors.PlatformUnreachable` naming the token URL.

Time is read from ``clock`` (``time.monotonic``): a token's end is when it was asked for plus
``expires_in``, counted on the client's clock, so a difference between the two machines'
clocks does not matter.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import math
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus, urlencode

from meclab.sdk.config import PlatformConfig
from meclab.sdk.errors import AuthenticationFailed, ConfigError, UnexpectedResponse

log = logging.getLogger(__name__)

GRANT_TYPE = "client_credentials"
FORM = "application/x-www-form-urlencoded"

RENEW_FRACTION = 0.2
"""A token is renewed when less than this part of its lifetime is left ..."""
RENEW_MIN_S = 30.0
"""... or less than this many seconds, whichever is more: time for a slow token endpoint to
answer, and for a request that starts with the token to reach the platform."""

Post = Callable[[str, bytes, Mapping[str, str]], Awaitable[tuple[int, Any]]]
"""Sends ``POST url`` with a form body and headers; the status and the JSON body (None when
the body is empty or not JSON). Raises PlatformUnreachable when there is no answer."""

_AUTH_PARAM = re.compile(r'([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)')
"""An auth-param of a challenge (RFC 9110 §11.2), its value a token or a quoted-string: read
whole, so a quoted ``error_description`` cannot pass for an ``error``."""


def renewal_margin_s(lifetime_s: float) -> float:
    """How long before its end a token of ``lifetime_s`` is renewed: a fifth of its lifetime
    or 30 s, whichever is more, but at most half of it (else a short-lived token would be
    renewed on every request). For meclab's 300 s tokens: 60 s."""
    return min(max(RENEW_FRACTION * lifetime_s, RENEW_MIN_S), lifetime_s / 2)


def bearer_error(challenge: str | None) -> str | None:
    """The ``error`` code of a ``WWW-Authenticate: Bearer ...`` value (RFC 6750 §3), or None
    when it has none or is no Bearer challenge."""
    if challenge is None:
        return None
    scheme, _, params = challenge.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    for name, value in _AUTH_PARAM.findall(params):
        if name.lower() == "error":
            return value[1:-1] if value.startswith('"') else value
    return None


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A token as the endpoint gave it, with when (on the source's clock) to renew it."""

    value: str = field(repr=False)
    scope: str | None
    """The scopes granted, as the endpoint listed them (None: it did not say)."""
    expires_at: float
    """When it ends; infinite when the endpoint gave no ``expires_in``: it is then used until
    an API refuses it."""
    renew_at: float


def read_token_answer(url: str, status: int, body: Any, sent_at: float) -> AccessToken:
    """The token in a token endpoint's answer (RFC 6749 §5.1) to a request sent at
    ``sent_at``; AuthenticationFailed for a refusal (§5.2), UnexpectedResponse for an answer
    that is neither."""
    if status != 200:
        error = description = None
        if isinstance(body, dict):
            error = body.get("error") if isinstance(body.get("error"), str) else None
            text = body.get("error_description")
            description = text if isinstance(text, str) else None
        raise AuthenticationFailed(url, status, error, description)
    if not isinstance(body, dict):
        raise UnexpectedResponse("POST", url, status, "the token answer is not a JSON object")
    value, kind, lifetime = body.get("access_token"), body.get("token_type"), body.get("expires_in")
    if not isinstance(value, str) or not value:
        raise UnexpectedResponse("POST", url, status, "the token answer has no access_token")
    if not isinstance(kind, str) or kind.lower() != "bearer":
        # RFC 6749 §7.1: a client must not use a token whose type it does not understand.
        raise UnexpectedResponse("POST", url, status, f"token_type {kind!r} is not Bearer")
    if lifetime is None:
        expires_at = renew_at = math.inf
    elif isinstance(lifetime, int | float) and not isinstance(lifetime, bool) and lifetime > 0:
        expires_at = sent_at + lifetime
        renew_at = expires_at - renewal_margin_s(lifetime)
    else:
        raise UnexpectedResponse("POST", url, status, f"expires_in {lifetime!r} is not positive")
    scope = body.get("scope")
    return AccessToken(value, scope if isinstance(scope, str) else None, expires_at, renew_at)


class TokenSource:
    """The access tokens of ``config``'s client (see the module docstring).

    One source serves every request of the clients it is given to, from one event loop.
    ConfigError when ``config`` has no client credentials.
    """

    def __init__(
        self, config: PlatformConfig, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if not config.client_id or not config.client_secret:
            raise ConfigError("a token source needs a config with client_id and client_secret")
        self.url = config.token_endpoint()
        self._clock = clock
        form = {"grant_type": GRANT_TYPE}
        if config.scopes:
            form["scope"] = " ".join(config.scopes)
        self._form = urlencode(form).encode()
        # §2.3.1: id and secret are form-encoded, then joined and base64-encoded.
        pair = f"{quote_plus(config.client_id)}:{quote_plus(config.client_secret)}"
        self._headers = {
            "Authorization": "Basic " + base64.b64encode(pair.encode()).decode(),
            "Content-Type": FORM,
            "Accept": "application/json",
        }
        self._current: AccessToken | None = None
        self._fetching: asyncio.Future[AccessToken] | None = None

    @property
    def current(self) -> AccessToken | None:
        """The token held now, if any (it may be due for renewal)."""
        return self._current

    async def token(self, post: Post) -> str:
        """A token good for a request now: the one held, or a new one fetched with ``post``."""
        current = self._current
        if current is not None and self._clock() < current.renew_at:
            return current.value
        if self._fetching is None:
            self._fetching = asyncio.ensure_future(self._fetch(post))
            self._fetching.add_done_callback(self._fetched)
        # shield: a caller cancelled while it waits leaves the fetch to the others waiting.
        return (await asyncio.shield(self._fetching)).value

    def invalidate(self, token: str) -> None:
        """Drop ``token`` (an API refused it), unless a newer one replaced it already."""
        if self._current is not None and self._current.value == token:
            self._current = None

    async def _fetch(self, post: Post) -> AccessToken:
        sent_at = self._clock()
        status, body = await post(self.url, self._form, self._headers)
        token = read_token_answer(self.url, status, body, sent_at)
        self._current = token
        log.debug("access token from %s, scope %s", self.url, token.scope)
        return token

    def _fetched(self, fetch: asyncio.Future[AccessToken]) -> None:
        self._fetching = None
        if not fetch.cancelled():
            # Retrieved here, so that a failed fetch nobody waits for any more logs nothing;
            # the callers waiting get the error from their own await.
            fetch.exception()
