"""The package registry: onboarding states, refusals that keep nothing, restarts, usage."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from aiohttp import web
from helpers import free_port
from package_lab import APP_D_ID, archive, edit, package_dir, sha256_checksum

from meclab.lifecycle.packages import (
    OnboardedPackage,
    OnboardingState,
    OperationalState,
    PackageRegistry,
    UsageState,
)
from meclab.platform.errors import Conflict, InvalidField, NotFound


class Changes:
    """A listener recording (kind, onboarding state) of every change."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    async def __call__(self, kind: str, package: OnboardedPackage) -> None:
        self.seen.append((kind, package.onboarding_state.value))


@pytest.fixture
def registry(tmp_path: Path) -> PackageRegistry:
    return PackageRegistry(tmp_path / "packages")


@pytest.fixture
def zipped(tmp_path: Path) -> bytes:
    data, _ = archive(package_dir(tmp_path / "src"), tmp_path / "hello.zip")
    return data


async def _onboard(registry: PackageRegistry, data: bytes) -> OnboardedPackage:
    package = await registry.create(name="hello", version="1.0", checksum=sha256_checksum(data))
    await registry.upload(package.id, data)
    return await registry.settled(package.id)


async def test_upload_onboards_and_enables(registry: PackageRegistry, zipped: bytes) -> None:
    changes = Changes()
    registry.on_change(changes)
    package = await _onboard(registry, zipped)
    assert package.onboarding_state is OnboardingState.ONBOARDED
    assert package.operational_state is OperationalState.ENABLED
    assert package.usage_state is UsageState.NOT_IN_USE
    assert package.app_d_id == APP_D_ID and package.manifest is not None
    assert (package.root / "app.py").is_file()
    assert package.archive.read_bytes() == zipped
    assert registry.get(APP_D_ID) is package is registry.get(package.id)
    assert changes.seen == [("created", "CREATED"), ("onboarded", "ONBOARDED")]


async def test_a_checksum_mismatch_is_an_error_that_keeps_nothing(
    registry: PackageRegistry, zipped: bytes
) -> None:
    package = await registry.create(
        name="hello", version="1.0", checksum={"algorithm": "SHA-256", "hash": "00" * 32}
    )
    await registry.upload(package.id, zipped)
    await registry.settled(package.id)
    assert package.onboarding_state is OnboardingState.ERROR
    assert package.failure is not None
    assert package.failure["invalidParams"] == [
        {"name": "checksum.hash", "in": "package", "reason": "does not match the content"}
    ]
    assert not package.root.exists() and not package.archive.exists() and package.appd is None


async def test_an_invalid_package_fails_naming_every_problem(
    registry: PackageRegistry, tmp_path: Path
) -> None:
    root = package_dir(tmp_path / "bad")

    def break_appd(data: dict) -> None:
        data["virtualComputeDescriptor"]["virtualCpu"]["numVirtualCpu"] = 0
        data["appLatency"] = {"maxLatency": "soon"}

    edit(root / "appd.yaml", break_appd)
    edit(root / "meclab-app.yaml", lambda d: d.update(max_restarts=-1))
    # build_package refuses an invalid directory: zip it by hand, as another tool might
    bad_zip = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad_zip, "w") as zf:
        for path in sorted(root.iterdir()):
            zf.write(path, path.name)
    data = bad_zip.read_bytes()
    package = await _onboard(registry, data)
    assert package.onboarding_state is OnboardingState.ERROR
    assert package.failure is not None
    names = {p["name"] for p in package.failure["invalidParams"]}
    assert names == {
        "appd.yaml:virtualComputeDescriptor.virtualCpu.numVirtualCpu",
        "appd.yaml:appLatency.maxLatency",
        "meclab-app.yaml:max_restarts",
    }
    assert not package.root.exists() and not package.archive.exists()
    assert list(package.directory.iterdir()) == [package.directory / "info.json"]


async def test_a_failed_package_can_be_uploaded_again(
    registry: PackageRegistry, zipped: bytes
) -> None:
    package = await registry.create(name="h", version="1", checksum=sha256_checksum(zipped))
    await registry.upload(package.id, b"not a zip")
    await registry.settled(package.id)
    assert package.onboarding_state is OnboardingState.ERROR
    await registry.upload(package.id, zipped)
    await registry.settled(package.id)
    assert package.onboarding_state is OnboardingState.ONBOARDED and package.failure is None
    with pytest.raises(Conflict, match="ONBOARDED"):
        await registry.upload(package.id, zipped)


async def test_packages_survive_a_restart(tmp_path: Path, zipped: bytes) -> None:
    first = PackageRegistry(tmp_path / "packages")
    onboarded = await _onboard(first, zipped)
    await first.set_operational(APP_D_ID, OperationalState.DISABLED)
    waiting = await first.create(name="later", version="2", checksum=sha256_checksum(b""))
    # a package caught mid-onboarding by a stop
    info = waiting.directory / "info.json"
    record = json.loads(info.read_text())
    info.write_text(json.dumps({**record, "onboarding_state": "PROCESSING"}))

    again = PackageRegistry(tmp_path / "packages")
    back = again.get(APP_D_ID)
    assert back.id == onboarded.id and back.appd == onboarded.appd
    assert back.manifest == onboarded.manifest
    assert back.operational_state is OperationalState.DISABLED
    interrupted = again.get(waiting.id)
    assert interrupted.onboarding_state is OnboardingState.ERROR
    assert interrupted.failure is not None and "upload it again" in interrupted.failure["detail"]
    assert [p.id for p in again.all()] == [onboarded.id, waiting.id]


async def test_in_use_packages_are_not_deleted(registry: PackageRegistry, zipped: bytes) -> None:
    changes = Changes()
    package = await _onboard(registry, zipped)
    registry.on_change(changes)
    await registry.set_in_use(APP_D_ID, True, "instance-1")
    await registry.set_in_use(APP_D_ID, True, "instance-2")
    await registry.set_in_use(APP_D_ID, False, "instance-1")
    assert package.usage_state is UsageState.IN_USE
    with pytest.raises(Conflict, match="IN_USE"):
        await registry.delete(APP_D_ID)
    await registry.set_in_use(APP_D_ID, False, "instance-2")
    await registry.delete(APP_D_ID)
    assert not package.directory.exists()
    with pytest.raises(NotFound):
        registry.get(APP_D_ID)
    assert [kind for kind, _ in changes.seen] == ["usage", "usage", "deleted"]


async def test_states_that_refuse(registry: PackageRegistry, zipped: bytes) -> None:
    created = await registry.create(name="h", version="1", checksum=sha256_checksum(zipped))
    with pytest.raises(Conflict, match="only an onboarded package"):
        await registry.set_operational(created.id, OperationalState.DISABLED)
    with pytest.raises(InvalidField) as bad:
        await registry.create(name="h", version="1", checksum={"algorithm": "CRC32", "hash": "0"})
    assert bad.value.field == "checksum.algorithm"
    with pytest.raises(InvalidField) as scheme:
        await registry.create(
            name="h", version="1", checksum=sha256_checksum(b""), pkg_path="ftp://x/p.zip"
        )
    assert scheme.value.field == "appPkgPath"


async def test_a_second_package_with_the_same_appd_id_is_refused(
    registry: PackageRegistry, zipped: bytes
) -> None:
    await _onboard(registry, zipped)
    second = await _onboard(registry, zipped)
    assert second.onboarding_state is OnboardingState.ERROR
    assert second.failure is not None and second.failure["title"] == "Duplicate appDId"
    assert registry.get(APP_D_ID).onboarding_state is OnboardingState.ONBOARDED


async def test_fetching_from_a_file_url_or_http(
    registry: PackageRegistry, tmp_path: Path, zipped: bytes
) -> None:
    source = package_dir(tmp_path / "local")
    edit(source / "appd.yaml", lambda d: d.update(appDId="from-a-directory"))
    data, _ = archive(source, tmp_path / "local.zip")
    from_dir = await registry.create(
        name="dir", version="1", checksum=sha256_checksum(data), pkg_path=source.as_uri()
    )
    await registry.settled(from_dir.id)
    assert from_dir.onboarding_state is OnboardingState.ONBOARDED, from_dir.failure
    assert from_dir.app_d_id == "from-a-directory"

    async def handler(_: web.Request) -> web.Response:
        return web.Response(body=zipped, content_type="application/zip")

    server = web.Application()
    server.router.add_get("/hello.zip", handler)
    runner = web.AppRunner(server)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        over_http = await registry.create(
            name="http",
            version="1",
            checksum=sha256_checksum(zipped),
            pkg_path=f"http://127.0.0.1:{port}/hello.zip",
        )
        await registry.settled(over_http.id)
        missing = await registry.create(
            name="gone",
            version="1",
            checksum=sha256_checksum(zipped),
            pkg_path=f"http://127.0.0.1:{port}/nothing.zip",
        )
        await registry.settled(missing.id)
    finally:
        await runner.cleanup()
    assert over_http.onboarding_state is OnboardingState.ONBOARDED, over_http.failure
    assert missing.onboarding_state is OnboardingState.ERROR
    assert missing.failure is not None and "answered 404" in missing.failure["detail"]
