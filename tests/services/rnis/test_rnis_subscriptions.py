"""RNI subscriptions: create, read, list, replace, delete, with every error; expiry, test
notifications, websocket delivery; the service in the MEC 011 registry; restart.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import websockets
from helpers import BASE_URL, on_loopback
from receiver import Receiver
from rnis_bodies import EXAMPLES, SUBS, delivered, links, sub_body
from rnis_lab import ecgi, ipv4, open_lab, two_ues

from meclab.services.rnis.models_subscriptions import SHORT_TYPES


def cell_change(receiver: Receiver, path: str = "/cc", **criteria: Any) -> dict[str, Any]:
    return sub_body("CellChangeSubscription", receiver, path, filterCriteriaAssocHo=criteria)


async def test_every_type_is_created_read_and_listed(db: Path, receiver: Receiver) -> None:
    async with open_lab(two_ues(), db) as lab:
        created = {}
        for kind, fields in EXAMPLES.items():
            request = sub_body(kind, receiver, f"/{kind}", **fields)
            response = await lab.client.post(SUBS, json=request)
            assert response.status_code == 201, response.text
            body = response.json()
            href = response.headers["Location"]
            assert href.startswith(f"{BASE_URL}{SUBS}/")
            assert body == {**request, "_links": {"self": {"href": href}}}
            got = await lab.client.get(href)
            assert got.status_code == 200
            assert got.json() == body
            assert got.headers["ETag"] == response.headers["ETag"]
            created[kind] = href

        listing = (await lab.client.get(SUBS)).json()
        assert listing == {
            "_links": {
                "self": {"href": f"{BASE_URL}{SUBS}"},
                "subscription": [
                    {"href": href, "subscriptionType": kind} for kind, href in created.items()
                ],
            }
        }
        for short, kind in SHORT_TYPES.items():
            one = (await lab.client.get(SUBS, params={"subscription_type": short})).json()
            assert one["_links"]["subscription"] == [
                {"href": created[kind], "subscriptionType": kind}
            ]
        bad = await lab.client.get(SUBS, params={"subscription_type": "CellChangeSubscription"})
        assert bad.status_code == 400
        # Another host has its own subscriptions.
        other = (await lab.client.get(f"/hosts/mec-b{SUBS}")).json()
        assert other["_links"]["subscription"] == []
        assert (
            await lab.client.get(
                f"/hosts/mec-b{SUBS}/{created['RabEstSubscription'].rsplit('/', 1)[1]}"
            )
        ).status_code == 404


async def test_defaults_are_written_into_the_resource(db: Path, receiver: Receiver) -> None:
    async with open_lab(two_ues(), db) as lab:
        cc = await lab.subscribe(cell_change(receiver))
        assert cc["filterCriteriaAssocHo"] == {"hoStatus": [3]}
        mr = await lab.subscribe(
            sub_body("MeasRepUeSubscription", receiver, "/m", filterCriteriaAssocTri={})
        )
        assert mr["filterCriteriaAssocTri"] == {"trigger": [1]}
        nr = await lab.subscribe(
            sub_body("NrMeasRepUeSubscription", receiver, "/n", filterCriteriaNrMrs={})
        )
        assert nr["filterCriteriaNrMrs"] == {"triggerNr": [1]}
        # appInstanceId names the consumer: an instance of the host (app-a runs on mec-a).
        mine = await lab.subscribe(cell_change(receiver, appInstanceId="app-a"))
        assert mine["filterCriteriaAssocHo"]["appInstanceId"] == "app-a"
        elsewhere = await lab.client.post(
            f"/hosts/mec-b{SUBS}", json=cell_change(receiver, appInstanceId="app-a")
        )
        assert elsewhere.status_code == 422
        # The v2.1.1 spelling of the NR cell identity is read, the v2.2.1 one written.
        old = await lab.subscribe(
            sub_body(
                "NrMeasRepUeSubscription",
                receiver,
                "/n",
                filterCriteriaNrMrs={
                    "nrcgi": [{"plmn": {"mcc": "001", "mnc": "01"}, "nrcellId": "1"}]
                },
            )
        )
        assert old["filterCriteriaNrMrs"]["nrcgi"] == [
            {"plmn": {"mcc": "001", "mnc": "01"}, "nrCellId": "1"}
        ]


async def test_replace_and_delete_with_etags(db: Path, receiver: Receiver) -> None:
    async with open_lab(two_ues(), db) as lab:
        created = await lab.client.post(SUBS, json=cell_change(receiver, "/old"))
        href, etag = created.headers["Location"], created.headers["ETag"]

        stale = await lab.client.put(
            href, json=cell_change(receiver, "/new"), headers={"If-Match": '"not-it"'}
        )
        assert stale.status_code == 412
        other_type = await lab.client.put(
            href, json=sub_body("RabEstSubscription", receiver, "/x", filterCriteriaQci={"qci": 9})
        )
        assert other_type.status_code == 422
        assert (await lab.client.get(href)).json()["callbackReference"] == receiver.url("/old")

        replaced = await lab.client.put(
            href,
            json=cell_change(receiver, "/new", associateId=[ipv4(1)]),
            headers={"If-Match": etag},
        )
        assert replaced.status_code == 200
        assert replaced.json()["callbackReference"] == receiver.url("/new")
        assert replaced.json()["_links"] == {"self": {"href": href}}
        new_etag = replaced.headers["ETag"]
        assert new_etag != etag
        # The replaced filter is the one matched from now on.
        await lab.ticks(50, 56)
        notes = await delivered(lab, receiver)
        assert [n["_links"] for n in notes] == [links(replaced.json())]
        assert receiver.bodies("/new") == notes

        assert (await lab.client.delete(href, headers={"If-Match": etag})).status_code == 412
        assert (await lab.client.delete(href, headers={"If-Match": new_etag})).status_code == 204
        assert (await lab.client.get(href)).status_code == 404
        assert (await lab.client.delete(href)).status_code == 404


async def test_test_notification_and_expiry(db: Path, receiver: Receiver) -> None:
    async with open_lab(two_ues(), db) as lab:
        deadline = time.time() + 0.4
        body = {
            **cell_change(receiver, "/t"),
            "requestTestNotification": True,
            "expiryDeadline": {"seconds": int(deadline), "nanoSeconds": int(deadline % 1 * 1e9)},
        }
        sub = await lab.subscribe(body)
        assert sub["expiryDeadline"] == body["expiryDeadline"]
        test, expiry = await receiver.wait_for(2, path="/t")
        assert test == {"notificationType": "TestNotification", "_links": links(sub)}
        assert expiry["notificationType"] == "ExpiryNotification"
        assert expiry["_links"] == links(sub)
        assert expiry["expiryDeadline"] == body["expiryDeadline"]
        assert expiry["timeStamp"]["seconds"] >= int(deadline)
        href = sub["_links"]["self"]["href"]
        assert (await lab.client.get(href)).status_code == 404
        await lab.ticks(50, 56)  # a handover after expiry: nothing more
        assert await delivered(lab, receiver, "/t") == [test, expiry]


async def test_websocket_delivery_through_the_apps_websocket_route(
    db: Path, receiver: Receiver
) -> None:
    from meclab.app import create_app
    from meclab.bus.memory import MemoryBus
    from meclab.runtime import Runtime
    from meclab.store.sqlite import SqliteStore

    store = SqliteStore(db)
    runtime = Runtime(store, MemoryBus())
    await runtime.open(two_ues())
    try:
        async with on_loopback(
            lambda base: create_app(runtime, tick=False, base_url=base), lifespan="on"
        ) as (_, port):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                both = {
                    **cell_change(receiver, "/never"),
                    "websockNotifConfig": {"requestWebsocketUri": True},
                }
                response = await client.post(SUBS, json=both)
                assert response.status_code == 201
                sub = response.json()
                # Both were offered: RNIS chose the websocket and returns only that (GS note).
                assert "callbackReference" not in sub
                uri = sub["websockNotifConfig"]["websocketUri"]
                sub_id = sub["_links"]["self"]["href"].rsplit("/", 1)[1]
                assert uri == f"ws://127.0.0.1:{port}/meclab/ws/notifications/{sub_id}"
                assert sub["websockNotifConfig"]["requestWebsocketUri"] is True
                async with websockets.connect(uri) as ws:
                    await runtime.move_terminal_to_poa("walker", "B")  # a handover, at once
                    frame = orjson.loads(await asyncio.wait_for(ws.recv(), 5.0))
            assert frame["notificationType"] == "CellChangeNotification"
            assert frame["srcEcgi"] == ecgi("000001A")
            assert frame["trgEcgi"] == [ecgi("000001B")]
            assert frame["_links"] == links(sub)
            assert receiver.received == []
    finally:
        await store.close()


async def test_rnis_is_offered_in_each_hosts_registry_and_withdrawn_at_stop(db: Path) -> None:
    async with open_lab(two_ues(), db) as lab:
        records = [r for r in lab.platforms.services.records.values() if r.info.serName == "rni"]
        assert sorted(r.host for r in records) == ["mec-a", "mec-b"]
        for record in records:
            info = record.info.wire()
            prefix = "" if record.host == "mec-a" else f"/hosts/{record.host}"
            assert info["serCategory"]["id"] == "rni"
            assert info["serCategory"]["name"] == "RNI"
            assert info["version"] == "2.2.1"
            assert info["state"] == "ACTIVE"
            assert info["transportInfo"]["type"] == "REST_HTTP"
            assert info["transportInfo"]["endpoint"]["uris"] == [f"{BASE_URL}{prefix}/rni/v2"]
        listed = await lab.client.get("/mec_service_mgmt/v1/services", params={"ser_name": "rni"})
        assert listed.status_code == 200  # discovered through MEC 011 service management
        assert [(s["serName"], s["transportInfo"]["endpoint"]["uris"]) for s in listed.json()] == [
            ("rni", [f"{BASE_URL}/rni/v2"])
        ]
        platforms = lab.platforms
    assert not [r for r in platforms.services.records.values() if r.info.serName == "rni"]


async def test_a_restart_resumes_subscriptions_and_bearers_without_notifying(
    db: Path, receiver: Receiver
) -> None:
    async with open_lab(two_ues(), db) as lab:
        await lab.subscribe(cell_change(receiver))
        await lab.subscribe(
            sub_body("RabEstSubscription", receiver, "/est", filterCriteriaQci={"qci": 9})
        )
        await lab.subscribe(
            sub_body(
                "MeasTaSubscription",
                receiver,
                "/ta",
                filterCriteriaAssoc={"associateId": [ipv4(2)]},
            )
        )
        await lab.tick(20.0)
        before = (await lab.client.get("/rni/v2/queries/rab_info")).json()["cellUserInfo"]
    async with open_lab(None, db) as lab:  # resume from the store
        assert lab.runtime.opened == "resumed"
        await lab.settle()
        assert receiver.received == []  # rebuilding notified nobody
        assert (await lab.client.get("/rni/v2/queries/rab_info")).json()["cellUserInfo"] == before
        assert len((await lab.client.get(SUBS)).json()["_links"]["subscription"]) == 3
        await lab.ticks(30.0, 56.0)  # the walker hands over: the restored subscription hears it
        notes = await delivered(lab, receiver)
        assert [n["notificationType"] for n in notes] == ["CellChangeNotification"]
