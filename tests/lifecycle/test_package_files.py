"""Reading, validating, building and unpacking application packages (meclab.lifecycle.package)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from package_lab import APP_D_ID, EXAMPLE, archive, edit, package_dir

from meclab.lifecycle.package import (
    Limits,
    PackageError,
    build_package,
    extract_zip,
    open_package,
    read_package,
)


def _where(exc: PackageError) -> set[tuple[str, str]]:
    return {(i.file, i.issue.path) for i in exc.issues}


def test_the_example_reads_with_the_units_of_the_spec() -> None:
    package = read_package(EXAMPLE)
    appd = package.appd
    assert appd.appDId == APP_D_ID
    assert (appd.cpu_cores, appd.memory_mb, appd.storage_gb) == (1.0, 128.0, 1.0)
    assert appd.max_latency_ms == 20.0  # maxLatency 20 000 000 ns
    assert appd.mecVersion == ["3.1.1"]
    assert appd.wire()["mecVersion"] == "3.1.1"  # sent as the v3.1.1 comma-separated string
    rule = appd.appDNSRule[0]
    assert rule.names_instance  # 0.0.0.0: the deployed instance's address
    assert package.manifest_file == "meclab-app.yaml"
    assert package.manifest.restart == "on-failure"
    assert package.manifest.argv()[0] == sys.executable


def test_every_mistake_of_appd_and_manifest_is_reported_with_file_line_and_path(
    tmp_path: Path,
) -> None:
    root = package_dir(tmp_path)
    appd = (root / "appd.yaml").read_text()
    appd = appd.replace("appName: hello-edge\n", "")
    appd = appd.replace("{virtualMemSize: 128}", "{virtualMemSize: 0}")
    appd = appd.replace("ipAddress: 0.0.0.0", "ipAddress: not-an-address")
    appd = appd.replace("appServiceProduced:", "appServiceProducd:")
    (root / "appd.yaml").write_text(appd)
    (root / "meclab-app.yaml").write_text(
        "command: ['{python}', 'missing.py']\nrestart: sometimes\ncolour: red\n"
    )
    with pytest.raises(PackageError) as caught:
        read_package(root)
    where = _where(caught.value)
    assert where == {
        ("appd.yaml", "appName"),
        ("appd.yaml", "virtualComputeDescriptor.virtualMemory.virtualMemSize"),
        ("appd.yaml", "appDNSRule[0].ipAddress"),
        ("appd.yaml", "appServiceProducd"),
        ("meclab-app.yaml", "restart"),
        ("meclab-app.yaml", "colour"),
    }
    lines = {(i.file, i.issue.path): i.issue.line for i in caught.value.issues}
    text = (root / "appd.yaml").read_text().splitlines()
    memory_line = next(n for n, line in enumerate(text, 1) if "virtualMemSize: 0" in line)
    assert lines[("appd.yaml", "virtualComputeDescriptor.virtualMemory.virtualMemSize")] == (
        memory_line
    )
    rendered = str(caught.value)
    assert f"appd.yaml:{memory_line}: virtualComputeDescriptor.virtualMemory" in rendered
    assert "meclab-app.yaml:3: colour: unknown field" in rendered


def test_the_manifest_must_be_named_by_a_bare_image_and_name_real_files(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    (root / "meclab-app.yaml").write_text("command: ['./run.sh']\nworkdir: bin\n")
    with pytest.raises(PackageError) as caught:
        read_package(root)
    assert _where(caught.value) == {
        ("meclab-app.yaml", "command[0]"),
        ("meclab-app.yaml", "workdir"),
    }

    def docker(data: dict) -> None:
        data["swImageDescriptor"][0]["containerFormat"] = "DOCKER"

    other = package_dir(tmp_path, "docker")
    edit(other / "appd.yaml", docker)
    with pytest.raises(PackageError, match="no image with containerFormat BARE") as caught:
        read_package(other)
    assert _where(caught.value) == {("appd.yaml", "swImageDescriptor")}

    def elsewhere(data: dict) -> None:
        data["swImageDescriptor"][0]["swImage"] = "../outside.yaml"

    outside = package_dir(tmp_path, "outside")
    edit(outside / "appd.yaml", elsewhere)
    with pytest.raises(PackageError) as caught:
        read_package(outside)
    assert _where(caught.value) == {("appd.yaml", "swImageDescriptor[0].swImage")}


def test_no_or_two_appd_files(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    (root / "appd.json").write_text("{}")
    with pytest.raises(PackageError, match="several AppD files"):
        read_package(root)
    (root / "appd.json").unlink()
    (root / "appd.yaml").unlink()
    with pytest.raises(PackageError, match="no AppD"):
        read_package(root)


def test_a_build_is_reproducible_and_opens_as_it_was(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    first, digest = archive(root, tmp_path / "one.zip")
    os.utime(root / "app.py", (1_000_000, 1_000_000))
    (root / "__pycache__").mkdir()
    (root / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"junk")
    second, digest_again = archive(root, tmp_path / "two.zip")
    assert first == second and digest == digest_again
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        names = [i.filename for i in zf.infolist()]
        assert names == sorted(names) == ["app.py", "appd.yaml", "meclab-app.yaml"]
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    opened = open_package(tmp_path / "one.zip", tmp_path / "unpacked")
    assert opened.appd == read_package(root).appd
    assert (tmp_path / "unpacked" / "app.py").read_bytes() == (root / "app.py").read_bytes()


def test_the_default_output_is_named_after_the_directory_and_version(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    assert build_package(root) == tmp_path / "hello-edge-1.0.zip"


def test_an_invalid_directory_is_not_built(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    edit(root / "appd.yaml", lambda d: d.pop("appExtCpd"))
    with pytest.raises(PackageError, match="appExtCpd"):
        build_package(root, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_a_link_out_of_the_directory_is_refused(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    (tmp_path / "secret").write_text("key")
    (root / "data").symlink_to(tmp_path / "secret")
    with pytest.raises(PackageError) as caught:
        build_package(root, tmp_path / "out.zip")
    assert _where(caught.value) == {("data", "")}


def _zip(entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return buffer.getvalue()


def test_unpacking_refuses_paths_out_links_and_oversize(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    bad = _zip([("../evil", b"x"), ("/etc/evil", b"x"), (link, b"/etc/passwd"), ("ok", b"y")])
    target = tmp_path / "out"
    with pytest.raises(PackageError) as caught:
        extract_zip(bad, target)
    assert _where(caught.value) == {("../evil", ""), ("/etc/evil", ""), ("link", "")}
    assert not (tmp_path / "evil").exists() and not target.exists()

    big = _zip([("a", b"0" * 600), ("b", b"0" * 600)])
    with pytest.raises(PackageError, match="more than 1000 bytes"):
        extract_zip(big, target, Limits(max_bytes=1000))
    assert list(target.iterdir()) == []  # nothing half-unpacked

    with pytest.raises(PackageError, match="not a zip archive"):
        extract_zip(b"plain text", tmp_path / "other")


def test_executable_bits_survive_the_archive(tmp_path: Path) -> None:
    root = package_dir(tmp_path)
    script = root / "run.sh"
    script.write_text("#!/bin/sh\nexec python3 app.py\n")
    script.chmod(0o755)
    archive(root, tmp_path / "p.zip")
    extract_zip(tmp_path / "p.zip", tmp_path / "out")
    assert os.access(tmp_path / "out" / "run.sh", os.X_OK)
    assert not os.access(tmp_path / "out" / "app.py", os.X_OK)


def test_the_package_models_import_light() -> None:
    """The AppD, manifest and package modules need pydantic and YAML, nothing heavy."""
    code = (
        "import sys, meclab.lifecycle.package; "
        "heavy = ('fastapi', 'starlette', 'numpy', 'meclab.engine', 'meclab.services'); "
        "print(sorted(m for m in sys.modules if m.startswith(heavy)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
