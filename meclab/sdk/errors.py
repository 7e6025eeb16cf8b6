"""What the SDK raises, one tree for every API it speaks.

::

    SdkError
      ├── ConfigError          a setting is missing or wrong; names the variable or field
      ├── PlatformUnreachable  no answer from the platform: refused, reset, timed out; names the URL
      ├── AuthenticationFailed the token endpoint refused the client credentials or the scopes;
      │                        carries the OAuth error code and description, names the URL
      ├── MecApiError          the platform answered an error status; carries its ProblemDetails
      ├── UnexpectedResponse   an answer the SDK cannot read (not JSON, not the expected body,
      │                        201 without Location); names what was wrong
      ├── ServiceNotFound      no service the platform lists matches what the app looks for
      ├── UnparseableNotification  a notification body not as its API defines it
      └── SubscriptionGone     the platform knows no such websocket subscription (close 4404)

Lower libraries' errors (aiohttp, pydantic) are turned into these at one boundary,
:mod:`meclab.sdk.http`, so an application catches ``SdkError`` and nothing else.
"""

from __future__ import annotations

from meclab.platform.wire import ProblemDetails


class SdkError(Exception):
    """Base of every error the SDK raises."""


class ConfigError(SdkError):
    """A setting is missing or wrong; the message names it."""


class PlatformUnreachable(SdkError):
    """The platform did not answer: connection refused or reset, DNS failure, timeout."""

    def __init__(self, method: str, url: str, reason: str) -> None:
        self.method = method
        self.url = url
        self.reason = reason
        super().__init__(f"{method} {url}: platform unreachable: {reason}")


class AuthenticationFailed(SdkError):
    """The token endpoint at ``token_url`` answered ``status`` instead of an access token.

    ``error`` is the OAuth 2.0 error code (RFC 6749 §5.2: ``invalid_client`` for an unknown
    client or a wrong secret, ``invalid_scope`` for a scope the client does not hold ...) and
    ``description`` the endpoint's explanation; both None when the answer carried none (an
    endpoint that is no OAuth one, a 404 for an unknown host).
    """

    def __init__(
        self, token_url: str, status: int, error: str | None, description: str | None
    ) -> None:
        self.token_url = token_url
        self.status = status
        self.error = error
        self.description = description
        what = ": ".join(part for part in (error, description) if part) or "no reason given"
        super().__init__(f"POST {token_url}: no access token ({status}): {what}")


class MecApiError(SdkError):
    """The platform answered ``status`` (4xx or 5xx) with the problem details ``problem``."""

    def __init__(self, method: str, url: str, status: int, problem: ProblemDetails) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.problem = problem
        what = problem.detail or problem.title or "no detail given"
        super().__init__(f"{method} {url}: {status} {what}")


class UnexpectedResponse(SdkError):
    """The platform answered something the SDK cannot read as the API defines it."""

    def __init__(self, method: str, url: str, status: int, reason: str) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.reason = reason
        super().__init__(f"{method} {url}: unexpected answer {status}: {reason}")


class ServiceNotFound(SdkError):
    """No service the platform lists matches what the application looks for."""


class UnparseableNotification(SdkError):
    """A notification body the SDK cannot read as its API defines it; ``api`` names the API
    (a :class:`meclab.sdk.notifications.Api` value)."""

    def __init__(self, api: str, reason: str) -> None:
        self.api = api
        self.reason = reason
        super().__init__(f"{api} notification: {reason}")


class SubscriptionGone(SdkError):
    """The platform closed or refused the websocket: it knows no such subscription (any more;
    close 4404)."""

    def __init__(self, uri: str, reason: str) -> None:
        self.uri = uri
        super().__init__(f"{uri}: {reason or 'no websocket subscription with this id'}")
