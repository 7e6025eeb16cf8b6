"""meclab in secure mode with two tenants on one MEC host, for the ownership tests (issue 12).

The lab world (tests/conftest.py) with two more application instances on ``mec-a``, both of
yours (``emulated: false``: they start INSTANTIATED) and both requiring the AMS and UE
identity (so their tokens may write there)::

    mec-a  edge-app (emulated)
           app-a    DNS rule dns-a, traffic rule tr-a
           app-b

:func:`secured` serves meclab with an :class:`~meclab.security.authority.Authority` and gets
every token over HTTP, as a client does: the operator's from its secret file, an app's from
the credential the operator asks for (``POST /meclab/v1/apps/{name}/credentials``) and its
host's token endpoint. :func:`check_owned` is the ownership matrix for one operation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from helpers import BASE_URL, problem
from secured import Tokens

from meclab.app import create_app
from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.security.authority import Authority

CONTROL = "/meclab/v1"
REQUIRED = [{"name": "amsi"}, {"name": "ue-identity"}]
"""The platform services both tenants require: their tokens then write to AMS and MEC 014."""


def tenants_document(lab: dict[str, Any]) -> dict[str, Any]:
    """The lab scenario with app-a and app-b on mec-a (module docstring)."""
    mec_a = lab["domains"][0]["zones"][0]["mec_hosts"][0]
    mec_a["apps"] += [
        {
            "name": "app-a",
            "emulated": False,
            "services_required": REQUIRED,
            "dns_rules": [{"id": "dns-a", "domain_name": "a.example", "ip_address": "10.0.0.10"}],
            "traffic_rules": [
                {
                    "id": "tr-a",
                    "priority": 1,
                    "filters": [{"dst_address": ["10.0.0.10/32"], "dst_port": ["8080"]}],
                    "action": "FORWARD_DECAPSULATED",
                }
            ],
        },
        {"name": "app-b", "emulated": False, "services_required": REQUIRED},
    ]
    return lab


@dataclass
class Tenants:
    """meclab served in secure mode, and the credentials of its callers."""

    app: FastAPI
    client: httpx.AsyncClient
    authority: Authority
    operator: dict[str, str] = field(default_factory=dict)
    """The operator's Authorization header."""
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._tokens = Tokens(self.client, self.authority)

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    def instance(self, name: str) -> str:
        """The appInstanceId of a scenario application."""
        return self.platforms.app_named(name).app_instance_id

    async def login_operator(self) -> None:
        self.operator = await self._tokens.operator()

    async def as_app(self, name: str) -> dict[str, str]:
        """The Authorization header of scenario application ``name`` (enrolled once)."""
        if name not in self.tokens:
            self.tokens[name] = await self._tokens.app(name)
        return self.tokens[name]


@asynccontextmanager
async def secured(runtime: Runtime, directory: Path) -> AsyncIterator[Tenants]:
    """meclab's app on ``runtime`` in secure mode (its security files in ``directory``),
    started, not ticking, with the operator logged in."""
    authority = Authority(directory / "security")
    app = create_app(runtime, tick=False, base_url=BASE_URL, data_dir=directory, security=authority)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client,
    ):
        tenants = Tenants(app, client, authority)
        await tenants.login_operator()
        yield tenants


@dataclass(frozen=True)
class Call:
    """One request on a resource app-a owns."""

    method: str
    url: str
    body: Any = None
    status: int = 200
    """What the owner (and the operator) gets."""
    read: str | None = None
    """A URL whose representation (read with app-a's token) a refusal must leave unchanged."""
    headers: dict[str, str] = field(default_factory=dict)


Setup = Callable[[Tenants], Awaitable[Call]]


async def _send(tenants: Tenants, call: Call, auth: dict[str, str]) -> httpx.Response:
    return await tenants.client.request(
        call.method, call.url, json=call.body, headers={**call.headers, **auth}
    )


async def _snapshot(tenants: Tenants, url: str | None) -> tuple[int, Any, str | None] | None:
    if url is None:
        return None
    response = await tenants.client.get(url, headers=await tenants.as_app("app-a"))
    return response.status_code, response.json(), response.headers.get("etag")


async def check_owned(tenants: Tenants, call: Call, allowed: str) -> httpx.Response:
    """The ownership matrix of ``call`` on app-a's resource: no token 401, app-b's token
    403 problem+json with nothing changed, then ``allowed`` (``app-a`` or ``operator``) gets
    the normal answer, which is returned."""
    before = await _snapshot(tenants, call.read)
    anonymous = await _send(tenants, call, {})
    problem(anonymous, 401)
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    refused = problem(await _send(tenants, call, await tenants.as_app("app-b")), 403)
    assert tenants.instance("app-b") in refused["detail"]
    assert await _snapshot(tenants, call.read) == before
    auth = tenants.operator if allowed == "operator" else await tenants.as_app(allowed)
    answer = await _send(tenants, call, auth)
    assert answer.status_code == call.status, answer.text
    return answer
