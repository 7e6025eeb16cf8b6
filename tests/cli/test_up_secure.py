"""``meclab up --secure`` as a user runs it: a real process serving HTTPS from its local CA,
curl and the CLI against it, the operator's secret and an app's credential as they are given."""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from helpers import free_port

START_TIMEOUT_S = 20.0
SERVICES = "/mec_service_mgmt/v1/services"


def trusting(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


class SecureMeclab:
    """One ``meclab up FLAGS`` (``--secure`` ...) on a data dir of its own."""

    def __init__(self, workdir: Path, *flags: str) -> None:
        self.data_dir = workdir / "data"
        self.port = free_port()
        self.tls = flags == ("--secure",)
        self.base = f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"
        self.env = {**os.environ, "MECLAB_DATA_DIR": str(self.data_dir)}
        self.env.pop("MECLAB_URL", None)
        self.log = (workdir / "up.out").open("wb")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "meclab",
                "up",
                *flags,
                "--no-dataplane",
                "--port",
                f"{self.port}",
            ],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=self.env,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        self.security = self.data_dir / "security"
        self.ca = self.security / "ca" / "ca.pem"

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.process.poll() is not None:
                raise AssertionError(f"meclab exited with {self.process.returncode}")
            try:
                # Any answer (over a verified TLS connection): the server is up.
                verify = trusting(self.ca) if self.tls else True
                httpx.get(f"{self.base}/openapi.json", verify=verify, timeout=2.0)
                return
            except (httpx.TransportError, FileNotFoundError, OSError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError("meclab --secure did not answer in time")
            time.sleep(0.1)

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "meclab", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=self.env,
            check=False,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


@contextmanager
def started(workdir: Path, *flags: str) -> Iterator[SecureMeclab]:
    running = SecureMeclab(workdir, *flags)
    try:
        running.wait_ready()
        yield running
    finally:
        running.stop()


@pytest.fixture
def meclab(tmp_path: Path) -> Iterator[SecureMeclab]:
    with started(tmp_path, "--secure") as running:
        yield running


def test_secure_mode_end_to_end(meclab: SecureMeclab) -> None:
    # The files: owner-only secrets, the CA public.
    assert (meclab.security.stat().st_mode & 0o777) == 0o700
    assert (meclab.security / "operator.secret").stat().st_mode & 0o777 == 0o600
    banner = Path(meclab.log.name).read_text()
    assert "mode         secure" in banner and str(meclab.security / "operator.secret") in banner
    assert f"dashboard    {meclab.base}/  (sign in: meclab dashboard)" in banner

    # Plain HTTP is not served; HTTPS without meclab's CA fails verification.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{meclab.port}{SERVICES}", timeout=3.0)
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{meclab.base}{SERVICES}", timeout=3.0)

    # meclab ca prints that CA.
    ca = meclab.cli("ca")
    assert ca.returncode == 0 and ca.stdout == meclab.ca.read_text()

    # The CLI acts as the operator by itself.
    status = meclab.cli("status")
    assert status.returncode == 0, status.stderr
    assert "monaco" in status.stdout

    # An app's credential, as the SDK's environment; a token from it; an API call with it.
    issued = meclab.cli("app", "credentials", "ar-guide-fontvieille")
    assert issued.returncode == 0, issued.stderr
    env = dict(line.split("=", 1) for line in issued.stdout.splitlines())
    assert set(env) == {"MEC_CLIENT_ID", "MEC_CLIENT_SECRET", "MEC_TOKEN_URL", "MEC_CA_FILE"}
    assert env["MEC_TOKEN_URL"] == f"{meclab.base}/hosts/mec-fontvieille/oauth2/token"
    with httpx.Client(verify=trusting(Path(env["MEC_CA_FILE"])), timeout=5.0) as client:
        token = client.post(
            env["MEC_TOKEN_URL"],
            data={"grant_type": "client_credentials"},
            auth=(env["MEC_CLIENT_ID"], env["MEC_CLIENT_SECRET"]),
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        answer = client.get(f"{meclab.base}/hosts/mec-fontvieille{SERVICES}", headers=headers)
        assert answer.status_code == 200
        assert client.get(f"{meclab.base}{SERVICES}").status_code == 401

    # curl, trusting the CA as another client would.
    curl = shutil.which("curl")
    if curl is not None:
        plain = subprocess.run(
            [
                *(curl, "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", str(meclab.ca)),
                *("-H", f"Authorization: Bearer {token}"),
                f"{meclab.base}/hosts/mec-fontvieille{SERVICES}",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        assert plain.stdout == "200"


def test_the_cli_names_the_missing_secret(meclab: SecureMeclab, tmp_path: Path) -> None:
    elsewhere = {**meclab.env, "MECLAB_DATA_DIR": str(tmp_path / "other")}
    result = subprocess.run(
        [sys.executable, "-m", "meclab", "status", "--url", meclab.base],
        capture_output=True,
        text=True,
        timeout=60,
        env=elsewhere,
        check=False,
    )
    assert result.returncode == 1
    assert "a certificate this CLI does not trust" in result.stderr
    assert str(tmp_path / "other" / "security" / "ca" / "ca.pem") in result.stderr


def test_the_operators_security_commands(meclab: SecureMeclab) -> None:
    with httpx.Client(verify=trusting(meclab.ca), timeout=5.0) as client:
        assert client.get(f"{meclab.base}{SERVICES}").status_code == 401
    audit = meclab.cli("security", "audit", "--kind", "authentication")
    assert audit.returncode == 0, audit.stderr
    # The CLI asked for its token before its request: the one refusal is the client's above.
    assert audit.stdout.endswith("1 refused in all (0 no longer kept)\n")
    assert (
        f"401 authentication missing_token      anonymous 127.0.0.1 GET {SERVICES}: "
        in audit.stdout
    )
    rotated = meclab.cli("security", "rotate-keys")
    assert rotated.returncode == 0 and rotated.stdout.startswith("new signing key ")
    issued = meclab.cli("app", "credentials", "ar-guide-fontvieille")
    client_id = issued.stdout.splitlines()[0].split("=", 1)[1]
    assert meclab.cli("security", "revoke", client_id).stdout == f"revoked {client_id}\n"
    again = meclab.cli("security", "revoke", client_id)
    assert again.returncode == 1 and "no app client" in again.stderr


def test_secure_without_tls_behind_a_gateway(tmp_path: Path) -> None:
    with started(tmp_path, "--secure", "--no-tls") as meclab:
        assert "plain HTTP (--no-tls" in Path(meclab.log.name).read_text()
        assert httpx.get(f"{meclab.base}{SERVICES}", timeout=5.0).status_code == 401
        assert meclab.cli("status").returncode == 0
        events = meclab.cli("events", "--last", "1")
        assert events.returncode == 0 and events.stdout.startswith("#")
        issued = meclab.cli("app", "credentials", "ar-guide-fontvieille")
        env = dict(line.split("=", 1) for line in issued.stdout.splitlines())
        assert set(env) == {"MEC_CLIENT_ID", "MEC_CLIENT_SECRET", "MEC_TOKEN_URL"}
        assert env["MEC_TOKEN_URL"].startswith("http://")


def test_credentials_of_an_open_meclab_are_refused_plainly(tmp_path: Path) -> None:
    with started(tmp_path) as meclab:
        issued = meclab.cli("app", "credentials", "ar-guide-fontvieille")
        assert issued.returncode == 1
        assert "runs in open mode: its APIs want no credentials" in issued.stderr
        audit = meclab.cli("security", "audit")
        assert audit.returncode == 1 and "open mode" in audit.stderr
        assert meclab.cli("status").returncode == 0  # no token asked, none fetched
