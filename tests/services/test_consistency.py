"""Every API tells the same story at the same instant (DESIGN.md: "every answer of every API
comes from this one world").

One app with all APIs mounted, a stepped world, terminals crossing 4G cells, a 5G cell and
Wi-Fi APs, zones and MEC host scopes. At every tick (t = 0, 1, ... 33 s) and for every terminal,
these must agree with each other, with the engine's state and with the expected timeline:

* the engine: ``world.state.serving`` (and the zone of that PoA);
* the control API: ``GET /meclab/v1/terminals/{name}`` (``poa``, ``zone``);
* MEC 013 Location, ``queries/users`` on every host: the host's operator's located terminals,
  each with its ``accessPointId`` and ``zoneId``;
* MEC 012 RNIS, ``queries/rab_info`` on every host: a terminal on a 4G cell of the host's zone
  is listed under that cell's ECGI, by that host only (5G, Wi-Fi and cells of a zone without a
  MEC host are in no host's RAB list); and every CellChangeNotification of the tick reports a
  4G-to-4G move from the cell served at the previous tick to the cell served now, sent by each
  host whose zone holds one of the two cells, and by no other;
* MEC 028 WAI, ``queries/sta/sta_information`` on every host: a terminal on a Wi-Fi AP of the
  host's zone is a station of that AP's BSSID, on that host only.

The world lies on the equator, where a degree of longitude is exactly ``M_PER_DEG`` metres on
the engine's projection; positions are metres east (x). Radio hysteresis is 0 dB: a terminal
leaves a cell at its radius and hands over between two cells of a kind half-way between them.
No tick falls on a border::

    operator op-a (001/01)
    ├── zone za, host mec-a    N1 5G x=-400 r 200 · LA 4G x=0 r 700 · W1 Wi-Fi x=300 r 100
    ├── zone zb, host mec-b    LB 4G x=1200 r 700 · W2 Wi-Fi x=1500 r 100
    ├── zone zc, no host       LC 4G x=2400 r 700
    └── terminals
        ├── ue-lte    4G only, x = -150 + 100 t up to 2900: LA, LB from t=7.5, LC from t=19.5
        ├── ue-wifi   Wi-Fi then 4G, x = 75 + 50 t up to 1700: LA, W1 (t 2.5-6.5), LA, LB
        │             from t=10.5, W2 (t 26.5-30.5), LB
        ├── ue-5g     5G then 4G, x = -10 - 40 t down to -810: LA, N1 (t 4.75-14.75), LA,
        │             out of every cell from t=17.25
        ├── ue-still  Wi-Fi then 4G, at x=1500: W2
        └── ue-out    4G only, at x=3500: out of every cell
    operator op-b (001/02)
    └── zone z9, host mec-9    L9 4G x=5000 r 400 · ue-other at x=5000
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from helpers import M_PER_DEG, nothing_pending, serve
from receiver import Receiver

from meclab.platform.platform import Platforms
from meclab.runtime import Runtime
from meclab.scenario.model import Scenario

HOSTS = ("mec-a", "mec-b", "mec-9")
LAST_T = 33

PoaSpec = tuple[str, str, str, float, float, str]
"""(name, radio type, zone, x in metres, radius in metres, cell id or BSSID)."""

POAS: tuple[PoaSpec, ...] = (
    ("N1", "5G", "za", -400.0, 200.0, "000000001"),
    ("LA", "4G", "za", 0.0, 700.0, "0000001"),
    ("W1", "WIFI", "za", 300.0, 100.0, "02:00:00:00:0a:01"),
    ("LB", "4G", "zb", 1200.0, 700.0, "0000002"),
    ("W2", "WIFI", "zb", 1500.0, 100.0, "02:00:00:00:0b:02"),
    ("LC", "4G", "zc", 2400.0, 700.0, "0000003"),
    ("L9", "4G", "z9", 5000.0, 400.0, "0000009"),
)
RADIO = {name: radio for name, radio, *_ in POAS}
ZONE_OF = {name: zone for name, _, zone, *_ in POAS}
ECGI_POA = {ident: name for name, radio, _, _, _, ident in POAS if radio == "4G"}
"""4G cell by the cellId of its ECGI (the scenario's cell ids are already 7 hex digits)."""
BSSID_POA = {ident: name for name, radio, _, _, _, ident in POAS if radio == "WIFI"}
HOST_ZONE = {"mec-a": "za", "mec-b": "zb", "mec-9": "z9"}
HOST_DOMAIN = {"mec-a": "op-a", "mec-b": "op-a", "mec-9": "op-b"}

ADDRESS = {
    "ue-lte": "acr:10.0.0.1",
    "ue-wifi": "acr:10.0.0.2",
    "ue-5g": "acr:10.0.0.3",
    "ue-still": "acr:10.0.0.4",
    "ue-out": "acr:10.0.0.5",
    "ue-other": "acr:10.9.0.1",
}
DOMAIN = {name: "op-b" if name == "ue-other" else "op-a" for name in ADDRESS}
BY_IP = {address.removeprefix("acr:"): name for name, address in ADDRESS.items()}


def expected_poa(name: str, t: int) -> str | None:
    """The serving PoA of each terminal at tick ``t``, from the module docstring's geometry."""
    if name == "ue-lte":
        return "LA" if t <= 7 else "LB" if t <= 19 else "LC"
    if name == "ue-wifi":
        if 3 <= t <= 6:
            return "W1"
        if 27 <= t <= 30:
            return "W2"
        return "LA" if t <= 10 else "LB"
    if name == "ue-5g":
        if 5 <= t <= 14:
            return "N1"
        return "LA" if t <= 17 else None
    return {"ue-still": "W2", "ue-out": None, "ue-other": "L9"}[name]


SPOT_CHECKS: dict[int, dict[str, tuple[dict[str, str], dict[str, str], set[str]]]] = {
    4: {
        "mec-a": ({"ue-lte": "LA", "ue-5g": "LA"}, {"ue-wifi": "W1"}, {"ue-lte", "ue-wifi"}),
        "mec-b": ({}, {"ue-still": "W2"}, {"ue-lte", "ue-wifi", "ue-5g", "ue-still"}),
        "mec-9": ({"ue-other": "L9"}, {}, {"ue-other"}),
    },
    10: {
        "mec-a": ({"ue-wifi": "LA"}, {}, {"ue-5g"}),  # ue-5g on N1: no E-RAB, still a user
        "mec-b": ({"ue-lte": "LB"}, {"ue-still": "W2"}, {"ue-lte", "ue-wifi", "ue-5g"}),
        "mec-9": ({"ue-other": "L9"}, {}, {"ue-other"}),
    },
    22: {
        "mec-a": ({}, {}, {"ue-lte", "ue-wifi", "ue-still"}),  # ue-lte on LC: no host's RAB
        "mec-b": ({"ue-wifi": "LB"}, {"ue-still": "W2"}, {"ue-lte", "ue-wifi", "ue-still"}),
        "mec-9": ({"ue-other": "L9"}, {}, {"ue-other"}),
    },
    28: {
        "mec-a": ({}, {}, {"ue-lte"}),
        "mec-b": ({}, {"ue-wifi": "W2", "ue-still": "W2"}, {"ue-wifi", "ue-still"}),
        "mec-9": ({"ue-other": "L9"}, {}, {"ue-other"}),
    },
}
"""Literal answers at a few instants, per host: (RNIS E-RAB cell by terminal, WAI AP by
station, some users Location lists), so that the checks against the engine are not vacuous."""


def at(x_m: float) -> list[float]:
    """[lon, lat] of the point ``x_m`` metres east of (0, 0), on the equator."""
    return [x_m / M_PER_DEG, 0.0]


def poa_doc(spec: PoaSpec) -> dict[str, Any]:
    """A scenario PoA from its spec."""
    name, radio, _, x, radius, ident = spec
    key = "bssid" if radio == "WIFI" else "cell_id"
    return {"name": name, "type": radio, "position": at(x), "radius_m": radius, key: ident}


def zone_doc(zone: str, host: str | None) -> dict[str, Any]:
    """A scenario zone with its PoAs of :data:`POAS` and, unless None, one MEC host."""
    hosts = [] if host is None else [{"name": host, "position": at(0.0)}]
    return {
        "name": zone,
        "mec_hosts": hosts,
        "poas": [poa_doc(p) for p in POAS if p[2] == zone],
    }


def terminal(name: str, path_x: list[float], velocity: float, radio: list[str]) -> dict[str, Any]:
    """A scenario terminal moving along the equator through ``path_x``, then stopping."""
    return {
        "name": name,
        "address": ADDRESS[name],
        "path": [at(x) for x in path_x],
        "velocity_mps": velocity,
        "end_of_path": "stop",
        "radio_priority": radio,
    }


@pytest.fixture
def scenario() -> Scenario:
    """Overrides the shared fixture: the world of the module docstring."""
    return Scenario.model_validate(
        {
            "name": "consistency",
            "radio": {"hysteresis_db": 0.0},
            "domains": [
                {
                    "name": "op-a",
                    "mcc": "001",
                    "mnc": "01",
                    "zones": [
                        zone_doc("za", "mec-a"),
                        zone_doc("zb", "mec-b"),
                        zone_doc("zc", None),
                    ],
                    "terminals": [
                        terminal("ue-lte", [-150.0, 2900.0], 100.0, ["4G"]),
                        terminal("ue-wifi", [75.0, 1700.0], 50.0, ["WIFI", "4G"]),
                        terminal("ue-5g", [-10.0, -810.0], 40.0, ["5G", "4G"]),
                        terminal("ue-still", [1500.0], 0.0, ["WIFI", "4G"]),
                        terminal("ue-out", [3500.0], 0.0, ["4G"]),
                    ],
                },
                {
                    "name": "op-b",
                    "mcc": "001",
                    "mnc": "02",
                    "zones": [zone_doc("z9", "mec-9")],
                    "terminals": [terminal("ue-other", [5000.0], 0.0, ["4G"])],
                },
            ],
        }
    )


@dataclass
class Lab:
    """The app with every API, its client, and a receiver of cell change notifications."""

    app: FastAPI
    client: httpx.AsyncClient
    runtime: Runtime
    receiver: Receiver

    @property
    def platforms(self) -> Platforms:
        platforms: Platforms = self.app.state.platforms
        return platforms

    async def get(self, path: str) -> Any:
        """The JSON body of a GET that must answer 200."""
        response = await self.client.get(path)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        return response.json()

    async def settle(self) -> None:
        """Wait until every queued notification has been delivered (2 s at most)."""
        await nothing_pending(self.platforms.notifier, timeout_s=2.0)


@pytest.fixture
async def lab(runtime: Runtime, receiver: Receiver) -> AsyncIterator[Lab]:
    """Every API on the shared fixture's runtime (stepped, fake clock), started as a server
    starts it, and the shared notification receiver."""
    async with serve(runtime) as (app, client):
        yield Lab(app, client, runtime, receiver)


# --- each API's answer, as {terminal: what it says} -------------------------------------------


def engine_view(runtime: Runtime) -> dict[str, tuple[str | None, str | None]]:
    """(PoA, zone) of every terminal, straight from the engine's arrays."""
    world = runtime.world
    out = {}
    for i, name in enumerate(world.ue_names):
        c = int(world.state.serving[i])
        out[name] = (
            (world.poa_names[c], world.top.zones[world.cell_zone[c]]) if c >= 0 else (None, None)
        )
    return out


async def control_view(lab: Lab) -> dict[str, tuple[str | None, str | None]]:
    """(PoA, zone) of every terminal, as the control API tells them."""
    out = {}
    for name in ADDRESS:
        body = await lab.get(f"/meclab/v1/terminals/{name}")
        out[name] = (body["poa"], body["zone"])
    return out


async def location_view(lab: Lab, host: str) -> dict[str, tuple[str, str]]:
    """(access point, zone) of every user ``host``'s Location API lists."""
    body = await lab.get(f"/hosts/{host}/location/v2/queries/users")
    by_address = {address: name for name, address in ADDRESS.items()}
    return {
        by_address[u["address"]]: (u["accessPointId"], u["zoneId"])
        for u in body["userList"].get("user", [])
    }


async def rnis_view(lab: Lab, host: str) -> dict[str, str]:
    """The 4G cell RNIS lists each terminal's E-RAB on."""
    body = await lab.get(f"/hosts/{host}/rni/v2/queries/rab_info")
    out: dict[str, str] = {}
    for cell in body.get("cellUserInfo", []):
        for ue in cell.get("ueInfo", []):
            (associate,) = ue["associateId"]
            name = BY_IP[associate["value"]]
            assert name not in out, f"{name} listed twice by {host}'s RNIS: {body}"
            out[name] = ECGI_POA[cell["ecgi"]["cellId"]]
    return out


async def wai_view(lab: Lab, host: str) -> dict[str, str]:
    """The Wi-Fi AP WAI says each station is associated with."""
    body = await lab.get(f"/hosts/{host}/wai/v2/queries/sta/sta_information")
    out: dict[str, str] = {}
    for sta in body:
        (ip,) = sta["staId"]["ipAddress"]
        out[BY_IP[ip]] = BSSID_POA[sta["apAssociated"]["bssid"]]
    return out


def cell_changes(receiver: Receiver, seen: int) -> list[tuple[str, str, str, str]]:
    """(host, terminal, source cell, target cell) of the notifications after the first ``seen``."""
    out = []
    for received in receiver.received[seen:]:
        body = received.body
        assert body["notificationType"] == "CellChangeNotification", body
        assert body["hoStatus"] == 3  # COMPLETED: the engine's handovers are instantaneous
        (associate,) = body["associateId"]
        (target,) = body["trgEcgi"]
        out.append(
            (
                received.path.removeprefix("/cc/"),
                BY_IP[associate["value"]],
                ECGI_POA[body["srcEcgi"]["cellId"]],
                ECGI_POA[target["cellId"]],
            )
        )
    return out


# --- the test ---------------------------------------------------------------------------------


async def test_every_api_agrees_with_the_engine_at_every_instant(
    lab: Lab, tick_to: Callable[[float], Awaitable[None]]
) -> None:
    for host in HOSTS:
        response = await lab.client.post(
            f"/hosts/{host}/rni/v2/subscriptions",
            json={
                "subscriptionType": "CellChangeSubscription",
                "callbackReference": lab.receiver.url(f"/cc/{host}"),
                "filterCriteriaAssocHo": {},
            },
        )
        assert response.status_code == 201, response.text

    before = engine_view(lab.runtime)
    seen = 0
    visited: set[tuple[str, str | None]] = set()
    for t in range(LAST_T + 1):
        await tick_to(float(t))
        await lab.settle()
        engine = engine_view(lab.runtime)

        # The engine follows the timeline, and the control API says what the engine says.
        for name in ADDRESS:
            poa = expected_poa(name, t)
            assert engine[name] == (poa, ZONE_OF.get(poa or "")), (t, name, engine[name])
            visited.add((name, poa))
        assert await control_view(lab) == engine, t

        for host in HOSTS:
            users = await location_view(lab, host)
            rab = await rnis_view(lab, host)
            stations = await wai_view(lab, host)

            # Location: the host's operator's located terminals, at their PoA and zone.
            assert users == {
                name: (poa, zone)
                for name, (poa, zone) in engine.items()
                if poa is not None and DOMAIN[name] == HOST_DOMAIN[host]
            }, (t, host)
            # RNIS: E-RABs of the terminals on the 4G cells of the host's zone.
            assert rab == {
                name: poa
                for name, (poa, zone) in engine.items()
                if poa is not None and RADIO[poa] == "4G" and zone == HOST_ZONE[host]
            }, (t, host)
            # WAI: stations of the Wi-Fi APs of the host's zone.
            assert stations == {
                name: poa
                for name, (poa, zone) in engine.items()
                if poa is not None and RADIO[poa] == "WIFI" and zone == HOST_ZONE[host]
            }, (t, host)

            if t in SPOT_CHECKS:
                spot_rab, spot_stations, some_users = SPOT_CHECKS[t][host]
                assert (rab, stations) == (spot_rab, spot_stations), (t, host)
                assert some_users <= users.keys(), (t, host)

        # RNIS cell changes: each 4G-to-4G move of this tick, once per host whose zone holds
        # its source or its target cell; nothing else.
        expected_changes = sorted(
            (host, name, old, new)
            for name, (old, _) in before.items()
            for new in [engine[name][0]]
            if old != new and old and new and RADIO[old] == RADIO[new] == "4G"
            for host in HOSTS
            if HOST_ZONE[host] in (ZONE_OF[old], ZONE_OF[new])
        )
        assert sorted(cell_changes(lab.receiver, seen)) == expected_changes, t
        seen = len(lab.receiver.received)
        before = engine

    # The timeline did visit every kind of PoA and every zone, and the expected handovers.
    assert {("ue-lte", c) for c in ("LA", "LB", "LC")} <= visited
    assert {("ue-wifi", c) for c in ("LA", "W1", "LB", "W2")} <= visited
    assert {("ue-5g", c) for c in ("LA", "N1", None)} <= visited
    assert sorted(cell_changes(lab.receiver, 0)) == [
        ("mec-a", "ue-lte", "LA", "LB"),
        ("mec-a", "ue-wifi", "LA", "LB"),
        ("mec-b", "ue-lte", "LA", "LB"),
        ("mec-b", "ue-lte", "LB", "LC"),  # LC's zone has no MEC host: mec-b alone tells
        ("mec-b", "ue-wifi", "LA", "LB"),
    ]
