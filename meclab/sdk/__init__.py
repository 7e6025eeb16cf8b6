"""meclab's SDK: write the terminal, edge and cloud parts of an edge application.

It speaks to a MEC platform through its public HTTP APIs only (meclab's or any ETSI MEC
platform's) and imports nothing of meclab's server side, so an application's process stays
small: pydantic, aiohttp and the shared wire models.

::

    config.py   where the platform is (PlatformConfig; from the environment)
    errors.py   the one error tree (SdkError and below)
    http.py     the keep-alive session; answers to typed bodies, errors to SdkError
"""

from meclab.sdk.config import PlatformConfig
from meclab.sdk.errors import (
    ConfigError,
    MecApiError,
    PlatformUnreachable,
    SdkError,
    UnexpectedResponse,
)
from meclab.sdk.http import Created, HttpClient, Reply, Tagged

__all__ = [
    "ConfigError",
    "Created",
    "HttpClient",
    "MecApiError",
    "PlatformConfig",
    "PlatformUnreachable",
    "Reply",
    "SdkError",
    "Tagged",
    "UnexpectedResponse",
]
