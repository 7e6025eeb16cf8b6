"""The pytest plugin as a user meets it: test files in a project of their own, with no conftest,
run by pytest, which finds the plugin through meclab's pytest11 entry point."""

from __future__ import annotations

import textwrap

import pytest

pytest_plugins = ["pytester"]

TWO_CELLS = """\
meclab: 1
name: {name}
domains:
  - name: op
    mcc: "001"
    mnc: "01"
    zones:
      - name: town
        mec_hosts:
          - name: mec-town
            position: [0.0, 0.0]
        poas:
          - {{name: cell-west, type: 4G, position: [-0.002, 0.0], radius_m: 250.0, cell_id: "0x1"}}
          - {{name: cell-east, type: 4G, position: [0.002, 0.0], radius_m: 250.0, cell_id: "0x2"}}
    terminals:
      - name: walker
        address: acr:10.0.0.1
        path: [[-0.002, 0.0], [0.002, 0.0]]
        velocity_mps: 10.0
        end_of_path: stop
"""
"""The walker crosses from cell-west to cell-east about 22 s in."""


QUIET = (
    "-p",
    "no:cacheprovider",
    # in this process meclab is imported already, so pytest cannot rewrite its asserts
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
    # what pytest-asyncio asks every project to set
    "-o",
    "asyncio_default_fixture_loop_scope=function",
)


def run(pytester: pytest.Pytester, source: str, *args: str) -> pytest.RunResult:
    """Run the test file ``source`` with pytest in ``pytester``'s project (in this process)."""
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest(*QUIET, *args)


def test_the_entry_point_gives_the_fixtures_and_the_builtin_world_by_default(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        def test_world(meclab_lab):
            assert meclab_lab.scenario.name == "monaco"
            assert meclab_lab.now == 0.0
            meclab_lab.advance(2.5)
            assert meclab_lab.now == 2.5
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_marker_names_a_file_beside_the_test_and_the_tick_rate(
    pytester: pytest.Pytester,
) -> None:
    (pytester.path / "worlds").mkdir()
    (pytester.path / "worlds" / "town.yaml").write_text(TWO_CELLS.format(name="town"))
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.meclab(scenario="worlds/town.yaml", tick_hz=0.3)
        def test_world(meclab_lab):
            assert meclab_lab.scenario.name == "town"
            meclab_lab.advance(40)
            [handover] = meclab_lab.events("handover", ue="walker")
            ticks = handover.event.t * 0.3  # it happened on a tick: every 1 / 0.3 s
            assert 20 < handover.event.t < 40 and ticks == pytest.approx(round(ticks))
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_command_line_then_the_ini_option_name_the_default_file(
    pytester: pytest.Pytester,
) -> None:
    pytester.path.joinpath("ini.yaml").write_text(TWO_CELLS.format(name="from-ini"))
    pytester.path.joinpath("cli.yaml").write_text(TWO_CELLS.format(name="from-cli"))
    pytester.makeini("[pytest]\nmeclab_scenario = ini.yaml\n")
    source = """
        def test_world(meclab_lab, pytestconfig):
            print("WORLD", meclab_lab.scenario.name)
        """
    run(pytester, source, "-s").stdout.fnmatch_lines(["*WORLD from-ini*"])
    run(pytester, source, "-s", "--meclab-scenario", "cli.yaml").stdout.fnmatch_lines(
        ["*WORLD from-cli*"]
    )


def test_a_meclab_world_fixture_of_ones_own_builds_the_world(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest
        from meclab.testing import WorldBuilder

        @pytest.fixture
        def meclab_world():
            return (
                WorldBuilder("built", origin=(7.42, 43.73))
                .zone("z")
                .cell("only", "5G", radius_m=300)
                .terminal("ue", east_m=50, radio=["5G"])
            )

        def test_world(meclab_lab):
            assert meclab_lab.terminal("ue").poa == "only"
            meclab_lab.move("ue", east_m=1000)  # out of coverage
            assert meclab_lab.terminal("ue").poa is None
            assert [r.event.poa for r in meclab_lab.events("disconnect")] == ["only"]
        """,
    )
    result.assert_outcomes(passed=1)


def test_a_marker_with_an_unknown_option_is_an_error_naming_it(pytester: pytest.Pytester) -> None:
    result = run(
        pytester,
        """
        import pytest

        @pytest.mark.meclab(speed=10)
        def test_world(meclab_lab):
            pass
        """,
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown speed (it takes scenario, tick_hz, dataplane)*"])


def test_an_async_test_awaits_the_lab_and_may_not_block_its_loop(
    pytester: pytest.Pytester,
) -> None:
    result = run(
        pytester,
        """
        import pytest
        from meclab.testing.loop import LabLoopError

        @pytest.mark.asyncio
        async def test_awaits(meclab_lab):
            events = await meclab_lab.aio.advance(1.0)
            assert meclab_lab.now == 1.0
            assert all(r.event.t <= 1.0 for r in events)

        @pytest.mark.asyncio
        async def test_blocking_refused(meclab_lab):
            with pytest.raises(LabLoopError, match="await the same method on lab.aio"):
                meclab_lab.advance(1.0)
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_plugin_has_no_fixture_of_meclabs_own_test_suite(pytester: pytest.Pytester) -> None:
    # meclab's own tests/conftest.py has runtime, client, receiver and scenario fixtures.
    result = run(pytester, "def test_nothing():\n    pass\n", "--fixtures")
    listed = result.stdout.str()
    assert "meclab_lab" in listed and "meclab_world" in listed
    for name in ("runtime", "client", "receiver", "scenario"):
        assert f"\n{name} " not in listed and f"\n{name}\n" not in listed
