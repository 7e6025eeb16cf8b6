"""How the CLI talks to a meclab in secure mode: as the operator, trusting meclab's own CA.

A meclab started with ``--secure`` serves HTTPS with a certificate from the local CA in its data
dir and wants an access token on every request. The CLI, run by the same user on the same
machine, reads the operator's secret and the CA certificate from that data dir
(:mod:`meclab.security.authority`), trades the secret for a token at the operator's token
endpoint (``/meclab/v1/oauth2/token``) and sends it, fetching a new one when it is refused.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import Generator
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import httpx
import typer

from meclab.security.authority import OPERATOR_SECRET
from meclab.security.credentials import OPERATOR

SECURITY_DIR = "security"
CA_FILE = Path("ca") / "ca.pem"

_data_dirs: dict[str, Path] = {}
"""The data dir each base URL was found through (see :func:`remember`)."""


def remember(base: str, data_dir: Path) -> None:
    """Note that the meclab at ``base`` keeps its data in ``data_dir``."""
    _data_dirs[base] = data_dir


def security_dir(base: str) -> Path:
    """Where the meclab at ``base`` keeps its secrets (its data dir's, else the default's)."""
    from meclab.cli.instance import default_data_dir

    return (_data_dirs.get(base) or default_data_dir()) / SECURITY_DIR


class OperatorAuth(httpx.Auth):
    """Bearer tokens for the operator: fetched before the first request when the operator's
    secret is there, else when meclab asks for one (a 401 with a Bearer challenge), and again
    when meclab refuses the one held (expired). A meclab in open mode has no token endpoint
    (404): requests then go without."""

    # Not True: httpx would then read every answer whole before handing it back, and the event
    # stream never ends. The token endpoint's answer is read here, the rest is the caller's.
    requires_response_body = False

    def __init__(self, base: str, secret_file: Path) -> None:
        self.base = base
        self.token_url = f"{base}/meclab/v1/oauth2/token"
        self.secret_file = secret_file
        self.token: str | None = None
        self.open = False
        """meclab turned out to have no token endpoint (open mode)."""

    def _secret(self) -> str:
        return operator_secret(self.base, self.secret_file)

    def _token_request(self) -> httpx.Request:
        return httpx.Request(
            "POST",
            self.token_url,
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {_basic(OPERATOR, self._secret())}"},
        )

    def _take(self, response: httpx.Response) -> None:
        response.read()
        if response.status_code != 200:
            try:
                reason = response.json().get("error_description") or response.text
            except ValueError:
                reason = response.text
            typer.echo(
                f"meclab refused the operator's credential at {self.token_url} "
                f"({response.status_code}): {reason}",
                err=True,
            )
            raise typer.Exit(1)
        self.token = response.json()["access_token"]

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.token is None and not self.open and self.secret_file.exists():
            # Ask first rather than be refused first: a refusal would be in meclab's audit.
            answer = yield self._token_request()
            if answer.status_code == 404:  # no token endpoint: meclab runs in open mode
                self.open = True
            else:
                self._take(answer)
        if self.token is not None:
            request.headers["Authorization"] = f"Bearer {self.token}"
        response = yield request
        challenge = response.headers.get("www-authenticate", "")
        if response.status_code != 401 or not challenge.startswith("Bearer"):
            return
        self._take((yield self._token_request()))
        request.headers["Authorization"] = f"Bearer {self.token}"
        yield request


def operator_secret(base: str, secret_file: Path | None = None) -> str:
    """The operator's secret for the meclab at ``base`` (from its data dir, or
    ``secret_file``); exit 1 naming the file when it cannot be read."""
    secret_file = secret_file or security_dir(base) / OPERATOR_SECRET
    try:
        return secret_file.read_text().strip()
    except OSError as exc:
        typer.echo(
            f"meclab at {base} is in secure mode, and the operator's secret is not in "
            f"{secret_file} ({exc.strerror}): give the --data-dir that meclab runs on",
            err=True,
        )
        raise typer.Exit(1) from exc


def _basic(user: str, password: str) -> str:
    # RFC 6749 §2.3.1: each part form-encoded before the RFC 7617 encoding
    pair = f"{quote_plus(user)}:{quote_plus(password)}"
    return base64.b64encode(pair.encode()).decode()


_auths: dict[str, OperatorAuth] = {}


def client_options(base: str) -> dict[str, Any]:
    """What ``httpx`` needs to reach ``base``: for HTTPS, meclab's CA (when its data dir has
    one); and the operator's token, should meclab ask for it (see :class:`OperatorAuth`)."""
    directory = security_dir(base)
    options: dict[str, Any] = {}
    ca = directory / CA_FILE
    if base.startswith("https:") and ca.is_file():
        options["verify"] = ssl.create_default_context(cafile=str(ca))
    auth = _auths.get(base)
    if auth is None:
        auth = _auths[base] = OperatorAuth(base, directory / OPERATOR_SECRET)
    options["auth"] = auth
    return options
