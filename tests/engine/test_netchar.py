"""End-to-end network characteristics compose along the hierarchy."""

from __future__ import annotations

import pytest
from engine_scenarios import cell, terminal
from helpers import LAT0, lon_at

from meclab.engine.netchar import Unreachable
from meclab.engine.world import World
from meclab.scenario.model import Scenario


def nc(
    latency: float,
    jitter: float = 0.0,
    loss: float = 0.0,
    dl: float | None = None,
    ul: float | None = None,
) -> dict:
    out: dict = {"latency_ms": latency, "jitter_ms": jitter, "loss_pct": loss}
    if dl is not None:
        out["throughput_dl_mbps"] = dl
    if ul is not None:
        out["throughput_ul_mbps"] = ul
    return out


def app(name: str, latency: float = 0.0) -> dict:
    return {"name": name, "netchar": nc(latency)}


@pytest.fixture
def world() -> World:
    doc = {
        "name": "net",
        "netchar": nc(20.0, 4.0, 1.0, dl=1000.0, ul=1000.0),
        "clouds": [{"name": "public", "netchar": nc(3.0), "apps": [app("pub-app", 0.5)]}],
        "domains": [
            {
                "name": "op",
                "mcc": "001",
                "mnc": "01",
                "netchar": nc(5.0, 1.0, 0.5, dl=10000.0, ul=10000.0),
                "clouds": [{"name": "opcloud", "netchar": nc(2.0), "apps": [app("op-app")]}],
                "zones": [
                    {
                        "name": "z1",
                        "netchar": nc(1.0, 0.5, dl=5000.0, ul=2000.0),
                        "mec_hosts": [
                            {
                                "name": "h1",
                                "position": [7.40, 43.70],
                                "netchar": nc(0.5),
                                "apps": [app("edge1", 0.25)],
                            }
                        ],
                        "poas": [
                            cell(
                                "c1",
                                "4G",
                                0.0,
                                5000.0,
                                1,
                                netchar=nc(10.0, 2.0, 2.0, dl=50.0, ul=10.0),
                                fog_nodes=[
                                    {"name": "fog1", "netchar": nc(0.1), "apps": [app("fogapp")]}
                                ],
                            ),
                        ],
                    },
                    {
                        "name": "z2",
                        "netchar": nc(1.5, dl=3000.0, ul=3000.0),
                        "mec_hosts": [
                            {
                                "name": "h2",
                                "position": [7.50, 43.70],
                                "netchar": nc(0.5),
                                "apps": [app("edge2")],
                            }
                        ],
                        "poas": [cell("c2", "4G", 8000.0, 3000.0, 2)],
                    },
                ],
                "terminals": [
                    terminal(
                        "u1",
                        1,
                        [0.0],
                        0.0,
                        netchar=nc(1.0),
                        apps=[{"name": "u1-app", "connects_to": ["edge1"]}],
                    ),
                    terminal("u2", 2, [10.0], 0.0),
                    terminal("far", 3, [50_000.0], 0.0),
                ],
            }
        ],
    }
    w = World(Scenario.model_validate(doc))
    w.step(0.0)
    return w


def test_terminal_to_edge_app_in_its_zone(world: World) -> None:
    p = world.path("u1", "edge1")
    assert p.hops == ("u1", "c1", "z1", "h1", "edge1")
    assert p.latency_ms == pytest.approx(1.0 + 10.0 + 1.0 + 0.5 + 0.25)
    assert p.jitter_ms == pytest.approx(2.0 + 0.5)
    assert p.loss_pct == pytest.approx(2.0)
    # Uplink: radio 10 (ul) limits; the zone is crossed sideways (min of 5000, 2000).
    assert p.throughput_mbps == pytest.approx(10.0)
    assert p.throughput_reverse_mbps == pytest.approx(50.0)


def test_terminal_to_edge_app_in_another_zone_crosses_both_metros_and_the_core(
    world: World,
) -> None:
    p = world.path("u1", "edge2")
    assert p.hops == ("u1", "c1", "z1", "op", "z2", "h2", "edge2")
    assert p.latency_ms == pytest.approx(1.0 + 10.0 + 1.0 + 5.0 + 1.5 + 0.5)
    # Losses compound: 1 - (1 - 0.02)(1 - 0.005).
    assert p.loss_pct == pytest.approx(100 * (1 - 0.98 * 0.995))


def test_terminal_to_operator_cloud_and_public_cloud(world: World) -> None:
    assert world.path("u1", "op-app").hops == ("u1", "c1", "z1", "op", "opcloud", "op-app")
    p = world.path("u1", "pub-app")
    assert p.hops == ("u1", "c1", "z1", "op", "net", "public", "pub-app")
    assert p.latency_ms == pytest.approx(1.0 + 10.0 + 1.0 + 5.0 + 20.0 + 3.0 + 0.5)
    assert p.jitter_ms == pytest.approx(2.0 + 0.5 + 1.0 + 4.0)
    assert p.loss_pct == pytest.approx(100 * (1 - 0.98 * 0.995 * 0.99))


def test_radio_is_crossed_once_per_terminal(world: World) -> None:
    # Fog at the serving PoA: one radio hop, no zone.
    assert world.path("u1", "fogapp").hops == ("u1", "c1", "fog1", "fogapp")
    # Two terminals on the same PoA: each crosses the radio.
    p = world.path("u1", "u2")
    assert p.hops == ("u1", "c1", "u2", "c1")
    assert p.latency_ms == pytest.approx(1.0 + 10.0 + 10.0)


def test_terminal_app_and_hosts(world: World) -> None:
    assert world.path("u1-app", "edge1").hops == ("u1-app", "u1", "c1", "z1", "h1", "edge1")
    assert world.path("h1", "h2").hops == ("h1", "z1", "op", "z2", "h2")
    p = world.path("edge2", "u1")
    assert p.hops == ("edge2", "h2", "z2", "op", "z1", "u1", "c1")
    # edge2 -> u1 is downlink for the radio: 50 Mbit/s; back is 10.
    assert p.throughput_mbps == pytest.approx(50.0)
    assert p.throughput_reverse_mbps == pytest.approx(10.0)


def test_path_follows_handovers_and_netchar_changes(world: World) -> None:
    world.move_terminal("u2", lon_at(8000.0), LAT0)
    assert world.serving_poa("u2") == "c2"
    assert world.path("u2", "edge1").hops == ("u2", "c2", "z2", "op", "z1", "h1", "edge1")
    world.set_netchar("op", {"latency_ms": 50.0})
    assert world.path("u2", "edge1").latency_ms == pytest.approx(
        0.0 + 1.5 + 50.0 + 1.0 + 0.5 + 0.25
    )


def test_errors(world: World) -> None:
    with pytest.raises(Unreachable):
        world.path("far", "edge1")
    with pytest.raises(KeyError):
        world.path("u1", "nowhere")
    with pytest.raises(ValueError, match="z1 is a zone"):
        world.path("u1", "z1")
    assert world.path("u1", "u1").hops == ()
