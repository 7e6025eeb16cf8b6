"""MEC 013 v3.1.1 notifications end to end: the world steps under the fake clock, events go
through the bus as in production, and a real HTTP receiver gets exactly what must arrive.

ue-run is at x = 50 + 100 t: on A1 (zone z1) until t = 4, on A2 (z1) from t = 5, on B1 (z2)
from t = 15 (see location_helpers).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from helpers import LAT0, lat_at, lon_at
from location_helpers import (
    LOC,
    OUT,
    RUN,
    STILL,
    UE_B,
    WALL,
    TickTo,
    circle,
    inner,
    run_until,
    run_x,
    subscribe,
    user_area,
    user_distance,
    user_event,
    user_periodic,
    zone_event,
    zone_status,
)
from receiver import Receiver

from meclab.runtime import Runtime

pytestmark = pytest.mark.asyncio(loop_scope="module")


def links(href: str) -> dict[str, Any]:
    return {"subscription": {"href": href}}


def longitude(note: dict[str, Any]) -> float:
    return float(inner(note)["locationInfo"]["longitude"][0])


# --- user location events (clause 6.3.4) ---------------------------------------------------------


async def test_a_zone_change_is_leaving_then_entering(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    href = await subscribe(api, "users", user_event(receiver.url()))
    await run_until(tick_to, 14)  # the handover A1 -> A2 at t = 5 stays in zone z1
    assert await receiver.quiet(0.2) == 0
    await tick_to(15.0)
    notes = await receiver.wait_for(2)
    assert notes == [
        {
            "userLocationEventNotification": {
                "notificationType": "UserLocationEventNotification",
                "timeStamp": WALL,
                "address": RUN,
                "userLocationEvent": "LEAVING_AREA_EVENT",
                "zoneId": "z1",
                "accessPointId": "A2",
                "_links": links(href),
            }
        },
        {
            "userLocationEventNotification": {
                "notificationType": "UserLocationEventNotification",
                "timeStamp": WALL,
                "address": RUN,
                "userLocationEvent": "ENTERING_AREA_EVENT",
                "zoneId": "z2",
                "accessPointId": "B1",
                "_links": links(href),
            }
        },
    ]
    await run_until(tick_to, 26, first=16)
    assert await receiver.quiet(0.2) == 0


async def test_an_access_point_list_is_an_area_with_the_location_on_request(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    para = {"accessPointList": ["A2"], "reportingLocationReq": True}
    await subscribe(api, "users", user_event(receiver.url(), userEventPara=para))
    await run_until(tick_to, 16)
    entering, leaving = await receiver.wait_for(2)
    assert await receiver.quiet(0.2) == 0
    assert inner(entering)["userLocationEvent"] == "ENTERING_AREA_EVENT"
    assert (inner(entering)["zoneId"], inner(entering)["accessPointId"]) == ("z1", "A2")
    assert longitude(entering) == pytest.approx(lon_at(run_x(5)), abs=1e-9)
    assert inner(entering)["locationInfo"]["velocity"]["bearing"] == 90
    assert inner(leaving)["userLocationEvent"] == "LEAVING_AREA_EVENT"
    # The access point and zone it left, and where it is now (on B1, at t = 15).
    assert (inner(leaving)["zoneId"], inner(leaving)["accessPointId"]) == ("z1", "A2")
    assert longitude(leaving) == pytest.approx(lon_at(run_x(15)), abs=1e-9)


async def test_a_one_time_event_ends_its_subscription(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    para = {"zoneId": "z2", "occurrenceInfo": "ONE_TIME_EVENT"}
    href = await subscribe(
        api,
        "users",
        user_event(
            receiver.url(), userEventPara=para, locationEventCriteria=["ENTERING_AREA_EVENT"]
        ),
    )
    await run_until(tick_to, 15)
    (note,) = await receiver.wait_for(1)
    assert inner(note)["userLocationEvent"] == "ENTERING_AREA_EVENT"
    assert (inner(note)["zoneId"], inner(note)["accessPointId"]) == ("z2", "B1")
    assert "locationInfo" not in inner(note)
    assert (await api.get(href)).status_code == 404


async def test_coming_into_coverage_enters_and_losing_it_leaves(
    api: httpx.AsyncClient, receiver: Receiver, runtime: Runtime
) -> None:
    await subscribe(api, "users", user_event(receiver.url("/out"), address=OUT))
    await subscribe(api, "users", user_event(receiver.url("/still"), address=STILL))
    await runtime.move_terminal("ue-out", lon_at(2300.0), LAT0)  # into B1's coverage
    await runtime.move_terminal("ue-still", lon_at(3500.0), LAT0)  # out of every cell
    (entered,) = await receiver.wait_for(1, path="/out")
    (left,) = await receiver.wait_for(1, path="/still")
    assert inner(entered)["userLocationEvent"] == "ENTERING_AREA_EVENT"
    assert (inner(entered)["zoneId"], inner(entered)["accessPointId"]) == ("z2", "B1")
    assert inner(left)["userLocationEvent"] == "LEAVING_AREA_EVENT"
    assert (inner(left)["zoneId"], inner(left)["accessPointId"]) == ("z1", "A1")


# --- zone location events (clause 6.3.6) ---------------------------------------------------------


async def test_zone_events_for_all_users_or_a_list(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    left = await subscribe(
        api,
        "zones",
        zone_event(receiver.url("/left"), "z1", locationEventCriteria=["LEAVING_AREA_EVENT"]),
    )
    entered = await subscribe(api, "zones", zone_event(receiver.url("/entered"), "z2"))
    await subscribe(api, "zones", zone_event(receiver.url("/still"), "z2", addressList=[STILL]))
    await run_until(tick_to, 16)
    assert await receiver.wait_for(1, path="/left") == [
        {
            "zoneLocationEventNotification": {
                "notificationType": "ZoneLocationEventNotification",
                "timeStamp": WALL,
                "address": RUN,
                "userLocationEvent": "LEAVING_AREA_EVENT",
                "zoneId": "z1",
                "_links": links(left),
            }
        }
    ]
    (note,) = await receiver.wait_for(1, path="/entered")
    assert inner(note)["userLocationEvent"] == "ENTERING_AREA_EVENT"
    assert inner(note)["_links"] == links(entered)
    assert await receiver.quiet(0.2) == 0
    assert len(receiver.received) == 2  # nothing for ue-still's subscription


async def test_zone_events_held_back_by_the_minimum_interval_go_out_later(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver, runtime: Runtime
) -> None:
    ctrl = {"minimumInterval": 10}
    await subscribe(
        api, "zones", zone_event(receiver.url(), "z1", addressList=[STILL], reportingCtrl=ctrl)
    )
    await tick_to(1.0)
    await runtime.move_terminal("ue-still", lon_at(3500.0), LAT0)  # leaves z1 at t = 1
    (first,) = await receiver.wait_for(1)
    assert inner(first)["userLocationEvent"] == "LEAVING_AREA_EVENT"
    await tick_to(2.0)
    await runtime.move_terminal("ue-still", lon_at(100.0), LAT0)  # back at t = 2: held
    await run_until(tick_to, 10, first=3)
    assert await receiver.quiet(0.2) == 0
    await tick_to(11.0)  # 10 s after the first notification
    (_, second) = await receiver.wait_for(2)
    assert inner(second)["userLocationEvent"] == "ENTERING_AREA_EVENT"
    assert inner(second)["address"] == STILL


async def test_a_held_back_move_undone_meanwhile_is_not_reported(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver, runtime: Runtime
) -> None:
    ctrl = {"maximumFrequency": 5}
    await subscribe(
        api, "zones", zone_event(receiver.url(), "z1", addressList=[STILL], reportingCtrl=ctrl)
    )
    await runtime.move_terminal("ue-still", lon_at(3500.0), LAT0)  # reported
    await tick_to(1.0)
    await runtime.move_terminal("ue-still", lon_at(100.0), LAT0)  # held ...
    await tick_to(2.0)
    await runtime.move_terminal("ue-still", lon_at(3500.0), LAT0)  # ... and undone
    await run_until(tick_to, 7, first=3)
    await receiver.wait_for(1)
    assert await receiver.quiet(0.2) == 0


async def test_maximum_count_ends_a_zone_subscription(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    href = await subscribe(
        api, "zones", zone_event(receiver.url(), "z2", reportingCtrl={"maximumCount": 1})
    )
    await run_until(tick_to, 15)
    await receiver.wait_for(1)
    assert (await api.get(href)).status_code == 404


# --- zone status (clause 6.3.7) ------------------------------------------------------------------


async def test_zone_status_reports_threshold_crossings(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    z1 = await subscribe(
        api,
        "zones",
        zone_status(
            receiver.url("/z1"),
            "z1",
            upperNumberOfUsersAPThreshold=1,
            lowerNumberOfUsersZoneThreshold=1,
        ),
    )
    z2 = await subscribe(
        api, "zones", zone_status(receiver.url("/z2"), "z2", upperNumberOfUsersZoneThreshold=2)
    )
    await run_until(tick_to, 4)
    assert await receiver.quiet(0.2) == 0
    await tick_to(5.0)  # A2: 0 -> 1 user
    (over_ap,) = await receiver.wait_for(1, path="/z1")
    assert over_ap == {
        "zoneStatusNotification": {
            "notificationType": "ZoneStatusNotification",
            "timeStamp": WALL,
            "zoneId": "z1",
            "accessPointId": "A2",
            "userNumEvent": 3,
            "_links": links(z1),
        }
    }
    await run_until(tick_to, 15, first=6)  # z1: 2 -> 1 user, z2: 1 -> 2 users
    (_, under_zone) = await receiver.wait_for(2, path="/z1")
    assert (inner(under_zone)["userNumEvent"], inner(under_zone).get("accessPointId")) == (2, None)
    (over_zone,) = await receiver.wait_for(1, path="/z2")
    assert inner(over_zone)["userNumEvent"] == 1
    assert inner(over_zone)["_links"] == links(z2)
    await run_until(tick_to, 20, first=16)
    assert await receiver.quiet(0.2) == 0


# --- areas (clause 6.3.8) ------------------------------------------------------------------------


async def area_crossings(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver, area: dict[str, Any], **fields: Any
) -> list[tuple[str, float]]:
    """(event, x where ue-run was) of every area notification over t = 1 .. 26."""
    await subscribe(
        api,
        "area",
        user_area(receiver.url(), area, [RUN, STILL], reportingLocationReq=True, **fields),
    )
    await run_until(tick_to, 26)
    await receiver.quiet(0.3)
    out = []
    for note in receiver.bodies():
        body = inner(note)
        assert body["address"] == RUN
        x = (longitude(note) - lon_at(0.0)) / (lon_at(1.0) - lon_at(0.0))
        out.append((body["userLocationEvent"], round(x)))
    return out


async def test_a_circle_is_entered_and_left_at_its_radius(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # Centre x = 1200, radius 300: inside from x = 900 (t = 8.5) to x = 1500 (t = 14.5).
    assert await area_crossings(api, tick_to, receiver, circle(1200.0, 300)) == [
        ("ENTERING_AREA_EVENT", 950),
        ("LEAVING_AREA_EVENT", 1550),
    ]


async def test_tracking_accuracy_delays_leaving_by_at_most_itself(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # Leaving once more than 100 m outside: x > 1600, so at t = 16.
    assert await area_crossings(api, tick_to, receiver, circle(1200.0, 300), accuracy=100.0) == [
        ("ENTERING_AREA_EVENT", 950),
        ("LEAVING_AREA_EVENT", 1650),
    ]


async def test_a_polygon_area(api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver) -> None:
    corners = [(1000.0, -100.0), (1300.0, -100.0), (1300.0, 100.0), (1000.0, 100.0)]
    area = {
        "shape": 2,
        "points": [{"latitude": lat_at(y), "longitude": lon_at(x)} for x, y in corners],
    }
    assert await area_crossings(api, tick_to, receiver, area) == [
        ("ENTERING_AREA_EVENT", 1050),
        ("LEAVING_AREA_EVENT", 1350),
    ]


async def test_area_reporting_controls(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # Leaving (at t = 15) comes within 10 s of entering (t = 9): it waits until t = 19.
    assert await area_crossings(
        api, tick_to, receiver, circle(1200.0, 300), reportingCtrl={"minimumInterval": 10}
    ) == [("ENTERING_AREA_EVENT", 950), ("LEAVING_AREA_EVENT", 1950)]


async def test_area_event_criteria_and_maximum_count(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    crossings = await area_crossings(
        api,
        tick_to,
        receiver,
        circle(1200.0, 300),
        locationEventCriteria=["LEAVING_AREA_EVENT"],
        reportingCtrl={"maximumCount": 1},
    )
    assert crossings == [("LEAVING_AREA_EVENT", 1550)]
    r = await api.get(f"{LOC}/subscriptions/area")
    assert r.json()["notificationSubscriptionList"]["subscription"] == []


# --- distance (clause 6.3.9) ---------------------------------------------------------------------


async def test_distance_beyond_fires_when_the_pair_separates(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # ue-run to ue-still (x = 100): 100 t - 50 m; beyond 500 m from t = 6.
    href = await subscribe(
        api,
        "distance",
        user_distance(receiver.url(), [RUN], 500.0, "AllBeyondDistance", reference=[STILL]),
    )
    await run_until(tick_to, 5)
    assert await receiver.quiet(0.2) == 0
    await tick_to(6.0)
    (note,) = await receiver.wait_for(1)
    body = inner(note)
    assert body["notificationType"] == "UserDistanceNotification"
    assert body["distanceEvent"] == "AllBeyondDistance"
    assert body["_links"] == links(href)
    users = body["monitoredUsers"]
    assert users["resourceURL"] == "http://meclab.test/location/v2/queries/users"
    (user,) = users["user"]
    assert (user["address"], user["accessPointId"], user["zoneId"]) == (RUN, "A2", "z1")
    assert user["locationInfo"]["longitude"] == [pytest.approx(lon_at(run_x(6)), abs=1e-9)]
    await run_until(tick_to, 20, first=7)
    assert await receiver.quiet(0.2) == 0


async def test_check_immediate_reports_a_condition_that_already_holds(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    await subscribe(
        api,
        "distance",
        user_distance(receiver.url(), [RUN, STILL], 500.0, "AnyWithinDistance", immediate=True),
    )
    (note,) = await receiver.wait_for(1)
    assert [u["address"] for u in inner(note)["monitoredUsers"]["user"]] == [RUN, STILL]
    await run_until(tick_to, 10)
    assert await receiver.quiet(0.2) == 0


async def test_without_check_immediate_a_holding_condition_waits_for_its_next_onset(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    # ue-run to ue-b (x = 2100): 2050 - 100 t m until they pass; within 300 m from t = 18.
    await subscribe(
        api, "distance", user_distance(receiver.url("/b"), [RUN, UE_B], 300.0, "AllWithinDistance")
    )
    await subscribe(
        api,
        "distance",
        user_distance(receiver.url("/still"), [RUN, STILL], 300.0, "AllWithinDistance"),
    )
    await run_until(tick_to, 17)
    assert await receiver.quiet(0.2) == 0
    await tick_to(18.0)
    (note,) = await receiver.wait_for(1, path="/b")
    assert [u["address"] for u in inner(note)["monitoredUsers"]["user"]] == [RUN, UE_B]
    await run_until(tick_to, 26, first=19)
    assert await receiver.quiet(0.2) == 0
    assert receiver.bodies("/still") == []  # within at creation, never again


# --- periodic (clause 6.3.5) ---------------------------------------------------------------------


async def test_periodic_reports_count_and_interval_then_end(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    run = await subscribe(api, "users", user_periodic(receiver.url("/run"), 3, 2.0))
    out = await subscribe(api, "users", user_periodic(receiver.url("/out"), 1, 3.0, address=OUT))
    await tick_to(1.0)
    assert await receiver.quiet(0.2) == 0
    await run_until(tick_to, 10, first=2)
    reports = await receiver.wait_for(3, path="/run")
    assert [longitude(n) for n in reports] == [
        pytest.approx(lon_at(run_x(t)), abs=1e-9) for t in (2, 4, 6)
    ]
    assert [inner(n)["isFinalNotification"] for n in reports] == [False, False, True]
    first = inner(reports[0])
    assert first["notificationType"] == "UserLocationPeriodicNotification"
    assert (first["address"], first["accessPointId"], first["zoneId"]) == (RUN, "A1", "z1")
    assert first["result"] == "SUCCESS"
    assert first["_links"] == links(run)
    (abnormal,) = await receiver.wait_for(1, path="/out")
    assert inner(abnormal) == {
        "notificationType": "UserLocationPeriodicNotification",
        "timeStamp": WALL,
        "address": OUT,
        "result": "ABNORMAL",
        "isFinalNotification": True,
        "_links": links(out),
    }
    assert await receiver.quiet(0.2) == 0
    assert (await api.get(run)).status_code == 404
    assert (await api.get(out)).status_code == 404


# --- hosts ---------------------------------------------------------------------------------


async def test_a_subscription_on_another_host_of_the_operator_is_notified(
    api: httpx.AsyncClient, tick_to: TickTo, receiver: Receiver
) -> None:
    r = await api.post(
        f"/hosts/mec-2{LOC}/subscriptions/zones", json=zone_event(receiver.url(), "z2")
    )
    assert r.status_code == 201
    href = r.headers["Location"]
    assert href.startswith("http://meclab.test/hosts/mec-2/location/v2/subscriptions/zones/")
    await run_until(tick_to, 15)
    (note,) = await receiver.wait_for(1)
    assert inner(note)["_links"] == links(href)
