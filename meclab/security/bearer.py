"""The bearer token of a request, and the challenge that refuses one (RFC 6750).

Only the ``Authorization`` header carries a token (RFC 6750 §2.1). The form-body and query
ways (§2.2, §2.3) are left out: the query one puts tokens into logs and caches, and the
form one ties a token to one content type; neither is needed by any meclab client.
"""

from __future__ import annotations

import re
from enum import StrEnum

REALM = "meclab"

_BEARER = re.compile(r"Bearer +(?P<token>\S*) *", re.IGNORECASE)
"""``Bearer`` (an auth-scheme is case-insensitive, RFC 9110 §11.1) then the credentials."""

_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
"""RFC 6750 §2.1 ``b64token``."""

_NOT_QUOTABLE = re.compile(r"[^\x20\x21\x23-\x5b\x5d-\x7e]")
"""What RFC 6750 §3 forbids in ``error_description`` and ``scope``: ``"``, ``\\``, controls and
anything beyond ASCII."""


class BearerError(StrEnum):
    """The ``error`` codes of a Bearer challenge (RFC 6750 §3.1)."""

    INVALID_REQUEST = "invalid_request"
    INVALID_TOKEN = "invalid_token"
    INSUFFICIENT_SCOPE = "insufficient_scope"


class MalformedAuthorization(ValueError):
    """An ``Authorization: Bearer`` header whose credentials are not a token (RFC 6750 §2.1).

    A request carrying one answers 401 ``invalid_token`` like any other bad token.
    """


def parse_authorization(header: str | None) -> str | None:
    """The bearer token in an ``Authorization`` header value.

    None when there is no header or it uses another scheme (``Basic`` ...): the request
    presents no bearer token, and the answer is a bare challenge (RFC 6750 §3.1 asks for no
    error code then). MalformedAuthorization for ``Bearer`` followed by no token, by several,
    or by characters a token cannot hold.
    """
    if header is None:
        return None
    bearer = _BEARER.fullmatch(header)
    if bearer is None:
        if header.split(" ", 1)[0].lower() == "bearer":
            raise MalformedAuthorization("the Bearer credentials are not one token")
        return None
    token = bearer["token"]
    if not _B64TOKEN.fullmatch(token):
        raise MalformedAuthorization("the Bearer credentials are not a token (RFC 6750 §2.1)")
    return token


def _quoted(value: str) -> str:
    # A client must be able to parse the header whatever the description says: drop what a
    # quoted-string here may not hold rather than escape it (RFC 6750 §3 allows no escapes).
    return '"' + _NOT_QUOTABLE.sub("?", value) + '"'


def challenge(
    error: BearerError | None = None,
    description: str | None = None,
    scope: str | None = None,
    *,
    realm: str = REALM,
) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750 §3): ``Bearer realm="meclab", error="...", ...``.

    Without ``error`` it is the bare challenge for a request that sent no token.
    """
    params = [f"realm={_quoted(realm)}"]
    if error is not None:
        params.append(f"error={_quoted(error)}")
    if description:
        params.append(f"error_description={_quoted(description)}")
    if scope:
        params.append(f"scope={_quoted(scope)}")
    return "Bearer " + ", ".join(params)
