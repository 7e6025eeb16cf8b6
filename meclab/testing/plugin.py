"""``pytest-meclab``: fixtures that give a test a meclab world of its own (pytest11 entry point).

Installed with meclab, so any project that has meclab has them; nothing starts unless a test
asks for a fixture. The world of a test, first found first used:

1. the marker: ``@pytest.mark.meclab(scenario="worlds/town.yaml")`` (a file, relative to the
   test's file; or anything :func:`~meclab.testing.lab.scenario_of` takes: a Scenario, a
   document, a :class:`~meclab.scenario.builder.WorldBuilder`);
2. a ``meclab_world`` fixture of your own (in a conftest or the test module), returning one;
3. the command line, ``pytest --meclab-scenario worlds/town.yaml`` (relative to where pytest
   runs);
4. the ini option ``meclab_scenario`` (relative to the rootdir), in ``pytest.ini``,
   ``tox.ini`` or ``[tool.pytest.ini_options]``;
5. meclab's built-in default scenario (Monaco).

Fixtures:

``meclab_world``
    The world the lab is opened on, from the list above. Override it to build one in code.
``meclab_lab``
    A started :class:`~meclab.testing.lab.Lab` on that world for one test, its processes'
    files in the test's ``tmp_path``, closed afterwards with every app and process it
    started. The marker's ``tick_hz=`` (ticks per simulated second, default 10) and
    ``dataplane=True`` (serve the data plane's SOCKS5 too) shape it.

One meclab is served per test process (per tick rate and data plane choice) and each test
loads its own world into it, as meclab's control API switches scenarios: the world, the
platforms' applications, services, subscriptions and rules and the lab's records all start
afresh at t = 0. Building meclab's app and starting its server (0.3-0.5 s) is paid once per
process, loading a small world costs milliseconds.

Sync and async tests both use ``meclab_lab``: a sync test calls ``lab.advance(5)``; an
``async def`` test (with pytest-asyncio) awaits ``lab.aio.advance(5)`` (see
:mod:`meclab.testing.lab` for why the lab runs on a loop of its own).

Heavy imports wait until a fixture is used, so that a test run that does not use meclab does
not pay for loading it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from meclab.testing.lab import Lab, LabServer, WorldSource

MARKER = "meclab"
OPTION = "--meclab-scenario"
INI = "meclab_scenario"
LAB_OPTIONS = ("tick_hz", "dataplane")
"""What the marker may say besides ``scenario``."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("meclab", "meclab worlds for tests")
    group.addoption(
        OPTION,
        dest="meclab_scenario",
        default=None,
        metavar="FILE",
        help="scenario file (YAML or JSON) the meclab_lab fixture opens by default",
    )
    parser.addini(INI, "scenario file the meclab_lab fixture opens by default", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(scenario=None, tick_hz=10.0, dataplane=False): the world of the test's "
        "meclab_lab fixture (a scenario file relative to the test file, a Scenario, a "
        "document or a WorldBuilder) and how the lab runs it",
    )


def _marker_options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return {}
    if marker.args:
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER} takes keywords only (scenario=, {', '.join(LAB_OPTIONS)}=)"
        )
    unknown = set(marker.kwargs) - {"scenario", *LAB_OPTIONS}
    if unknown:
        known = ", ".join(("scenario", *LAB_OPTIONS))
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}: unknown {', '.join(sorted(unknown))} (it takes {known})"
        )
    return dict(marker.kwargs)


@pytest.fixture
def meclab_world(request: pytest.FixtureRequest) -> WorldSource:
    """The world ``meclab_lab`` opens (module docstring: marker, command line, ini, default)."""
    scenario = _marker_options(request).get("scenario")
    if isinstance(scenario, str | Path):
        return Path(request.path).parent / scenario
    if scenario is not None:
        return scenario  # type: ignore[no-any-return]
    config = request.config
    given = config.getoption("meclab_scenario")
    if given:
        return Path(config.invocation_params.dir) / given
    ini = str(config.getini(INI) or "")
    if ini:
        return config.rootpath / ini
    return None


@pytest.fixture(scope="session")
def _meclab_servers(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[tuple[float, bool], LabServer]]:
    """The meclab servers of this test process, by tick rate and data plane (module
    docstring), stopped at the end of the session."""
    servers: dict[tuple[float, bool], LabServer] = {}
    try:
        yield servers
    finally:
        for server in servers.values():
            server.close()


@pytest.fixture
def meclab_lab(
    request: pytest.FixtureRequest,
    meclab_world: WorldSource,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    _meclab_servers: dict[tuple[float, bool], LabServer],
) -> Iterator[Lab]:
    """A started lab on ``meclab_world`` for this test (module docstring)."""
    from meclab.testing.lab import Lab, LabServer

    options = _marker_options(request)
    key = (float(options.get("tick_hz", 10.0)), bool(options.get("dataplane", False)))
    server = _meclab_servers.get(key)
    if server is None:
        directory = tmp_path_factory.mktemp("meclab-server")
        server = _meclab_servers[key] = LabServer(directory, tick_hz=key[0], dataplane=key[1])
    with Lab(meclab_world, workdir=tmp_path / "meclab", server=server) as lab:
        yield lab
