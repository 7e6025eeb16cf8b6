"""The dashboard's routes: the page at /, its assets under /ui/, and the compact positions
endpoint the page polls (on the lab world of tests/conftest.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from helpers import problem

from meclab.ui.routes import ASSETS, STATIC

BASE = "/meclab/v1"
TickTo = Callable[[float], Awaitable[None]]


async def test_the_page_is_served_at_the_root(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache"
    assert '<canvas id="map"' in page.text
    # the assets it names exist and carry a digest of their content
    named = re.findall(r'(?:src|href)="(/ui/[^"?]+)\?v=([0-9a-f]{12})"', page.text)
    # every script and style sheet that ships (the licences are served, not loaded)
    loaded = sorted(f"/ui/{name}" for name in ASSETS if not name.endswith(".txt"))
    assert sorted(path for path, _ in named) == loaded
    assert "/ui/vendor/uplot.js" in loaded  # a library from npm, shipped in the package
    assert "__ASSETS_VERSION__" not in page.text
    for path, _ in named:
        assert (await client.get(path)).status_code == 200


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("dashboard.js", "text/javascript"),
        ("dashboard.css", "text/css"),
        ("vendor/uplot.js", "text/javascript"),
        ("vendor/LICENSES.txt", "text/plain"),
    ],
)
async def test_assets_are_served_with_their_types(
    client: httpx.AsyncClient, name: str, media: str
) -> None:
    response = await client.get(f"/ui/{name}")
    assert response.status_code == 200
    assert response.headers["content-type"] == f"{media}; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.content == (STATIC / name).read_bytes()


@pytest.mark.parametrize("name", ["nothing.js", "index.html", "v1"])
async def test_an_unknown_asset_is_a_problem(client: httpx.AsyncClient, name: str) -> None:
    body = problem(await client.get(f"/ui/{name}"), 404)
    assert body["detail"].startswith(f"no dashboard asset named '{name}'")
    assert "dashboard.js" in body["detail"]  # it says which there are


@pytest.mark.parametrize("path", ["/ui/..%2Froutes.py", "/ui/static/dashboard.js", "/ui/"])
async def test_nothing_else_of_the_package_is_served(client: httpx.AsyncClient, path: str) -> None:
    problem(await client.get(path), 404)


async def test_the_ue_identity_api_is_still_reached_under_ui(client: httpx.AsyncClient) -> None:
    # /ui/v1/... is MEC 014's; the dashboard's one-segment route must not shadow it
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/ui/v1/{appInstanceId}/ue_identity_tag_info" in paths
    response = await client.get("/ui/v1/no-such-app/ue_identity_tag_info")
    assert "no dashboard asset" not in response.text


async def _positions(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get(f"{BASE}/terminals/positions")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    return body


async def test_positions_agree_with_the_terminals(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    await tick_to(5.0)
    body = await _positions(client)
    assert set(body) == {"t", "names", "lon", "lat", "poa"}
    assert body["t"] == pytest.approx(5.0)
    terminals = (await client.get(f"{BASE}/terminals")).json()["items"]
    assert body["names"] == [t["name"] for t in terminals]
    assert len(body["lon"]) == len(body["lat"]) == len(body["poa"]) == len(terminals)
    for i, t in enumerate(terminals):
        # rounded to 1e-6 degrees (about 0.1 m) to shorten the body
        assert [body["lon"][i], body["lat"][i]] == pytest.approx(t["position"], abs=5e-7 + 1e-12)
        assert body["poa"][i] == t["poa"]
    assert None in body["poa"]  # ue-far is out of every cell's reach


async def test_positions_are_the_same_body_until_the_world_changes(
    client: httpx.AsyncClient, tick_to: TickTo
) -> None:
    # encoded once per world state and shared by every page that polls
    await tick_to(2.0)
    first = await client.get(f"{BASE}/terminals/positions")
    again = await client.get(f"{BASE}/terminals/positions")
    assert again.content == first.content
    await tick_to(4.0)
    later = await client.get(f"{BASE}/terminals/positions")
    assert later.json()["t"] == pytest.approx(4.0)
    assert later.json()["lon"] != first.json()["lon"]


async def test_positions_follow_a_move(client: httpx.AsyncClient, tick_to: TickTo) -> None:
    await tick_to(1.0)
    before = await _positions(client)
    i = before["names"].index("ue-car")
    assert before["poa"][i] != "cell-b1"
    response = await client.post(
        f"{BASE}/events", json={"type": "move", "ue": "ue-car", "poa": "cell-b1"}
    )
    assert response.status_code == 201, response.text
    after = await _positions(client)
    assert after["poa"][i] == "cell-b1"
    cell = (await client.get(f"{BASE}/poas/cell-b1")).json()
    assert [after["lon"][i], after["lat"][i]] == pytest.approx(cell["position"], abs=1e-9)

    to = (0.001, 0.0005)
    response = await client.post(
        f"{BASE}/events", json={"type": "move", "ue": "ue-car", "to": {"lon": to[0], "lat": to[1]}}
    )
    assert response.status_code == 201, response.text
    moved = await _positions(client)
    assert [moved["lon"][i], moved["lat"][i]] == pytest.approx(list(to), abs=1e-9)


async def test_positions_are_documented(client: httpx.AsyncClient) -> None:
    document = (await client.get("/openapi.json")).json()
    operation = document["paths"][f"{BASE}/terminals/positions"]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/TerminalPositions"}
    fields = document["components"]["schemas"]["TerminalPositions"]["properties"]
    assert set(fields) == {"t", "names", "lon", "lat", "poa"}
    # the page and its assets are no API: they stay out of the document
    assert "/" not in document["paths"]
    assert not any(p.startswith("/ui/{") for p in document["paths"])


def test_the_shipped_libraries_are_the_pinned_ones_with_their_licences() -> None:
    """ui-vendor/refresh.sh copies the npm pins into static/vendor: the copy must match them."""
    vendor = STATIC.parents[2] / "ui-vendor"
    pins = json.loads((vendor / "package.json").read_text())["dependencies"]
    lock = json.loads((vendor / "package-lock.json").read_text())["packages"]
    licences = (STATIC / "vendor" / "LICENSES.txt").read_text()
    for name, version in pins.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned exactly: {version}"
        assert lock[f"node_modules/{name}"]["version"] == version
        assert lock[f"node_modules/{name}"]["integrity"].startswith("sha512-")
        assert f"{name} {version} (" in licences
