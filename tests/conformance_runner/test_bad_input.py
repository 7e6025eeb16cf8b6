"""What the command does when there is nothing to test: one clear message and exit 2."""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from helpers import free_port
from typer.testing import CliRunner

from meclab.cli.main import app
from meclab.conformance import settings as settings_module
from meclab.conformance.settings import SettingsError, parse


def serve_forever(body: bytes, status: int, media: str) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def html_site() -> Iterator[str]:
    """A web server that answers a page to every GET (the wrong URL, a portal)."""
    yield from serve_forever(b"<!DOCTYPE html><html><body>Welcome</body></html>", 200, "text/html")


@pytest.fixture
def json_elsewhere() -> Iterator[str]:
    """A JSON API that is no MEC platform: 404 everywhere."""
    yield from serve_forever(b'{"error": "not found"}', 404, "application/json")


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["conformance", *args])
    return result.exit_code, result.output


def test_an_unreachable_url_is_exit_2_with_one_message() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, output = invoke(url)
    assert code == 2
    assert output.strip().splitlines() == [output.strip().splitlines()[0]]  # one message
    assert f"cannot reach {url}" in output
    assert " passed, " not in output  # no suite ran


def test_a_server_answering_html_is_exit_2(html_site: str) -> None:
    code, output = invoke(html_site)
    assert code == 2
    assert f"{html_site} answers HTML, not a MEC API" in output and "--api-root" in output


def test_a_server_without_mec_apis_is_exit_2(json_elsewhere: str) -> None:
    code, output = invoke(json_elsewhere, "--api", "mec011", "--api", "rni")
    assert code == 2
    assert f"no MEC API answers at {json_elsewhere}" in output
    assert (
        "/mec_service_mgmt/v1/services → 404" in output and "/rni/v2/subscriptions → 404" in output
    )


def test_a_settings_file_names_every_problem_with_its_path(tmp_path: Path) -> None:
    settings = tmp_path / "pixit.yaml"
    settings.write_text(
        "app_instance_id: ''\n"
        "colour: red\n"
        "callback: {port: 70000, hots: x}\n"
        "rni:\n  ecgi: {cell_id: '000000A'}\n"
    )
    code, output = invoke("http://127.0.0.1:9", "--settings", str(settings))
    assert code == 2
    lines = [line.strip() for line in output.splitlines()]
    assert lines[0] == f"meclab conformance: bad settings file {settings}:"
    assert set(lines[1:]) >= {
        "app_instance_id: String should have at least 1 character",
        "colour: unknown key",
        "callback.port: Input should be less than or equal to 65535",
        "callback.hots: unknown key",
        "rni.ecgi.mcc: missing",
        "rni.ecgi.mnc: missing",
    }
    assert len([line for line in lines[1:] if line]) == 6


def test_a_settings_file_that_is_not_yaml_or_is_absent(tmp_path: Path) -> None:
    broken = tmp_path / "pixit.yaml"
    broken.write_text("rni: [unclosed\n")
    code, output = invoke("http://127.0.0.1:9", "--settings", str(broken))
    assert code == 2 and "not valid yaml" in output
    code, output = invoke("http://127.0.0.1:9", "--settings", str(tmp_path / "absent.yaml"))
    assert code == 2 and "cannot read" in output


def test_an_unknown_api_lists_the_known_ones() -> None:
    code, output = invoke("http://127.0.0.1:9", "--api", "mec999")
    assert code == 2 and "unknown API 'mec999'; known: mec011" in output


def test_settings_parse_keeps_every_problem() -> None:
    with pytest.raises(SettingsError) as caught:
        parse({"location": {"address": "", "zone": "z"}, "timeouts": {"request_s": 0}})
    assert caught.value.problems == [
        "timeouts.request_s: Input should be greater than 0",
        "location.address: String should have at least 1 character",
        "location.zone: unknown key",
    ]


def test_the_documented_settings_file_is_valid() -> None:
    """The example in meclab.conformance.settings' docstring is a settings file as it says."""
    doc = settings_module.__doc__ or ""
    example = textwrap.dedent(doc.split(".. code-block:: yaml", 1)[1]).strip("\n")
    parsed = parse(yaml.safe_load(example))
    assert parsed.app_instance_id == "5c0e..."
    assert parsed.callback.public_url == "http://10.0.0.9:9000"
    assert parsed.rni.ecgi is not None and parsed.rni.ecgi.cell_id == "000000A"
    assert (parsed.location.address, parsed.wai.bssid, parsed.ueid.tag) == (
        "acr:10.0.0.1",
        "00:00:00:00:00:01",
        "UE_TAG_1",
    )
