"""The MEC 011 clients against a running meclab: every operation, typed, errors as SdkError."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from receiver import Receiver
from sdk_world import Lab, serve_lab

from meclab.platform.service_info import CategoryRef, ServiceState
from meclab.sdk import ConfigError, HttpClient, MecApiError
from meclab.sdk.clients.app_support import AppSupportClient
from meclab.sdk.clients.service_mgmt import ServiceMgmtClient, rest_service
from meclab.services.mec011.models import AppInfo, FilteringCriteria, OperationActionType
from meclab.types import LocalityType, RuleState

CATEGORY = CategoryRef(href="http://cat.example/video", id="video", name="Video", version="1")


@pytest.fixture
async def lab(lab_doc: dict[str, Any], store_path: Path) -> AsyncIterator[Lab]:
    async with serve_lab(lab_doc, store_path) as served:
        yield served


@pytest.fixture
async def http(lab: Lab) -> AsyncIterator[HttpClient]:
    async with HttpClient(lab.config()) as client:
        yield client


async def test_ready_then_a_service_is_registered_discovered_and_deregistered(
    lab: Lab, http: HttpClient
) -> None:
    support, mgmt = AppSupportClient(http), ServiceMgmtClient(http)
    me = lab.app_id("my-app")
    info = rest_service("video", "http://10.0.0.9:80/api", category=CATEGORY)
    with pytest.raises(MecApiError) as before_ready:
        await mgmt.register_service(me, info)
    assert before_ready.value.status == 403
    await support.confirm_ready(me)
    created = await mgmt.register_service(me, info)
    ser_id = created.value.serInstanceId
    assert ser_id and created.location.endswith(f"/services/{ser_id}")

    by_name = await mgmt.services(ser_name="video")
    by_category = await mgmt.services(ser_category_id=["video", "none"])
    assert [s.serInstanceId for s in by_name] == [ser_id]
    assert [s.serInstanceId for s in by_category] == [ser_id]
    assert await mgmt.services(ser_name="video", is_local=False) == []
    assert await mgmt.services(ser_name="video", scope_of_locality=LocalityType.ZONE) == []
    assert [s.serName for s in await mgmt.app_services(me)] == ["video"]

    one = await mgmt.service(ser_id)
    assert one.value.isLocal is True and one.etag
    suspended = info.model_copy(update={"state": ServiceState.SUSPENDED})
    updated = await mgmt.update_service(me, ser_id, suspended, if_match=one.etag)
    assert updated.value.state is ServiceState.SUSPENDED and updated.etag != one.etag
    with pytest.raises(MecApiError) as stale:
        await mgmt.update_service(me, ser_id, info, if_match=one.etag)
    assert stale.value.status == 412

    await mgmt.deregister_service(me, ser_id)
    assert await mgmt.services(ser_name="video") == []


async def test_two_selectors_are_refused_with_the_platforms_problem(
    lab: Lab, http: HttpClient
) -> None:
    with pytest.raises(MecApiError) as refused:
        await ServiceMgmtClient(http).services(ser_name="a", ser_category_id="b")
    assert refused.value.status == 400
    names = [p["name"] for p in refused.value.problem.model_extra["invalidParams"]]
    assert sorted(names) == ["ser_category_id", "ser_name"]


async def test_liveness_heartbeats_and_interval(lab: Lab, http: HttpClient) -> None:
    support, mgmt = AppSupportClient(http), ServiceMgmtClient(http)
    me = lab.app_id("my-app")
    await support.confirm_ready(me)
    created = await mgmt.register_service(
        me, rest_service("beating", "http://10.0.0.9/b", liveness_interval_s=0)
    )
    service = created.value
    assert service.livenessInterval == 30  # 0 lets the platform choose (clause 8.1.2.2)
    before = (await mgmt.liveness(service)).value
    await mgmt.heartbeat(service)
    after = (await mgmt.liveness(service.serInstanceId or "")).value
    assert after.state is ServiceState.ACTIVE and after.interval == 30
    assert after.timeStamp.unix() >= before.timeStamp.unix()
    without = await mgmt.register_service(me, rest_service("quiet", "http://10.0.0.9/q"))
    with pytest.raises(ConfigError, match="livenessInterval"):
        await mgmt.heartbeat(without.value)


async def test_transports_timing_and_rules(lab: Lab, http: HttpClient) -> None:
    support, mgmt = AppSupportClient(http), ServiceMgmtClient(http)
    transports = await mgmt.transports()
    assert [t.protocol for t in transports] == ["HTTP"]
    now = await support.current_time()
    assert now.seconds > 1_600_000_000
    caps = await support.timing_caps()
    assert caps.ntpServers == [] and caps.ptpMasters == []
    me = lab.app_id("my-app")
    [dns] = await support.dns_rules(me)
    [traffic] = await support.traffic_rules(me)
    assert dns.dnsRuleId == "dns-1" and traffic.trafficRuleId == "tr-1"
    read = await support.dns_rule(me, "dns-1")
    off = read.value.model_copy(update={"state": RuleState.INACTIVE})
    put = await support.put_dns_rule(me, off, if_match=read.etag)
    assert put.value.state is RuleState.INACTIVE and put.etag != read.etag
    with pytest.raises(MecApiError) as stale:
        await support.put_dns_rule(me, read.value, if_match=read.etag)
    assert stale.value.status == 412
    rule = await support.traffic_rule(me, "tr-1")
    lower = rule.value.model_copy(update={"priority": 2})
    assert (await support.put_traffic_rule(me, lower, if_match=rule.etag)).value.priority == 2
    with pytest.raises(MecApiError) as missing:
        await support.dns_rule(me, "nope")
    assert missing.value.status == 404


async def test_subscriptions_of_both_apis(lab: Lab, http: HttpClient, receiver: Receiver) -> None:
    support, mgmt = AppSupportClient(http), ServiceMgmtClient(http)
    me, peer = lab.app_id("my-app"), lab.app_id("peer-app")
    term = await support.subscribe_termination(me, receiver.url("/term"), watched=peer)
    assert term.value.appInstanceId == peer
    assert (await support.termination_subscription(term.location)).callbackReference.endswith(
        "/term"
    )
    avail = await mgmt.subscribe_availability(
        me, receiver.url("/avail"), FilteringCriteria(serNames=["video"])
    )
    listed = await mgmt.availability_subscriptions(me)
    assert [s.href for s in listed.links.subscriptions] == [avail.location]
    assert (await mgmt.availability_subscription(avail.location)).filteringCriteria == (
        FilteringCriteria(serNames=["video"])
    )
    await support.unsubscribe(term.location)
    await mgmt.unsubscribe(avail.location)
    assert (await support.termination_subscriptions(me)).links.subscriptions == []
    assert (await mgmt.availability_subscriptions(me)).links.subscriptions == []


async def test_registrations_and_termination_handshake_errors(lab: Lab, http: HttpClient) -> None:
    support = AppSupportClient(http)
    me = lab.app_id("my-app")
    created = await support.register(AppInfo(appName="my-app", appInstanceId=me))
    assert created.value.isInsByMec is True
    read = await support.registration(me)
    assert read.etag == created.etag
    etag = await support.update_registration(
        me, AppInfo(appName="my-app", appProvider="me"), if_match=read.etag
    )
    assert etag and etag != read.etag
    assert (await support.registration(me)).value.appProvider == "me"
    await support.deregister(me, if_match=etag)
    with pytest.raises(MecApiError) as gone:
        await support.registration(me)
    assert gone.value.status == 404
    with pytest.raises(MecApiError) as unasked:
        await support.confirm_termination(me, OperationActionType.TERMINATING)
    assert unasked.value.status == 409
    await support.confirm_ready(me)
    with pytest.raises(MecApiError) as twice:
        await support.confirm_ready(me)
    assert twice.value.status == 409
