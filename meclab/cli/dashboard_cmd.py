"""``meclab dashboard``: the dashboard's address, and in secure mode a link that signs in.

A meclab in secure mode wants the operator's token on every control API request, the page's
too. The link this command prints carries the operator's credential in its fragment (after
``#``), which a browser never sends to a server nor writes in a server's log; the page moves it
into the tab's session storage, takes it off the address bar, and trades it for tokens at the
operator's token endpoint as they expire. Anyone with the link is the operator: treat it as
the secret it carries (it is read from the data dir, as the CLI itself reads it).
"""

from __future__ import annotations

import webbrowser
from typing import Annotated
from urllib.parse import quote

import httpx
import typer

from meclab.cli.instance import DataDirOption, UrlOption, instance_url
from meclab.cli.operator import client_options, operator_secret
from meclab.security.credentials import OPERATOR


def dashboard_command(
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open it in the default web browser too.")
    ] = False,
) -> None:
    """Print the dashboard's address; for a meclab in secure mode, a link that signs in."""
    base = instance_url(url, data_dir)
    options = client_options(base)
    options.pop("auth")  # asked without a token: a 401 is how secure mode shows itself
    try:
        probe = httpx.get(f"{base}/meclab/v1/world", timeout=5.0, **options)
    except httpx.HTTPError as exc:
        typer.echo(f"meclab dashboard: cannot reach meclab at {base}: {exc}", err=True)
        raise typer.Exit(1) from exc
    link = f"{base}/"
    if probe.status_code == 401:
        secret = operator_secret(base)
        link += f"#client_id={quote(OPERATOR)}&client_secret={quote(secret, safe='')}"
        typer.echo(
            "meclab runs in secure mode: this link signs in as the operator; keep it secret",
            err=True,
        )
        if base.startswith("https:"):
            typer.echo(
                "its certificate comes from meclab's own CA: trust `meclab ca` in the browser, "
                "or accept the warning once",
                err=True,
            )
    typer.echo(link)
    if open_browser and not webbrowser.open(link):
        typer.echo("meclab dashboard: no web browser to open here", err=True)
        raise typer.Exit(1)
