"""The token endpoint (RFC 6749 §4.4, client credentials) and the JWKS, as FastAPI routes.

====== ================= ===================================================================
POST   /oauth2/token     200 ``{access_token, token_type, expires_in, scope}`` (§5.1), or a
                         §5.2 error: 400, or 401 + ``WWW-Authenticate: Basic`` for
                         ``invalid_client``
GET    /oauth2/jwks      200 the public keys that verify tokens (RFC 7517 §5)
====== ================= ===================================================================

The token endpoint answers its errors as RFC 6749 §5.2 JSON (``{"error", "error_description"}``),
not as the RFC 7807 problem details of every other meclab route: OAuth clients (the SDK,
authlib, requests-oauthlib, curl scripts) read ``error`` from that body, and the RFC makes
it the endpoint's contract. An unknown host still answers meclab's 404 problem (``issuer_of``
raises it): that is no token request.

A request, in the order it is checked (first failure answers):

1. the body is ``application/x-www-form-urlencoded`` UTF-8 with each parameter at most once
   (§3.2): else ``invalid_request``;
2. ``grant_type`` is present (else ``invalid_request``) and ``client_credentials`` (else
   ``unsupported_grant_type``);
3. ``scope``, if given, is a list of scope names (§3.3; else ``invalid_scope``);
4. the client authenticates by one of HTTP Basic (``client_secret_basic``, id and secret
   form-encoded, §2.3.1) and ``client_id`` with ``client_secret`` in the body
   (``client_secret_post``): both, or a body ``client_id`` unlike the Basic one, is an
   ``invalid_request`` (§2.3); neither, another scheme or a wrong secret ``invalid_client``;
5. it holds every scope asked for (none asked: all it holds): else ``invalid_scope``.

A parameter sent with an empty value counts as absent (§3.1).
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from meclab.security.bearer import REALM
from meclab.security.credentials import Client
from meclab.security.errors import OAuthError, OAuthErrorCode
from meclab.security.scopes import parse_scope
from meclab.security.tokens import TokenService

FORM = "application/x-www-form-urlencoded"
GRANT_TYPE = "client_credentials"
JWK_SET = "application/jwk-set+json"
"""RFC 7517 §8.5.1."""

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
"""RFC 6749 §5.1: a response carrying a token must not be cached."""

MAX_FIELDS = 16
"""More parameters than any token request needs (five at most)."""

_OAUTH_ERROR = {
    "content": {
        "application/json": {
            "example": {"error": "invalid_client", "error_description": "..."},
        }
    }
}

IssuerOf = Callable[[str | None], str]
AudienceOf = Callable[[str | None], str | Sequence[str]]
Admit = Callable[[str | None, Client], str | Sequence[str] | None]


def _form(request: Request, body: bytes) -> dict[str, str]:
    """The request's parameters, blank ones dropped (§3.1); invalid_request if malformed."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != FORM:
        raise OAuthError(OAuthErrorCode.INVALID_REQUEST, f"the body must be {FORM}")
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=True,
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise OAuthError(
            OAuthErrorCode.INVALID_REQUEST, "the body is not a form of UTF-8 parameters"
        ) from error
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise OAuthError(
                OAuthErrorCode.INVALID_REQUEST, f"the parameter {name} is given more than once"
            )
        form[name] = value
    return {name: value for name, value in form.items() if value}


def _basic(authorization: str) -> tuple[str, str]:
    """(client id, secret) from an ``Authorization`` value; invalid_client if not Basic."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError(
            OAuthErrorCode.INVALID_CLIENT,
            f"{scheme} is not a client authentication meclab accepts: use Basic",
        )
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise OAuthError(
            OAuthErrorCode.INVALID_CLIENT, "the Basic credentials are not base64 of UTF-8"
        ) from error
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise OAuthError(OAuthErrorCode.INVALID_CLIENT, "the Basic credentials lack the ':'")
    # §2.3.1: id and secret are form-encoded before they are joined.
    return unquote_plus(client_id), unquote_plus(secret)


def _client(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """(client id, secret) by whichever one method the client used."""
    authorization = request.headers.get("authorization")
    if authorization is not None:
        if "client_secret" in form:
            raise OAuthError(
                OAuthErrorCode.INVALID_REQUEST,
                "the client authenticates twice (Authorization and client_secret): use one",
            )
        client_id, secret = _basic(authorization)
        if form.get("client_id", client_id) != client_id:
            raise OAuthError(
                OAuthErrorCode.INVALID_REQUEST, "client_id differs from the Basic credentials"
            )
        return client_id, secret
    if "client_id" in form and "client_secret" in form:
        return form["client_id"], form["client_secret"]
    raise OAuthError(
        OAuthErrorCode.INVALID_CLIENT,
        "no client authentication: send HTTP Basic, or client_id and client_secret",
    )


def _error_response(error: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        # §5.2: a 401 names the scheme the client should use.
        headers["WWW-Authenticate"] = f'Basic realm="{REALM}"'
    body = {"error": str(error.error), "error_description": error.description}
    return JSONResponse(body, status_code=error.status, headers=headers)


def token_router(
    service: TokenService,
    issuer_of: IssuerOf,
    audience_of: AudienceOf | None = None,
    admit: Admit | None = None,
) -> APIRouter:
    """The token endpoint and the JWKS of a MEC host.

    Include the router where a host's APIs are (``/hosts/{host}``, and the root for the default
    host): ``issuer_of(host)`` gives the issuer its tokens name, ``host`` being the ``{host}``
    path parameter, None where the router is mounted without one. ``audience_of(host)`` gives
    their audience (the issuer by default: the host itself). Either may raise a meclab
    StatusError, e.g. a 404 for an unknown host. ``admit(host, client)`` may refuse a client
    that proved itself this endpoint's tokens, raising OAuthError (``unauthorized_client``), or
    give its tokens an audience of their own (returning it; None for ``audience_of``'s).
    """
    audience_for = audience_of or issuer_of
    router = APIRouter(tags=["OAuth 2.0"])

    @router.post(
        "/oauth2/token",
        summary="Obtain an access token (OAuth 2.0 client credentials)",
        responses={
            200: {"description": "An access token (RFC 6749 §5.1)"},
            400: {"description": "A refused token request (RFC 6749 §5.2)", **_OAUTH_ERROR},
            401: {"description": "Client authentication failed", **_OAUTH_ERROR},
        },
    )
    async def token(request: Request) -> Response:
        host = request.path_params.get("host")
        issuer, audience = issuer_of(host), audience_for(host)
        try:
            form = _form(request, await request.body())
            grant_type = form.get("grant_type")
            if grant_type is None:
                raise OAuthError(OAuthErrorCode.INVALID_REQUEST, "grant_type is missing")
            if grant_type != GRANT_TYPE:
                raise OAuthError(
                    OAuthErrorCode.UNSUPPORTED_GRANT_TYPE,
                    f"grant_type {grant_type!r}: meclab serves only {GRANT_TYPE}",
                )
            try:
                scopes = parse_scope(form["scope"]) if "scope" in form else None
            except ValueError as error:
                raise OAuthError(OAuthErrorCode.INVALID_SCOPE, str(error)) from error
            client_id, secret = _client(request, form)
            # The secret's hash takes tens of milliseconds: not on the event loop.
            access_token, expires_in, scope = await run_in_threadpool(
                service.issue,
                client_id,
                secret,
                scopes,
                audience,
                issuer,
                None if admit is None else functools.partial(admit, host),
            )
        except OAuthError as error:
            return _error_response(error)
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": expires_in,
            "scope": scope,
        }
        return JSONResponse(body, headers=NO_STORE)

    @router.get(
        "/oauth2/jwks",
        summary="The public keys that verify this platform's access tokens (JWK Set)",
    )
    async def jwks() -> Response:
        # no-cache: a client revalidates each time, so it sees a rotation's new key at once.
        return JSONResponse(
            service.keys.jwks(), media_type=JWK_SET, headers={"Cache-Control": "no-cache"}
        )

    return router
