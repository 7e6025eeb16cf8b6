"""The pytest plugin's AR example test: how long it takes (issue 15; goal: well under a second).

    python bench/plugin.py          # 15 runs of each kind
    python bench/plugin.py 30       # N runs

Runs tests/testing/test_ar_example.py, the AR edge tested under mobility with the plugin (the
phone moved away from its cell over three RNIS reports, then into the next cell), with pytest
in this process, and reads pytest's own durations of each phase: setup (the lab: the world
loaded, the AR edge started and subscribed; for the first lab of a test process also meclab's
app built and served with its data plane), call (the test body: 16 simulated seconds, 160
ticks, five notifications) and teardown. Two ways:

* **alone**: N + 1 pytest sessions of that one test, so each pays for meclab's server (what
  ``pytest tests/testing/test_ar_example.py`` costs, imports aside);
* **in a suite**: one session running it N + 1 times (``--keep-duplicates``), so each but
  the first loads its world into the server the plugin keeps (what it costs among others).

The first run of each pays for imports or the server and is shown apart; the figures are the
medians of the others. The test body and the whole test (setup and teardown included, as a
user's ``pytest --durations`` shows them) are judged against the goal, "well under" taken as
at most half of it.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import pytest

TEST = Path(__file__).resolve().parents[1] / "tests" / "testing" / "test_ar_example.py"
GOAL_S = 1.0
"""The issue's "well under a second"."""
WELL_UNDER = 0.5
"""What "well under" is taken to mean: half of it at most."""
PHASES = ("setup", "call", "teardown")


class Durations:
    """A pytest plugin that keeps each phase's duration of every test it runs, in order."""

    def __init__(self) -> None:
        self.tests: list[dict[str, float]] = []
        self.failed = False

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "setup":
            self.tests.append({})
        self.tests[-1][report.when] = report.duration
        self.failed |= report.failed


def run_pytest(copies: int) -> list[dict[str, float]]:
    """One pytest session running the AR example test ``copies`` times; the phases'
    durations (s) of each run."""
    durations = Durations()
    argv = [str(TEST)] * copies + ["-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    code = pytest.main([*argv, "--keep-duplicates", "--no-header"], plugins=[durations])
    if code != 0 or durations.failed:
        raise SystemExit(f"the AR example test failed (pytest exit {code}): not timed")
    return durations.tests


def report(title: str, first: dict[str, float], rest: list[dict[str, float]]) -> None:
    print(f"\n{title}, {len(rest)} runs after a first:")
    print(f"{'':10}{'first':>9}{'median':>9}{'min':>9}{'max':>9}")
    for phase in (*PHASES, "total"):
        values = [sum(r.values()) if phase == "total" else r.get(phase, 0.0) for r in rest]
        once = sum(first.values()) if phase == "total" else first.get(phase, 0.0)
        print(
            f"{phase:10}{once * 1000:8.0f}ms{statistics.median(values) * 1000:7.0f}ms"
            f"{min(values) * 1000:7.0f}ms{max(values) * 1000:7.0f}ms"
        )
    call = statistics.median(r.get("call", 0.0) for r in rest)
    total = statistics.median(sum(r.values()) for r in rest)
    for what, seconds in (("the test body (call)", call), ("the whole test", total)):
        verdict = (
            "well under"
            if seconds <= GOAL_S * WELL_UNDER
            else ("under" if seconds < GOAL_S else "NOT under")
        )
        print(f"{what}: median {seconds:.3f} s, {verdict} {GOAL_S:g} s")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 15
    alone = [run_pytest(1)[0] for _ in range(runs + 1)]
    suite = run_pytest(runs + 1)
    report("alone (a session each)", alone[0], alone[1:])
    report("in a suite (one session)", suite[0], suite[1:])


if __name__ == "__main__":
    main()
