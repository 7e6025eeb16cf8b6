"""``meclab ca``, ``meclab app credentials`` and ``meclab security``: a secure meclab's clients
and its operator.

* ``meclab ca`` prints the local CA's certificate (PEM), for curl's ``--cacert``, a browser or
  another machine's trust store; the CA is made in the data dir if it is not there yet.
* ``meclab app credentials NAME`` issues an app instance a new client secret (its old one stops
  working) and prints the environment the SDK reads (``MEC_CLIENT_ID``, ``MEC_CLIENT_SECRET``,
  ``MEC_TOKEN_URL``, ``MEC_CA_FILE``), one ``NAME=value`` a line, for ``export`` or a ``.env``.
* ``meclab security audit`` lists the latest refused requests (who, what, why);
  ``meclab security rotate-keys`` makes new tokens be signed by a new key (those issued stay
  valid until they expire); ``meclab security revoke CLIENT`` ends a client's credential.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from meclab.cli.event_cmd import _answer, _send
from meclab.cli.instance import DataDirOption, UrlOption, default_data_dir, instance_url
from meclab.cli.operator import CA_FILE, SECURITY_DIR, security_dir
from meclab.security.audit import Kind
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


def _open_mode(base: str) -> typer.Exit:
    typer.echo(
        f"meclab at {base} runs in open mode: its APIs want no credentials "
        "(start it with meclab up --secure)",
        err=True,
    )
    return typer.Exit(1)


def secure_request(method: str, base: str, path: str, **kwargs: Any) -> Any:
    """A request to one of secure mode's own routes; exit 1 saying so when meclab runs in
    open mode (the route is not there)."""
    response = _send(method, base, path, **kwargs)
    if _no_route(response):
        raise _open_mode(base)
    return _answer(response)


def _no_route(response: httpx.Response) -> bool:
    """Whether meclab has no route for the request's path (not: no such app, client ...)."""
    if response.status_code != 404:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("detail", "")).startswith("no resource at ")


def app_environment(base: str, name: str) -> dict[str, str] | None:
    """A new credential for app instance ``name`` as the SDK's environment variables; None
    when meclab runs in open mode."""
    response = _send("POST", base, f"/meclab/v1/apps/{name}/credentials")
    if _no_route(response):
        return None
    issued = _answer(response)
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
    env = app_environment(base, name)
    if env is None:
        raise _open_mode(base)
    for key, value in env.items():
        typer.echo(f"{key}={value}")


security_app = typer.Typer(
    help="A secure meclab's audit, signing keys and credentials (meclab up --secure).",
    no_args_is_help=True,
)


@security_app.command("audit")
def audit_command(
    kind: Annotated[
        Kind | None, typer.Option(help="Only refusals of this kind.", show_default="all")
    ] = None,
    client: Annotated[
        str | None, typer.Option(help="Only this client id's.", show_default="every client's")
    ] = None,
    last: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """The latest refused requests: authentication, authorization and limits."""
    params: dict[str, str | int] = {"limit": last}
    if kind is not None:
        params["kind"] = kind.value
    if client is not None:
        params["client_id"] = client
    answer = secure_request(
        "GET", instance_url(url, data_dir), "/meclab/v1/security/audit", params=params
    )
    for r in answer["refusals"]:
        when = time.strftime("%H:%M:%S", time.localtime(r["time"]))
        who = r["client_id"] or "anonymous"
        typer.echo(
            f"{when} {r['status']} {r['kind']:<14} {r['reason']:<18} {who} {r['address'] or '-'} "
            f"{r['method']} {r['path']}: {r['detail']}"
        )
    typer.echo(f"{answer['total']} refused in all ({answer['dropped']} no longer kept)")


@security_app.command("rotate-keys")
def rotate_keys_command(url: UrlOption = None, data_dir: DataDirOption = None) -> None:
    """Sign new access tokens with a new key; tokens already issued stay valid until they expire."""
    answer = secure_request("POST", instance_url(url, data_dir), "/meclab/v1/keys/rotate")
    typer.echo(f"new signing key {answer['kid']}")


@security_app.command("revoke")
def revoke_command(
    client: Annotated[str, typer.Argument(help="The client id (an appInstanceId ...).")],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """End a client's credential: its secret gets no more tokens (those issued expire)."""
    secure_request("DELETE", instance_url(url, data_dir), f"/meclab/v1/credentials/{client}")
    typer.echo(f"revoked {client}")
