"""Worlds with nothing in some layer run: validate, ``up`` and PUT /scenario agree on them.

A world without points of access has every terminal out of coverage; without terminals or MEC
hosts it simply has none. Each such world loads, ticks, and every API answers (never a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import lab_document
from helpers import FakeTime, advance, install_fake_clock, serve
from typer.testing import CliRunner

from meclab.bus.memory import MemoryBus
from meclab.cli.main import app as cli
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore


def no_poas(doc: dict[str, Any]) -> None:
    for zone in doc["domains"][0]["zones"]:
        zone["poas"] = []


def _no_edge_clients(doc: dict[str, Any]) -> None:
    """Terminal apps that talk to the (removed) edge app would be dangling references."""
    for terminal in doc["domains"][0]["terminals"]:
        for app in terminal.get("apps", []):
            app["connects_to"] = [c for c in app.get("connects_to", []) if c != "edge-app"]


def no_zones(doc: dict[str, Any]) -> None:
    doc["domains"][0]["zones"] = []
    _no_edge_clients(doc)


def no_terminals(doc: dict[str, Any]) -> None:
    doc["domains"][0]["terminals"] = []


def no_mec_hosts(doc: dict[str, Any]) -> None:
    for zone in doc["domains"][0]["zones"]:
        zone["mec_hosts"] = []
    _no_edge_clients(doc)


def nothing_at_all(doc: dict[str, Any]) -> None:
    doc["clouds"] = []
    doc["domains"][0].update(zones=[], terminals=[], clouds=[])


def standing_terminals(doc: dict[str, Any]) -> None:
    for terminal in doc["domains"][0]["terminals"]:
        terminal["path"] = terminal["path"][:1]


def one_poa(doc: dict[str, Any]) -> None:
    zones = doc["domains"][0]["zones"]
    zones[0]["poas"] = zones[0]["poas"][:1]
    for zone in zones[1:]:
        zone["poas"] = []


SHAPES: dict[str, Callable[[dict[str, Any]], None]] = {
    f.__name__: f
    for f in (no_poas, no_zones, no_terminals, no_mec_hosts, nothing_at_all, standing_terminals)
}
SHAPES["one_poa"] = one_poa


def document(shape: str) -> dict[str, Any]:
    doc = lab_document()
    SHAPES[shape](doc)
    return doc


def get_paths(openapi: dict[str, Any]) -> list[str]:
    """Every documented GET path that needs no path parameter (but the endless event stream)."""
    return [
        p
        for p, ops in openapi["paths"].items()
        if "get" in ops and "{" not in p and not p.endswith("/stream")
    ]


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_validate_accepts_it(shape: str, tmp_path: Path) -> None:
    path = tmp_path / f"{shape}.yaml"
    path.write_text(yaml.safe_dump(document(shape)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["scenario", "validate", str(path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_it_runs_and_every_api_answers(shape: str, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus())
    fake = FakeTime()
    try:
        await runtime.open(Scenario.model_validate(document(shape)))
        install_fake_clock(runtime, fake)
        async with serve(runtime) as (_, http):
            for t in (1.0, 5.0, 30.0):
                await advance(runtime, fake, t)
            openapi = (await http.get("/openapi.json")).json()
            for path in get_paths(openapi):
                response = await http.get(path)
                assert response.status_code < 500, (path, response.text)
            world = (await http.get("/meclab/v1/world")).json()
            assert world["time_s"] == 30.0
            if shape == "no_poas":
                terminals = (await http.get("/meclab/v1/terminals")).json()["items"]
                assert terminals and all(t["poa"] is None for t in terminals)
    finally:
        await runtime.stop()
        await store.close()


@pytest.mark.parametrize("shape", sorted(SHAPES))
async def test_put_scenario_loads_it(shape: str, tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "meclab.sqlite")
    runtime = Runtime(store, MemoryBus())
    try:
        await runtime.open(Scenario.model_validate(lab_document()))
        install_fake_clock(runtime, FakeTime())
        async with serve(runtime) as (_, http):
            response = await http.put("/meclab/v1/scenario", json=document(shape))
            assert response.status_code == 200, response.text
            assert (await http.get("/meclab/v1/world")).status_code == 200
    finally:
        await runtime.stop()
        await store.close()
