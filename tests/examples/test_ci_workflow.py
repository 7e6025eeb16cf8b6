"""The CI example (examples/ci/github-actions.yml) does what it says: every ``run`` step, in
order, in a shell as the runner's (``bash -e``), on a copy of examples/ laid out as the workflow
expects, with this test's meclab on the PATH in place of the install step's."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import yaml
from helpers import free_port

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORKFLOW = EXAMPLES / "ci" / "github-actions.yml"
PROJECT = ("first_app.py", "first_world.yaml", "test_first_app_mobility.py", "pytest.ini")
STEP_TIMEOUT_S = 180


def workflow() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return document


def test_the_workflow_is_a_github_actions_job_on_pushes_and_pull_requests() -> None:
    document = workflow()
    assert document[True] == ["push", "pull_request"]  # YAML 1.1 reads the key `on` as True
    [job] = document["jobs"].values()
    uses = [step["uses"].split("@")[0] for step in job["steps"] if "uses" in step]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/upload-artifact"]
    install = next(step["run"] for step in job["steps"] if "pip install" in step.get("run", ""))
    assert '"$MECLAB_PACKAGE"' in install and "pytest" in install


def test_every_step_runs_on_the_example_project(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    for name in PROJECT:
        shutil.copy(EXAMPLES / name, project / name)
    # the example app listens on the world file's 8500, which a test machine may have taken
    world = project / "first_world.yaml"
    world.write_text(
        world.read_text(encoding="utf-8").replace("127.0.0.1:8500", f"127.0.0.1:{free_port()}"),
        encoding="utf-8",
    )
    runner_temp = tmp_path / "runner"
    runner_temp.mkdir()
    document = workflow()
    env = {
        **os.environ,
        **{name: str(value) for name, value in document["env"].items()},
        "MECLAB_PORT": str(free_port()),
        "MECLAB_SOCKS_PORT": str(free_port()),
        "RUNNER_TEMP": str(runner_temp),
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
        "PYTHONPATH": "",
    }
    env.pop("MECLAB_URL", None)
    [job] = document["jobs"].values()
    steps = [s for s in job["steps"] if "run" in s and "pip install" not in s["run"]]
    groups: list[int] = []  # each step's process group: its `&` jobs outlive the step
    try:
        for step in steps:
            shell = subprocess.Popen(
                ["bash", "-e", "-c", step["run"]],
                cwd=project,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,
            )
            groups.append(shell.pid)
            output, _ = shell.communicate(timeout=STEP_TIMEOUT_S)
            logs = "".join(
                f"\n--- {log.name}\n{log.read_text(encoding='utf-8')}"
                for log in runner_temp.glob("*.log")
            )
            assert shell.returncode == 0, f"step {step['name']!r} failed:\n{output}{logs}"
            step["output"] = output
    finally:
        for group in reversed(groups):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGTERM)

    reports = project / "reports"
    app_tests = ET.parse(reports / "app-tests.xml").getroot().find("testsuite")
    assert app_tests is not None
    # the project's one test, passed
    assert [app_tests.get(k) for k in ("tests", "failures", "errors", "skipped")] == [
        "1",
        "0",
        "0",
        "0",
    ]
    conformance = ET.parse(reports / "conformance.xml").getroot()
    assert int(conformance.get("tests", "0")) > 0
    assert (conformance.get("failures"), conformance.get("errors", "0")) == ("0", "0")
    assert (reports / "conformance.html").stat().st_size > 0
    end_to_end = steps[-1]["output"]
    assert '"hello"' in end_to_end, end_to_end
