"""The MEC 021 client against meclab's AMS over a fake mobility manager, on a real socket:
registrations through their life (a context transfer reported), subscriptions of both types,
the adjacent query, errors as MecApiError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from helpers import FAST_RETRIES, mount_first, on_loopback
from receiver import Receiver
from services.ams.fake_port import FakeMobility

from meclab.app import create_app
from meclab.mobility.notices import (
    AdjacentInstance,
    InstanceAddress,
    MobilityStatus,
    ProcedureNotice,
)
from meclab.mobility.registry import TransferState
from meclab.runtime import Runtime
from meclab.sdk import Api, HttpClient, MecApiError, MecPlatform, PlatformConfig, parse_notification
from meclab.sdk.clients.ams import AmsClient
from meclab.services.ams.models import (
    AdjacentAppInfoFilter,
    AdjacentAppInfoSubscription,
    AssociateId,
    DeviceInformation,
    MobilityProcedureFilter,
    MobilityProcedureNotification,
    MobilityProcedureSubscription,
    RegistrationInfo,
    ServiceConsumerId,
)
from meclab.services.ams.service import Ams

UE_WALK = AssociateId(type=1, value="10.0.0.1")


@dataclass
class Lab:
    app: FastAPI
    mobility: FakeMobility
    ams: AmsClient

    def instance(self, name: str) -> str:
        return str(self.app.state.platforms.app_named(name).app_instance_id)


@pytest.fixture
async def lab(runtime: Runtime) -> AsyncIterator[Lab]:
    made: dict[str, Any] = {}

    def make(base_url: str) -> FastAPI:
        app = create_app(runtime, tick=False, base_url=base_url)
        platforms = app.state.platforms
        platforms.notifier.policy = FAST_RETRIES
        made["mobility"] = FakeMobility(platforms, runtime.wall)
        mount_first(app, Ams(platforms, runtime, made["mobility"]))
        return app

    async with (
        on_loopback(make) as (app, port),
        HttpClient(PlatformConfig(f"http://127.0.0.1:{port}")) as http,
    ):
        yield Lab(app, made["mobility"], AmsClient(http))


async def test_registration_life(lab: Lab) -> None:
    ams, edge = lab.ams, lab.instance("edge-app")
    info = RegistrationInfo(
        serviceConsumerId=ServiceConsumerId(appInstanceId=edge),
        deviceInformation=[DeviceInformation(associateId=UE_WALK, appMobilityServiceLevel=2)],
        expiryTime=60,
    )
    created = await ams.register(info)
    reg_id = created.value.appMobilityServiceId
    assert reg_id is not None and created.location.endswith(f"/app_mobility_services/{reg_id}")
    assert [r.appMobilityServiceId for r in await ams.registrations()] == [reg_id]
    assert await ams.registrations(filter="(eq,serviceConsumerId/appInstanceId,x)") == []
    read = await ams.registration(reg_id)
    assert read.etag == created.etag

    reported = await ams.report_transferred(reg_id, AssociateId(type="UE_IPv4_ADDRESS",
                                                                value="10.0.0.1"))  # fmt: skip
    (device,) = reported.value.deviceInformation or []
    assert int(device.contextTransferState or 0) == 1
    assert lab.mobility.confirmed == [(reg_id, "ue-walk")]
    (kept,) = lab.mobility.registrations("mec-a")
    assert kept.devices[0].transfer is TransferState.USER_CONTEXT_TRANSFER_COMPLETED
    with pytest.raises(ValueError, match=r"10\.0\.0\.2"):
        await ams.report_transferred(reg_id, AssociateId(type=1, value="10.0.0.2"))

    with pytest.raises(MecApiError) as stale:
        await ams.update_registration(reported.value, if_match=created.etag)
    assert stale.value.status == 412
    await ams.deregister_task(reg_id)  # expiryTime 60: removed later, not now
    assert (await ams.registration(reg_id)).value.appMobilityServiceId == reg_id
    await ams.deregister(reg_id)
    with pytest.raises(MecApiError) as gone:
        await ams.registration(reg_id)
    assert gone.value.status == 404


async def test_register_errors_are_typed(lab: Lab) -> None:
    unknown = RegistrationInfo(
        serviceConsumerId=ServiceConsumerId(appInstanceId=lab.instance("edge-app")),
        deviceInformation=[DeviceInformation(associateId=AssociateId(type=1, value="10.9.9.9"))],
    )
    with pytest.raises(MecApiError) as bad:
        await lab.ams.register(unknown)
    assert bad.value.status == 400
    assert "deviceInformation[0].associateId" in str(bad.value)


async def test_subscriptions_and_notifications(lab: Lab, receiver: Receiver) -> None:
    ams, edge = lab.ams, lab.instance("edge-app")
    proc = await ams.subscribe(
        MobilityProcedureSubscription(
            subscriptionType="MobilityProcedureSubscription",
            callbackReference=receiver.url("/ams"),
            filterCriteria=MobilityProcedureFilter(appInstanceId=edge),
        )
    )
    assert proc.value.filterCriteria.mobilityStatus == [1]
    adj = await ams.subscribe(
        AdjacentAppInfoSubscription(
            subscriptionType="AdjacentAppInfoSubscription",
            callbackReference=receiver.url("/adj"),
            filterCriteria=AdjacentAppInfoFilter(),
        )
    )
    listed = await ams.subscriptions("adj_app_info")
    assert [s.href for s in listed.links.subscription] == [adj.location]
    full = await ams.subscriptions("MobilityProcedureSubscription")
    assert [s.href for s in full.links.subscription] == [proc.location]
    read = await ams.subscription(adj.location)
    assert isinstance(read.value, AdjacentAppInfoSubscription)

    await lab.mobility.emit(
        ProcedureNotice(
            status=MobilityStatus.INTERHOST_MOVEOUT_TRIGGERED,
            host="mec-a",
            registration_id="r",
            app_instance_id=edge,
            ue="ue-walk",
            associate_ids=(UE_WALK.wire(),),
            target=InstanceAddress("b-1", "mec-b", "10.200.0.7", 8080),
            procedure="p-1",
        )
    )
    (body,) = await receiver.wait_for(1, "/ams")
    note = parse_notification(Api.AMS, body)
    assert isinstance(note, MobilityProcedureNotification)
    assert note.targetAppInfo is not None and note.targetAppInfo.appInstanceId == "b-1"
    assert note.meclab is not None and note.meclab.procedure is not None
    assert note.meclab.procedure.endswith("/meclab/v1/relocations/p-1")

    replaced = await ams.update_subscription(
        proc.location,
        proc.value.model_copy(
            update={"filterCriteria": MobilityProcedureFilter(mobilityStatus=[2, 3])}
        ),
        if_match=proc.etag,
    )
    assert replaced.value.filterCriteria.mobilityStatus == [2, 3]
    await ams.unsubscribe(proc.location)
    await ams.unsubscribe(adj.location)
    assert (await ams.subscriptions()).links.subscription == []


async def test_adjacent_query(lab: Lab) -> None:
    lab.mobility.adjacent_of["mec-a"] = [
        AdjacentInstance(InstanceAddress("b-1", "mec-b", "10.200.0.7", 8080), "appd", "mec-b")
    ]
    (found,) = await lab.ams.adjacent_app_instances()
    assert (found.appInstanceId, found.appDId) == ("b-1", "appd")
    assert found.mecHostInformation is not None
    assert found.mecHostInformation.hostId == {"name": "mec-b"}
    assert await lab.ams.adjacent_app_instances(filter="(eq,appDId,other)") == []


async def test_every_host_has_its_ams(lab: Lab) -> None:
    info = RegistrationInfo(serviceConsumerId=ServiceConsumerId(mepId="mep-a"))
    created = await lab.ams.register(info)
    async with MecPlatform(lab.ams.http.config) as mec:
        assert [r.appMobilityServiceId for r in await mec.ams.registrations()] == [
            created.value.appMobilityServiceId
        ]
        assert await mec.host("mec-a").ams.registrations() != []
        with pytest.raises(MecApiError) as unknown:
            await mec.host("nowhere").ams.registrations()
        assert unknown.value.status == 404
