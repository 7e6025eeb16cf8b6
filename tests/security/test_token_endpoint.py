"""The token endpoint answers as RFC 6749 says (§4.4, §5.1, §5.2), and the JWKS is published."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest
from fastapi import FastAPI

from meclab.http.problem import ProblemError, install_problem_handlers
from meclab.security.credentials import Credentials
from meclab.security.errors import InvalidToken
from meclab.security.keys import SigningKeys
from meclab.security.oauth import token_router
from meclab.security.tokens import DEFAULT_LIFETIME_S, TokenService

BASE = "http://meclab.test"
DEFAULT_HOST = "mec-a"
APP = "app:1 x+y%"  # needs the form-encoding of §2.3.1 inside Basic
SCOPES = ["rnis:read", "wai:read"]


def issuer_of(host: str | None) -> str:
    return f"{BASE}/hosts/{host or DEFAULT_HOST}"


@pytest.fixture
async def client(service: TokenService) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    router = token_router(service, issuer_of)
    app.include_router(router, prefix="/hosts/{host}")
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as http:
        yield http


@pytest.fixture
def secret(credentials: Credentials) -> str:
    return credentials.issue(APP, SCOPES)


def basic(client_id: str, secret: str) -> dict[str, str]:
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(pair).decode()}


async def post(
    client: httpx.AsyncClient,
    data: dict[str, str] | str | bytes,
    headers: dict[str, str] | None = None,
    path: str = "/hosts/mec-b/oauth2/token",
) -> httpx.Response:
    if isinstance(data, dict):
        return await client.post(path, data=data, headers=headers)
    headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
    return await client.post(path, content=data, headers=headers)


def assert_token(response: httpx.Response, service: TokenService, host: str, scope: str) -> None:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body == {
        "access_token": body["access_token"],
        "token_type": "Bearer",
        "expires_in": DEFAULT_LIFETIME_S,
        "scope": scope,
    }
    claims = service.verify(body["access_token"], issuer_of(host), issuer_of(host))
    assert claims.client_id == APP


def assert_error(response: httpx.Response, error: str, *, status: int = 400) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {"error", "error_description"} and body["error"] == error
    if status == 401:
        assert response.headers["www-authenticate"] == 'Basic realm="meclab"'
    else:
        assert "www-authenticate" not in response.headers
    return body


async def test_client_secret_basic(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    response = await post(client, {"grant_type": "client_credentials"}, basic(APP, secret))
    assert_token(response, service, "mec-b", "rnis:read wai:read")


async def test_client_secret_post(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": APP, "client_secret": secret}
    assert_token(await post(client, form), service, "mec-b", "rnis:read wai:read")


async def test_the_client_id_may_repeat_the_basic_one(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": APP}
    assert_token(
        await post(client, form, basic(APP, secret)), service, "mec-b", "rnis:read wai:read"
    )


async def test_a_scope_asked_for_narrows_the_token(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "scope": "wai:read"}
    assert_token(await post(client, form, basic(APP, secret)), service, "mec-b", "wai:read")


async def test_an_empty_parameter_counts_as_absent(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    response = await post(client, "grant_type=client_credentials&scope=", basic(APP, secret))
    assert_token(response, service, "mec-b", "rnis:read wai:read")


async def test_the_default_hosts_endpoint_at_the_root(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    form = {"grant_type": "client_credentials"}
    response = await post(client, form, basic(APP, secret), path="/oauth2/token")
    assert_token(response, service, DEFAULT_HOST, "rnis:read wai:read")


async def test_a_token_of_one_host_is_refused_on_another(
    client: httpx.AsyncClient, service: TokenService, secret: str
) -> None:
    response = await post(client, {"grant_type": "client_credentials"}, basic(APP, secret))
    with pytest.raises(InvalidToken):
        service.verify(response.json()["access_token"], issuer_of("mec-a"), issuer_of("mec-a"))


@pytest.mark.parametrize(
    ("body", "content_type", "needle"),
    [
        ('{"grant_type": "client_credentials"}', "application/json", "x-www-form-urlencoded"),
        ("grant_type=client_credentials", "text/plain", "x-www-form-urlencoded"),
        ("grant_type=client_credentials&grant_type=client_credentials", None, "more than once"),
        ("scope=rnis:read", None, "grant_type is missing"),
        ("", None, "grant_type is missing"),
        ("grant_type", None, "not a form"),
        (b"grant_type=client_credentials&x=\xff", None, "not a form"),
        ("&".join(f"p{i}=1" for i in range(20)), None, "not a form"),
    ],
)
async def test_invalid_request(
    client: httpx.AsyncClient,
    secret: str,
    body: str | bytes,
    content_type: str | None,
    needle: str,
) -> None:
    headers = basic(APP, secret)
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = await post(client, body.encode() if isinstance(body, str) else body, headers)
    assert needle in assert_error(response, "invalid_request")["error_description"]


async def test_two_ways_to_authenticate_are_an_invalid_request(
    client: httpx.AsyncClient, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": APP, "client_secret": secret}
    response = await post(client, form, basic(APP, secret))
    assert "authenticates twice" in assert_error(response, "invalid_request")["error_description"]


async def test_a_client_id_unlike_the_basic_one_is_an_invalid_request(
    client: httpx.AsyncClient, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": "someone-else"}
    assert_error(await post(client, form, basic(APP, secret)), "invalid_request")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
        {"Authorization": "Bearer abc"},
    ],
)
async def test_no_or_unusable_client_authentication(
    client: httpx.AsyncClient, headers: dict[str, str]
) -> None:
    assert_error(
        await post(client, {"grant_type": "client_credentials"}, headers),
        "invalid_client",
        status=401,
    )


async def test_a_client_id_without_a_secret_is_no_authentication(
    client: httpx.AsyncClient, secret: str
) -> None:
    form = {"grant_type": "client_credentials", "client_id": APP}
    assert_error(await post(client, form), "invalid_client", status=401)


@pytest.mark.parametrize("method", ["basic", "post"])
async def test_a_wrong_secret_or_unknown_client(
    client: httpx.AsyncClient, secret: str, method: str
) -> None:
    for client_id, guess in ((APP, secret + "x"), ("nobody", secret)):
        form = {"grant_type": "client_credentials"}
        if method == "basic":
            response = await post(client, form, basic(client_id, guess))
        else:
            form |= {"client_id": client_id, "client_secret": guess}
            response = await post(client, form)
        body = assert_error(response, "invalid_client", status=401)
        assert body["error_description"] == "unknown client or wrong secret"


async def test_a_replayed_secret_after_rotation_is_refused(
    client: httpx.AsyncClient, credentials: Credentials, secret: str
) -> None:
    new = credentials.rotate(APP)
    form = {"grant_type": "client_credentials"}
    assert_error(await post(client, form, basic(APP, secret)), "invalid_client", status=401)
    assert (await post(client, form, basic(APP, new))).status_code == 200


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token"])
async def test_unsupported_grant_type(
    client: httpx.AsyncClient, secret: str, grant_type: str
) -> None:
    response = await post(client, {"grant_type": grant_type}, basic(APP, secret))
    assert grant_type in assert_error(response, "unsupported_grant_type")["error_description"]


@pytest.mark.parametrize(
    ("scope", "needle"),
    [
        ("rnis:read  wai:read", "single spaces"),
        ("rnis:write", "does not hold rnis:write"),
        ("rnis:read ams:read", "does not hold ams:read"),
        ("radio:read", "does not hold radio:read"),
    ],
)
async def test_invalid_scope(
    client: httpx.AsyncClient, secret: str, scope: str, needle: str
) -> None:
    form = {"grant_type": "client_credentials", "scope": scope}
    response = await post(client, form, basic(APP, secret))
    assert needle in assert_error(response, "invalid_scope")["error_description"]


async def test_the_token_endpoint_takes_post_only(client: httpx.AsyncClient) -> None:
    assert (await client.get("/hosts/mec-b/oauth2/token")).status_code == 405


async def test_the_jwks_lists_the_keys_that_verify(
    client: httpx.AsyncClient, keys: SigningKeys
) -> None:
    response = await client.get("/hosts/mec-b/oauth2/jwks")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/jwk-set+json"
    assert response.headers["cache-control"] == "no-cache"
    assert response.json() == keys.jwks()
    old = keys.current.kid
    new = keys.rotate()
    listed = {key["kid"] for key in (await client.get("/oauth2/jwks")).json()["keys"]}
    assert listed == {old, new}


async def test_beside_meclabs_problem_handlers(service: TokenService, secret: str) -> None:
    # OAuth errors stay OAuth's; what is not a token request (an unknown host) is a problem.
    def known_hosts(host: str | None) -> str:
        if host not in (None, "mec-a", "mec-b"):
            raise ProblemError(404, f"no MEC host {host}")
        return issuer_of(host)

    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(token_router(service, known_hosts), prefix="/hosts/{host}")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=BASE) as http:
        form = {"grant_type": "client_credentials"}
        assert_error(await post(http, form), "invalid_client", status=401)
        unknown = await post(http, form, basic(APP, secret), path="/hosts/mec-z/oauth2/token")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == "application/problem+json"
        assert unknown.json()["detail"] == "no MEC host mec-z"
