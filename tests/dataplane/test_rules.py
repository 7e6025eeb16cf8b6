"""Traffic-rule classification: every filter attribute, precedence, and live changes.

Rules are built inline in their MEC 011 wire form; a seeded random cross-check compares the
compiled table with a plain reading of the spec (:func:`reference`).
"""

from __future__ import annotations

import functools
import ipaddress
import random
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest

from meclab.dataplane.rules import (
    UNSEEN_ATTRIBUTES,
    Decision,
    FlowKey,
    RuleTable,
    classify,
    compile_rules,
    parse_address,
    protocol_number,
    refresh,
)
from meclab.engine.world import World
from meclab.platform.apps import AppAction, AppInstance, AppState
from meclab.platform.platform import Platforms
from meclab.platform.rules import TrafficFilter, TrafficRule
from meclab.scenario.model import TrafficAction

from .mec_world import close, platforms_for, world

Pairs = list[tuple[AppInstance, TrafficRule]]


def app(app_id: str = "app-1", state: AppState = AppState.READY) -> AppInstance:
    return AppInstance(app_id, "mec-a", "app", "meclab", state)


def rule(
    rule_id: str,
    *filters: dict[str, Any],
    priority: int = 10,
    action: str = "DROP",
    dst_ip: str | None = None,
    state: str = "ACTIVE",
    filter_type: str = "FLOW",
) -> TrafficRule:
    body: dict[str, Any] = {
        "trafficRuleId": rule_id,
        "filterType": filter_type,
        "priority": priority,
        "trafficFilter": list(filters) or [{}],
        "action": action,
        "state": state,
    }
    if dst_ip is not None:
        body["dstInterface"] = {"interfaceType": "IP", "dstIpAddress": dst_ip}
    return TrafficRule.model_validate(body)


def unvalidated(**attributes: Any) -> TrafficRule:
    """A DROP rule "r" with one filter built without validation (entries the platform's model
    would refuse: address ranges the spec allows, garbage)."""
    flt = TrafficFilter.model_construct(**attributes)
    return rule("r", {}).model_copy(update={"trafficFilter": [flt]})


def flow(
    src: str = "10.0.0.1",
    sport: int = 40000,
    dst: str = "198.51.100.10",
    dport: int = 443,
    proto: str = "TCP",
) -> FlowKey:
    return FlowKey(src, sport, dst, dport, proto)


def winner(pairs: Sequence[tuple[AppInstance, TrafficRule]], key: FlowKey) -> str | None:
    decision = classify(pairs, key)
    return None if decision is None else decision.rule_id


def one(flt: dict[str, Any], key: FlowKey) -> bool:
    """Whether a single rule with filter ``flt`` matches ``key``."""
    return winner([(app(), rule("r", flt))], key) == "r"


# --- each attribute -----------------------------------------------------------------------


def test_empty_filter_matches_everything() -> None:
    assert one({}, flow())
    assert one({}, flow(proto="UDP", src="2001:db8::1", dst="2001:db8::2"))
    # An empty list constrains nothing either.
    assert one({"srcAddress": [], "dstPort": [], "protocol": []}, flow())


@pytest.mark.parametrize("side", ["src", "dst"])
def test_addresses_as_single_address_prefix_and_range(side: str) -> None:
    field = f"{side}Address"

    def at(ip: str) -> FlowKey:
        return flow(src=ip) if side == "src" else flow(dst=ip)

    assert one({field: ["192.0.2.5"]}, at("192.0.2.5"))
    assert not one({field: ["192.0.2.5"]}, at("192.0.2.6"))
    assert one({field: ["192.0.2.0/24"]}, at("192.0.2.255"))
    assert one({field: ["192.0.2.0/24"]}, at("192.0.2.0"))
    assert not one({field: ["192.0.2.0/24"]}, at("192.0.3.0"))
    assert one({field: ["192.0.2.77/24"]}, at("192.0.2.1"))  # host bits ignored
    assert one({field: ["0.0.0.0/0"]}, at("8.8.8.8"))
    # Any entry of the list.
    assert one({field: ["10.9.0.0/16", "192.0.2.0/28"]}, at("192.0.2.15"))
    assert not one({field: ["10.9.0.0/16", "192.0.2.0/28"]}, at("192.0.2.16"))
    # Ranges as the spec allows them for IPv4 (first-last, inclusive); built without the
    # platform's validation, which admits prefixes only.
    ranged = unvalidated(**{field: ["192.0.2.10-192.0.2.20"]})
    for ip, expected in [("192.0.2.9", False), ("192.0.2.10", True), ("192.0.2.20", True)]:
        assert (winner([(app(), ranged)], at(ip)) == "r") is expected, ip
    assert winner([(app(), ranged)], at("192.0.2.21")) is None


def test_ipv6_prefixes_and_families() -> None:
    assert one({"dstAddress": ["2001:db8::/32"]}, flow(dst="2001:db8:1::1"))
    assert not one({"dstAddress": ["2001:db8::/32"]}, flow(dst="2001:db9::1"))
    assert one({"srcAddress": ["2001:db8::1"]}, flow(src="2001:DB8:0::1"))
    # An IPv4 flow never matches an IPv6 entry, nor the reverse.
    assert not one({"dstAddress": ["::/0"]}, flow(dst="198.51.100.10"))
    assert not one({"dstAddress": ["0.0.0.0/0"]}, flow(dst="2001:db8::1"))
    # IPv4-mapped IPv6 flow addresses (dual-stack sockets) count as IPv4 ...
    assert one({"srcAddress": ["10.0.0.0/8"]}, flow(src="::ffff:10.1.2.3"))
    # ... and so do IPv4-mapped prefixes in a rule.
    assert one({"srcAddress": ["::ffff:10.0.0.0/104"]}, flow(src="10.200.0.1"))
    assert not one({"srcAddress": ["::ffff:10.0.0.0/104"]}, flow(src="11.0.0.1"))
    # Scoped addresses: the zone index is not part of the address.
    assert one({"srcAddress": ["fe80::/10"]}, flow(src="fe80::1%eth0"))


@pytest.mark.parametrize("side", ["src", "dst"])
def test_ports_as_numbers_and_inclusive_ranges(side: str) -> None:
    field = f"{side}Port"

    def at(port: int) -> FlowKey:
        return flow(sport=port) if side == "src" else flow(dport=port)

    assert one({field: ["443"]}, at(443))
    assert not one({field: ["443"]}, at(444))
    assert one({field: ["8000-8080"]}, at(8000))
    assert one({field: ["8000-8080"]}, at(8080))
    assert not one({field: ["8000-8080"]}, at(7999))
    assert not one({field: ["8000-8080"]}, at(8081))
    assert one({field: ["0-65535"]}, at(0))
    assert one({field: ["53", "5353", "6000-6001"]}, at(6001))
    # Overlapping entries of one filter: still matched across the whole union.
    assert one({field: ["100-200", "150-300"]}, at(250))
    assert one({field: ["100-200", "150-300"]}, at(160))
    assert not one({field: ["100-200", "150-300"]}, at(301))
    # A port outside 0-65535 only meets filters without the attribute.
    assert not one({field: ["0-65535"]}, at(70000))
    assert one({}, at(70000))


def test_protocol_by_name_any_case_or_iana_number() -> None:
    for entry in ["TCP", "tcp", "Tcp", "6"]:
        assert one({"protocol": [entry]}, flow(proto="TCP")), entry
        assert not one({"protocol": [entry]}, flow(proto="UDP")), entry
    for entry in ["UDP", "udp", "17"]:
        assert one({"protocol": [entry]}, flow(proto="udp")), entry
    assert one({"protocol": ["ICMP", "UDP"]}, flow(proto="UDP"))
    assert not one({"protocol": ["ICMP"]}, flow(proto="TCP"))
    assert not one({"protocol": ["SCTP", "132"]}, flow(proto="TCP"))
    # The flow may also give a number.
    assert one({"protocol": ["TCP"]}, flow(proto="6"))
    # A flow protocol no filter names, or an unreadable one, meets filters without protocol.
    assert one({"dstPort": ["443"]}, flow(proto="132"))
    assert one({}, flow(proto="junk"))
    assert not one({"protocol": ["TCP", "UDP"]}, flow(proto="junk"))
    assert (protocol_number("17"), protocol_number("udp"), protocol_number("999")) == (17, 17, None)


def test_all_given_attributes_must_match_and_any_filter_may() -> None:
    flt = {
        "srcAddress": ["10.0.0.0/8"],
        "dstAddress": ["198.51.100.0/24"],
        "srcPort": ["40000-40100"],
        "dstPort": ["443"],
        "protocol": ["TCP"],
    }
    assert one(flt, flow())
    for change in [
        {"src": "11.0.0.1"},
        {"dst": "198.51.101.1"},
        {"sport": 39999},
        {"dport": 80},
        {"proto": "UDP"},
    ]:
        assert not one(flt, flow(**change)), change
    two = rule("r", {"dstPort": ["80"]}, {"dstPort": ["443"], "protocol": ["UDP"]})
    assert winner([(app(), two)], flow(dport=80)) == "r"
    assert winner([(app(), two)], flow(dport=443, proto="UDP")) == "r"
    assert winner([(app(), two)], flow(dport=443, proto="TCP")) is None


@pytest.mark.parametrize(
    ("attribute", "value"),
    [
        ("tag", ["video"]),
        ("srcTunnelAddress", ["10.0.0.0/8"]),
        ("tgtTunnelAddress", ["10.0.0.0/8"]),
        ("srcTunnelPort", ["2152"]),
        ("dstTunnelPort", ["2152"]),
        ("qCI", 9),
        ("dSCP", 46),
        ("tC", 0),
    ],
)
def test_filters_on_attributes_a_socket_cannot_see_never_match(attribute: str, value: Any) -> None:
    assert attribute in UNSEEN_ATTRIBUTES
    assert not one({attribute: value}, flow())
    assert not one({attribute: value, "dstPort": ["443"]}, flow())
    # Another filter of the same rule that sticks to visible attributes still acts.
    mixed = rule("r", {attribute: value}, {"dstPort": ["443"]})
    assert winner([(app(), mixed)], flow()) == "r"


def test_unparseable_entries_match_nothing() -> None:
    broken = unvalidated(dstAddress=["not-an-address", "10.0.0.0/99", "10.0.0.9-10.0.0.1"])
    assert winner([(app(), broken)], flow(dst="10.0.0.1")) is None
    assert winner([(app(), unvalidated(srcPort=["x", "9-1", "70000"]))], flow()) is None
    # An unreadable flow address meets only filters without that attribute.
    assert one({"dstPort": ["443"]}, flow(dst="garbage"))
    assert not one({"dstAddress": ["0.0.0.0/0"]}, flow(dst="garbage"))
    assert parse_address("garbage") is None
    assert parse_address("::ffff:1.2.3.4") == (4, 0x01020304)


# --- precedence ---------------------------------------------------------------------------


def test_lowest_priority_number_wins_whatever_the_order() -> None:
    pairs: Pairs = [
        (app(), rule("low", {}, priority=200)),
        (app(), rule("high", {}, priority=1)),
        (app(), rule("mid", {}, priority=17)),
    ]
    for seed in range(5):
        random.Random(seed).shuffle(pairs)
        assert winner(pairs, flow()) == "high"
    # A higher-priority rule that does not match leaves the flow to the next one.
    pairs.append((app(), rule("top", {"dstPort": ["22"]}, priority=0)))
    pairs.sort(key=lambda p: p[1].trafficRuleId)
    assert winner(pairs, flow(dport=22)) == "top"
    assert winner(pairs, flow(dport=443)) == "high"


def test_ties_go_to_the_lowest_app_instance_id_then_rule_id() -> None:
    pairs: Pairs = [
        (app("b-app"), rule("a-rule", {}, priority=5)),
        (app("a-app"), rule("z-rule", {}, priority=5)),
        (app("a-app"), rule("m-rule", {}, priority=5)),
    ]
    for seed in range(5):
        random.Random(seed).shuffle(pairs)
        decision = classify(pairs, flow())
        assert decision is not None
        assert (decision.app_instance_id, decision.rule_id) == ("a-app", "m-rule")


def test_only_active_rules_of_ready_instances_act() -> None:
    pairs: Pairs = [
        (app("x"), rule("inactive", {}, priority=0, state="INACTIVE")),
        (app("y", AppState.INSTANTIATED), rule("not-ready", {}, priority=0)),
        (app("z", AppState.TERMINATING), rule("terminating", {}, priority=0)),
        (app("w"), rule("acting", {}, priority=9)),
    ]
    assert winner(pairs, flow()) == "acting"
    assert compile_rules(pairs).size == 1
    assert classify([], flow()) is None


# --- decisions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "dst_ip"),
    [
        ("DROP", None),
        ("FORWARD_DECAPSULATED", "10.1.0.1"),
        ("FORWARD_ENCAPSULATED", "10.1.0.2"),
        ("PASSTHROUGH", None),
        ("PASSTHROUGH", "10.1.0.3"),
        ("DUPLICATE_DECAPSULATED", "10.1.0.4"),
        ("DUPLICATE_ENCAPSULATED", "2001:db8::4"),
    ],
)
def test_decision_carries_the_action_and_destination(action: str, dst_ip: str | None) -> None:
    pairs: Pairs = [(app("edge"), rule("r", {"dstPort": ["443"]}, action=action, dst_ip=dst_ip))]
    assert classify(pairs, flow()) == Decision(TrafficAction(action), "r", "edge", dst_ip)
    assert classify(pairs, flow(dport=80)) is None


def test_flow_key_reversed_for_downstream_packets() -> None:
    key = flow()
    assert key.reversed() == FlowKey("198.51.100.10", 443, "10.0.0.1", 40000, "TCP")
    assert key.reversed().reversed() == key
    down = rule("down", {"srcPort": ["443"]}, filter_type="PACKET")
    assert winner([(app(), down)], key) is None
    assert winner([(app(), down)], key.reversed()) == "down"


# --- compiled tables ----------------------------------------------------------------------


def test_refresh_keeps_a_table_until_the_rules_change() -> None:
    a = app()
    r1, r2 = rule("r1", {"dstPort": ["443"]}), rule("r2", {})
    pairs: Pairs = [(a, r1), (a, r2)]
    table = refresh(None, pairs)
    assert refresh(table, list(pairs)) is table  # an equal list of the same objects
    assert refresh(table, [(a, rule("r1", {"dstPort": ["443"]})), (a, r2)]) is table  # equal
    replaced = rule("r1", {"dstPort": ["80"]})  # what a PUT stores: a new object
    fresh = refresh(table, [(a, replaced), (a, r2)])
    assert fresh is not table
    assert fresh.classify(flow(dport=80)) == Decision(TrafficAction.DROP, "r1", "app-1", None)
    assert refresh(fresh, [(a, replaced)]) is not fresh
    empty = refresh(None, [])
    assert refresh(empty, []) is empty and empty.classify(flow()) is None


@functools.cache
def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


@functools.cache
def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(text, strict=False)


def reference(pairs: Sequence[tuple[AppInstance, TrafficRule]], key: FlowKey) -> str | None:
    """The spec read plainly, one rule at a time (slow, obviously right)."""

    def addr_ok(entries: list[str] | None, ip: str) -> bool:
        if not entries:
            return True
        address = _address(ip)
        return any(
            address.version == (net := _network(e)).version and address in net for e in entries
        )

    def port_ok(entries: list[str] | None, port: int) -> bool:
        if not entries:
            return True
        for entry in entries:
            low, _, high = entry.partition("-")
            if int(low) <= port <= int(high or low):
                return True
        return False

    def proto_ok(entries: list[str] | None, proto: str) -> bool:
        if not entries:
            return True
        names = {"6": "TCP", "17": "UDP"}
        return any(names.get(e, e.upper()) == proto.upper() for e in entries)

    best: tuple[int, str, str] | None = None
    for a, r in pairs:
        if not a.ready or r.state.value != "ACTIVE":
            continue
        for f in r.trafficFilter:
            if any(getattr(f, n) not in (None, []) for n in UNSEEN_ATTRIBUTES):
                continue
            if (
                addr_ok(f.srcAddress, key.src_ip)
                and addr_ok(f.dstAddress, key.dst_ip)
                and port_ok(f.srcPort, key.src_port)
                and port_ok(f.dstPort, key.dst_port)
                and proto_ok(f.protocol, key.protocol)
            ):
                rank = (r.priority, a.app_instance_id, r.trafficRuleId)
                best = rank if best is None or rank < best else best
    return None if best is None else best[2]


def test_compiled_table_agrees_with_a_plain_reading_of_the_spec() -> None:
    rng = random.Random(20240611)
    nets4 = ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3", "192.0.2.0/25", "0.0.0.0/1"]
    nets6 = ["2001:db8::/32", "2001:db8:1::/48", "2001:db8::1"]

    def maybe(values: list[str], k: int) -> list[str] | None:
        return rng.sample(values, rng.randint(1, k)) if rng.random() < 0.8 else None

    def ports() -> list[str] | None:
        if rng.random() < 0.2:
            return None
        out = []
        for _ in range(rng.randint(1, 3)):
            low = rng.randint(0, 2000)
            out.append(str(low) if rng.random() < 0.5 else f"{low}-{low + rng.randint(0, 500)}")
        return out

    apps = [app(f"app-{i}") for i in range(4)]
    pairs: Pairs = []
    for i in range(150):
        filters = []
        for _ in range(rng.randint(1, 3)):
            filters.append(
                {
                    "srcAddress": maybe(nets4 + nets6, 3),
                    "dstAddress": maybe(nets4 + nets6, 2),
                    "srcPort": ports(),
                    "dstPort": ports(),
                    "protocol": maybe(["TCP", "udp", "6", "17", "ICMP"], 2),
                    "dSCP": 10 if rng.random() < 0.1 else None,
                }
            )
        pairs.append(
            (
                rng.choice(apps),
                rule(
                    f"r{i:03d}",
                    *filters,
                    priority=rng.randint(0, 20),
                    state="ACTIVE" if rng.random() < 0.9 else "INACTIVE",
                ),
            )
        )
    table = RuleTable(pairs)
    hosts4 = ["10.1.2.3", "10.1.2.200", "10.200.0.1", "192.0.2.1", "192.0.2.200", "8.8.8.8"]
    hosts6 = ["2001:db8::1", "2001:db8:1::5", "2001:db9::1"]
    matched = 0
    for _ in range(800):
        v6 = rng.random() < 0.3
        hosts = hosts6 if v6 else hosts4
        key = FlowKey(
            rng.choice(hosts),
            rng.randint(0, 2600),
            rng.choice(hosts),
            rng.randint(0, 2600),
            rng.choice(["TCP", "UDP"]),
        )
        got = table.classify(key)
        expected = reference(pairs, key)
        assert (None if got is None else got.rule_id) == expected, key
        matched += expected is not None
    assert 200 < matched < 700, matched  # both outcomes well exercised


# --- live changes through the platform ----------------------------------------------------


@pytest.fixture
async def platforms() -> AsyncIterator[tuple[World, Platforms]]:
    w = world()
    p = await platforms_for(w)
    try:
        yield w, p
    finally:
        await close(p)


async def test_rules_change_live_through_the_platform(
    platforms: tuple[World, Platforms],
) -> None:
    _, p = platforms
    edge_a = p.app_named("edge-a")
    telnet = FlowKey("127.64.0.1", 50000, "198.51.100.1", 23, "TCP")
    video = FlowKey("127.64.0.1", 50001, "203.0.113.9", 443, "UDP")
    table = refresh(None, p.effective_traffic_rules("mec-a"))
    assert table.classify(telnet) == Decision(
        TrafficAction.DROP, "drop-telnet", edge_a.app_instance_id, None
    )
    assert table.classify(video) == Decision(
        TrafficAction.FORWARD_DECAPSULATED, "steer-video", edge_a.app_instance_id, "10.1.0.1"
    )
    assert refresh(table, p.effective_traffic_rules("mec-a")) is table
    # Deactivate the drop rule over the platform (what MEC 011 PUT traffic_rules does).
    body = {**edge_a.traffic_rules["drop-telnet"].wire(), "state": "INACTIVE"}
    await p.put_traffic_rule(edge_a, TrafficRule.model_validate(body))
    table = refresh(table, p.effective_traffic_rules("mec-a"))
    assert table.classify(telnet) is None
    # Change the steering rule's destination and give it precedence over everything.
    body = {
        **edge_a.traffic_rules["steer-video"].wire(),
        "priority": 0,
        "trafficFilter": [{"dstPort": ["443"]}],
        "action": "DUPLICATE_DECAPSULATED",
        "dstInterface": {"interfaceType": "IP", "dstIpAddress": "10.1.0.9"},
    }
    await p.put_traffic_rule(edge_a, TrafficRule.model_validate(body))
    table = refresh(table, p.effective_traffic_rules("mec-a"))
    assert table.classify(video) == Decision(
        TrafficAction.DUPLICATE_DECAPSULATED, "steer-video", edge_a.app_instance_id, "10.1.0.9"
    )
    # The instance winds down: its rules stop acting.
    await p.transition(edge_a, AppAction.TERMINATE)
    assert refresh(table, p.effective_traffic_rules("mec-a")).classify(video) is None
