"""Where a MEC platform is and how to talk to it.

An application reads this from its environment, so that the same code runs against meclab, the
ETSI sandbox or a production platform; the variable names are:

====================  =============================================================
``MEC_PLATFORM_URL``  the platform's base URL, ``http://127.0.0.1:8080`` (required)
``MEC_API_ROOT``      the path prefix before every API (``/sbx1/mep1``); default none
``MEC_ACCESS_TOKEN``  an OAuth 2.0 bearer token sent with every request (MEC 009), as it is
``MEC_CLIENT_ID``     the app's OAuth 2.0 client id: the SDK then obtains its tokens itself
``MEC_CLIENT_SECRET`` that client's secret (both or neither; not with MEC_ACCESS_TOKEN)
``MEC_TOKEN_URL``     the token endpoint; default ``{MEC_PLATFORM_URL}{MEC_API_ROOT}/oauth2/token``
``MEC_SCOPES``        the scopes to ask for, space-separated; default all the client holds
``MEC_CA_FILE``       a PEM file of CA certificates to trust for ``https``
``MEC_TLS_VERIFY``    ``0`` or ``false`` turns certificate checks off (tests only)
====================  =============================================================

A static token is for a platform that hands out tokens some other way; with a client id and
secret the SDK asks the token endpoint for a token (OAuth 2.0 client credentials, RFC 6749
§4.4, as MEC 009 prescribes) and renews it as it nears its end (:mod:`meclab.sdk.tokens`).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from meclab.sdk.errors import ConfigError

ENV_URL = "MEC_PLATFORM_URL"
ENV_API_ROOT = "MEC_API_ROOT"
ENV_TOKEN = "MEC_ACCESS_TOKEN"
ENV_CLIENT_ID = "MEC_CLIENT_ID"
ENV_CLIENT_SECRET = "MEC_CLIENT_SECRET"
ENV_TOKEN_URL = "MEC_TOKEN_URL"
ENV_SCOPES = "MEC_SCOPES"
ENV_CA_FILE = "MEC_CA_FILE"
ENV_TLS_VERIFY = "MEC_TLS_VERIFY"

_FALSE = {"0", "false", "no", "off"}

TOKEN_PATH = "/oauth2/token"
"""Where a MEC host's token endpoint is, under its API root (meclab's; MEC 009 leaves it to
the platform, so another platform is given ``token_url``)."""


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """A MEC platform's address, API root and credentials.

    ``verify`` is True (the system's CAs), False (no certificate check) or the path of a CA
    bundle; the token endpoint is reached with the same. ``timeout_s`` bounds each request,
    connection included.

    Credentials are either a static bearer ``token`` or an OAuth 2.0 client (``client_id`` and
    ``client_secret``), for which the SDK obtains tokens at ``token_url`` (None: the token
    endpoint of the API root, :meth:`token_endpoint`) for ``scopes`` (None: every scope the
    client holds). Neither the token nor the secret shows in the ``repr``.
    """

    url: str
    api_root: str = ""
    token: str | None = field(default=None, repr=False)
    verify: bool | str = True
    timeout_s: float = 10.0
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    token_url: str | None = None
    scopes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        _check_url(self.url, "platform URL")
        root = self.api_root.strip()
        if root and not root.startswith("/"):
            raise ConfigError(f"API root {self.api_root!r} must start with '/', as /sbx1/mep1")
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "api_root", root.rstrip("/"))
        if self.timeout_s <= 0:
            raise ConfigError(f"timeout_s {self.timeout_s} must be positive")
        _check_credentials(self.token, self.client_id, self.client_secret, _FIELDS)
        if not self.client_id and (self.token_url is not None or self.scopes is not None):
            raise ConfigError("token_url and scopes need client_id and client_secret")
        if self.token_url is not None:
            _check_url(self.token_url, "token URL")
        if self.scopes is not None:
            scopes = tuple(self.scopes)
            if not scopes or any(scope.split() != [scope] for scope in scopes):
                raise ConfigError(f"scopes {scopes!r}: one or more names, each without spaces")
            object.__setattr__(self, "scopes", scopes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> PlatformConfig:
        """The configuration the environment gives (see the module docstring for the names)."""
        env = os.environ if environ is None else environ
        url = env.get(ENV_URL, "").strip()
        if not url:
            raise ConfigError(f"{ENV_URL} is not set: give the MEC platform's base URL")
        verify: bool | str = True
        if env.get(ENV_CA_FILE):
            verify = env[ENV_CA_FILE]
            if not os.path.isfile(verify):
                raise ConfigError(f"{ENV_CA_FILE}={verify}: no such file")
        if env.get(ENV_TLS_VERIFY, "").strip().lower() in _FALSE:
            verify = False
        token = env.get(ENV_TOKEN) or None
        client_id = env.get(ENV_CLIENT_ID, "").strip() or None
        client_secret = env.get(ENV_CLIENT_SECRET, "").strip() or None
        _check_credentials(token, client_id, client_secret, _VARIABLES)
        scopes = tuple(env.get(ENV_SCOPES, "").split()) or None
        try:
            return cls(
                url=url,
                api_root=env.get(ENV_API_ROOT, ""),
                token=token,
                verify=verify,
                client_id=client_id,
                client_secret=client_secret,
                token_url=env.get(ENV_TOKEN_URL, "").strip() or None,
                scopes=scopes,
            )
        except ConfigError as exc:
            names = ", ".join((ENV_URL, ENV_API_ROOT, ENV_TOKEN_URL, ENV_SCOPES))
            raise ConfigError(f"from the environment ({names}): {exc}") from exc

    def api_url(self, path: str) -> str:
        """The absolute URL of ``path`` (``/rni/v2/queries/rab_info``) on this platform.

        A path that is already an absolute URL (a ``Location`` header, a ``_links`` href) is
        used as it is.
        """
        if urlsplit(path).scheme:
            return path
        if not path.startswith("/"):
            raise ConfigError(f"API path {path!r} must start with '/'")
        return f"{self.url}{self.api_root}{path}"

    def with_api_root(self, api_root: str) -> PlatformConfig:
        """The same platform under another API root (another MEC host of a meclab); without
        a ``token_url`` its tokens then come from that root's token endpoint."""
        return replace(self, api_root=api_root)

    def token_endpoint(self) -> str:
        """Where client credentials are exchanged for tokens: ``token_url``, else the token
        endpoint under this API root (``{url}{api_root}/oauth2/token``: a MEC host issues the
        tokens its APIs accept; under meclab's control root, the operator's)."""
        return self.token_url or f"{self.url}{self.api_root}{TOKEN_PATH}"

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What aiohttp's ``ssl=`` takes for this configuration."""
        if self.verify is False:
            return False
        if self.verify is True:
            return True
        return ssl.create_default_context(cafile=self.verify)


_FIELDS = ("token", "client_id", "client_secret")
_VARIABLES = (ENV_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET)


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{what} {url!r} is not an http:// or https:// URL")
    if parts.query or parts.fragment:
        raise ConfigError(f"{what} {url!r} must not carry a query or fragment")


def _check_credentials(
    token: str | None,
    client_id: str | None,
    client_secret: str | None,
    names: tuple[str, str, str],
) -> None:
    """A static token, or a client id with its secret, or nothing; ``names`` are the token's,
    the id's and the secret's (fields or environment variables), for the message."""
    token_name, id_name, secret_name = names
    if bool(client_id) != bool(client_secret):
        missing, given = (secret_name, id_name) if client_id else (id_name, secret_name)
        raise ConfigError(f"{missing} is missing: {given} is given, and one needs the other")
    if token and client_id:
        raise ConfigError(
            f"{token_name} and {id_name} are both given: use a static token or client "
            "credentials, not both"
        )
