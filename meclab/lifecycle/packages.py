"""The onboarded application packages of the MEC system, kept on disk (MEC 010-2 clause 5.2).

Packages belong to the data dir, not to a world: ``<data_dir>/packages/<appPkgId>/`` holds

* ``info.json``: the package resource (states, what CreateAppPkg asked, the AppD and manifest);
* ``package.zip``: the archive as uploaded (GET package_content returns it);
* ``content/``: the archive unpacked, where instances run (:attr:`OnboardedPackage.root`).

Each is written to a temporary name and renamed, so a crash leaves either the old state or the
new. A registry built on the same directory finds every package again; one caught mid-upload by
a stop is in ``ERROR`` and can be uploaded again.

Onboarding (the states of AppPkgInfo.onboardingState, plus ``ERROR`` as in ETSI GS NFV-SOL 005,
which the failure details of MEC 010-2 presuppose)::

    CREATED --upload--> UPLOADING --received--> PROCESSING --valid--> ONBOARDED
       ^                                            |
       +------------- upload again <---- ERROR <----+ invalid: every problem in failure details

A package whose content is refused keeps nothing of it: ``failure`` (ProblemDetails, with one
``invalidParams`` entry per problem, naming the file and the field) says why. Once onboarded,
a package is ``ENABLED`` (instances may be created from it) until disabled; its usage state is
``IN_USE`` while the lifecycle has instances of it (:meth:`PackageRegistry.set_in_use`), and
then it cannot be deleted (409).

Listeners (:meth:`PackageRegistry.on_change`) are awaited with ``(kind, package)``, kind one of
:data:`CHANGES`, after the change is stored.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from meclab.lifecycle.appd import AppD
from meclab.lifecycle.manifest import RunManifest
from meclab.lifecycle.package import (
    Limits,
    Package,
    PackageError,
    PackageIssue,
    build_package,
    extract_zip,
    read_package,
)
from meclab.platform.errors import Conflict, InvalidField, NotFound
from meclab.scenario.errors import Issue

log = logging.getLogger("meclab.packages")


class OnboardingState(StrEnum):
    CREATED = "CREATED"
    UPLOADING = "UPLOADING"
    PROCESSING = "PROCESSING"
    ONBOARDED = "ONBOARDED"
    ERROR = "ERROR"


class OperationalState(StrEnum):
    ENABLED = "ENABLED"
    DISABLED = "DISABLED"


class UsageState(StrEnum):
    IN_USE = "IN_USE"
    NOT_IN_USE = "NOT_IN_USE"


CHANGES = ("created", "onboarded", "failed", "enabled", "disabled", "usage", "deleted")
"""What a listener is told happened to a package."""

Listener = Callable[[str, "OnboardedPackage"], Awaitable[None]]

HASHES = {"SHA-224": "sha224", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
"""Checksum algorithms accepted in CreateAppPkg (NFV-SOL 004 names) -> hashlib names."""


def hash_name(algorithm: str) -> str | None:
    """hashlib's name for a checksum algorithm (``SHA-256``, ``sha256``...), or None."""
    key = algorithm.strip().upper().replace("_", "-")
    if key.startswith("SHA") and "-" not in key:
        key = f"SHA-{key[3:]}"
    return HASHES.get(key)


@dataclass
class OnboardedPackage:
    """One application package resource (AppPkgInfo, clause 6.2.3.3)."""

    id: str
    """appPkgId, allocated by meclab."""
    name: str
    """appPkgName as created."""
    version: str
    """appPkgVersion as created."""
    provider: str | None
    checksum: dict[str, str]
    """What the creator said the archive's checksum is: ``{algorithm, hash}``."""
    user_defined_data: dict[str, Any] | None
    pkg_path: str | None
    directory: Path
    created: float
    onboarding_state: OnboardingState = OnboardingState.CREATED
    operational_state: OperationalState = OperationalState.DISABLED
    usage_state: UsageState = UsageState.NOT_IN_USE
    appd: AppD | None = None
    """The AppD, once the content is onboarded."""
    manifest: RunManifest | None = None
    sha256: str | None = None
    """SHA-256 of the onboarded archive."""
    size: int | None = None
    failure: dict[str, Any] | None = None
    """ProblemDetails of the last failed onboarding."""
    users: set[str] = field(default_factory=set)
    """Not stored: the lifecycle tells usage again (set_in_use) when it restores instances."""

    @property
    def app_d_id(self) -> str | None:
        """The AppD's appDId; None until the content is onboarded."""
        return self.appd.appDId if self.appd else None

    @property
    def root(self) -> Path:
        """The unpacked content: where the application's files are."""
        return self.directory / "content"

    @property
    def archive(self) -> Path:
        return self.directory / "package.zip"

    @property
    def onboarded(self) -> bool:
        return self.onboarding_state is OnboardingState.ONBOARDED

    def to_store(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "provider": self.provider,
            "checksum": self.checksum,
            "user_defined_data": self.user_defined_data,
            "pkg_path": self.pkg_path,
            "created": self.created,
            "onboarding_state": self.onboarding_state.value,
            "operational_state": self.operational_state.value,
            "appd": self.appd.wire() if self.appd else None,
            "manifest": self.manifest.model_dump() if self.manifest else None,
            "sha256": self.sha256,
            "size": self.size,
            "failure": self.failure,
        }

    @classmethod
    def from_store(cls, data: Mapping[str, Any], directory: Path) -> OnboardedPackage:
        appd, manifest = data.get("appd"), data.get("manifest")
        return cls(
            id=data["id"],
            name=data["name"],
            version=data["version"],
            provider=data.get("provider"),
            checksum=dict(data["checksum"]),
            user_defined_data=data.get("user_defined_data"),
            pkg_path=data.get("pkg_path"),
            directory=directory,
            created=float(data["created"]),
            onboarding_state=OnboardingState(data["onboarding_state"]),
            operational_state=OperationalState(data["operational_state"]),
            appd=AppD.model_validate(appd) if appd else None,
            manifest=RunManifest.model_validate(manifest) if manifest else None,
            sha256=data.get("sha256"),
            size=data.get("size"),
            failure=data.get("failure"),
        )


def _read_local(path: Path) -> bytes:
    """A local package's archive bytes; a directory is packed as `meclab app package` would."""
    if path.is_dir():
        with tempfile.TemporaryDirectory() as tmp:
            return build_package(path, Path(tmp) / "package.zip").read_bytes()
    return path.read_bytes()


def _failure(title: str, detail: str, issues: list[PackageIssue] | None = None) -> dict[str, Any]:
    problem: dict[str, Any] = {"type": "about:blank", "title": title, "status": 400}
    problem["detail"] = detail
    if issues:
        problem["invalidParams"] = [i.wire() for i in issues]
    return problem


class PackageRegistry:
    """The onboarded packages under one directory (module docstring)."""

    def __init__(
        self,
        directory: Path,
        *,
        limits: Limits | None = None,
        fetch_timeout_s: float = 60.0,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.directory = directory
        self.limits = limits or Limits()
        self.fetch_timeout_s = fetch_timeout_s
        self.wall = wall
        self._packages: dict[str, OnboardedPackage] = {}
        self._listeners: list[Listener] = []
        self._tasks: dict[str, asyncio.Task[None]] = {}
        directory.mkdir(parents=True, exist_ok=True)
        self._load()

    # --- reading ----------------------------------------------------------------------------

    def get(self, key: str) -> OnboardedPackage:
        """A package by its appDId, or by its appPkgId (before its content names an appDId);
        NotFound otherwise."""
        for package in self._packages.values():
            if package.app_d_id == key:
                return package
        package = self._packages.get(key)
        if package is None:
            raise NotFound(f"no application package {key!r}")
        return package

    def all(self) -> list[OnboardedPackage]:
        """Every package, oldest first."""
        return sorted(self._packages.values(), key=lambda p: (p.created, p.id))

    def on_change(self, listener: Listener) -> None:
        """Await ``listener(kind, package)`` after every change (kinds: :data:`CHANGES`)."""
        self._listeners.append(listener)

    # --- writing ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        name: str,
        version: str,
        checksum: Mapping[str, str],
        provider: str | None = None,
        user_defined_data: dict[str, Any] | None = None,
        pkg_path: str | None = None,
    ) -> OnboardedPackage:
        """A new package resource (CreateAppPkg). With ``pkg_path`` (``file://`` or
        ``http(s)://``) meclab fetches and onboards the content in the background; otherwise
        it waits for :meth:`upload`. InvalidField for an unknown checksum algorithm or scheme."""
        if hash_name(checksum.get("algorithm", "")) is None:
            raise InvalidField(
                "checksum.algorithm",
                f"unknown algorithm {checksum.get('algorithm')!r}; one of {', '.join(HASHES)}",
            )
        if pkg_path is not None and urlsplit(pkg_path).scheme not in ("file", "http", "https"):
            raise InvalidField("appPkgPath", "give a file://, http:// or https:// URL")
        package_id = uuid.uuid4().hex
        package = OnboardedPackage(
            id=package_id,
            name=name,
            version=version,
            provider=provider,
            checksum={"algorithm": checksum["algorithm"], "hash": checksum["hash"]},
            user_defined_data=user_defined_data,
            pkg_path=pkg_path,
            directory=self.directory / package_id,
            created=self.wall(),
        )
        package.directory.mkdir(parents=True)
        self._packages[package_id] = package
        self._save(package)
        await self._tell("created", package)
        if pkg_path is not None:
            self._begin(package, self._fetch_and_onboard(package, pkg_path))
        return package

    async def upload(self, key: str, data: bytes) -> OnboardedPackage:
        """Accept a package's content (a zip); it is processed in the background (202).

        Conflict unless the package is CREATED or ERROR (a failed onboarding may be retried).
        """
        package = self.get(key)
        self._check_uploadable(package)
        package.onboarding_state = OnboardingState.UPLOADING
        self._save(package)
        self._begin(package, self._onboard(package, data))
        return package

    async def settled(self, key: str) -> OnboardedPackage:
        """The package once its onboarding in progress, if any, has ended."""
        package = self.get(key)
        task = self._tasks.get(package.id)
        if task is not None:
            await asyncio.shield(task)
        return package

    async def set_operational(self, key: str, state: OperationalState) -> OnboardedPackage:
        """Enable or disable an onboarded package; Conflict before it is onboarded."""
        package = self.get(key)
        if not package.onboarded:
            raise Conflict(
                f"application package {key} is {package.onboarding_state}; only an onboarded "
                "package can be enabled or disabled"
            )
        if package.operational_state is not state:
            package.operational_state = state
            self._save(package)
            await self._tell(
                "enabled" if state is OperationalState.ENABLED else "disabled", package
            )
        return package

    async def set_in_use(self, app_d_id: str, in_use: bool, user: str = "") -> None:
        """Record that an instance (``user``, e.g. its appInstanceId) uses the package or no
        longer does; the package is IN_USE while any does."""
        package = self.get(app_d_id)
        if in_use:
            package.users.add(user)
        else:
            package.users.discard(user)
        state = UsageState.IN_USE if package.users else UsageState.NOT_IN_USE
        if state is not package.usage_state:
            package.usage_state = state
            await self._tell("usage", package)

    async def delete(self, key: str) -> None:
        """Remove a package and its content; Conflict while IN_USE or being onboarded."""
        package = self.get(key)
        if package.usage_state is UsageState.IN_USE:
            raise Conflict(f"application package {key} is IN_USE by application instances")
        if package.onboarding_state in (OnboardingState.UPLOADING, OnboardingState.PROCESSING):
            raise Conflict(f"application package {key} is {package.onboarding_state}")
        del self._packages[package.id]
        await asyncio.to_thread(shutil.rmtree, package.directory, True)
        await self._tell("deleted", package)

    async def close(self) -> None:
        """Cancel onboardings in progress (meclab stopping); they are ERROR on the next start."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- onboarding -------------------------------------------------------------------------

    def _check_uploadable(self, package: OnboardedPackage) -> None:
        if package.onboarding_state not in (OnboardingState.CREATED, OnboardingState.ERROR):
            raise Conflict(
                f"application package {package.id} is {package.onboarding_state}: its content "
                "can only be uploaded while CREATED (or again after an ERROR)"
            )

    def _begin(self, package: OnboardedPackage, work: Awaitable[None]) -> None:
        async def run() -> None:
            try:
                await work
            finally:
                self._tasks.pop(package.id, None)

        self._tasks[package.id] = asyncio.get_running_loop().create_task(run())

    async def _fetch_and_onboard(self, package: OnboardedPackage, url: str) -> None:
        package.onboarding_state = OnboardingState.UPLOADING
        self._save(package)
        try:
            data = await self._fetch(url)
        except (OSError, ValueError, PackageError) as exc:
            await self._fail(package, _failure("Package not fetched", f"appPkgPath {url}: {exc}"))
            return
        await self._onboard(package, data)

    async def _fetch(self, url: str) -> bytes:
        parts = urlsplit(url)
        if parts.scheme == "file":
            return await asyncio.to_thread(_read_local, Path(unquote(parts.path)))
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=self.fetch_timeout_s)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            try:
                async with session.get(url) as response:
                    if response.status != 200:
                        raise ValueError(f"answered {response.status}")
                    data = await response.content.read(self.limits.max_bytes + 1)
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise ValueError(f"cannot fetch: {exc or type(exc).__name__}") from exc
        if len(data) > self.limits.max_bytes:
            raise ValueError(f"larger than {self.limits.max_bytes} bytes")
        return data

    async def _onboard(self, package: OnboardedPackage, data: bytes) -> None:
        package.onboarding_state = OnboardingState.PROCESSING
        self._save(package)
        staging = package.directory / "content.tmp"
        try:
            outcome = await self._unpack(package, data, staging)
            if not isinstance(outcome, Package):
                await self._fail(package, outcome)
                return
            await asyncio.to_thread(self._commit, package, staging, data)
        finally:
            await asyncio.to_thread(shutil.rmtree, staging, True)
        package.appd, package.manifest = outcome.appd, outcome.manifest
        package.sha256 = hashlib.sha256(data).hexdigest()
        package.size = len(data)
        package.failure = None
        package.onboarding_state = OnboardingState.ONBOARDED
        package.operational_state = OperationalState.ENABLED
        self._save(package)
        log.info("package %s onboarded (appDId %s)", package.id, package.app_d_id)
        await self._tell("onboarded", package)

    async def _unpack(
        self, package: OnboardedPackage, data: bytes, staging: Path
    ) -> Package | dict[str, Any]:
        """The valid package unpacked in ``staging``, or the problem details refusing it."""
        problem = self._checksum_problem(package, data)
        if problem is not None:
            return problem
        await asyncio.to_thread(shutil.rmtree, staging, True)
        try:
            await asyncio.to_thread(extract_zip, data, staging, self.limits)
            unpacked = await asyncio.to_thread(read_package, staging)
        except PackageError as exc:
            return exc.problem()
        clash = self._holder_of(unpacked.appd.appDId, package)
        if clash is not None:
            issue = PackageIssue(unpacked.appd_file, Issue("appDId", "already onboarded"))
            detail = f"appDId {unpacked.appd.appDId} is that of package {clash.id}"
            return _failure("Duplicate appDId", detail, [issue])
        return unpacked

    def _checksum_problem(self, package: OnboardedPackage, data: bytes) -> dict[str, Any] | None:
        algorithm = hash_name(package.checksum["algorithm"])
        assert algorithm is not None  # checked at creation
        actual = hashlib.new(algorithm, data).hexdigest()
        if actual.lower() == package.checksum["hash"].strip().lower():
            return None
        issue = PackageIssue("", Issue("checksum.hash", "does not match the content"))
        detail = (
            f"the content's {package.checksum['algorithm']} is {actual}, not the "
            f"{package.checksum['hash']} given at creation"
        )
        return _failure("Checksum mismatch", detail, [issue])

    def _holder_of(self, app_d_id: str, other_than: OnboardedPackage) -> OnboardedPackage | None:
        for package in self._packages.values():
            if package is not other_than and package.app_d_id == app_d_id:
                return package
        return None

    def _commit(self, package: OnboardedPackage, staging: Path, data: bytes) -> None:
        shutil.rmtree(package.root, ignore_errors=True)
        staging.rename(package.root)
        temporary = package.directory / "package.zip.tmp"
        temporary.write_bytes(data)
        temporary.replace(package.archive)

    async def _fail(self, package: OnboardedPackage, problem: dict[str, Any]) -> None:
        package.onboarding_state = OnboardingState.ERROR
        package.failure = problem
        self._save(package)
        log.info("package %s refused: %s", package.id, problem.get("detail"))
        await self._tell("failed", package)

    # --- storage ----------------------------------------------------------------------------

    def _save(self, package: OnboardedPackage) -> None:
        if package.id not in self._packages:
            return  # deleted meanwhile
        temporary = package.directory / "info.json.tmp"
        temporary.write_text(json.dumps(package.to_store(), indent=1), encoding="utf-8")
        temporary.replace(package.directory / "info.json")

    def _load(self) -> None:
        for info in sorted(self.directory.glob("*/info.json")):
            try:
                package = OnboardedPackage.from_store(
                    json.loads(info.read_text(encoding="utf-8")), info.parent
                )
            except (OSError, ValueError, KeyError) as exc:
                log.warning("ignoring unreadable package record %s: %s", info, exc)
                continue
            self._packages[package.id] = package
            if package.onboarding_state in (
                OnboardingState.UPLOADING,
                OnboardingState.PROCESSING,
            ):
                package.onboarding_state = OnboardingState.ERROR
                package.failure = _failure(
                    "Onboarding interrupted",
                    "meclab stopped while the package was being onboarded; upload it again",
                )
                self._save(package)

    async def _tell(self, kind: str, package: OnboardedPackage) -> None:
        for listener in list(self._listeners):
            try:
                await listener(kind, package)
            except Exception:  # one failing listener must not undo the change nor stop others
                log.exception("package listener failed on %s of %s", kind, package.id)
