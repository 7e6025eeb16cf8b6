"""Connections through meclab's data plane, as a terminal, an edge or a cloud component.

A component's bytes feel the emulated network only when they cross meclab's data plane: its
SOCKS5 entry, where the username says who sends. A terminal component names its UE
(``car-circuit-1``); an edge or cloud component names its application (scenario name or
appInstanceId), and its flows then take the path between the two applications' nodes::

    plane = await DataPlane.locate("video-edge")          # MECLAB_SOCKS_URL, else meclab's API
    async with aiohttp.ClientSession(connector=plane.connector()) as session:
        async with session.get("http://video-cloud/frames") as response: ...
    reader, writer = await plane.open_connection("video-cloud", 9000)

Names are sent to the data plane unresolved (``socks5h``): meclab resolves them as MEC DNS
would for the sender (``<app>``, ``<app>.meclab.local``, the DNS rules of the host in charge).

Where the SOCKS5 entry is: ``MECLAB_SOCKS_URL`` (``socks5://127.0.0.1:1080``) when set, else
meclab's control API (``GET /meclab/v1/dataplane`` at the platform URL of
:class:`~meclab.sdk.config.PlatformConfig`, ``MEC_PLATFORM_URL``).

Errors, added to the tree of :mod:`meclab.sdk.errors`::

    SdkError
      ├── PlatformUnreachable     the SOCKS5 entry does not answer (names its URL)
      ├── ConfigError             MECLAB_SOCKS_URL or the identity is malformed; the entry is off
      └── DataPlaneRefused        the data plane refused the connection: ``reply`` is the
            │                     RFC 1928 reply code and ``meaning`` what meclab means by it
            ├── OutOfCoverage     reply 3: the UE has no radio coverage now
            └── UnknownIdentity   the username names no UE or application (RFC 1929 failure)
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from ssl import SSLContext
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import python_socks
from aiohttp.client_proto import ResponseHandler
from aiohttp_socks import ProxyConnector, ProxyType
from pydantic import BaseModel, ConfigDict, ValidationError
from python_socks.async_.asyncio.v2 import Proxy

from meclab.sdk.config import PlatformConfig
from meclab.sdk.errors import ConfigError, PlatformUnreachable, SdkError
from meclab.sdk.http import HttpClient

ENV_SOCKS_URL = "MECLAB_SOCKS_URL"
"""Where the data plane's SOCKS5 entry is, as ``socks5://host:port``."""
CONTROL_PATH = "/meclab/v1/dataplane"
"""meclab's control API resource listing the data plane's entry points (at the root, not under
the ETSI API root)."""
SCHEMES = ("socks5", "socks5h")
"""Both mean the same here: names always go to the data plane unresolved."""
MAX_USERNAME = 255
"""RFC 1929 §2: a username of 1 to 255 octets."""
PASSWORD = "meclab"
"""meclab ignores the password, but RFC 1929 §2 gives it 1 to 255 octets (and python-socks
offers username/password authentication only with a non-empty one)."""
CONNECT_TIMEOUT_S = 10.0

REPLY_MEANINGS: dict[int, str] = {
    1: "general SOCKS server failure",
    2: "connection not allowed by ruleset: a traffic rule drops it, or no sender was named",
    3: "network unreachable: the UE is out of coverage",
    4: "host unreachable: no application of the scenario by that name or address",
    5: "connection refused: the application's process is not listening, or its proxy is down",
    6: "TTL expired",
    7: "command not supported",
    8: "address type not supported",
}
"""RFC 1928 §6 reply codes, with what meclab's data plane means by those it sends."""
NETWORK_UNREACHABLE = 3

SocksError = (
    python_socks.ProxyError | python_socks.ProxyConnectionError | python_socks.ProxyTimeoutError
)
"""What python-socks raises for a connection through a proxy."""
SOCKS_ERRORS = (
    python_socks.ProxyError,
    python_socks.ProxyConnectionError,
    python_socks.ProxyTimeoutError,
)

_AUTH_FAILED = "Username and password authentication failure"
# python_socks reports an RFC 1929 failure status with this message and no code of its own.


class DataPlaneRefused(SdkError):
    """The data plane refused to open a connection to ``host:port`` for ``identity``."""

    def __init__(
        self, identity: str, host: str, port: int, reply: int | None, meaning: str
    ) -> None:
        self.identity = identity
        self.host = host
        self.port = port
        self.reply = reply
        """The RFC 1928 reply code; None when the handshake failed before a reply."""
        self.meaning = meaning
        code = f"SOCKS5 reply {reply}" if reply is not None else "SOCKS5"
        super().__init__(
            f"{identity} -> {host}:{port}: refused by the data plane ({code}: {meaning})"
        )


class OutOfCoverage(DataPlaneRefused):
    """Reply 3, network unreachable: the sending UE has no coverage now."""


class UnknownIdentity(DataPlaneRefused):
    """The data plane knows no UE, terminal app or application by this name."""


@dataclass(frozen=True, slots=True)
class SocksEntry:
    """The data plane's SOCKS5 entry point."""

    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"socks5://{host}:{self.port}"

    @classmethod
    def from_url(cls, url: str, *, what: str = ENV_SOCKS_URL) -> SocksEntry:
        """``socks5://host:port``; ConfigError naming ``what`` when it is not one."""
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ConfigError(f"{what}={url!r} is not a socks5://host:port URL")
        if parts.username is not None:
            raise ConfigError(
                f"{what}={url!r} names a user: the URL names the entry only, the identity "
                "is given to DataPlane"
            )
        try:
            port = parts.port
        except ValueError as exc:
            raise ConfigError(f"{what}={url!r}: {exc}") from exc
        if port is None:
            raise ConfigError(f"{what}={url!r} gives no port")
        return cls(parts.hostname, port)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SocksEntry | None:
        """The entry ``MECLAB_SOCKS_URL`` names, or None when it is not set."""
        url = (os.environ if environ is None else environ).get(ENV_SOCKS_URL, "").strip()
        return cls.from_url(url) if url else None

    @classmethod
    async def discover(cls, config: PlatformConfig) -> SocksEntry:
        """The entry meclab's control API at ``config.url`` lists; ConfigError when off."""
        url = f"{config.url}{CONTROL_PATH}"
        async with HttpClient(config) as http:
            reply = await http.request("GET", url)
        try:
            listed = _EntryPoints.model_validate(reply.body).socks5
        except ValidationError as exc:
            raise ConfigError(f"GET {url}: not meclab's data plane entry points") from exc
        if not listed:
            raise ConfigError(f"GET {url}: the SOCKS5 entry is off (meclab up --socks-port)")
        entry = cls.from_url(f"socks5://{listed}", what=f"GET {url} socks5")
        if entry.host in ("0.0.0.0", "::"):  # listening everywhere: reach it where meclab is
            entry = cls(urlsplit(config.url).hostname or "127.0.0.1", entry.port)
        return entry


class _EntryPoints(BaseModel):
    """What the SDK reads of ``GET /meclab/v1/dataplane``."""

    model_config = ConfigDict(extra="ignore")
    socks5: str | None


class DataPlane:
    """The data plane's SOCKS5 entry used as one identity: a UE (or one of its terminal apps)
    for a terminal component, an application's name or appInstanceId for an edge or cloud one.
    """

    def __init__(
        self, entry: SocksEntry, identity: str, *, timeout_s: float = CONNECT_TIMEOUT_S
    ) -> None:
        size = len(identity.encode("utf-8"))
        if not identity.isascii() or not 1 <= size <= MAX_USERNAME:
            raise ConfigError(
                f"identity {identity!r} must be 1 to {MAX_USERNAME} ASCII characters (RFC 1929)"
            )
        self.entry = entry
        self.identity = identity
        self.timeout_s = timeout_s

    @classmethod
    async def locate(
        cls,
        identity: str,
        config: PlatformConfig | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        timeout_s: float = CONNECT_TIMEOUT_S,
    ) -> DataPlane:
        """The data plane for ``identity``: ``MECLAB_SOCKS_URL`` if set, else what meclab's
        control API at ``config`` (default: :meth:`PlatformConfig.from_env`) lists."""
        entry = SocksEntry.from_env(environ)
        if entry is None:
            entry = await SocksEntry.discover(config or PlatformConfig.from_env(environ))
        return cls(entry, identity, timeout_s=timeout_s)

    def as_identity(self, identity: str) -> DataPlane:
        """The same entry for another sender (a component playing several UEs)."""
        return DataPlane(self.entry, identity, timeout_s=self.timeout_s)

    @property
    def proxy_url(self) -> str:
        """``socks5h://<identity>@host:port``, for tools that take a proxy URL (curl -x)."""
        return self.entry.url.replace("socks5://", f"socks5h://{self.identity}@", 1)

    def connector(self, **kwargs: Any) -> aiohttp.BaseConnector:
        """An aiohttp connector sending every connection through the data plane as this
        identity; refusals raise :class:`DataPlaneRefused` from the request. ``kwargs`` go to
        aiohttp's ``TCPConnector`` (``limit``, ``ssl`` ...)."""
        return _Connector(self, **kwargs)

    async def open_connection(
        self, host: str, port: int
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP stream to ``host:port`` through the data plane as this identity."""
        proxy = Proxy(
            proxy_type=ProxyType.SOCKS5,
            host=self.entry.host,
            port=self.entry.port,
            username=self.identity,
            password=PASSWORD,
            rdns=True,
        )
        try:
            stream = await proxy.connect(dest_host=host, dest_port=port, timeout=self.timeout_s)
        except SOCKS_ERRORS as exc:
            raise self.error(host, port, exc, self.timeout_s) from exc
        return stream.reader, stream.writer

    def error(self, host: str, port: int, exc: SocksError, timeout_s: float | None) -> SdkError:
        """The SDK's error for what python-socks raised connecting to ``host:port``."""
        if isinstance(exc, python_socks.ProxyTimeoutError):
            waited = f" within {timeout_s:g} s" if timeout_s else ""
            return PlatformUnreachable("SOCKS5 CONNECT", self.entry.url, f"no answer{waited}")
        if not isinstance(exc, python_socks.ProxyError):  # could not reach the entry at all
            return PlatformUnreachable("SOCKS5 CONNECT", self.entry.url, str(exc))
        code = exc.error_code
        if code is None:
            if str(exc) == _AUTH_FAILED:
                meaning = f"{self.identity!r} names no UE, terminal app or application (RFC 1929)"
                return UnknownIdentity(self.identity, host, port, None, meaning)
            return DataPlaneRefused(self.identity, host, port, None, str(exc))
        meaning = REPLY_MEANINGS.get(code, "unknown reply code")
        kind = OutOfCoverage if code == NETWORK_UNREACHABLE else DataPlaneRefused
        return kind(self.identity, host, port, code, meaning)


class _Connector(ProxyConnector):
    """aiohttp-socks' connector, its errors turned into the SDK's at this one boundary."""

    def __init__(self, plane: DataPlane, **kwargs: Any) -> None:
        entry = plane.entry
        super().__init__(
            host=entry.host,
            port=entry.port,
            proxy_type=ProxyType.SOCKS5,
            username=plane.identity,
            password=PASSWORD,
            rdns=True,
            **kwargs,
        )
        self._plane = plane

    async def _connect_via_proxy(
        self,
        host: str,
        port: int,
        ssl: SSLContext | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - aiohttp-socks' signature
    ) -> tuple[asyncio.Transport, ResponseHandler]:
        try:
            return await super()._connect_via_proxy(host, port, ssl, timeout)
        except SOCKS_ERRORS as exc:
            # raised here, before aiohttp-socks would wrap it in its own error types
            raise self._plane.error(host, port, exc, timeout) from exc
