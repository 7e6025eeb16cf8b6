"""The control API's data-plane routes and the Prometheus metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import generate_latest

from meclab.dataplane.toxiproxy import build_app
from meclab.http.problem import install_problem_handlers

from .conftest import Env, close, dp_document, round_trips, socks_connect, start_env, stop_env


@pytest.fixture
async def full(tmp_path: Path, echo: tuple[str, int]) -> AsyncIterator[Env]:
    """Every entry point on, DNS included."""
    env = await start_env(tmp_path, dp_document(echo), dns_port=0)
    try:
        yield env
    finally:
        await stop_env(env)


@pytest.fixture
async def http(full: Env) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(full.plane.router())
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://meclab.test"
    ) as client:
        yield client


async def test_entry_points_list_every_address(full: Env, http: httpx.AsyncClient) -> None:
    body = (await http.get("/meclab/v1/dataplane")).json()
    assert body["socks5"].startswith("127.0.0.1:") and body["dns"].startswith("127.0.0.1:")
    assert body["toxiproxy"].startswith("127.0.0.1:")
    assert body["ue_addresses"] == "127.64.0.0/10"
    apps = {a["name"]: a for a in body["apps"]}
    assert apps["edge-a"]["address"] == "10.1.0.10"
    assert apps["edge-a"]["names"] == ["edge-a", "edge-a.meclab.local", "edge.example"]
    assert apps["edge-a"]["runs_at"] == "responder"
    assert apps["cloud-echo"]["runs_at"].startswith("127.0.0.1:")
    assert apps["cloud-app"]["address"].startswith("198.18.")  # derived: it has none
    assert apps["cloud-app"]["port"].startswith("127.0.0.1:")


async def test_flows_show_bytes_rtt_and_shaping(full: Env, http: httpx.AsyncClient) -> None:
    reader, writer = await socks_connect(full.socks, "ue-1", "edge-a", 7)
    await round_trips(reader, writer, 4, size=100)
    body = (await http.get("/meclab/v1/dataplane/flows", params={"ue": "ue-1"})).json()
    assert body["open"] == 1
    (flow,) = body["flows"]
    assert flow["bytes_up"] == 400 and flow["bytes_down"] == 400
    assert flow["rtt_samples"] >= 3 and flow["rtt_ms"] == pytest.approx(12.0, abs=8.0)
    assert flow["shaping"]["up"]["latency_ms"] == 6.0
    assert flow["state"] == "open" and flow["app"] == "edge-a" and flow["proxies"] == ["edge-a"]
    one = (await http.get(f"/meclab/v1/dataplane/flows/{flow['id']}")).json()
    assert one["id"] == flow["id"]
    missing = await http.get("/meclab/v1/dataplane/flows/999")
    assert missing.status_code == 404
    await close(writer)


async def test_prometheus_metrics(full: Env) -> None:
    reader, writer = await socks_connect(full.socks, "ue-1", "edge-a", 7)
    await round_trips(reader, writer, 2, size=50)
    text = generate_latest(full.metrics.registry).decode()
    labels = 'app="edge-a",direction="up",protocol="TCP",source_app="",ue="ue-1"'
    assert f"meclab_dataplane_bytes_total{{{labels}}} 100.0" in text
    assert 'meclab_dataplane_open_flows{protocol="TCP"} 1.0' in text
    route = 'app="edge-a",protocol="TCP",source_app="",ue="ue-1"'
    assert f"meclab_dataplane_rtt_seconds{{{route}}}" in text
    assert f"meclab_dataplane_flows_total{{{route}}} 1.0" in text
    await close(writer)


async def test_toxiproxy_document_lists_and_describes_every_route(
    full: Env, http: httpx.AsyncClient
) -> None:
    doc = (await http.get("/meclab/v1/dataplane/toxiproxy/openapi.json")).json()
    address = full.plane.entry_points().toxiproxy
    assert doc["servers"] == [{"url": f"http://{address}"}]
    assert full.plane.service is not None
    served = {
        (route.method.lower(), route.resource.canonical)
        for route in build_app(full.plane.service).router.routes()
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {(method, path) for path, item in doc["paths"].items() for method in item}
    assert documented == served
    # every answer to requests that name nothing, or send an empty body, is documented
    async with httpx.AsyncClient(base_url=f"http://{address}") as toxiproxy:
        for method, path in sorted(documented):
            op = doc["paths"][path][method]
            url = path.replace("{proxy}", "nothing-here").replace("{toxic}", "nothing-here")
            body = {"json": {}} if "requestBody" in op else {}
            response = await toxiproxy.request(method.upper(), url, **body)
            assert str(response.status_code) in op["responses"], (method, path, response.text)
        browser = await toxiproxy.get("/proxies", headers={"User-Agent": "Mozilla/5.0"})
        assert str(browser.status_code) in doc["paths"]["/proxies"]["get"]["responses"]


async def test_toxiproxy_document_needs_the_toxiproxy_api(
    tmp_path: Path, echo: tuple[str, int]
) -> None:
    env = await start_env(tmp_path, dp_document(echo), toxiproxy_port=None)
    try:
        app = FastAPI()
        install_problem_handlers(app)
        app.include_router(env.plane.router())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://meclab.test"
        ) as client:
            answer = await client.get("/meclab/v1/dataplane/toxiproxy/openapi.json")
        assert answer.status_code == 404
        assert "--toxiproxy-port" in answer.json()["detail"]
    finally:
        await stop_env(env)
