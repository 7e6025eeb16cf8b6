"""README's mobility example (examples/test_first_app_mobility.py) passes as written: copied
with the app and world it tests into a project of its own, with no conftest, and run by
pytest in a fresh process, which finds the plugin through meclab's pytest11 entry point."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = ("test_first_app_mobility.py", "first_app.py", "first_world.yaml")


def test_the_mobility_example_passes_as_written(pytester: pytest.Pytester) -> None:
    for name in FILES:
        shutil.copy(EXAMPLES / name, pytester.path / name)
    # Warnings are errors, as in meclab's own suite (an unclosed session, a task left behind);
    # the one option pytest-asyncio warns every project about is set.
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-W", "error", "-o", "asyncio_default_fixture_loop_scope=function"
    )  # fmt: skip
    result.assert_outcomes(passed=1)


def test_the_readme_shows_the_mobility_example_as_it_is() -> None:
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Test your app under mobility", 1)[1]
    shown = section.split("```python\n", 1)[1].split("```", 1)[0]
    source = (EXAMPLES / "test_first_app_mobility.py").read_text(encoding="utf-8")
    assert shown == source.split('"""', 2)[2].lstrip("\n")  # the file less its docstring
