"""The suite against a real ``meclab up``: every API meclab serves passes, through the command
as CI runs it, and its JUnit XML and HTML report say so."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from typer.testing import CliRunner

from meclab.cli.main import app


def test_meclab_passes_and_the_reports_agree(meclab_url: str, tmp_path: Path) -> None:
    junit, page = tmp_path / "conformance.xml", tmp_path / "conformance.html"
    result = CliRunner().invoke(
        app, ["conformance", meclab_url, "--junit", str(junit), "--html", str(page)]
    )
    assert result.exit_code == 0, result.output
    summary = re.search(r"(\d+) passed, (\d+) failed, (\d+) skipped", result.output)
    assert summary is not None, result.output
    passed, failed, skipped = map(int, summary.groups())
    assert failed == 0 and passed >= 100

    root = ET.parse(junit).getroot()
    cases = root.findall("./testsuite/testcase")
    assert int(root.get("tests", "-1")) == len(cases) == passed + failed + skipped
    assert int(root.get("failures", "-1")) == 0
    assert (
        int(root.get("skipped", "-1"))
        == len(root.findall("./testsuite/testcase/skipped"))
        == skipped
    )
    suites = {s.get("name") for s in root.findall("testsuite")}
    assert suites == {
        "mec011-sm",
        "mec011-as",
        "rni",
        "location",
        "ueid",
        "wai",
        "ams",
        "bwm",
        "mts",
    }
    for suite in root.findall("testsuite"):
        assert int(suite.get("tests", "-1")) == len(suite.findall("testcase"))

    text = page.read_text()
    assert f"{passed} passed, 0 failed, {skipped} skipped" in text
    # Self-contained: no stylesheet, script, image or font fetched from anywhere.
    assert not re.search(r"<(script|link|img|iframe)\b", text)
    assert not re.search(r"""(src|href)\s*=|url\(|@import""", text)


def test_one_api_only(meclab_url: str) -> None:
    result = CliRunner().invoke(app, ["conformance", meclab_url, "--api", "mec012"])
    assert result.exit_code == 0, result.output
    assert "rni" in result.output and "mec011-sm" not in result.output
