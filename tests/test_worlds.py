"""One store per world: another scenario leaves the stored one alone, the same document resumes
it, a changed one replaces it, and ``meclab worlds`` / ``meclab reset`` list and remove them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from helpers import serve
from typer.testing import CliRunner

from meclab.bus.memory import MemoryBus
from meclab.cli.main import app as cli
from meclab.lock import DataDirLock
from meclab.runtime import Runtime
from meclab.scenario.loader import dump_yaml, parse_document, validate_document
from meclab.scenario.model import Scenario
from meclab.store.base import EventQuery
from meclab.store.sqlite import SqliteStore
from meclab.worlds import LEGACY_STORE, STORE_FILE, WORLDS_DIR, WorldShelf

AS = "/mec_app_support/v1"
CONTROL = "/meclab/v1"
PARKED = {"lon": 0.003, "lat": 0.0}


class Wall:
    """Wall-clock seconds that the test moves on, so "used last" does not depend on timing."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def wall() -> Wall:
    return Wall()


@asynccontextmanager
async def opened(
    data: Path, wall: Callable[[], float], scenario: Scenario | None
) -> AsyncIterator[Runtime]:
    """A runtime on the worlds of ``data``, opened on ``scenario`` (None: the last used), and
    stopped and closed as ``meclab up`` stops."""
    shelf = WorldShelf(data, wall=wall)
    runtime = Runtime(shelf, MemoryBus())
    try:
        await runtime.open(scenario)
        yield runtime
        await runtime.stop()
    finally:
        await shelf.close()


def renamed(doc: dict[str, Any], name: str) -> Scenario:
    return Scenario.model_validate({**doc, "name": name})


async def test_another_scenario_leaves_the_stored_world_alone(
    tmp_path: Path, lab_doc: dict[str, Any], wall: Wall
) -> None:
    async with opened(tmp_path, wall, Scenario.model_validate(lab_doc)) as runtime:
        assert runtime.opened == "new"
        await runtime.move_terminal("ue-car", PARKED["lon"], PARKED["lat"])
    async with opened(tmp_path, wall, renamed(lab_doc, "city")) as runtime:
        assert runtime.opened == "new"
        assert await runtime.store.items("pins") == []
    async with opened(tmp_path, wall, Scenario.model_validate(lab_doc)) as runtime:
        assert runtime.opened == "resumed"
        assert await runtime.store.items("pins") == [("ue-car", {**PARKED, "poa": None})]
        car = runtime.world.terminal("ue-car")
        assert [car.lon, car.lat] == pytest.approx([PARKED["lon"], PARKED["lat"]], abs=1e-9)
    assert sorted(p.name for p in (tmp_path / WORLDS_DIR).iterdir()) == ["city", "lab"]


async def test_the_same_document_however_written_resumes_and_a_changed_one_replaces(
    tmp_path: Path, lab_doc: dict[str, Any], wall: Wall
) -> None:
    async with opened(tmp_path, wall, Scenario.model_validate(lab_doc)) as runtime:
        await runtime.move_terminal("ue-car", PARKED["lon"], PARKED["lat"])
    # The YAML meclab writes (defaults left out, another key order, a comment) is the same
    # scenario document.
    text = "# edited by hand\n" + dump_yaml(Scenario.model_validate(lab_doc))
    same = validate_document(parse_document(text, "lab.yaml"), None, text)
    async with opened(tmp_path, wall, same) as runtime:
        assert runtime.opened == "resumed"
        assert [name for name, _ in await runtime.store.items("pins")] == ["ue-car"]
    async with opened(tmp_path, wall, Scenario.model_validate({**lab_doc, "seed": 2})) as runtime:
        assert runtime.opened == "replaced"
        assert runtime.world.state.t == 0.0
        assert await runtime.store.items("pins") == []
        history = await runtime.store.events(EventQuery(types=["manual"]))
        assert [r.event.action for r in history] == ["load_scenario"]


async def test_put_scenario_keeps_each_worlds_registrations(
    tmp_path: Path, lab_doc: dict[str, Any], wall: Wall
) -> None:
    async with (
        opened(tmp_path, wall, Scenario.model_validate(lab_doc)) as runtime,
        serve(runtime) as (_, api),
    ):
        registered = await api.post(
            f"{AS}/registrations",
            json={"appName": "my-app", "endpoint": {"uris": ["http://my-app.example/api"]}},
        )
        assert registered.status_code == 201, registered.text
        mine = f"{AS}/registrations/{registered.json()['appInstanceId']}"
        moved = await api.post(
            f"{CONTROL}/events", json={"type": "move", "ue": "ue-car", "to": PARKED}
        )
        assert moved.status_code == 201, moved.text
        last_seq = (await api.get(f"{CONTROL}/events")).json()["last_seq"]

        city = renamed(lab_doc, "city").model_dump(mode="json")
        put = await api.put(f"{CONTROL}/scenario", json=city)
        assert put.status_code == 200, put.text
        assert (put.json()["scenario"], put.json()["opened"]) == ("city", "new")
        assert (await api.get(mine)).status_code == 404  # city has no such registration
        # Sequence numbers go on from the last world's, never back.
        assert min(e["seq"] for e in put.json()["events"]) > last_seq

        put = await api.put(
            f"{CONTROL}/scenario", json=Scenario.model_validate(lab_doc).model_dump(mode="json")
        )
        assert put.status_code == 200, put.text
        assert (put.json()["scenario"], put.json()["opened"]) == ("lab", "resumed")
        assert (await api.get(mine)).status_code == 200
        car = (await api.get(f"{CONTROL}/terminals/ue-car")).json()
        assert car["position"] == pytest.approx([PARKED["lon"], PARKED["lat"]], abs=1e-9)

        changed = Scenario.model_validate({**lab_doc, "seed": 3}).model_dump(mode="json")
        put = await api.put(f"{CONTROL}/scenario", json=changed)
        assert (put.json()["scenario"], put.json()["opened"]) == ("lab", "replaced")
        assert (await api.get(mine)).status_code == 404


async def test_up_without_a_scenario_resumes_the_world_used_last(
    tmp_path: Path, lab_doc: dict[str, Any], wall: Wall
) -> None:
    async with opened(tmp_path, wall, renamed(lab_doc, "city")):
        pass
    async with opened(tmp_path, wall, Scenario.model_validate(lab_doc)):
        pass
    async with opened(tmp_path, wall, None) as runtime:
        assert (runtime.opened, runtime.scenario.name) == ("resumed", "lab")
    async with opened(tmp_path, wall, renamed(lab_doc, "city")):
        pass
    async with opened(tmp_path, wall, None) as runtime:
        assert (runtime.opened, runtime.scenario.name) == ("resumed", "city")


async def test_nothing_stored_opens_the_default(tmp_path: Path, wall: Wall) -> None:
    async with opened(tmp_path, wall, None) as runtime:
        assert (runtime.opened, runtime.scenario.name) == ("default", "monaco")
    async with opened(tmp_path, wall, None) as runtime:
        assert (runtime.opened, runtime.scenario.name) == ("resumed", "monaco")


async def test_a_single_file_data_dir_becomes_the_world_of_its_scenario(
    tmp_path: Path, lab_doc: dict[str, Any], wall: Wall
) -> None:
    legacy = SqliteStore(tmp_path / LEGACY_STORE)
    await legacy.put(
        "runtime", "scenario", Scenario.model_validate(lab_doc).model_dump(mode="json")
    )
    await legacy.put("pins", "ue-car", {**PARKED, "poa": None})
    await legacy.close()

    assert await WorldShelf(tmp_path, wall=wall).migrate_legacy() == "lab"
    assert not (tmp_path / LEGACY_STORE).exists()
    assert (tmp_path / WORLDS_DIR / "lab" / STORE_FILE).is_file()
    async with opened(tmp_path, wall, None) as runtime:
        assert (runtime.opened, runtime.scenario.name) == ("resumed", "lab")
        assert await runtime.store.items("pins") == [("ue-car", {**PARKED, "poa": None})]
    assert await WorldShelf(tmp_path, wall=wall).migrate_legacy() is None


def _stored(data: Path, lab_doc: dict[str, Any]) -> None:
    async def fill() -> None:
        wall = Wall()
        async with opened(data, wall, renamed(lab_doc, "city")):
            pass
        async with opened(data, wall, Scenario.model_validate(lab_doc)) as runtime:
            await runtime.tick(12.5)

    asyncio.run(fill())


def test_worlds_lists_and_reset_removes(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    _stored(tmp_path, lab_doc)
    runner = CliRunner()
    listed = runner.invoke(cli, ["worlds", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split() == ["WORLD", "SIM", "TIME", "SIZE", "LAST", "USED"]
    assert [line.split()[0] for line in lines[1:]] == ["city", "lab"]
    assert lines[2].split()[1] == "12.5s"
    assert lines[2].split()[3] in ("kB", "MB")

    refused = runner.invoke(cli, ["reset", "nowhere", "--data-dir", str(tmp_path)])
    assert refused.exit_code == 1
    assert "no stored world named 'nowhere'" in refused.stderr
    assert "(stored: city, lab)" in refused.stderr

    declined = runner.invoke(cli, ["reset", "--data-dir", str(tmp_path)], input="n\n")
    assert declined.exit_code == 1
    assert "Remove world lab (" in declined.stdout  # the one used last
    assert (tmp_path / WORLDS_DIR / "lab").is_dir()

    removed = runner.invoke(cli, ["reset", "city", "--yes", "--data-dir", str(tmp_path)])
    assert removed.exit_code == 0, removed.output
    assert removed.stdout == f"removed world city from {tmp_path}\n"
    assert not (tmp_path / WORLDS_DIR / "city").exists()
    assert (tmp_path / WORLDS_DIR / "lab" / STORE_FILE).is_file()


def test_reset_refuses_the_running_world(tmp_path: Path, lab_doc: dict[str, Any]) -> None:
    _stored(tmp_path, lab_doc)
    runner = CliRunner()
    with DataDirLock(tmp_path) as running:
        running.record(url="http://127.0.0.1:41234", world="lab")
        refused = runner.invoke(cli, ["reset", "lab", "--yes", "--data-dir", str(tmp_path)])
        assert refused.exit_code == 1
        assert refused.stderr.startswith("meclab reset: world lab is running in meclab (pid ")
        assert "http://127.0.0.1:41234" in refused.stderr
        assert (tmp_path / WORLDS_DIR / "lab" / STORE_FILE).is_file()
        listed = runner.invoke(cli, ["worlds", "--data-dir", str(tmp_path)])
        assert listed.exit_code == 0, listed.output
        lab = next(line for line in listed.stdout.splitlines() if line.startswith("lab"))
        assert "running (pid " in lab and "http://127.0.0.1:41234" in lab
        # Another world may go while one runs.
        removed = runner.invoke(cli, ["reset", "city", "--yes", "--data-dir", str(tmp_path)])
        assert removed.exit_code == 0, removed.output
