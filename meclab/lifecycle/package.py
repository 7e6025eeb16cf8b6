"""A meclab application package: reading, validating, building and unpacking one.

A package is a directory, or a zip archive of one (its entries at the archive's root)::

    hello-edge/
      appd.yaml          the AppD (MEC 010-2 clause 6.2.1.2); or appd.yml / appd.json
      meclab-app.yaml    the run manifest (meclab.lifecycle.manifest), named by the AppD
      app.py ...         the application's own files

The AppD names the manifest through its software image: the ``swImageDescriptor`` entry whose
``containerFormat`` is ``BARE`` (a plain process) has the manifest's path in the package as its
``swImage``. meclab runs exactly one such image per instance; other container formats are for
later backends and are refused for now.

Validation collects **every** problem before refusing, each with the file it is in and the path
of the field (``appd.yaml:14: virtualComputeDescriptor.virtualMemory.virtualMemSize: ...``), as
scenario files do (:mod:`meclab.scenario.errors`). A package is used whole or not at all.

Building (:func:`build_package`) makes a reproducible zip: entries sorted, timestamps fixed at
1980-01-01, permissions reduced to 0644/0755, and ``__pycache__``, ``.git`` and ``*.pyc`` left
out; the same directory always gives the same bytes, hence the same SHA-256.

Unpacking (:func:`extract_zip`) refuses entries that would land outside the destination
(absolute paths, ``..``), symbolic links, and archives larger than :class:`Limits` allow
(counted on the bytes actually inflated, not on what the archive claims).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from meclab.lifecycle.appd import AppD
from meclab.lifecycle.manifest import RunManifest
from meclab.scenario.errors import Issue, ScenarioError
from meclab.scenario.loader import locate_issues, parse_document, pydantic_issues

APPD_NAMES = ("appd.yaml", "appd.yml", "appd.json")
"""Where the AppD may be, at the package root (exactly one of them)."""
PROCESS_FORMAT = "BARE"
"""``containerFormat`` of the software image meclab runs as a process."""
SKIPPED_DIRS = frozenset({"__pycache__", ".git"})
SKIPPED_SUFFIXES = (".pyc",)
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Limits:
    """How large an archive meclab unpacks."""

    max_bytes: int = 512 * 1024 * 1024
    """Total size of the files once unpacked."""
    max_entries: int = 10_000


@dataclass(frozen=True)
class PackageIssue:
    """One problem of a package: the file it is in (package-relative) and the field's issue."""

    file: str
    """Path in the package (``appd.yaml``); empty for the package as a whole."""
    issue: Issue

    def render(self) -> str:
        """``appd.yaml:12: appDNSRule[0].ipAddress: ...``."""
        return self.issue.render(self.file or None)

    def wire(self) -> dict[str, str]:
        """An ``invalidParams`` entry of a problem details body."""
        where = ":".join(p for p in (self.file, self.issue.path) if p) or "package"
        return {"name": where, "in": "package", "reason": self.issue.message}


class PackageError(Exception):
    """A package that meclab cannot use; ``issues`` lists every problem."""

    def __init__(self, issues: Iterable[PackageIssue], source: str | None = None) -> None:
        self.issues = list(issues)
        self.source = source
        super().__init__(self.render())

    def render(self) -> str:
        head = f"{self.source}: " if self.source else ""
        lines = [issue.render() for issue in self.issues]
        return head + ("\n".join(lines) if len(lines) == 1 else "\n  " + "\n  ".join(lines))

    def problem(self) -> dict[str, Any]:
        """The problem details (RFC 7807) that explain the refusal."""
        count = len(self.issues)
        return {
            "type": "about:blank",
            "title": "Invalid application package",
            "status": 400,
            "detail": f"{count} problem(s): " + "; ".join(i.render() for i in self.issues),
            "invalidParams": [i.wire() for i in self.issues],
        }


@dataclass(frozen=True)
class Package:
    """A valid package: its AppD, its run manifest and where its files are."""

    root: Path
    appd: AppD
    manifest: RunManifest
    appd_file: str
    manifest_file: str


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- validation ------------------------------------------------------------------------------


def _issue(file: str, path: str, message: str, line: int | None = None) -> PackageIssue:
    return PackageIssue(file, Issue(path, message, line))


def _inside_package(value: str) -> bool:
    path = PurePosixPath(value)
    return bool(value) and not path.is_absolute() and ".." not in path.parts and "://" not in value


class _Reader:
    """Validates a package directory, collecting issues."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[PackageIssue] = []

    def document(self, name: str) -> tuple[Any, str] | None:
        """(parsed data, text) of a package file, or None after recording why not."""
        try:
            text = (self.root / name).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            self.issues.append(_issue(name, "", "not UTF-8 text"))
            return None
        except OSError as exc:
            self.issues.append(_issue(name, "", f"cannot read: {exc.strerror}"))
            return None
        try:
            return parse_document(text, name), text
        except ScenarioError as exc:
            self.issues.extend(PackageIssue(name, i) for i in exc.issues)
            return None

    def model(self, model: type[M], name: str, what: str) -> tuple[M | None, Any]:
        """The file validated as ``model`` (None if it is not), and its raw data."""
        parsed = self.document(name)
        if parsed is None:
            return None, None
        data, text = parsed
        if not isinstance(data, dict):
            self.issues.append(_issue(name, "", f"{what} must be a mapping of attributes"))
            return None, data
        try:
            return model.model_validate(data), data
        except ValidationError as exc:
            issues = pydantic_issues(exc)
            if not name.endswith(".json"):
                issues = locate_issues(issues, text)
            self.issues.extend(PackageIssue(name, i) for i in issues)
            return None, data

    def appd_file(self) -> str | None:
        present = [n for n in APPD_NAMES if (self.root / n).is_file()]
        if not present:
            self.issues.append(
                _issue("", "", f"no AppD: the package root has none of {', '.join(APPD_NAMES)}")
            )
            return None
        if len(present) > 1:
            self.issues.append(
                _issue("", "", f"several AppD files ({', '.join(present)}); keep exactly one")
            )
            return None
        return present[0]

    def manifest_file(self, appd_file: str, raw: Any) -> str | None:
        """The manifest path the AppD's BARE software image names (from the raw data, so that
        the manifest is checked even when the rest of the AppD is not valid)."""
        images = raw.get("swImageDescriptor") if isinstance(raw, dict) else None
        if not isinstance(images, list):
            if isinstance(raw, dict) and images is not None:
                return None  # the AppD's own validation names the bad attribute
            self.issues.append(
                _issue(
                    appd_file,
                    "swImageDescriptor",
                    f"no software image: give one with containerFormat {PROCESS_FORMAT} and "
                    "swImage naming the run manifest (e.g. meclab-app.yaml)",
                )
            )
            return None
        bare = [
            (i, image)
            for i, image in enumerate(images)
            if isinstance(image, dict) and image.get("containerFormat") == PROCESS_FORMAT
        ]
        if len(bare) != 1:
            formats = sorted(
                {str(im.get("containerFormat")) for im in images if isinstance(im, dict)}
            )
            problem = (
                f"more than one {PROCESS_FORMAT} image; meclab runs one process per instance"
                if bare
                else f"no image with containerFormat {PROCESS_FORMAT} (given: "
                f"{', '.join(formats) or 'none'}); meclab runs an application as a process "
                "described by its run manifest"
            )
            self.issues.append(_issue(appd_file, "swImageDescriptor", problem))
            return None
        index, image = bare[0]
        where = f"swImageDescriptor[{index}].swImage"
        target = image.get("swImage")
        if not isinstance(target, str) or not _inside_package(target):
            self.issues.append(
                _issue(appd_file, where, "must be the run manifest's path inside the package")
            )
            return None
        if not (self.root / target).is_file():
            self.issues.append(_issue(appd_file, where, f"names {target!r}, not in the package"))
            return None
        return target

    def check_manifest_files(self, manifest: RunManifest, name: str) -> None:
        program = manifest.program_in_package
        if program is not None:
            path = self.root / manifest.workdir / program
            if not path.is_file():
                self.issues.append(
                    _issue(name, "command[0]", f"{program!r} is not a file of the package")
                )
        if not (self.root / manifest.workdir).is_dir():
            self.issues.append(
                _issue(name, "workdir", f"{manifest.workdir!r} is not a directory of the package")
            )


def read_package(root: Path) -> Package:
    """Validate the package directory ``root``; PackageError listing every problem."""
    if not root.is_dir():
        raise PackageError([_issue("", "", "not a directory")], str(root))
    reader = _Reader(root)
    appd: AppD | None = None
    manifest: RunManifest | None = None
    manifest_name: str | None = None
    appd_name = reader.appd_file()
    if appd_name is not None:
        appd, raw = reader.model(AppD, appd_name, "the AppD")
        manifest_name = reader.manifest_file(appd_name, raw)
    if manifest_name is not None:
        manifest, _ = reader.model(RunManifest, manifest_name, "the run manifest")
        if manifest is not None:
            reader.check_manifest_files(manifest, manifest_name)
    if reader.issues:
        raise PackageError(reader.issues, str(root))
    assert appd is not None and manifest is not None and appd_name and manifest_name
    return Package(root, appd, manifest, appd_name, manifest_name)


# --- building -------------------------------------------------------------------------------


def _package_files(root: Path) -> Iterator[tuple[str, Path]]:
    """(archive name, file) of every file to pack, sorted; PackageError for links out."""
    outside: list[PackageIssue] = []
    found: list[tuple[str, Path]] = []
    resolved_root = root.resolve()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS)
        for filename in filenames:
            if filename.endswith(SKIPPED_SUFFIXES):
                continue
            path = Path(dirpath) / filename
            name = path.relative_to(root).as_posix()
            if path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                outside.append(_issue(name, "", "a symbolic link out of the package"))
                continue
            if path.is_file():
                found.append((name, path))
    if outside:
        raise PackageError(outside, str(root))
    yield from sorted(found)


def build_package(directory: Path, out: Path | None = None) -> Path:
    """Validate ``directory`` and pack it as a reproducible zip (module docstring).

    ``out`` defaults to ``<directory name>-<appSoftVersion>.zip`` beside the directory.
    PackageError, and nothing written, if the package is not valid.
    """
    package = read_package(directory)
    files = list(_package_files(directory))
    if out is None:
        name = f"{directory.resolve().name}-{package.appd.appSoftVersion}.zip"
        out = directory.resolve().parent / name
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, path in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the mode bits above are read back
            archive.writestr(info, path.read_bytes())
    out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.with_name(f".{out.name}.tmp")
    temporary.write_bytes(buffer.getvalue())
    temporary.replace(out)
    return out


# --- unpacking ------------------------------------------------------------------------------


def _entry_problem(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\\" in name or "\0" in name:
        return "a name with a backslash or NUL"
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        return "a path that leaves the package"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a symbolic link (packages hold plain files)"
    return None


def extract_zip(archive: Path | bytes, destination: Path, limits: Limits = Limits()) -> None:
    """Unpack a package archive into the (new or empty) directory ``destination``.

    PackageError naming every refused entry, or the limit exceeded; on error ``destination``
    is left empty.
    """
    source = io.BytesIO(archive) if isinstance(archive, bytes) else archive
    try:
        zf = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError([_issue("", "", f"not a zip archive ({exc})")]) from exc
    with zf:
        infos = zf.infolist()
        if len(infos) > limits.max_entries:
            raise PackageError(
                [_issue("", "", f"{len(infos)} entries, more than {limits.max_entries}")]
            )
        refused = [
            _issue(info.filename, "", problem)
            for info in infos
            if (problem := _entry_problem(info)) is not None
        ]
        if refused:
            raise PackageError(refused)
        destination.mkdir(parents=True, exist_ok=True)
        try:
            _unpack(zf, infos, destination, limits)
        except BaseException:
            _empty(destination)
            raise


def _unpack(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], destination: Path, limits: Limits
) -> None:
    total = 0
    for info in infos:
        target = destination / info.filename
        if info.is_dir():
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            with zf.open(info) as src, target.open("wb") as dst:
                for chunk in iter(lambda: src.read(1 << 16), b""):
                    total += len(chunk)
                    if total > limits.max_bytes:
                        raise PackageError(
                            [_issue("", "", f"unpacks to more than {limits.max_bytes} bytes")]
                        )
                    dst.write(chunk)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError) as exc:
            raise PackageError([_issue(info.filename, "", f"cannot unpack: {exc}")]) from exc
        mode = (info.external_attr >> 16) & 0o777
        target.chmod(0o755 if mode & 0o100 else 0o644)


def _empty(directory: Path) -> None:
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def open_package(source: Path, workspace: Path | None = None) -> Package:
    """Validate a package directory or zip archive.

    A zip is unpacked into ``workspace`` (a new temporary directory when None, which the
    caller may delete once done with the package). PackageError with every problem.
    """
    if source.is_dir():
        return read_package(source)
    if not source.is_file():
        raise PackageError([_issue("", "", "no such file or directory")], str(source))
    target = workspace or Path(tempfile.mkdtemp(prefix="meclab-pkg-"))
    try:
        extract_zip(source, target)
        return read_package(target)
    except PackageError as exc:
        raise PackageError(exc.issues, str(source)) from None
