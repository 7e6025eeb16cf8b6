"""Ownership tests over real HTTP in secure mode: ``from ownership_matrix import ...``.

:func:`secure_world` starts meclab's default scenario in secure mode (lifespan running) and
enrols two edge app instances of one MEC host, A and B, with the scopes given; the operator's
token comes from the authority's operator file, as the CLI reads it. :meth:`World.refused`
then checks one operation on A's resource: no token 401, B's token 403 (problem+json).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from secured import Tokens, bearer

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.security.authority import Authority
from meclab.worlds import WorldShelf

BASE_URL = "http://127.0.0.1:8080"
CALLBACK = "http://127.0.0.1:9/notify"
"""A callback nobody serves: these tests look at the resources, not at their notifications."""


def path_of(url: str) -> str:
    """The path of an absolute resource URL (a Location, an href)."""
    return urlsplit(url).path


def hrefs(answer: httpx.Response, member: str = "subscriptions") -> list[str]:
    """The hrefs a link list answer lists as ``member``: in its ``_links`` (MEC 011, 012,
    010-2) or beside them (MEC 028)."""
    body = answer.json()
    return [s["href"] for s in body["_links"].get(member) or body.get(member) or []]


@dataclass
class World:
    """A secure meclab, its HTTP client and the tokens of the operator, app A and app B."""

    client: httpx.AsyncClient
    operator: dict[str, str]
    a: dict[str, str]
    b: dict[str, str]
    a_id: str
    b_id: str
    host_prefix: str
    """``/hosts/<host>``: where A's and B's host APIs are."""

    async def refused(self, method: str, path: str, body: Any = None) -> None:
        """No token: 401 with a Bearer challenge; B's token: 403 problem+json."""
        kwargs: dict[str, Any] = {} if body is None else {"json": body}
        anonymous = await self.client.request(method, path, **kwargs)
        assert anonymous.status_code == 401, (method, path, anonymous.text)
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        other = await self.client.request(method, path, headers=self.b, **kwargs)
        assert other.status_code == 403, (method, path, other.text)
        assert other.headers["content-type"].startswith("application/problem+json")
        assert other.json()["status"] == 403


@asynccontextmanager
async def secure_world(data_dir: Path, scopes: str) -> AsyncIterator[World]:
    """The default scenario in secure mode, with apps A and B holding ``scopes``."""
    runtime = Runtime(WorldShelf(data_dir), MemoryBus())
    await runtime.open(None)
    authority = Authority(data_dir / "security")
    app = create_app(runtime, tick=False, data_dir=data_dir, security=authority)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
            tokens = Tokens(client, authority)
            operator = await tokens.operator()
            apps = (await client.get("/meclab/v1/apps", headers=operator)).json()
            by_host: dict[str, list[dict[str, Any]]] = {}
            for entry in apps:
                if entry["kind"] == "edge":
                    by_host.setdefault(entry["runs_on"], []).append(entry)
            host, (first, second, *_) = next((h, e) for h, e in by_host.items() if len(e) > 1)
            headers = []
            for entry in (first, second):
                # The app's own credential names its host's token endpoint; enrolling its id
                # again gives it the scopes under test (the old secret stops working).
                issued = await client.post(
                    f"/meclab/v1/apps/{entry['name']}/credentials", headers=operator
                )
                enrolled = await client.post(
                    "/meclab/v1/credentials",
                    json={"client_id": entry["app_instance_id"], "scope": scopes},
                    headers=operator,
                )
                assert enrolled.status_code == 200, enrolled.text
                token = await tokens.token(
                    issued.json()["token_url"],
                    entry["app_instance_id"],
                    enrolled.json()["client_secret"],
                )
                headers.append(bearer(token))
            yield World(
                client,
                operator,
                headers[0],
                headers[1],
                first["app_instance_id"],
                second["app_instance_id"],
                f"/hosts/{host}",
            )
