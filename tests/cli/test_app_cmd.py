"""``meclab app package`` and ``meclab app onboard`` (typer's runner on ``app_app``)."""

from __future__ import annotations

import asyncio
import hashlib
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from helpers import on_loopback
from package_lab import APP_D_ID, edit, package_dir
from typer.testing import CliRunner

from meclab.cli.app_cmd import app_app
from meclab.http.problem import install_problem_handlers
from meclab.lifecycle.packages import OnboardingState, PackageRegistry
from meclab.platform.platform import Platforms
from meclab.services.app_pkgm.service import AppPkgm
from meclab.store.sqlite import SqliteStore

runner = CliRunner()


def test_package_prints_path_size_and_checksum(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    out = tmp_path / "dist" / "hello.zip"
    result = runner.invoke(app_app, ["package", str(root), "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert result.output.split() == [
        str(out),
        str(len(data)),
        "bytes",
        f"sha256:{hashlib.sha256(data).hexdigest()}",
    ]


def test_package_names_every_bad_field_and_exits_1(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    edit(root / "appd.yaml", lambda d: d["appLatency"].update(maxLatency=-1))
    edit(root / "meclab-app.yaml", lambda d: d.update(restart="sometimes"))
    result = runner.invoke(app_app, ["package", str(root)])
    assert result.exit_code == 1
    assert "2 problem(s)" in result.output
    assert "appd.yaml:" in result.output and "appLatency.maxLatency:" in result.output
    assert "meclab-app.yaml:" in result.output and "restart:" in result.output
    assert not list(tmp_path.glob("*.zip"))


@pytest.fixture
async def meclab_url(tmp_path: Path) -> AsyncIterator[tuple[str, PackageRegistry]]:
    """app_pkgm under API root /sbx, and the control API's node list that names that root."""
    store = SqliteStore(tmp_path / "meclab.sqlite")
    packages = PackageRegistry(tmp_path / "packages")

    def make(base_url: str) -> FastAPI:
        platforms = Platforms(store, base_url=base_url, api_root="/sbx")
        app = FastAPI()
        install_problem_handlers(app)
        AppPkgm(platforms, packages).mount(app)

        @app.get("/meclab/v1/nodes")
        async def nodes() -> list[dict[str, str]]:
            return [
                {"name": "cloud", "kind": "cloud"},
                {"name": "mec-b", "kind": "mec_host", "api_root": "/sbx/hosts/mec-b"},
            ]

        return app

    try:
        async with on_loopback(make) as (_, port):
            yield f"http://127.0.0.1:{port}", packages
    finally:
        await packages.close()
        await store.close()


async def test_onboard_a_directory_prints_its_app_d_id(
    tmp_path: Path, meclab_url: tuple[str, PackageRegistry]
) -> None:
    url, packages = meclab_url
    root = package_dir(tmp_path / "src")
    result = await asyncio.to_thread(runner.invoke, app_app, ["onboard", str(root), "--url", url])
    assert result.exit_code == 0, result.output
    assert f"appDId    {APP_D_ID}" in result.output
    (package,) = packages.all()
    assert package.onboarding_state is OnboardingState.ONBOARDED
    assert package.appd is not None and package.appd.appName == "hello-edge"


async def test_onboard_refused_prints_every_problem(
    tmp_path: Path, meclab_url: tuple[str, PackageRegistry]
) -> None:
    url, packages = meclab_url
    root = package_dir(tmp_path / "src")
    edit(root / "meclab-app.yaml", lambda d: d.update(workdir="nowhere"))
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for path in sorted(root.iterdir()):
            zf.write(path, path.name)
    # refused before sending: the same checks run locally
    local = await asyncio.to_thread(runner.invoke, app_app, ["onboard", str(bad), "--url", url])
    assert local.exit_code == 1
    assert "meclab-app.yaml" in local.output and "workdir" in local.output
    assert packages.all() == []


async def test_onboard_reports_the_servers_refusal(
    tmp_path: Path, meclab_url: tuple[str, PackageRegistry]
) -> None:
    url, packages = meclab_url
    first = package_dir(tmp_path / "one")
    ok = await asyncio.to_thread(runner.invoke, app_app, ["onboard", str(first), "--url", url])
    assert ok.exit_code == 0, ok.output
    again = await asyncio.to_thread(runner.invoke, app_app, ["onboard", str(first), "--url", url])
    assert again.exit_code == 1
    assert "appd.yaml:appDId: already onboarded" in again.output
    assert [p.onboarding_state for p in packages.all()] == [
        OnboardingState.ONBOARDED,
        OnboardingState.ERROR,
    ]


def test_onboard_without_a_running_meclab_says_so(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    result = runner.invoke(app_app, ["onboard", str(root), "--url", "http://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach meclab" in result.output
