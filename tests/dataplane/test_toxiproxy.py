"""toxiproxy's API: a real toxiproxy client (toxiproxy-python) drives faults on meclab's flows."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from .conftest import Env, check_rtt, close, round_trips, socks_connect

toxiproxy = pytest.importorskip("toxiproxy", reason="toxiproxy-python is not installed")
from toxiproxy.server import Toxiproxy  # noqa: E402


@pytest.fixture
def api(env: Env) -> Iterator[Toxiproxy]:
    host, _, port = (env.plane.entry_points().toxiproxy or "").rpartition(":")
    server = Toxiproxy()
    server.update_api_consumer(host, int(port))
    yield server


def base(env: Env) -> str:
    return f"http://{env.plane.entry_points().toxiproxy}"


async def test_every_app_is_a_proxy(env: Env, api: Toxiproxy) -> None:
    proxies = await asyncio.to_thread(api.proxies)
    assert {"cloud-echo", "cloud-app", "edge-a", "edge-b"} <= set(proxies)
    echo = proxies["cloud-echo"]
    assert echo.enabled and echo.listen.startswith("127.0.0.1:")
    assert echo.upstream.startswith("127.0.0.1:")  # where the real echo server runs


async def test_a_latency_toxic_from_a_toxiproxy_client_acts_on_socks_flows(
    env: Env, api: Toxiproxy
) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.030)
    proxy = (await asyncio.to_thread(api.proxies))["cloud-echo"]
    await asyncio.to_thread(
        proxy.add_toxic, name="slow", type="latency", attributes={"latency": 50}
    )
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.080)  # downstream: +50 ms, one way
    toxics = await asyncio.to_thread(proxy.toxics)
    assert toxics["slow"].attributes == {"latency": 50, "jitter": 0}
    await asyncio.to_thread(proxy.destroy_toxic, "slow")
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.030)
    await close(writer)


async def test_a_ue_at_app_proxy_is_an_entry_acting_as_that_ue(env: Env, api: Toxiproxy) -> None:
    proxy = await asyncio.to_thread(
        api.create, upstream="cloud-echo:7", name="ue-2@cloud-echo", listen="127.0.0.1:0"
    )
    host, _, port = proxy.listen.rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    # ue-2 is on cell-b (20 ms) and the cloud is 10 ms further: 60 ms round trip
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.060)
    flow = env.plane.registry.of_ue("ue-2")[0]
    assert flow.proxies == ("cloud-echo", "ue-2@cloud-echo")
    await asyncio.to_thread(
        proxy.add_toxic, type="latency", stream="upstream", attributes={"latency": 20}
    )
    await check_rtt(lambda n: round_trips(reader, writer, n), 0.080)
    await close(writer)


async def test_a_proxy_down_closes_and_refuses_its_flows(env: Env, api: Toxiproxy) -> None:
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await round_trips(reader, writer, 1)
    proxy = (await asyncio.to_thread(api.proxies))["cloud-echo"]
    await asyncio.to_thread(proxy.disable)
    with pytest.raises((ConnectionError, asyncio.IncompleteReadError)):
        writer.write(b"x")
        await asyncio.wait_for(reader.readexactly(1), 2)
    from .conftest import SocksRefused

    with pytest.raises(SocksRefused) as refused:
        await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    assert refused.value.code == 5
    await asyncio.to_thread(proxy.enable)
    reader2, writer2 = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    await round_trips(reader2, writer2, 1)
    await close(writer)
    await close(writer2)


@pytest.mark.parametrize(
    ("toxic", "attributes", "expect"),
    [
        ("timeout", {"timeout": 100}, "closed"),
        ("reset_peer", {"timeout": 0}, "reset"),
        ("limit_data", {"bytes": 10}, "truncated"),
    ],
)
async def test_connection_ending_toxics(
    env: Env, toxic: str, attributes: dict[str, Any], expect: str
) -> None:
    async with httpx.AsyncClient(base_url=base(env)) as http:
        response = await http.post(
            "/proxies/cloud-echo/toxics",
            json={"type": toxic, "stream": "upstream", "attributes": attributes},
        )
        assert response.status_code == 200, response.text
        assert response.json()["name"] == f"{toxic}_upstream"
    reader, writer = await socks_connect(env.socks, "ue-1", "cloud-echo", 7)
    writer.write(b"0123456789abcdefghij")
    if expect == "truncated":
        assert await asyncio.wait_for(reader.read(), 2) == b"0123456789"
    elif expect == "closed":
        assert await asyncio.wait_for(reader.read(), 2) == b""  # data dropped, then FIN
    else:
        with pytest.raises(ConnectionResetError):
            await asyncio.wait_for(reader.read(), 2)
    await close(writer)


async def test_api_errors_and_bookkeeping_have_toxiproxys_shape(env: Env) -> None:
    async with httpx.AsyncClient(base_url=base(env)) as http:
        version = (await http.get("/version")).json()["version"]
        assert version.startswith("2.")
        missing = await http.post("/proxies", json={"upstream": "x:1"})
        assert missing.status_code == 400
        assert missing.json() == {"error": "missing required field: name", "status": 400}
        assert (await http.get("/proxies/nope")).json() == {
            "error": "proxy not found",
            "status": 404,
        }
        clash = await http.post("/proxies", json={"name": "edge-a", "upstream": "x:1"})
        assert clash.status_code == 409
        bad = await http.post("/proxies/edge-a/toxics", json={"type": "nonsense"})
        assert bad.json()["error"] == "invalid toxic type"
        stream = await http.post("/proxies/edge-a/toxics", json={"type": "latency", "stream": "x"})
        assert stream.status_code == 400
        made = await http.post(
            "/proxies/edge-a/toxics", json={"type": "bandwidth", "attributes": {"rate": 100}}
        )
        assert made.json() == {
            "name": "bandwidth_downstream",
            "type": "bandwidth",
            "stream": "downstream",
            "toxicity": 1.0,
            "attributes": {"rate": 100},
        }
        again = await http.post("/proxies/edge-a/toxics", json={"type": "bandwidth"})
        assert again.status_code == 409
        updated = await http.post(
            "/proxies/edge-a/toxics/bandwidth_downstream", json={"attributes": {"rate": 5}}
        )
        assert updated.json()["attributes"] == {"rate": 5}
        assert (await http.post("/reset")).status_code == 204
        assert (await http.get("/proxies/edge-a/toxics")).json() == []
        browser = await http.get("/proxies", headers={"User-Agent": "Mozilla/5.0"})
        assert browser.status_code == 403
        populated = await http.post(
            "/populate", json=[{"name": "extra", "upstream": "edge-a:80", "listen": "127.0.0.1:0"}]
        )
        assert populated.status_code == 201
        assert [p["name"] for p in populated.json()["proxies"]] == ["extra"]
        assert (await http.delete("/proxies/extra")).status_code == 204
