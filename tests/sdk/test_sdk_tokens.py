"""The SDK obtains, shares, renews and replaces its access tokens by itself, against meclab's
own token endpoint (meclab.security.oauth) and tokens (TokenService) behind a real uvicorn,
plain and over TLS with meclab's local CA.

Two fake clocks: the server's (seconds since the epoch, for the tokens it issues and checks)
and the SDK's (monotonic, for when it renews); moving one and not the other is how a test makes
a token look fresh to one side and expired to the other.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response, WebSocket
from helpers import FakeTime, free_port, on_loopback, until

from meclab.http.problem import install_problem_handlers
from meclab.sdk import (
    AuthenticationFailed,
    HttpClient,
    MecApiError,
    MecPlatform,
    PlatformConfig,
    PlatformUnreachable,
    TokenSource,
    WebSocketDelivery,
)
from meclab.sdk.notifications import Api
from meclab.security.ca import CA_CERT, LocalCA
from meclab.security.credentials import Credentials
from meclab.security.errors import InvalidToken, TokenFault
from meclab.security.keys import SigningKeys
from meclab.security.oauth import token_router
from meclab.security.tokens import Claims, TokenService

ISSUER = "https://meclab.test"
DEFAULT_HOST = "mec-a"
APP = "app-1"
HELD = ["rnis:read", "wai:read"]
SERVER_START = 1_764_870_000.0


def issuer_of(host: str | None) -> str:
    return f"{ISSUER}/hosts/{host or DEFAULT_HOST}"


@dataclass
class Platform:
    """The test platform's state: its token service and what it has seen."""

    service: TokenService
    server_clock: FakeTime
    secret: str
    url: str = ""
    token_requests: int = 0
    api_calls: int = 0
    ws_tokens: list[str] = field(default_factory=list)
    ws_refusals: int = 0
    close_ws: asyncio.Event = field(default_factory=asyncio.Event)

    def claims(self, authorization: str | None, host: str) -> Claims:
        return self.service.authenticate(authorization, issuer_of(host), issuer_of(host))

    def config(self, **changes: Any) -> PlatformConfig:
        settings: dict[str, Any] = {
            "api_root": "/hosts/mec-b",
            "client_id": APP,
            "client_secret": self.secret,
            **changes,
        }
        return PlatformConfig(self.url, **settings)


def build_app(platform: Platform) -> FastAPI:
    """The token endpoint of every host (and of the default one, at the root), an API that
    says whose token it got, one that refuses every token, and a websocket that records the
    token of each connection (refusing an invalid one with 401 at the handshake) and stays open
    until told to close (or the client leaves)."""
    app = FastAPI()
    install_problem_handlers(app)

    @app.middleware("http")
    async def count_token_requests(request: Request, call_next: Callable[..., Any]) -> Any:
        if request.url.path.endswith("/oauth2/token"):
            platform.token_requests += 1
        return await call_next(request)

    router = token_router(platform.service, issuer_of)
    app.include_router(router, prefix="/hosts/{host}")
    app.include_router(router)

    @app.get("/hosts/{host}/whoami")
    async def whoami(host: str, request: Request, need: str | None = None) -> dict[str, Any]:
        platform.api_calls += 1
        claims = platform.claims(request.headers.get("authorization"), host)
        if need:
            claims.require(need)
        return {"client": claims.client_id, "scopes": sorted(claims.scopes), "jti": claims.jwt_id}

    @app.get("/hosts/{host}/refuses")
    async def refuses(host: str) -> None:
        platform.api_calls += 1
        raise InvalidToken(TokenFault.SIGNATURE, "the token's signature does not verify")

    @app.websocket("/hosts/{host}/ws")
    async def ws(websocket: WebSocket, host: str) -> None:
        try:
            claims = platform.claims(websocket.headers.get("authorization"), host)
        except InvalidToken as refusal:
            platform.ws_refusals += 1
            await websocket.send_denial_response(Response(status_code=401, headers=refusal.headers))
            return
        await websocket.accept()
        platform.ws_tokens.append(claims.jwt_id)
        told = asyncio.ensure_future(platform.close_ws.wait())
        left = asyncio.ensure_future(websocket.receive())  # the client sends nothing but a close
        await asyncio.wait((told, left), return_when=asyncio.FIRST_COMPLETED)
        left.cancel()
        if told.done():
            platform.close_ws.clear()
            await websocket.close()
        told.cancel()

    return app


@asynccontextmanager
async def running(tmp_path: Path, **uvicorn: Any) -> AsyncIterator[Platform]:
    """A platform on a free loopback port; ``uvicorn`` options (TLS files) go to its server."""
    server_clock = FakeTime()
    server_clock.now = SERVER_START
    secrets_dir = tmp_path / "security"
    credentials = Credentials(secrets_dir)
    secret = credentials.issue(APP, HELD)
    keys = SigningKeys(secrets_dir, clock=server_clock)
    platform = Platform(TokenService(keys, credentials, clock=server_clock), server_clock, secret)
    scheme = "https" if "ssl_certfile" in uvicorn else "http"
    async with on_loopback(lambda _: build_app(platform), **uvicorn) as (_, port):
        platform.url = f"{scheme}://127.0.0.1:{port}"
        yield platform


@pytest.fixture
async def platform(tmp_path: Path) -> AsyncIterator[Platform]:
    async with running(tmp_path) as served:
        yield served


@pytest.fixture
def sdk_clock() -> FakeTime:
    return FakeTime()


def client(platform: Platform, sdk_clock: FakeTime, **changes: Any) -> HttpClient:
    config = platform.config(**changes)
    return HttpClient(config, tokens=TokenSource(config, clock=sdk_clock))


async def whoami(http: HttpClient, **params: str) -> dict[str, Any]:
    reply = await http.request("GET", "/whoami", params=params)
    assert isinstance(reply.body, dict)
    return reply.body


async def test_the_first_request_fetches_a_token_and_the_next_ones_reuse_it(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock) as http:
        answers = [await whoami(http) for _ in range(3)]
    assert answers[0] == {"client": APP, "scopes": HELD, "jti": answers[0]["jti"]}
    assert [a["jti"] for a in answers] == [answers[0]["jti"]] * 3
    assert platform.token_requests == 1


async def test_concurrent_requests_wait_for_one_fetch(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock) as http:
        answers = await asyncio.gather(*(whoami(http) for _ in range(20)))
    assert {a["jti"] for a in answers} == {answers[0]["jti"]}
    assert platform.token_requests == 1


async def test_a_token_is_renewed_before_it_ends(platform: Platform, sdk_clock: FakeTime) -> None:
    # meclab's tokens live 300 s; the SDK renews with a fifth of that (60 s) left.
    async with client(platform, sdk_clock) as http:
        first = await whoami(http)
        assert http.tokens is not None and http.tokens.current is not None
        old = http.tokens.current.value
        sdk_clock.now, platform.server_clock.now = 239.0, SERVER_START + 239.0
        assert (await whoami(http))["jti"] == first["jti"]
        sdk_clock.now, platform.server_clock.now = 240.0, SERVER_START + 240.0
        renewed = await whoami(http)
    assert renewed["jti"] != first["jti"] and platform.token_requests == 2
    # The old token was still good: it was renewed ahead of its end, not after a refusal.
    assert platform.claims(f"Bearer {old}", "mec-b").jwt_id == first["jti"]
    assert platform.api_calls == 3


async def test_a_token_the_api_refuses_as_invalid_is_replaced_and_the_request_sent_again(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock) as http:
        first = await whoami(http)
        # The platform's clock runs ahead: to it the token has expired, to the SDK it is new.
        platform.server_clock.now += 400.0
        again = await whoami(http)
    assert again["jti"] != first["jti"]
    assert (platform.token_requests, platform.api_calls) == (2, 3)


async def test_a_second_refusal_is_the_apis_error(platform: Platform, sdk_clock: FakeTime) -> None:
    async with client(platform, sdk_clock) as http:
        with pytest.raises(MecApiError) as refused:
            await http.request("GET", "/refuses")
    assert refused.value.status == 401
    assert refused.value.problem.detail == "the token's signature does not verify"
    assert (platform.token_requests, platform.api_calls) == (2, 2)


async def test_a_missing_scope_is_not_retried(platform: Platform, sdk_clock: FakeTime) -> None:
    async with client(platform, sdk_clock) as http:
        with pytest.raises(MecApiError) as refused:
            await whoami(http, need="bwm:write")
    assert refused.value.status == 403
    assert (platform.token_requests, platform.api_calls) == (1, 1)


async def test_a_static_token_is_sent_as_it_is_and_never_replaced(platform: Platform) -> None:
    async with HttpClient(PlatformConfig(platform.url, "/hosts/mec-b", "not-a-jwt")) as http:
        assert http.tokens is None
        with pytest.raises(MecApiError) as refused:
            await whoami(http)
    assert refused.value.status == 401
    assert (platform.token_requests, platform.api_calls) == (0, 1)


async def test_the_scopes_asked_for_are_those_the_token_holds(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock, scopes=("wai:read",)) as http:
        assert (await whoami(http))["scopes"] == ["wai:read"]


async def test_a_wrong_secret_is_authentication_failed_with_the_oauth_error(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    wrong = "x" + platform.secret[1:]
    async with client(platform, sdk_clock, client_secret=wrong) as http:
        with pytest.raises(AuthenticationFailed) as failed:
            await whoami(http)
    token_url = f"{platform.url}/hosts/mec-b/oauth2/token"
    assert (failed.value.token_url, failed.value.status) == (token_url, 401)
    assert failed.value.error == "invalid_client"
    assert failed.value.description == "unknown client or wrong secret"
    assert wrong not in str(failed.value)
    assert platform.api_calls == 0


async def test_a_scope_the_client_does_not_hold_is_authentication_failed(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock, scopes=("rnis:read", "bwm:write")) as http:
        with pytest.raises(AuthenticationFailed) as failed:
            await whoami(http)
    assert (failed.value.status, failed.value.error) == (400, "invalid_scope")
    assert failed.value.description == "the client does not hold bwm:write"


async def test_an_unreachable_token_endpoint_is_platform_unreachable_naming_it(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    token_url = f"http://127.0.0.1:{free_port()}/oauth2/token"
    async with client(platform, sdk_clock, token_url=token_url) as http:
        with pytest.raises(PlatformUnreachable) as unreachable:
            await whoami(http)
    assert (unreachable.value.method, unreachable.value.url) == ("POST", token_url)
    assert platform.api_calls == 0


async def test_each_host_of_a_platform_gets_its_own_tokens(platform: Platform) -> None:
    # The server checks the audience: a token of the default host would be refused on mec-b.
    root = PlatformConfig(platform.url, client_id=APP, client_secret=platform.secret)
    async with MecPlatform(root) as mec:
        mec_b = mec.host("mec-b")
        assert mec_b.http.tokens is not None
        assert mec_b.http.tokens.url == f"{platform.url}/hosts/mec-b/oauth2/token"
        assert (await whoami(mec_b.http))["client"] == APP
        with pytest.raises(MecApiError) as refused:
            await mec.http.request("GET", "/hosts/mec-b/whoami")
    assert refused.value.status == 401
    assert "not for https://meclab.test/hosts/mec-b" in (refused.value.problem.detail or "")
    # mec-b's token, then the default host's, then the default host's again for the retry.
    assert platform.token_requests == 3


async def test_a_websocket_sends_a_fresh_token_on_every_connection(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock) as http:
        uri = http.url("/ws").replace("http://", "ws://", 1)
        async with WebSocketDelivery(http, uri, Api.WAI, lambda _: None, reconnect_s=0.01) as ws:
            await until(lambda: len(platform.ws_tokens) == 1, "the first connection")
            await until(ws.connected.is_set, "the delivery to see it open")
            sdk_clock.now = 250.0  # past the renewal point of the first token
            platform.server_clock.now = SERVER_START + 250.0
            platform.close_ws.set()
            await until(lambda: len(platform.ws_tokens) == 2, "the reconnection")
    assert platform.ws_tokens[0] != platform.ws_tokens[1]
    assert platform.token_requests == 2


async def test_a_websocket_handshake_refusing_the_token_gets_a_new_one_next_time(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock) as http:
        await whoami(http)
        platform.server_clock.now += 400.0  # the SDK's token has expired, to the platform
        uri = http.url("/ws").replace("http://", "ws://", 1)
        async with WebSocketDelivery(http, uri, Api.WAI, lambda _: None, reconnect_s=0.01):
            await until(lambda: len(platform.ws_tokens) == 1, "the connection with a new token")
    assert (platform.ws_refusals, platform.token_requests) == (1, 2)


async def test_a_websocket_whose_client_the_token_endpoint_refuses_stops_with_that_error(
    platform: Platform, sdk_clock: FakeTime
) -> None:
    async with client(platform, sdk_clock, client_secret="wrong") as http:
        uri = http.url("/ws").replace("http://", "ws://", 1)
        delivery = WebSocketDelivery(http, uri, Api.WAI, lambda _: None, reconnect_s=0.01)
        delivery.start()
        with pytest.raises(AuthenticationFailed, match="invalid_client"):
            await asyncio.wait_for(delivery.wait(), timeout=5)
        await delivery.stop()
    assert (platform.token_requests, platform.ws_refusals, platform.ws_tokens) == (1, 0, [])


async def test_https_with_meclabs_ca_file_for_the_token_endpoint_and_the_api(
    tmp_path: Path, sdk_clock: FakeTime
) -> None:
    ca = LocalCA(tmp_path / "ca")
    files = ca.server_files(["127.0.0.1", "localhost"])
    tls = {"ssl_certfile": str(files.cert), "ssl_keyfile": str(files.key)}
    async with running(tmp_path, **tls) as platform:
        async with client(platform, sdk_clock, verify=str(ca.directory / CA_CERT)) as http:
            assert (await whoami(http))["client"] == APP
        assert platform.token_requests == 1
        # Without meclab's CA the token endpoint's certificate is not trusted: no token, and
        # the API is never asked.
        async with client(platform, sdk_clock) as http:
            with pytest.raises(PlatformUnreachable) as untrusted:
                await whoami(http)
        assert untrusted.value.url == f"{platform.url}/hosts/mec-b/oauth2/token"
        assert "certificate" in untrusted.value.reason.lower()
        assert platform.api_calls == 1
