"""Where a MEC platform is and how to talk to it.

An application reads this from its environment, so that the same code runs against meclab, the
ETSI sandbox or a production platform; the variable names are:

====================  =============================================================
``MEC_PLATFORM_URL``  the platform's base URL, ``http://127.0.0.1:8080`` (required)
``MEC_API_ROOT``      the path prefix before every API (``/sbx1/mep1``); default none
``MEC_ACCESS_TOKEN``  an OAuth 2.0 bearer token sent with every request (MEC 009)
``MEC_CA_FILE``       a PEM file of CA certificates to trust for ``https``
``MEC_TLS_VERIFY``    ``0`` or ``false`` turns certificate checks off (tests only)
====================  =============================================================
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from meclab.sdk.errors import ConfigError

ENV_URL = "MEC_PLATFORM_URL"
ENV_API_ROOT = "MEC_API_ROOT"
ENV_TOKEN = "MEC_ACCESS_TOKEN"
ENV_CA_FILE = "MEC_CA_FILE"
ENV_TLS_VERIFY = "MEC_TLS_VERIFY"

_FALSE = {"0", "false", "no", "off"}


@dataclass(frozen=True, slots=True)
class PlatformConfig:
    """A MEC platform's address, API root and credentials.

    ``verify`` is True (the system's CAs), False (no certificate check) or the path of a CA
    bundle. ``timeout_s`` bounds each request, connection included.
    """

    url: str
    api_root: str = ""
    token: str | None = None
    verify: bool | str = True
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"platform URL {self.url!r} is not an http:// or https:// URL")
        if parts.query or parts.fragment:
            raise ConfigError(f"platform URL {self.url!r} must not carry a query or fragment")
        root = self.api_root.strip()
        if root and not root.startswith("/"):
            raise ConfigError(f"API root {self.api_root!r} must start with '/', as /sbx1/mep1")
        object.__setattr__(self, "url", self.url.rstrip("/"))
        object.__setattr__(self, "api_root", root.rstrip("/"))
        if self.timeout_s <= 0:
            raise ConfigError(f"timeout_s {self.timeout_s} must be positive")

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
        try:
            return cls(
                url=url,
                api_root=env.get(ENV_API_ROOT, ""),
                token=env.get(ENV_TOKEN) or None,
                verify=verify,
            )
        except ConfigError as exc:
            raise ConfigError(f"from the environment ({ENV_URL}, {ENV_API_ROOT}): {exc}") from exc

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
        """The same platform under another API root (another MEC host of a meclab)."""
        return replace(self, api_root=api_root)

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What aiohttp's ``ssl=`` takes for this configuration."""
        if self.verify is False:
            return False
        if self.verify is True:
            return True
        return ssl.create_default_context(cafile=self.verify)
