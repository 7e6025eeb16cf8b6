"""``meclab conformance URL``: meclab's own ETSI MEC conformance suite against any platform.

Exit codes: 0 nothing failed, 1 something failed, 2 nothing could be tested (unreachable, not a
MEC platform, HTML, a bad settings file or option).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from meclab.conformance import report
from meclab.conformance.exchange import tls_context
from meclab.conformance.preflight import CannotTest
from meclab.conformance.runner import RunOptions, run
from meclab.conformance.settings import Settings, SettingsError, load
from meclab.conformance.suite import ALIASES, GROUPS, resolve

_API_HELP = f"API to test (repeat for several; default: all): {', '.join([*GROUPS, *ALIASES])}."


def _token(url: str, client_id: str, secret: str, verify: bool | str) -> str:
    """An access token from the platform's token endpoint (OAuth 2.0 client credentials)."""
    endpoint = f"{url.rstrip('/')}/oauth2/token"
    try:
        answer = httpx.post(
            endpoint,
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            verify=tls_context(verify),
            timeout=10,
        )
    except (httpx.HTTPError, OSError) as exc:  # OSError: a CA file that cannot be read
        raise CannotTest(f"cannot get a token from {endpoint}: {exc}") from exc
    if answer.status_code != 200 or "access_token" not in answer.text:
        raise CannotTest(
            f"the token endpoint {endpoint} answered {answer.status_code}: {answer.text[:200]}"
        )
    return str(answer.json()["access_token"])


def conformance_command(
    url: Annotated[str, typer.Argument(help="The platform's URL, e.g. http://127.0.0.1:8080.")],
    api: Annotated[list[str] | None, typer.Option("--api", help=_API_HELP)] = None,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="Settings file (YAML/JSON) with the platform's test data "
            "(keys: meclab.conformance.settings).",
        ),
    ] = None,
    api_root: Annotated[
        str,
        typer.Option(
            help="Path prefix of the ETSI APIs, e.g. /sbx1/mep1.", show_default="none: at the root"
        ),
    ] = "",
    token: Annotated[str | None, typer.Option(help="Bearer token sent with every request.")] = None,
    client_id: Annotated[str | None, typer.Option(help="Get a token: OAuth 2.0 client id.")] = None,
    client_secret: Annotated[
        str | None, typer.Option(help="Get a token: OAuth 2.0 client secret.")
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Do not verify the TLS certificate.")
    ] = False,
    ca: Annotated[
        Path | None, typer.Option("--ca", help="CA certificate (PEM) to verify TLS with.")
    ] = None,
    junit_file: Annotated[
        Path | None, typer.Option("--junit", help="Write JUnit XML here.")
    ] = None,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")
    ] = None,
    callback_host: Annotated[
        str | None,
        typer.Option(
            help="Address the notification receiver listens on.",
            show_default="the settings' callback.host, else 127.0.0.1",
        ),
    ] = None,
    callback_port: Annotated[
        int | None,
        typer.Option(
            min=0,
            max=65535,
            help="Port of the notification receiver (0: any free).",
            show_default="the settings' callback.port, else 0",
        ),
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List every skipped step.")
    ] = False,
) -> None:
    """Run meclab's conformance suite against a MEC platform (meclab, the ETSI sandbox, ...)."""
    # CI logs are no terminal: give the tables room rather than rich's 80 columns.
    out = Console(width=None if sys.stdout.isatty() else 140)
    try:
        groups = resolve(api or [])
        settings = load(settings_file) if settings_file else Settings()
    except ValueError as exc:
        typer.echo(f"meclab conformance: {exc}", err=True)
        raise typer.Exit(2) from None
    except SettingsError as exc:
        typer.echo(f"meclab conformance: bad settings file {exc.source}:", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from None
    if callback_host is not None or callback_port is not None:
        settings = settings.model_copy(
            update={
                "callback": settings.callback.model_copy(
                    update={
                        k: v
                        for k, v in (("host", callback_host), ("port", callback_port))
                        if v is not None
                    }
                )
            }
        )
    verify: bool | str = False if insecure else (str(ca) if ca else True)
    try:
        if token is None and client_id and client_secret:
            token = _token(url, client_id, client_secret, verify)
        result = asyncio.run(run(RunOptions(url, api_root, token, verify), groups, settings))
    except CannotTest as exc:
        typer.echo(f"meclab conformance: {exc}", err=True)
        raise typer.Exit(2) from None
    report.console(result, out, verbose)
    if junit_file:
        report.junit(result, junit_file)
    if html_file:
        report.html_page(result, html_file)
    raise typer.Exit(1 if result.failed else 0)
