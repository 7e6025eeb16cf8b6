"""The reports of a run with a failure and a skip: JUnit XML and HTML carry both, in full."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from rich.console import Console

from meclab.conformance import report
from meclab.conformance.results import Outcome, RunResult, Status, Violation

FAILURE = Outcome(
    "rni",
    "POST /subscriptions",
    "create a CellChangeSubscription",
    Status.FAILED,
    (Violation("Location header", "RFC 9110 §10.2.2", "the created resource's URI", "(absent)"),),
    request='POST http://mec.example/rni/v2/subscriptions\n{"subscriptionType": "<x>"}',
    response="HTTP 201\ncontent-type: application/json",
)
SKIP = Outcome("rni", "GET /queries/plmn_info", "PLMN", Status.SKIPPED, reason="no app instance")
PASS = Outcome("location", "GET /queries/zones", "list the zones", Status.PASSED, duration_s=0.25)


def result() -> RunResult:
    return RunResult("http://mec.example", [FAILURE, SKIP, PASS], {"rni": "MEC 012 (V2.2.1)"}, 1.5)


def test_junit_has_a_suite_per_api_and_the_failure_in_full(tmp_path: Path) -> None:
    path = tmp_path / "r.xml"
    report.junit(result(), path)
    root = ET.parse(path).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    rni, location = root.findall("testsuite")
    assert (rni.get("name"), rni.get("tests"), location.get("name")) == ("rni", "2", "location")
    failure = rni.find("testcase/failure")
    assert failure is not None
    assert failure.get("message") == (
        "Location header: expected the created resource's URI, got (absent) [RFC 9110 §10.2.2]"
    )
    assert (
        failure.text is not None and "POST http://mec.example/rni/v2/subscriptions" in failure.text
    )
    skipped = rni.find("testcase/skipped")
    assert skipped is not None and skipped.get("message") == "no app instance"
    assert location.find("testcase").get("time") == "0.250"  # type: ignore[union-attr]


def test_html_escapes_and_shows_everything(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    report.html_page(result(), path)
    text = path.read_text()
    assert "1 passed, 1 failed, 1 skipped in 1.5 s" in text
    assert "rni: MEC 012 (V2.2.1)" in text
    assert "&quot;subscriptionType&quot;: &quot;&lt;x&gt;&quot;" in text  # escaped, not markup
    assert "<td class='skipped'>skipped</td><td>no app instance</td>" in text


def test_console_lists_failures_and_skips() -> None:
    console = Console(record=True, width=160)
    report.console(result(), console)
    text = console.export_text()
    assert "FAILED rni POST /subscriptions — create a CellChangeSubscription" in text
    assert "Location header: expected the created resource's URI, got (absent)" in text
    assert "skipped rni GET /queries/plmn_info — PLMN: no app instance" in text
    assert text.rstrip().endswith("1 passed, 1 failed, 1 skipped in 1.5 s")
