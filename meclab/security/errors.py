"""What goes wrong with identities and tokens, and what each fault answers.

::

    SecurityError
      ├── MissingToken                       401 + a bare ``WWW-Authenticate: Bearer`` challenge
      │                                      (RFC 6750 §3.1: no error code for a request that
      │                                      sent no token); a StatusError
      ├── InvalidToken(fault, description)   401 + WWW-Authenticate: Bearer error="invalid_token"
      │                                      (RFC 6750 §3.1); a StatusError, so meclab's problem
      │                                      handlers answer it as problem details
      ├── InsufficientScope(needed)          403 + WWW-Authenticate: Bearer
      │                                      error="insufficient_scope"; a StatusError too
      ├── OAuthError(error, description)     a token request refused (RFC 6749 §5.2); only the
      │                                      token endpoint answers it, in OAuth's own JSON
      ├── UnknownClient(client_id)           no such client (a caller's mistake, not a client's)
      ├── UnknownScope(scopes)               a scope name meclab does not define
      ├── InsecureFile(path, mode)           a secret file or directory others may read
      └── DamagedFile(path, reason)          a keys or credentials file meclab did not write

The token faults are told apart by :class:`TokenFault` so that an audit log or a metric can
count them by kind without parsing sentences.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from meclab.errors import StatusError
from meclab.security.bearer import BearerError, challenge


class SecurityError(Exception):
    """The root of this package's errors."""


class TokenFault(StrEnum):
    """Why an access token was refused."""

    MALFORMED = "malformed"
    TYPE = "type"
    ALGORITHM = "algorithm"
    UNKNOWN_KEY = "unknown_key"
    SIGNATURE = "signature"
    CLAIMS = "claims"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    AUDIENCE = "audience"
    ISSUER = "issuer"


class MissingToken(SecurityError, StatusError):
    """A request to a protected API with no bearer token."""

    def __init__(self) -> None:
        super().__init__(
            "this API needs an access token (Authorization: Bearer), from the MEC host's "
            "token endpoint",
            status=401,
            headers={"WWW-Authenticate": challenge()},
        )


class InvalidToken(SecurityError, StatusError):
    """An access token that must not be honoured: missing claims, a bad signature, expired ...

    ``description`` says what is wrong in plain words, for the client's developer; it names no
    secret.
    """

    def __init__(self, fault: TokenFault, description: str) -> None:
        headers = {
            "WWW-Authenticate": challenge(error=BearerError.INVALID_TOKEN, description=description)
        }
        super().__init__(description, status=401, headers=headers)
        self.fault = fault
        self.description = description


class InsufficientScope(SecurityError, StatusError):
    """A valid token without the scope an operation needs."""

    def __init__(self, needed: str) -> None:
        description = f"this operation needs the scope {needed}"
        headers = {
            "WWW-Authenticate": challenge(
                error=BearerError.INSUFFICIENT_SCOPE, description=description, scope=needed
            )
        }
        super().__init__(description, status=403, headers=headers)
        self.needed = needed


class OAuthErrorCode(StrEnum):
    """The ``error`` codes of RFC 6749 §5.2 this token endpoint can answer.

    ``invalid_grant`` never arises: the client credentials grant carries no authorization
    grant that could be invalid. ``unauthorized_client`` is a client asking an endpoint that
    does not serve it (another MEC host's, or the operator's).
    """

    INVALID_REQUEST = "invalid_request"
    INVALID_CLIENT = "invalid_client"
    UNAUTHORIZED_CLIENT = "unauthorized_client"
    UNSUPPORTED_GRANT_TYPE = "unsupported_grant_type"
    INVALID_SCOPE = "invalid_scope"


class OAuthError(SecurityError):
    """A token request refused, with its RFC 6749 §5.2 error code and a plain description."""

    def __init__(self, error: OAuthErrorCode, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description

    @property
    def status(self) -> int:
        """401 for a client that failed to authenticate (§5.2), 400 for everything else."""
        return 401 if self.error is OAuthErrorCode.INVALID_CLIENT else 400


class UnknownClient(SecurityError, KeyError):
    """No client holds this id."""

    def __init__(self, client_id: str) -> None:
        super().__init__(f"no client {client_id!r}")
        self.client_id = client_id

    def __str__(self) -> str:
        # KeyError would quote the whole message again.
        return str(self.args[0])


class UnknownScope(SecurityError, ValueError):
    """Scope names meclab does not define (it lists them, to catch a typo at once)."""

    def __init__(self, scopes: Iterable[str]) -> None:
        self.scopes = sorted(scopes)
        super().__init__(
            f"unknown scope(s) {', '.join(self.scopes)}: a scope is '<api>:read' or '<api>:write'"
        )


class InsecureFile(SecurityError):
    """A file or directory holding secrets that others than its owner may read or change."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(
            f"{path} has mode {mode:o}: others than its owner may use it; "
            "make it owner-only (chmod go-rwx) or remove it to start afresh"
        )
        self.path = path
        self.mode = mode


class DamagedFile(SecurityError, ValueError):
    """A keys or credentials file that is not what meclab writes (edited, truncated ...)."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}; restore it, or remove it to start afresh")
        self.path = path
