"""Deploying real application processes through MEC 010-2, end to end.

Each test onboards a package (app_pkgm/v1), creates and instantiates an instance (app_lcm/v1)
and watches what a user would: the operation occurrence, the MEC 011 instance on its host, the
app answering through the data plane as a terminal reaches it, its process's output.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from deploy_world import Deploy, serve_deploy, two_host_document, write_package
from receiver import Receiver

from meclab.sdk.dataplane import DataPlane as PlaneClient
from meclab.sdk.dataplane import SocksEntry

CRASH_ONCE = """
import os, sys
from pathlib import Path
marker = Path("crashed-once")
if not marker.exists():
    marker.write_text("x")
    print("crashing on purpose", flush=True)
    sys.exit(3)
from meclab.sdk.app import EdgeApp
app = EdgeApp()
app.run()
"""

EXITS_AT_ONCE = """
print("missing configuration: DATABASE_URL", flush=True)
raise SystemExit(2)
"""

IGNORES_SIGTERM = """
# Confirms ready, then never confirms its termination and shrugs SIGTERM off.
import json, os, signal, time, urllib.request
signal.signal(signal.SIGTERM, signal.SIG_IGN)
base = os.environ["MEC_PLATFORM_URL"] + os.environ["MEC_API_ROOT"]
instance = os.environ["MEC_APP_INSTANCE_ID"]
request = urllib.request.Request(
    f"{base}/mec_app_support/v1/applications/{instance}/confirm_ready",
    data=json.dumps({"indication": "READY"}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
urllib.request.urlopen(request, timeout=10).close()
print("ready, and staying", flush=True)
while True:
    time.sleep(1)
"""


@pytest.fixture
async def lab(lab_doc: dict[str, Any], tmp_path: Path) -> Any:
    async with serve_deploy(
        two_host_document(lab_doc), tmp_path / "store.sqlite", tmp_path / "data"
    ) as deploy:
        yield deploy


async def _hello_as(lab: Deploy, ue: str, name: str = "hello.edge.example") -> dict[str, Any]:
    """GET /hello on ``name`` as terminal ``ue`` reaches it through the data plane."""
    socks = lab.plane.entry_points().socks5
    assert socks is not None
    plane = PlaneClient(SocksEntry.from_url(f"socks5://{socks}"), ue)
    async with (
        aiohttp.ClientSession(connector=plane.connector()) as session,
        session.get(f"http://{name}/hello", timeout=aiohttp.ClientTimeout(total=10)) as response,
    ):
        assert response.status == 200, await response.text()
        body: dict[str, Any] = await response.json()
        return body


async def test_a_package_runs_serves_stops_starts_and_terminates(
    lab: Deploy, tmp_path: Path
) -> None:
    app_d_id = await lab.onboard(write_package(tmp_path, "hello"))
    instance = await lab.create(app_d_id)

    op = await lab.instantiate(instance, "mec-a")
    assert op["operationState"] == "COMPLETED", op
    info = (await lab.http.get(f"/app_lcm/v1/app_instances/{instance}")).json()
    assert info["instantiationState"] == "INSTANTIATED"
    assert info["instantiatedAppState"]["operationalState"] == "STARTED"
    # A MEC 011 instance of mec-a, READY, with the service its code offers.
    platform_app = lab.app.state.platforms.apps[instance]
    assert (platform_app.host, platform_app.state.value) == ("mec-a", "READY")
    services = (await lab.http.get("/mec_service_mgmt/v1/services")).json()
    assert any(s["serName"] == "hello-edge" for s in services)
    # Its DNS rule answers its own address, so a UE of zone-a reaches it by name.
    body = await _hello_as(lab, "ue-walk")
    assert body["from"] == instance

    stopped = await lab.operate(
        instance,
        "operate",
        {"changeStateTo": "STOPPED", "stopType": "GRACEFUL", "gracefulStopTimeout": 5},
    )
    assert stopped["operationState"] == "COMPLETED", stopped
    assert instance not in lab.app.state.platforms.apps
    assert lab.lifecycle.backend.status(instance).running is False  # type: ignore[union-attr]

    started = await lab.operate(instance, "operate", {"changeStateTo": "STARTED"})
    assert started["operationState"] == "COMPLETED", started
    assert (await _hello_as(lab, "ue-walk"))["from"] == instance

    ended = await lab.operate(
        instance, "terminate", {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 5}
    )
    assert ended["operationState"] == "COMPLETED", ended
    record = "\n".join(lab.lifecycle.occurrence(ended["id"]).record)
    assert "AppTermination (TERMINATING) sent" in record
    assert "the app confirmed its termination" in record
    assert instance not in lab.app.state.platforms.apps
    info = (await lab.http.get(f"/app_lcm/v1/app_instances/{instance}")).json()
    assert info["instantiationState"] == "NOT_INSTANTIATED"

    assert (await lab.http.delete(f"/app_lcm/v1/app_instances/{instance}")).status_code == 204
    assert (await lab.http.get(f"/app_lcm/v1/app_instances/{instance}")).status_code == 404


async def test_a_crashed_process_is_restarted_and_registers_again(
    lab: Deploy, tmp_path: Path
) -> None:
    app_d_id = await lab.onboard(write_package(tmp_path, "crashy", script=CRASH_ONCE))
    instance = await lab.create(app_d_id)
    # It crashes before it is ready the first time: the instantiation says so...
    first = await lab.instantiate(instance, "mec-a")
    assert first["operationState"] == "FAILED_TEMP"
    assert "crashing on purpose" in first["error"]["detail"]
    assert instance not in lab.app.state.platforms.apps  # nothing is left behind
    # ...and a retry, in the same working directory, comes up.
    retried = await lab.http.post(f"/app_lcm/v1/app_lcm_op_occs/{first['id']}/retry")
    assert retried.status_code == 202, retried.text
    done = await lab.op_done(f"/app_lcm/v1/app_lcm_op_occs/{first['id']}")
    assert done["operationState"] == "COMPLETED", done

    # A crash while running: the backend restarts it, and the new process registers again.
    status = lab.lifecycle.backend.status(instance)
    assert status is not None and status.pid is not None
    import os
    import signal

    os.kill(status.pid, signal.SIGKILL)
    for _ in range(300):
        now = lab.lifecycle.backend.status(instance)
        app = lab.app.state.platforms.apps.get(instance)
        if now is not None and now.restarts == 1 and app is not None and app.ready:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError(f"not restarted and READY: {now}, {app}")


async def test_a_command_that_exits_at_once_fails_with_its_output(
    lab: Deploy, tmp_path: Path
) -> None:
    app_d_id = await lab.onboard(write_package(tmp_path, "broken", script=EXITS_AT_ONCE))
    instance = await lab.create(app_d_id)
    op = await lab.instantiate(instance)
    assert op["operationState"] == "FAILED_TEMP"
    assert "status 2" in op["error"]["detail"]
    assert "missing configuration: DATABASE_URL" in op["error"]["detail"]
    assert lab.lifecycle.ledger is not None and not lab.lifecycle.ledger.reservations()
    failed = await lab.http.post(f"/app_lcm/v1/app_lcm_op_occs/{op['id']}/fail")
    assert failed.status_code == 200, failed.text
    assert failed.json()["operationState"] == "FAILED"


async def test_an_app_ignoring_sigterm_is_killed_after_its_graceful_timeout(
    lab: Deploy, tmp_path: Path
) -> None:
    package = write_package(
        tmp_path, "stubborn", script=IGNORES_SIGTERM, manifest={"graceful_timeout_s": 0.5}
    )
    instance = await lab.create(await lab.onboard(package))
    assert (await lab.instantiate(instance, "mec-b"))["operationState"] == "COMPLETED"
    ended = await lab.operate(
        instance, "terminate", {"terminationType": "GRACEFUL", "gracefulTerminationTimeout": 2}
    )
    assert ended["operationState"] == "COMPLETED", ended
    record = "\n".join(lab.lifecycle.occurrence(ended["id"]).record)
    assert "the app did not confirm within 2 s" in record
    assert "process killed (SIGKILL): it had not ended after SIGTERM" in record


async def test_requirements_no_host_can_hold_are_refused(lab: Deploy, tmp_path: Path) -> None:
    package = write_package(
        tmp_path,
        "huge",
        appd={
            "virtualComputeDescriptor": {
                "virtualComputeDescId": "huge",
                "virtualCpu": {"numVirtualCpu": 1000},
                "virtualMemory": {"virtualMemSize": 1024},
            }
        },
    )
    instance = await lab.create(await lab.onboard(package))
    response = await lab.http.post(
        f"/app_lcm/v1/app_instances/{instance}/instantiate",
        json={"selectedMECHostInfo": [{"hostId": "auto"}]},
    )
    assert response.status_code == 409, response.text
    assert "cpu 1000 cores needed" in response.json()["detail"]
    info = (await lab.http.get(f"/app_lcm/v1/app_instances/{instance}")).json()
    assert info["instantiationState"] == "NOT_INSTANTIATED"


async def test_a_host_that_is_full_fails_the_operation_naming_the_resource(
    lab: Deploy, tmp_path: Path
) -> None:
    package = write_package(
        tmp_path,
        "big",
        appd={
            "virtualComputeDescriptor": {
                "virtualComputeDescId": "big",
                "virtualCpu": {"numVirtualCpu": 10},
                "virtualMemory": {"virtualMemSize": 1024},
            }
        },
    )
    app_d_id = await lab.onboard(package)
    first = await lab.create(app_d_id)
    assert (await lab.instantiate(first, "mec-a"))["operationState"] == "COMPLETED"
    second = await lab.create(app_d_id)
    op = await lab.instantiate(second, "mec-a")  # mec-a has 16 cores: 6 are left
    assert op["operationState"] == "FAILED_TEMP"
    assert "cpu 10 cores needed, 6 free" in op["error"]["detail"]
    assert (await lab.http.post(f"/app_lcm/v1/app_lcm_op_occs/{op['id']}/fail")).status_code == 200
    # Placement, free to choose, takes mec-b instead.
    placed = await lab.instantiate(second)
    assert placed["operationState"] == "COMPLETED", placed
    assert lab.lifecycle.instance(second).host == "mec-b"


async def test_a_restarted_meclab_brings_running_instances_back(
    lab_doc: dict[str, Any], tmp_path: Path
) -> None:
    store, data = tmp_path / "store.sqlite", tmp_path / "data"
    async with serve_deploy(two_host_document(lab_doc), store, data) as lab:
        instance = await lab.create(await lab.onboard(write_package(tmp_path, "hello")))
        assert (await lab.instantiate(instance, "mec-a"))["operationState"] == "COMPLETED"
        first_pid = lab.lifecycle.backend.status(instance).pid  # type: ignore[union-attr]
    async with serve_deploy(None, store, data) as lab:
        for _ in range(300):
            app = lab.app.state.platforms.apps.get(instance)
            if app is not None and app.ready:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the instance did not come back READY")
        status = lab.lifecycle.backend.status(instance)
        assert status is not None and status.running and status.pid != first_pid
        assert (await _hello_as(lab, "ue-walk"))["from"] == instance


NEVER_READY = """
import time
print("starting, slowly", flush=True)
while True:
    time.sleep(1)
"""


async def test_subscribers_hear_each_state_and_a_cancel_undoes_the_instantiation(
    lab: Deploy, tmp_path: Path, receiver: Receiver
) -> None:
    subscribed = await lab.http.post(
        "/app_lcm/v1/subscriptions",
        json={
            "subscriptionType": "AppLcmOpOccStateChangeSubscription",
            "callbackUri": receiver.url("/ops"),
        },
    )
    assert subscribed.status_code == 201, subscribed.text
    slow = await lab.onboard(write_package(tmp_path, "slow", script=NEVER_READY))
    instance = await lab.create(slow)
    response = await lab.http.post(
        f"/app_lcm/v1/app_instances/{instance}/instantiate",
        json={"selectedMECHostInfo": [{"hostId": "mec-a"}]},
    )
    assert response.status_code == 202
    location = response.headers["Location"]
    op_id = location.rsplit("/", 1)[1]
    processing = await receiver.wait_for(
        1, "/ops", where=lambda b: b["operationState"] == "PROCESSING"
    )
    assert processing[0]["appLcmOpOccId"] == op_id
    cancelled = await lab.http.post(
        f"/app_lcm/v1/app_lcm_op_occs/{op_id}/cancel", json={"cancelMode": "FORCED"}
    )
    assert cancelled.status_code == 202, cancelled.text
    op = await lab.op_done(location)
    assert op["operationState"] == "FAILED_TEMP"
    assert "cancelled" in op["error"]["detail"]
    states = [b["operationState"] for b in await receiver.wait_for(3, "/ops")]
    assert states == ["STARTING", "PROCESSING", "FAILED_TEMP"]
    # Nothing is left: no process, no MEC 011 instance, no reservation.
    status = lab.lifecycle.backend.status(instance)
    assert status is None or not status.running
    assert instance not in lab.app.state.platforms.apps
    assert lab.lifecycle.ledger is not None and not lab.lifecycle.ledger.reservations()
