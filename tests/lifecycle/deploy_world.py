"""A running meclab to deploy packages on: the lab world with a second MEC host, a data plane
and a data dir, served on a loopback socket (deployed apps call back over HTTP).

::

    zone-a: mec-a (edge-app), cell-a1, wifi-a2      ue-walk, ue-car start here
    zone-b: mec-b,            cell-b1

Packages are written by :func:`write_package`: ``examples/packages/hello-edge`` (an SDK
EdgeApp) changed as a test needs, or a small script of the test's own.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from fastapi import FastAPI
from helpers import FAST_RETRIES, on_loopback

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.dataplane.plane import DataPlane
from meclab.lifecycle.manager import Lifecycle
from meclab.lifecycle.package import build_package
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario
from meclab.store.sqlite import SqliteStore

HELLO = Path(__file__).parents[2] / "examples" / "packages" / "hello-edge"
FINAL = ("COMPLETED", "FAILED", "FAILED_TEMP")


def two_host_document(lab: dict[str, Any]) -> dict[str, Any]:
    """The lab world with MEC host ``mec-b`` in zone-b."""
    zone_b = lab["domains"][0]["zones"][1]
    zone_b["mec_hosts"] = [
        {"name": "mec-b", "position": [0.004, 0.0005], "netchar": {"latency_ms": 0.5}}
    ]
    return lab


def write_package(
    directory: Path,
    name: str,
    *,
    script: str | None = None,
    appd: dict[str, Any] | None = None,
    manifest: dict[str, Any] | None = None,
) -> Path:
    """A package directory: hello-edge, with its own appDId and name, ``script`` as its
    app.py when given, and the AppD and manifest keys given replaced."""
    target = directory / name
    shutil.copytree(HELLO, target)
    descriptor = yaml.safe_load((target / "appd.yaml").read_text())
    descriptor.update(appDId=f"test-{name}", appName=name, **(appd or {}))
    (target / "appd.yaml").write_text(yaml.safe_dump(descriptor))
    run = yaml.safe_load((target / "meclab-app.yaml").read_text())
    run.update(manifest or {})
    (target / "meclab-app.yaml").write_text(yaml.safe_dump(run))
    if script is not None:
        (target / "app.py").write_text(script)
    return target


@dataclass
class Deploy:
    """meclab serving on ``url`` with its data plane; ``http`` is a client on it."""

    app: FastAPI
    url: str
    http: httpx.AsyncClient
    work: Path

    @property
    def lifecycle(self) -> Lifecycle:
        lifecycle: Lifecycle = self.app.state.lifecycle
        return lifecycle

    @property
    def plane(self) -> DataPlane:
        plane: DataPlane = self.app.state.dataplane
        return plane

    async def onboard(self, package_dir: Path) -> str:
        """Onboard a package directory through app_pkgm/v1; its appDId once ONBOARDED."""
        archive = build_package(package_dir, self.work / f"{package_dir.name}.zip")
        created = await self.http.post(
            "/app_pkgm/v1/onboarded_app_packages",
            json={
                "appPkgName": package_dir.name,
                "appPkgVersion": "1.0",
                "checksum": {"algorithm": "SHA-256", "hash": _sha256(archive)},
                "appPkgPath": archive.as_uri(),
            },
        )
        assert created.status_code == 201, created.text
        info = created.json()
        for _ in range(200):
            info = (await self.http.get(f"/app_pkgm/v1/onboarded_app_packages/{info['id']}")).json()
            if info["onboardingState"] in ("ONBOARDED", "ERROR"):
                break
            await asyncio.sleep(0.02)
        assert info["onboardingState"] == "ONBOARDED", info
        return str(info["appDId"])

    async def op_done(self, location: str, timeout_s: float = 30.0) -> dict[str, Any]:
        """The operation occurrence at ``location`` once it has ended."""
        for _ in range(int(timeout_s / 0.02)):
            op = (await self.http.get(location)).json()
            if op["operationState"] in FINAL:
                return dict(op)
            await asyncio.sleep(0.02)
        raise AssertionError(f"operation {location} still {op['operationState']}")

    async def create(self, app_d_id: str) -> str:
        """A new application instance identifier (app_lcm/v1); its id."""
        response = await self.http.post("/app_lcm/v1/app_instances", json={"appDId": app_d_id})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    async def instantiate(self, instance: str, host: str | None = None) -> dict[str, Any]:
        """Instantiate (on ``host``, else where meclab places it); the ended occurrence."""
        hosts = [{"hostName": host, "hostId": host}] if host else [{"hostId": "auto"}]
        response = await self.http.post(
            f"/app_lcm/v1/app_instances/{instance}/instantiate",
            json={"selectedMECHostInfo": hosts},
        )
        assert response.status_code == 202, response.text
        return await self.op_done(response.headers["Location"])

    async def operate(self, instance: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(f"/app_lcm/v1/app_instances/{instance}/{path}", json=body)
        assert response.status_code == 202, response.text
        return await self.op_done(response.headers["Location"])


def _sha256(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@asynccontextmanager
async def serve_deploy(
    document: dict[str, Any] | None, store_path: Path, data_dir: Path
) -> AsyncIterator[Deploy]:
    """meclab on ``store_path`` and ``data_dir`` with the world of ``document``; None resumes
    the world the store holds, as ``meclab up`` does when restarted."""
    store = SqliteStore(store_path)
    runtime = Runtime(store, MemoryBus())
    await runtime.open(Scenario.model_validate(document) if document is not None else None)

    def make(base_url: str) -> FastAPI:
        plane = DataPlane(socks_port=0, dns_port=None, toxiproxy_port=None)
        app = create_app(runtime, tick=False, base_url=base_url, dataplane=plane, data_dir=data_dir)
        app.state.platforms.notifier.policy = FAST_RETRIES
        return app

    try:
        async with on_loopback(make, timeout_s=30.0) as (app, port):
            url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=url, timeout=30.0) as http:
                yield Deploy(app, url, http, data_dir)
    finally:
        await store.close()
