"""The authorization matrix of secure mode over every operation of every ETSI API meclab serves.

Each operation is found in the app's own routes (on the default host, under ``/hosts/{host}``
and the MEC system's), so that an operation added later is in the matrix without a change here.
For each: no token -> 401 with the bare Bearer challenge; a token without the operation's scope
-> 403 ``insufficient_scope`` naming it; a token of the right scope but of another MEC host ->
401; the operator's token -> past authentication and scopes (the route answers: 2xx, 400, 404,
409 ... for the made-up ids, never 401 or an insufficient-scope 403). Ownership (403 on another
app's resource) is checked API by API in each service's ownership tests.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from helpers import serve
from secured import Tokens

from meclab.bus.memory import MemoryBus
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.secure_mode import SCOPE_OF_API, SYSTEM_SCOPES
from meclab.security.authority import Authority
from meclab.security.scopes import for_method, scope
from meclab.store.sqlite import SqliteStore

_PARAM = re.compile(r"\{[^}]+\}")
METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def operations(app: Any) -> list[tuple[str, str, str]]:
    """(method, concrete path, scope) of every ETSI operation the app documents, on the default
    host and, for a host's API, under ``/hosts/mec-a`` as well."""
    root = app.state.platforms.api_root
    found = []
    for template, item in app.openapi()["paths"].items():
        if not template.startswith(f"{root}/"):
            continue
        rest = template.removeprefix(root)
        api = SCOPE_OF_API.get("/".join(rest.split("/", 3)[:3]))
        if api is None:
            continue  # the token endpoints
        path = _PARAM.sub("made-up-id", template)
        paths = [path] if api in SYSTEM_SCOPES else [path, f"{root}/hosts/mec-a{rest}"]
        for method in item:
            if method.upper() in METHODS:
                access = scope(api, for_method(method.upper()))
                found += [(method.upper(), concrete, access) for concrete in paths]
    return found


def two_hosts(lab: dict[str, Any]) -> dict[str, Any]:
    zone_b = lab["domains"][0]["zones"][1]
    zone_b["mec_hosts"] = [
        {"name": "mec-b", "position": [0.004, 0.0005], "apps": [{"name": "b-app"}]}
    ]
    return lab


@pytest.fixture
async def world(
    tmp_path: Path, lab_doc: dict[str, Any]
) -> AsyncIterator[tuple[Any, httpx.AsyncClient, Tokens]]:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(Scenario.model_validate(two_hosts(lab_doc)))
    try:
        async with serve(runtime, security=Authority(tmp_path / "security")) as (app, client):
            yield app, client, Tokens(client, app.state.secure.authority)
    finally:
        await runtime.stop()
        await store.close()


async def request(
    client: httpx.AsyncClient, method: str, path: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return await client.request(method, path, json=body, headers=headers)


async def test_the_matrix_covers_every_api(world: Any) -> None:
    app, _, _ = world
    covered = {s.split(":")[0] for _, _, s in operations(app)}
    assert covered == set(SCOPE_OF_API.values())
    assert len(operations(app)) > 150


async def test_no_token_is_401_on_every_operation(world: Any) -> None:
    app, client, _ = world
    wrong = []
    for method, path, _ in operations(app):
        answer = await request(client, method, path)
        if answer.status_code != 401 or answer.headers.get("www-authenticate") != (
            'Bearer realm="meclab"'
        ):
            wrong.append((method, path, answer.status_code))
    assert wrong == []


async def test_a_token_without_the_scope_is_403_on_every_operation(world: Any) -> None:
    app, client, tokens = world
    # The operator may ask its endpoint for a token of one scope only.
    secret = tokens.authority.operator_file.read_text().strip()
    narrow = {
        wanted: await tokens.token(
            "http://meclab.test/meclab/v1/oauth2/token", "operator", secret, wanted
        )
        for wanted in ("mec011_service_mgmt:read", "rnis:read")
    }
    wrong = []
    for method, path, needed in operations(app):
        held = "rnis:read" if needed == "mec011_service_mgmt:read" else "mec011_service_mgmt:read"
        answer = await request(client, method, path, {"Authorization": f"Bearer {narrow[held]}"})
        challenge = answer.headers.get("www-authenticate", "")
        if answer.status_code != 403 or f'scope="{needed}"' not in challenge:
            wrong.append((method, path, answer.status_code, challenge))
    assert wrong == []


async def test_another_hosts_token_is_401_on_every_host_operation(world: Any) -> None:
    app, client, tokens = world
    headers = await tokens.app("b-app")  # an instance of mec-b, holding every host scope
    wrong = []
    for method, path, needed in operations(app):
        if needed.split(":")[0] in SYSTEM_SCOPES:
            continue
        answer = await request(client, method, path, headers)
        if answer.status_code != 401 or 'error="invalid_token"' not in answer.headers.get(
            "www-authenticate", ""
        ):
            wrong.append((method, path, answer.status_code))
    assert wrong == []


async def test_the_operator_passes_authentication_on_every_operation(world: Any) -> None:
    app, client, tokens = world
    headers = await tokens.operator()
    wrong = []
    for method, path, _ in operations(app):
        answer = await request(client, method, path, headers)
        scoped = "insufficient_scope" in answer.headers.get("www-authenticate", "")
        if answer.status_code == 401 or scoped or answer.status_code >= 500:
            wrong.append((method, path, answer.status_code))
    assert wrong == []
