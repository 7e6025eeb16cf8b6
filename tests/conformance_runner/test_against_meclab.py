"""The suite against a real ``meclab up``: every API meclab serves passes, through the command
as CI runs it, and its JUnit XML and HTML report say so."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import httpx
from helpers import free_port
from test_up import ANY_DATAPLANE_PORTS, Meclab
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
        "location-v2",
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


def test_an_api_root(tmp_path: Path) -> None:
    """Behind a prefix (``meclab up --api-root``, as the ETSI sandbox serves): found and
    passed with ``--api-root``; without it nothing answers, which is exit 2, not a pass."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = ["up", "--port", str(port), "--data-dir", str(tmp_path / "data"), *ANY_DATAPLANE_PORTS]
    process = Meclab([*args, "--api-root", "/sbx1/mep1"], tmp_path, "meclab")
    try:
        process.wait_ready(base)
        chosen = ["--api", "mec011", "--api", "ueid", "--api", "location"]
        result = CliRunner().invoke(app, ["conformance", base, "--api-root", "/sbx1/mep1", *chosen])
        assert result.exit_code == 0, result.output
        assert re.search(r"\d+ passed, 0 failed", result.output)
        result = CliRunner().invoke(app, ["conformance", base, *chosen])
        assert result.exit_code == 2
        assert (
            f"no MEC API answers at {base} (tried /mec_service_mgmt/v1/services → 404"
            in result.output
        )
    finally:
        process.kill()


def test_a_settings_file_naming_an_app_instance_with_rules(meclab_url: str, tmp_path: Path) -> None:
    """With ``app_instance_id`` of a scenario's app (its DNS and traffic rules come from its
    descriptor), the suite acts as that instance, on its MEC host (``--api-root
    /hosts/<host>``): its rules are read and a stale If-Match on them refused; nothing is
    skipped."""
    adjacent = httpx.get(f"{meclab_url}/amsi/v1/queries/adjacent_app_instances").json()
    instance = adjacent[0]
    settings = tmp_path / "pixit.yaml"
    settings.write_text(f"app_instance_id: {instance['appInstanceId']}\n")
    host = f"/hosts/{instance['mecHostInformation']['hostName']}"
    args = ["--api", "mec011", "--settings", str(settings), "--api-root", host]
    result = CliRunner().invoke(app, ["conformance", meclab_url, *args])
    assert result.exit_code == 0, result.output
    assert re.search(r"\d+ passed, 0 failed, 0 skipped", result.output), result.output
    assert "POST /registrations" not in result.output  # the instance is the settings' one
