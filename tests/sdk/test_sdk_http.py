"""HttpClient: answers become wire models, every failure one typed SdkError."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from helpers import free_port

from meclab.platform.service_info import CategoryRef
from meclab.sdk import (
    ConfigError,
    HttpClient,
    MecApiError,
    PlatformConfig,
    PlatformUnreachable,
    UnexpectedResponse,
)


async def _routes(request: web.Request) -> web.Response:
    name = request.match_info["name"]
    if name == "category":
        body = {"href": "/c", "id": "c1", "name": "Cat", "version": "1", "vendorExtra": {"a": 1}}
        return web.json_response(body)
    if name == "problem":
        return web.json_response(
            {"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "bad serName"},
            status=400,
            content_type="application/problem+json",
        )
    if name == "html-error":
        return web.Response(status=502, text="<html>gateway down</html>", content_type="text/html")
    if name == "wrong-type":
        return web.json_response({"href": "/c", "id": 7, "name": "Cat", "version": "1"})
    if name == "created":
        return web.json_response(
            {"href": "/c", "id": "c1", "name": "Cat", "version": "1"},
            status=201,
            headers={"Location": "http://x/c/c1", "ETag": '"1"'},
        )
    if name == "created-nowhere":
        return web.json_response(
            {"href": "/c", "id": "c1", "name": "C", "version": "1"}, status=201
        )
    if name == "echo":
        return web.json_response(
            {
                "auth": request.headers.get("Authorization"),
                "query": list(request.query.items()),
                "path": request.path,
            }
        )
    return web.Response(status=404)


@pytest.fixture
async def platform() -> AsyncIterator[str]:
    app = web.Application()
    app.router.add_route("*", "/root/api/{name}", _routes)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_body_becomes_its_model_and_unknown_members_are_ignored(platform: str) -> None:
    async with HttpClient(PlatformConfig(platform, api_root="/root")) as client:
        category = await client.get("/api/category", CategoryRef)
    assert category == CategoryRef(href="/c", id="c1", name="Cat", version="1")


async def test_an_error_status_raises_the_platforms_problem_details(platform: str) -> None:
    async with HttpClient(PlatformConfig(platform, api_root="/root")) as client:
        with pytest.raises(MecApiError) as caught:
            await client.get("/api/problem", CategoryRef)
        assert caught.value.status == 400
        assert caught.value.problem.detail == "bad serName"
        assert str(caught.value) == f"GET {platform}/root/api/problem: 400 bad serName"
        with pytest.raises(MecApiError) as caught:
            await client.get("/api/html-error", CategoryRef)
        assert caught.value.status == 502
        assert caught.value.problem.detail == "<html>gateway down</html>"


async def test_a_body_that_does_not_match_names_the_member(platform: str) -> None:
    async with HttpClient(PlatformConfig(platform, api_root="/root")) as client:
        with pytest.raises(UnexpectedResponse, match=r"/root/api/wrong-type: .* id: "):
            await client.get("/api/wrong-type", CategoryRef)


async def test_creation_gives_the_location_and_requires_it(platform: str) -> None:
    async with HttpClient(PlatformConfig(platform, api_root="/root")) as client:
        created = await client.post("/api/created", {"id": "c1"}, CategoryRef)
        assert (created.location, created.etag, created.value.id) == ("http://x/c/c1", '"1"', "c1")
        with pytest.raises(UnexpectedResponse, match="201 without a Location header"):
            await client.post("/api/created-nowhere", {"id": "c1"}, CategoryRef)


async def test_token_api_root_and_repeated_query_parameters(platform: str) -> None:
    config = PlatformConfig(platform + "/", api_root="/root/", token="t0k")
    async with HttpClient(config) as client:
        reply = await client.request("GET", "/api/echo", params={"cell_id": ["a", "b"], "x": True})
    assert reply.body == {
        "auth": "Bearer t0k",
        "query": [["cell_id", "a"], ["cell_id", "b"], ["x", "true"]],
        "path": "/root/api/echo",
    }


async def test_a_platform_that_is_down_raises_unreachable_naming_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    async with HttpClient(PlatformConfig(url, timeout_s=2)) as client:
        with pytest.raises(PlatformUnreachable) as caught:
            await client.get("/rni/v2/queries/rab_info", CategoryRef)
    assert caught.value.url == f"{url}/rni/v2/queries/rab_info"
    assert str(caught.value).startswith(f"GET {url}/rni/v2/queries/rab_info: platform unreachable")


def test_configuration_errors_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="MEC_PLATFORM_URL is not set"):
        PlatformConfig.from_env({})
    with pytest.raises(ConfigError, match="'ftp://x' is not an http"):
        PlatformConfig.from_env({"MEC_PLATFORM_URL": "ftp://x"})
    with pytest.raises(ConfigError, match=r"MEC_CA_FILE=/nowhere\.pem: no such file"):
        PlatformConfig.from_env({"MEC_PLATFORM_URL": "https://p", "MEC_CA_FILE": "/nowhere.pem"})
    config = PlatformConfig.from_env(
        {
            "MEC_PLATFORM_URL": "https://p:8443",
            "MEC_API_ROOT": "/sbx/mep1",
            "MEC_ACCESS_TOKEN": "t",
            "MEC_TLS_VERIFY": "false",
        }
    )
    assert config == PlatformConfig("https://p:8443", "/sbx/mep1", "t", verify=False)
    assert config.api_url("/rni/v2/x") == "https://p:8443/sbx/mep1/rni/v2/x"
    assert config.api_url("http://elsewhere/a") == "http://elsewhere/a"
