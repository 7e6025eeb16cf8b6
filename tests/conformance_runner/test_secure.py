"""The suite against ``meclab up --secure`` (HTTPS from its local CA, OAuth 2.0 tokens):
``--ca`` to trust it, ``--client-id``/``--client-secret`` to get a token, and what the
token's scopes forbid is skipped, naming the scope, not failed."""

from __future__ import annotations

import re
from pathlib import Path

from test_up_secure import started
from typer.testing import CliRunner

from meclab.cli.main import app


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["conformance", *args])
    return result.exit_code, result.output


def test_a_secure_meclab_over_tls_with_client_credentials(tmp_path: Path) -> None:
    with started(tmp_path, "--secure") as meclab:
        issued = meclab.cli("app", "credentials", "ar-guide-fontvieille")
        assert issued.returncode == 0, issued.stderr
        env = dict(line.split("=", 1) for line in issued.stdout.split())
        client_id, secret = env["MEC_CLIENT_ID"], env["MEC_CLIENT_SECRET"]
        settings = tmp_path / "pixit.yaml"
        # In secure mode the suite acts as the app instance the credentials are of.
        settings.write_text(f"app_instance_id: {client_id}\n")

        code, output = invoke(meclab.base, "--ca", str(meclab.ca))
        assert code == 2 and "asks for authentication" in output and "--client-id" in output
        code, output = invoke(meclab.base)  # the local CA is not trusted by default
        assert code == 2 and "cannot reach" in output and "CERTIFICATE_VERIFY_FAILED" in output

        code, output = invoke(
            meclab.base,
            "--ca",
            str(meclab.ca),
            "--client-id",
            client_id,
            "--client-secret",
            secret,
            "--settings",
            str(settings),
        )
        assert code == 0, output
        summary = re.search(r"(\d+) passed, 0 failed, (\d+) skipped", output)
        assert summary is not None, output
        assert int(summary.group(1)) >= 60
        # The instance may not write BWM (it does not require it): skipped, with the scope.
        assert re.search(r"skipped bwm POST /bw_allocations .*the token lacks bwm:write", output)
