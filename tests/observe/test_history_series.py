"""The charts' history (meclab/observe/history.py, routes.py): the series follow what happens."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from helpers import nothing_pending, problem, serve
from receiver import Receiver

from meclab.metrics import Metrics
from meclab.observe.history import History, Ring, quantile
from meclab.platform.subscription import Subscription
from meclab.runtime import Runtime

TickTo = Callable[[float], Awaitable[None]]


@pytest.fixture
async def lab(runtime: Runtime) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, History]]:
    async with serve(runtime) as (app, http):
        yield app, http, app.state.history


async def drive_to_cell_b1(runtime: Runtime, tick_to: TickTo) -> None:
    """Tick until ue-car, driving east from cell-a1, is handed over to cell-b1."""
    assert runtime.world.serving_poa("ue-car") == "cell-a1"
    t = runtime.world.state.t
    while runtime.world.serving_poa("ue-car") != "cell-b1":
        t += 0.5
        assert t < 30, "ue-car never reached cell-b1"
        await tick_to(t)


async def platform(http: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    response = await http.get("/meclab/v1/history/platform", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_quantiles_interpolate_within_their_bucket() -> None:
    bounds = np.array([0.01, 0.1, 1.0, np.inf])
    # 10 below 10 ms, 90 between 10 and 100 ms, none above
    counts = np.array([10.0, 100.0, 100.0, 100.0])
    assert quantile(0.05, bounds, counts) == pytest.approx(0.005)
    assert quantile(0.5, bounds, counts) == pytest.approx(0.01 + 0.09 * 40 / 90)
    assert quantile(0.99, bounds, counts) == pytest.approx(0.01 + 0.09 * 89 / 90)
    assert np.isnan(quantile(0.5, bounds, np.zeros(4)))
    # beyond the last finite bound, the last finite bound
    assert quantile(0.99, bounds, np.array([0.0, 0.0, 0.0, 5.0])) == 1.0


async def test_notifications_delivered_show_in_the_rate_and_the_latency(
    lab: tuple[FastAPI, httpx.AsyncClient, History], receiver: Receiver
) -> None:
    app, http, history = lab
    # a subscriber of some API, to which the app's own notifier delivers
    sub = Subscription(
        id="s1",
        host="mec-a",
        api="test_api",
        type="TestSubscription",
        body={},
        href="http://meclab.test/subs/s1",
        callback=receiver.url("/cb"),
    )
    notifier = app.state.platforms.notifier
    history.sample(1000.0)
    history.sample(1001.0)
    quiet = await platform(http)
    assert quiet["t"] == [1001.0]
    assert quiet["series"]["notifications"] == [0.0]
    assert quiet["series"]["latency_p50"] == [None]  # nothing delivered, no latency
    for n in range(6):
        notifier.send(sub, {"notificationType": "TestNotification", "n": n})
    await receiver.wait_for(6)
    await nothing_pending(notifier)
    history.sample(1003.0)  # two seconds after the last sample
    body = await platform(http, since=1001.0)
    assert body["t"] == [1003.0]
    assert body["series"]["notifications"] == [pytest.approx(6 / 2)]
    p50, p95, p99 = (body["series"][f"latency_p{q}"][0] for q in (50, 95, 99))
    assert p50 is not None and 0 < p50 <= p95 <= p99 < 1.0  # loopback: well under a second
    assert body["units"]["latency_p99"] == "s" and body["units"]["notifications"] == "1/s"


async def test_requests_and_errors_are_counted_by_class(
    lab: tuple[FastAPI, httpx.AsyncClient, History],
) -> None:
    _, http, history = lab
    history.sample(10.0)
    for _ in range(3):
        assert (await http.get("/rni/v2/queries/rab_info")).status_code == 200
    for _ in range(2):
        assert (await http.get("/rni/v2/subscriptions/nope")).status_code == 404
    assert (await http.get("/meclab/v1/terminals/nope")).status_code == 404
    assert (await http.get("/ui/dashboard.js")).status_code == 200  # no API: not counted
    history.sample(12.0)
    body = await platform(http)
    series = {name: values[-1] for name, values in body["series"].items()}
    assert series["requests"] == pytest.approx(6 / 2)
    assert series["requests_etsi"] == pytest.approx(5 / 2)
    assert series["errors_4xx"] == pytest.approx(3 / 2)
    assert series["errors_5xx"] == 0.0
    text = (await http.get("/metrics")).text
    assert 'meclab_api_requests_total{api="rni",code="2xx"} 3.0' in text
    assert 'meclab_api_requests_total{api="rni",code="4xx"} 2.0' in text
    assert 'meclab_api_requests_total{api="control",code="4xx"} 1.0' in text
    assert 'api="ui"' not in text  # the dashboard's /ui/<asset> is not MEC 014's /ui/v1


async def test_a_terminal_follows_its_move_and_a_cell_its_handover(
    lab: tuple[FastAPI, httpx.AsyncClient, History], tick_to: TickTo
) -> None:
    app, http, history = lab
    runtime: Runtime = app.state.runtime
    history.clock = lambda: 100.0  # the first sample, when first asked
    first = (await http.get("/meclab/v1/history/terminals/ue-car")).json()
    assert first["t"] == [100.0]
    assert first["series"]["rsrp_dbm"][0] == pytest.approx(
        runtime.world.terminal("ue-car").signal_dbm, abs=1e-3
    )
    assert first["series"]["path_latency_ms"][0] is not None
    cells = {c: history.cell(c) for c in ("cell-a1", "cell-b1")}
    history.sample(101.0)
    served_before = {c: ring.values["served"][0, col] for c, (ring, col) in cells.items()}
    await drive_to_cell_b1(runtime, tick_to)
    history.sample(102.0)
    car = (await http.get("/meclab/v1/history/terminals/ue-car", params={"since": 100})).json()
    assert car["t"] == [101.0, 102.0]
    rsrp = car["series"]["rsrp_dbm"]
    assert rsrp[1] == pytest.approx(runtime.world.terminal("ue-car").signal_dbm, abs=1e-3)
    assert rsrp[1] != rsrp[0]
    a1 = (await http.get("/meclab/v1/history/cells/cell-a1", params={"since": 101})).json()
    b1 = (await http.get("/meclab/v1/history/cells/cell-b1", params={"since": 101})).json()
    assert a1["t"] == b1["t"] == [102.0]
    assert a1["series"]["served"] == [served_before["cell-a1"] - 1]
    assert b1["series"]["served"] == [served_before["cell-b1"] + 1]
    assert b1["series"]["rsrp_dbm"][0] is not None
    assert b1["units"]["served"] == "terminals"


async def test_unknown_names_and_bad_since(lab: tuple[FastAPI, httpx.AsyncClient, History]) -> None:
    _, http, _ = lab
    body = problem(await http.get("/meclab/v1/history/cells/cell-zz"), 404)
    assert "cell-zz" in body["detail"]
    body = problem(await http.get("/meclab/v1/history/terminals/ue-zz"), 404)
    assert "ue-zz" in body["detail"]
    body = problem(await http.get("/meclab/v1/history/platform", params={"since": "soon"}), 400)
    assert "since" in str(body)
    body = problem(await http.get("/meclab/v1/history/platform", params={"since": "inf"}), 400)
    assert "since" in body["detail"]


async def test_memory_stays_bounded(runtime: Runtime) -> None:
    history = History(
        Metrics(),
        lambda: runtime.world,
        window=5,
        max_watched=2,
    )
    for name in ("ue-walk", "ue-car", "ue-far"):
        history.watch(name)
    assert list(history.watched) == ["ue-car", "ue-far"]  # the least recently asked went
    history.watch("ue-car")
    assert list(history.watched) == ["ue-far", "ue-car"]
    for s in range(20):
        history.sample(float(s))
    size = history.nbytes()
    for s in range(20, 100):
        history.sample(float(s))
    assert history.nbytes() == size
    t, series = history.platform.read()
    assert t == [float(s) for s in range(95, 100)]
    assert all(len(v) == 5 for v in series.values())
    assert history.watched["ue-car"].read()[0] == t
    ring = Ring(["x"], 3)
    for s in range(5):
        ring.append(float(s), {"x": s})
    assert ring.read(since=2.5) == ([3.0, 4.0], {"x": [3.0, 4.0]})
