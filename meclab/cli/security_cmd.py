"""``meclab ca`` and ``meclab app credentials``: what clients of a secure meclab need.

* ``meclab ca`` prints the local CA's certificate (PEM), for curl's ``--cacert``, a browser or
  another machine's trust store; the CA is made in the data dir if it is not there yet.
* ``meclab app credentials NAME`` issues an app instance a new client secret (its old one stops
  working) and prints the environment the SDK reads (``MEC_CLIENT_ID``, ``MEC_CLIENT_SECRET``,
  ``MEC_TOKEN_URL``, ``MEC_CA_FILE``), one ``NAME=value`` a line, for ``export`` or a ``.env``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from meclab.cli.event_cmd import _request
from meclab.cli.instance import DataDirOption, UrlOption, default_data_dir, instance_url
from meclab.cli.operator import CA_FILE, SECURITY_DIR, security_dir
from meclab.security.ca import LocalCA
from meclab.security.errors import SecurityError


def ca_command(data_dir: DataDirOption = None) -> None:
    """Print the certificate of meclab's local CA (PEM), which signs its HTTPS certificate."""
    directory = (data_dir or default_data_dir()) / SECURITY_DIR / CA_FILE.parent
    made = not (directory / CA_FILE.name).exists()
    try:
        pem = LocalCA(directory).pem
    except (OSError, SecurityError) as exc:
        typer.echo(f"meclab ca: {directory}: {exc}", err=True)
        raise typer.Exit(1) from exc
    if made:
        typer.echo(f"meclab ca: made a new CA in {directory}", err=True)
    typer.echo(pem.decode(), nl=False)


def app_environment(base: str, name: str) -> dict[str, str]:
    """A new credential for app instance ``name`` as the SDK's environment variables."""
    issued = _request("POST", base, f"/meclab/v1/apps/{name}/credentials")
    env = {
        "MEC_CLIENT_ID": issued["client_id"],
        "MEC_CLIENT_SECRET": issued["client_secret"],
        "MEC_TOKEN_URL": issued["token_url"],
    }
    ca: Path = security_dir(base) / CA_FILE
    if base.startswith("https:") and ca.is_file():
        env["MEC_CA_FILE"] = str(ca)
    return env


def credentials_command(
    name: Annotated[
        str, typer.Argument(help="The app instance: its scenario name or appInstanceId.")
    ],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Issue an app instance a new client secret (the old one stops working) and print it as
    the SDK's environment (a secure meclab only)."""
    base = instance_url(url, data_dir)
    if not base.startswith("https:"):
        typer.echo(
            f"meclab at {base} runs in open mode: its APIs want no credentials "
            "(start it with meclab up --secure)",
            err=True,
        )
        raise typer.Exit(1)
    for key, value in app_environment(base, name).items():
        typer.echo(f"{key}={value}")
