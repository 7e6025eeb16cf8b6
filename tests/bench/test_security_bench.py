"""The secure mode benchmark's machinery without a server: its scenarios are valid meclab
scenarios with the limits it names, wrk's summary is read right, goals are judged right."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from meclab.scenario.loader import validate_document

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def bench() -> Iterator[ModuleType]:
    # The benchmarks run as scripts (``python bench/security.py``) and import their
    # neighbours (_common, mec011) by bare name: give them that path, load this one by file
    # under a name of its own (dataclasses look their module up in sys.modules).
    name = "bench_security"
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / "security.py")
        assert spec is not None and spec.loader is not None
        module = sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(BENCH))
        sys.modules.pop(name, None)


def test_the_neighbour_scenario_puts_all_apps_on_one_host_with_the_limit(
    bench: ModuleType,
) -> None:
    doc = bench._scenario(["producer", "quiet", "flooder"], {"rate_per_s": 50, "burst": 50})
    scenario = validate_document(doc)
    [domain] = scenario.domains
    [zone] = domain.zones
    [host] = zone.mec_hosts
    assert [app.name for app in host.apps] == ["producer", "quiet", "flooder"]
    assert (host.api.rate_per_s, host.api.burst) == (50, 50)


def test_the_overhead_scenario_lifts_the_limit_to_the_most_a_scenario_takes(
    bench: ModuleType,
) -> None:
    host = validate_document(bench._scenario(["a"], bench.UNLIMITED)).domains[0].zones[0]
    api = host.mec_hosts[0].api
    assert api.rate_per_s == bench.UNLIMITED["rate_per_s"] and api.burst == bench.UNLIMITED["burst"]


WRK_OUT = """Running 20s test @ https://127.0.0.1:4000/mec_service_mgmt/v1/services
  1 threads and 25 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms  402.10us   9.80ms   88.00%
    Req/Sec   490.12     20.31   530.00     70.00%
  9803 requests in 20.02s, 3.10MB read
  Non-2xx or 3xx responses: 8747
Requests/sec:    489.66
Transfer/sec:    158.40KB
"""


def test_a_flood_is_read_from_wrks_summary(bench: ModuleType) -> None:
    flood = bench.Flood.parse(WRK_OUT)
    assert (flood.requests, flood.refused, flood.seconds) == (9803, 8747, 20.02)
    assert flood.through == 9803 - 8747


def test_a_flood_without_refusals_and_a_summary_without_counts(bench: ModuleType) -> None:
    calm = WRK_OUT.replace("  Non-2xx or 3xx responses: 8747\n", "")
    assert bench.Flood.parse(calm).refused == 0
    with pytest.raises(ValueError, match="no request count"):
        bench.Flood.parse("unable to connect to 127.0.0.1:4000 Connection refused\n")


def test_goals_are_marked_on_the_right_side_of_their_bound(bench: ModuleType) -> None:
    assert bench._goal(0.8, 0.8).endswith(" met")
    assert bench._goal(0.79, 0.8).endswith("MISSED")
    assert bench._goal(1.99, 2.0, below=True) == "goal < 2 met"
    assert bench._goal(2.0, 2.0, below=True).endswith("MISSED")
