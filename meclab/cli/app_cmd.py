"""``meclab app ...``: build an application package, onboard it on the running meclab.

* ``meclab app package DIR [--out FILE]`` validates the package directory (its AppD and run
  manifest, :mod:`meclab.lifecycle.package`) and writes a reproducible zip; it prints the
  archive's path, size and SHA-256. Every problem is printed as ``file:line: field.path:
  message``, and the command exits 1.
* ``meclab app onboard PKG`` sends a package (a directory, built first, or a zip) to the running
  meclab through MEC 010-2 app_pkgm: POST onboarded_app_packages, PUT its package_content,
  then waits until it is ONBOARDED (prints its appDId) or in ERROR (prints every problem, exit 1).
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

from meclab.cli.deploy_cmd import add_deploy_commands
from meclab.cli.event_cmd import _fail, _request
from meclab.cli.instance import DataDirOption, UrlOption, instance_url
from meclab.lifecycle.package import PackageError, build_package, open_package

app_app = typer.Typer(
    help="Your applications on MEC hosts: package, onboard, instantiate, stop, start, "
    "terminate, list, logs.",
    no_args_is_help=True,
)

PKGM = "/app_pkgm/v1"
SETTLED = ("ONBOARDED", "ERROR")


def _refuse(exc: PackageError, what: Path) -> typer.Exit:
    lines = "\n".join(f"  {issue.render()}" for issue in exc.issues)
    return _fail(f"invalid package {what}: {len(exc.issues)} problem(s)\n{lines}")


@app_app.command("package")
def package(
    directory: Annotated[
        Path, typer.Argument(help="The package directory (appd.yaml, meclab-app.yaml ...).")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Where to write the zip.", show_default="DIR-VERSION.zip"),
    ] = None,
) -> None:
    """Validate a package directory and build its zip."""
    try:
        built = build_package(directory, out)
    except PackageError as exc:
        raise _refuse(exc, directory) from None
    digest = hashlib.sha256(built.read_bytes()).hexdigest()
    typer.echo(f"{built}  {built.stat().st_size} bytes  sha256:{digest}")


def system_api_root(base: str) -> str:
    """The API root the running meclab serves its system-level APIs under: that of its first
    MEC host (which is served at the root itself), without the ``/hosts/<name>`` tail."""
    for node in _request("GET", base, "/meclab/v1/nodes"):
        root = node.get("api_root")
        if node.get("kind") == "mec_host" and root is not None:
            return str(root).removesuffix(f"/hosts/{node['name']}")
    return ""


def _archive(source: Path, workspace: Path) -> tuple[bytes, dict[str, Any]]:
    """The zip to send and the AppD attributes CreateAppPkg repeats; exits 1 if invalid."""
    try:
        zipped = build_package(source, workspace / "package.zip") if source.is_dir() else source
        appd = open_package(zipped, workspace / "unpacked").appd  # the server's own checks
    except PackageError as exc:
        raise _refuse(exc, source) from None
    data = zipped.read_bytes()
    create = {
        "appPkgName": appd.appName,
        "appPkgVersion": appd.appSoftVersion,
        "appProvider": appd.appProvider,
        "checksum": {"algorithm": "SHA-256", "hash": hashlib.sha256(data).hexdigest()},
    }
    return data, create


def _failure_lines(details: dict[str, Any] | None) -> str:
    if not details:
        return "  (no details)"
    params = details.get("invalidParams") or []
    if not params:
        return f"  {details.get('detail') or details.get('title')}"
    return "\n".join(f"  {p.get('name')}: {p.get('reason')}" for p in params)


@app_app.command("onboard")
def onboard(
    pkg: Annotated[Path, typer.Argument(help="A package directory or zip.", show_default=False)],
    url: UrlOption = None,
    data_dir: DataDirOption = None,
    timeout_s: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for the onboarding.")
    ] = 60.0,
) -> None:
    """Onboard a package on the running meclab (MEC 010-2 app_pkgm)."""
    base = instance_url(url, data_dir)
    with tempfile.TemporaryDirectory(prefix="meclab-onboard-") as tmp:
        data, create = _archive(pkg, Path(tmp))
    root = f"{system_api_root(base)}{PKGM}/onboarded_app_packages"
    info = _request("POST", base, root, json=create)
    resource = f"{root}/{info['id']}"
    headers = {"Content-Type": "application/zip"}
    _request("PUT", base, f"{resource}/package_content", content=data, headers=headers)
    deadline = time.monotonic() + timeout_s
    while info["onboardingState"] not in SETTLED:
        if time.monotonic() > deadline:
            raise _fail(
                f"package {info['id']} is still {info['onboardingState']} after {timeout_s:g} s"
            )
        time.sleep(0.1)
        info = _request("GET", base, resource)
    if info["onboardingState"] == "ERROR":
        details = info.get("onboardingFailureDetails")
        raise _fail(f"meclab refused package {pkg}:\n{_failure_lines(details)}")
    typer.echo(f"onboarded {info['appName']} {info['appSoftwareVersion']}")
    typer.echo(f"  appDId    {info['appDId']}")
    typer.echo(f"  appPkgId  {info['id']}")


add_deploy_commands(app_app)
