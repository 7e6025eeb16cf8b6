"""``MecPlatform``: every ETSI API client of one MEC platform on one keep-alive session.

::

    async with MecPlatform(PlatformConfig.from_env()) as mec:
        users = await mec.location.users(zone_id="zone-a")
        subs = await mec.host("mec-b").rnis.subscriptions()   # one of meclab's MEC hosts

It works with any ETSI MEC platform at ``config``'s base URL and apiRoot; :meth:`host` is
meclab's way to reach one host's platform (``{apiRoot}/hosts/{host}``, as
``GET /meclab/v1/nodes`` shows in each MEC host's ``api_root``).
"""

from __future__ import annotations

from dataclasses import replace
from types import TracebackType
from typing import Self

import aiohttp

from meclab.sdk.clients.ams import AmsClient
from meclab.sdk.clients.app_support import AppSupportClient
from meclab.sdk.clients.location import LocationClient
from meclab.sdk.clients.location_v2 import LocationV2Client
from meclab.sdk.clients.rnis import RnisClient
from meclab.sdk.clients.service_mgmt import ServiceMgmtClient
from meclab.sdk.clients.ueid import UeIdentityClient
from meclab.sdk.clients.wai import WaiClient
from meclab.sdk.config import PlatformConfig
from meclab.sdk.http import HttpClient

HOSTS_PATH = "/hosts"
"""Where meclab serves each MEC host's platform, under its API root."""


class MecPlatform:
    """The clients of one platform: ``app_support``, ``service_mgmt`` (MEC 011), ``rnis``
    (012), ``location`` and ``location_v2`` (013 v3 and v2.2.1), ``wai`` (028), ``ueid`` (014),
    ``ams`` (021)."""

    def __init__(
        self, config: PlatformConfig, *, session: aiohttp.ClientSession | None = None
    ) -> None:
        self.config = config
        self.http = HttpClient(config, session=session)
        self.app_support = AppSupportClient(self.http)
        self.service_mgmt = ServiceMgmtClient(self.http)
        self.rnis = RnisClient(self.http)
        self.location = LocationClient(self.http)
        self.location_v2 = LocationV2Client(self.http)
        self.wai = WaiClient(self.http)
        self.ueid = UeIdentityClient(self.http)
        self.ams = AmsClient(self.http)

    @classmethod
    def from_env(cls) -> MecPlatform:
        """The platform the environment names (:meth:`PlatformConfig.from_env`)."""
        return cls(PlatformConfig.from_env())

    def host(self, name: str) -> MecPlatform:
        """The platform of meclab's MEC host ``name``, on this platform's session."""
        root = f"{self.config.api_root}{HOSTS_PATH}/{name}"
        return MecPlatform(replace(self.config, api_root=root), session=self.http.session())

    async def __aenter__(self) -> Self:
        await self.http.__aenter__()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this platform made it (a :meth:`host` shares its parent's)."""
        await self.http.close()
