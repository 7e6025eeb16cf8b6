"""TokenSource and the client credentials settings, without a network: the token request it
sends, the answers it reads, renewal arithmetic, one fetch shared by its waiters, and the
configuration's checks (from the environment too)."""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, unquote_plus

import pytest
from helpers import FakeTime

from meclab.sdk import AuthenticationFailed, ConfigError, PlatformConfig, UnexpectedResponse
from meclab.sdk.tokens import TokenSource, bearer_error, read_token_answer, renewal_margin_s

URL = "https://mec.example:8443"
TOKEN_URL = f"{URL}/hosts/mec-b/oauth2/token"
CLIENT = "app:1 x+y%"  # needs the form-encoding of RFC 6749 §2.3.1 inside Basic
SECRET = "s3cr+t/="


def grant(value: str, expires_in: int = 300) -> dict[str, Any]:
    return {"access_token": value, "token_type": "Bearer", "expires_in": expires_in, "scope": "a"}


class FakeEndpoint:
    """A token endpoint as a :data:`meclab.sdk.tokens.Post`: it answers when the test lets it
    (``gate``), with the next token or error of ``answers``."""

    def __init__(self, *answers: tuple[int, Any]) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, bytes, Mapping[str, str]]] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def __call__(self, url: str, form: bytes, headers: Mapping[str, str]) -> tuple[int, Any]:
        self.sent.append((url, form, headers))
        await self.gate.wait()
        return self.answers.pop(0)


def config(**changes: Any) -> PlatformConfig:
    settings: dict[str, Any] = {
        "api_root": "/hosts/mec-b",
        "client_id": CLIENT,
        "client_secret": SECRET,
        **changes,
    }
    return PlatformConfig(URL, **settings)


async def test_the_token_request_is_client_credentials_with_basic_authentication() -> None:
    endpoint = FakeEndpoint((200, grant("t1")))
    source = TokenSource(config(scopes=("rnis:read", "wai:read")))
    assert await source.token(endpoint) == "t1"
    [(url, form, headers)] = endpoint.sent
    assert url == TOKEN_URL
    assert parse_qs(form.decode()) == {
        "grant_type": ["client_credentials"],
        "scope": ["rnis:read wai:read"],
    }
    scheme, _, credentials = headers["Authorization"].partition(" ")
    client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
    assert (scheme, unquote_plus(client_id), unquote_plus(secret)) == ("Basic", CLIENT, SECRET)
    assert ":" not in client_id  # the id's own colon is encoded, so the pair splits right
    assert headers["Content-Type"] == "application/x-www-form-urlencoded"


async def test_without_scopes_the_request_asks_for_none() -> None:
    endpoint = FakeEndpoint((200, grant("t1")))
    await TokenSource(config()).token(endpoint)
    assert parse_qs(endpoint.sent[0][1].decode()) == {"grant_type": ["client_credentials"]}


async def test_a_waiter_cancelled_leaves_the_fetch_to_the_others() -> None:
    endpoint = FakeEndpoint((200, grant("t1")))
    endpoint.gate.clear()
    source = TokenSource(config())
    first = asyncio.ensure_future(source.token(endpoint))
    second = asyncio.ensure_future(source.token(endpoint))
    await asyncio.sleep(0)
    first.cancel()
    endpoint.gate.set()
    assert await second == "t1"
    assert first.cancelled() and len(endpoint.sent) == 1


async def test_a_failed_fetch_fails_every_waiter_and_the_next_need_fetches_again() -> None:
    refusal = {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
    endpoint = FakeEndpoint((401, refusal), (200, grant("t2")))
    endpoint.gate.clear()
    source = TokenSource(config())
    waiters = [asyncio.ensure_future(source.token(endpoint)) for _ in range(3)]
    await asyncio.sleep(0)
    endpoint.gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert all(isinstance(r, AuthenticationFailed) for r in results)
    assert len(endpoint.sent) == 1
    assert await source.token(endpoint) == "t2"


async def test_a_token_is_kept_until_its_renewal_point_and_dropped_when_refused() -> None:
    clock = FakeTime()
    clock.now = 1000.0
    endpoint = FakeEndpoint((200, grant("t1")), (200, grant("t2")), (200, grant("t3")))
    source = TokenSource(config(), clock=clock)
    assert await source.token(endpoint) == "t1"
    clock.now = 1239.9
    assert await source.token(endpoint) == "t1"
    clock.now = 1240.0  # 300 s lifetime, renewed with 60 s left
    assert await source.token(endpoint) == "t2"
    source.invalidate("t1")  # an older token refused: the current one stays
    assert await source.token(endpoint) == "t2"
    source.invalidate("t2")
    assert await source.token(endpoint) == "t3"


def test_the_renewal_margin_is_a_fifth_or_30_s_but_at_most_half() -> None:
    assert renewal_margin_s(300) == 60
    assert renewal_margin_s(3600) == 720
    assert renewal_margin_s(100) == 30
    assert renewal_margin_s(20) == 10


def test_the_error_of_a_bearer_challenge() -> None:
    meclab = 'Bearer realm="meclab", error="invalid_token", error_description="expired"'
    assert bearer_error(meclab) == "invalid_token"
    assert bearer_error("bearer error=insufficient_scope, scope=a:write") == "insufficient_scope"
    assert bearer_error('Bearer realm="m", error_description="error=invalid_token"') is None
    assert bearer_error('Bearer realm="meclab"') is None
    assert bearer_error('Basic realm="meclab", error="invalid_token"') is None
    assert bearer_error(None) is None


def test_token_answers_that_are_no_token() -> None:
    kept = read_token_answer(TOKEN_URL, 200, {"access_token": "t", "token_type": "bearer"}, 5.0)
    assert (kept.expires_at, kept.renew_at, kept.scope) == (math.inf, math.inf, None)
    with pytest.raises(UnexpectedResponse, match="token_type 'mac' is not Bearer"):
        read_token_answer(TOKEN_URL, 200, {**grant("t"), "token_type": "mac"}, 0.0)
    with pytest.raises(UnexpectedResponse, match="expires_in 0 is not positive"):
        read_token_answer(TOKEN_URL, 200, grant("t", expires_in=0), 0.0)
    with pytest.raises(UnexpectedResponse, match="no access_token"):
        read_token_answer(TOKEN_URL, 200, {"token_type": "Bearer"}, 0.0)
    with pytest.raises(AuthenticationFailed) as failed:
        read_token_answer(TOKEN_URL, 404, None, 0.0)
    assert (failed.value.status, failed.value.error, failed.value.description) == (404, None, None)
    assert str(failed.value) == f"POST {TOKEN_URL}: no access token (404): no reason given"


def test_the_token_endpoint_follows_the_api_root_unless_given() -> None:
    root = PlatformConfig(URL, client_id="a", client_secret="s")
    assert root.token_endpoint() == f"{URL}/oauth2/token"
    assert root.with_api_root("/meclab/v1").token_endpoint() == f"{URL}/meclab/v1/oauth2/token"
    elsewhere = PlatformConfig(URL, client_id="a", client_secret="s", token_url="https://as/t")
    assert elsewhere.with_api_root("/hosts/x").token_endpoint() == "https://as/t"


def test_neither_secret_nor_token_shows_in_the_repr() -> None:
    shown = repr(config(scopes=("rnis:read",)))
    assert SECRET not in shown and "client_secret" not in shown
    assert CLIENT in shown and "rnis:read" in shown
    assert "t0k3n" not in repr(PlatformConfig(URL, token="t0k3n"))


def test_client_credentials_from_the_environment() -> None:
    env = {
        "MEC_PLATFORM_URL": URL,
        "MEC_API_ROOT": "/hosts/mec-b",
        "MEC_CLIENT_ID": CLIENT,
        "MEC_CLIENT_SECRET": SECRET,
        "MEC_SCOPES": " rnis:read  wai:read ",
    }
    assert PlatformConfig.from_env(env) == config(scopes=("rnis:read", "wai:read"))
    elsewhere = PlatformConfig.from_env({**env, "MEC_TOKEN_URL": "https://as.example/token"})
    assert elsewhere.token_endpoint() == "https://as.example/token"


def test_client_credential_mistakes_name_the_variable() -> None:
    base = {"MEC_PLATFORM_URL": URL}
    with pytest.raises(ConfigError, match=r"^MEC_CLIENT_SECRET is missing: MEC_CLIENT_ID is"):
        PlatformConfig.from_env({**base, "MEC_CLIENT_ID": "a"})
    with pytest.raises(ConfigError, match=r"^MEC_CLIENT_ID is missing: MEC_CLIENT_SECRET is"):
        PlatformConfig.from_env({**base, "MEC_CLIENT_SECRET": "s"})
    both = {**base, "MEC_CLIENT_ID": "a", "MEC_CLIENT_SECRET": "s", "MEC_ACCESS_TOKEN": "t"}
    with pytest.raises(ConfigError, match=r"^MEC_ACCESS_TOKEN and MEC_CLIENT_ID are both given"):
        PlatformConfig.from_env(both)
    with pytest.raises(ConfigError, match=r"MEC_TOKEN_URL.*token URL 'as/token' is not an http"):
        PlatformConfig.from_env(
            {**base, "MEC_CLIENT_ID": "a", "MEC_CLIENT_SECRET": "s", "MEC_TOKEN_URL": "as/token"}
        )
    with pytest.raises(ConfigError, match="token_url and scopes need client_id"):
        PlatformConfig.from_env({**base, "MEC_SCOPES": "rnis:read"})


def test_client_credential_mistakes_name_the_field() -> None:
    with pytest.raises(ConfigError, match=r"^client_secret is missing: client_id is given"):
        PlatformConfig(URL, client_id="a")
    with pytest.raises(ConfigError, match=r"^token and client_id are both given"):
        PlatformConfig(URL, token="t", client_id="a", client_secret="s")
    with pytest.raises(ConfigError, match="each without spaces"):
        PlatformConfig(URL, client_id="a", client_secret="s", scopes=("rnis:read wai:read",))
    with pytest.raises(ConfigError, match="needs a config with client_id"):
        TokenSource(PlatformConfig(URL))
