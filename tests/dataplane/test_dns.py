"""The MEC DNS server: answers follow the serving host's active rules, and change with them.

The world is ``mec_world`` (two zones with a MEC host each, a fog node at cell-a). The pure
logic is tested with no socket; then the real server is queried with dnspython from a UE's
loopback alias. Malformed and truncated queries are bytes fixtures under ``fixtures/``:

============================================  ======================================================
``dns_query_a.bin``                           app.example.com A IN, ID 0x1234, RD (valid)
``dns_query_a_edns.bin``                      the same with an OPT record, payload 4096 (valid)
``dns_invalid_short_header.bin``              5 octets: not even a header
``dns_invalid_response_bit.bin``              QR set: a response
``dns_invalid_pointer_loop.bin``              a compression pointer to itself
``dns_invalid_forward_pointer.bin``           a compression pointer past the end
``dns_invalid_label_64.bin``                  a 64-octet label (length type bits 01, reserved)
``dns_invalid_name_256.bin``                  a name of 257 octets in wire form
``dns_invalid_qdcount_0.bin``                 no question
``dns_invalid_qdcount_2.bin``                 two questions
``dns_invalid_opcode_notify.bin``             opcode NOTIFY (4)
``dns_invalid_two_opt.bin``                   two OPT records
``dns_invalid_edns_version_1.bin``            EDNS version 1
``dns_invalid_count_beyond_data.bin``         ANCOUNT 1 with no answer in the data
============================================  ======================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
import struct
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import dns.asyncquery
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import httpx
import pytest
from dnslib import AAAA, EDNS0, QTYPE, RCODE, RR, A, DNSHeader, DNSQuestion, DNSRecord

from meclab.app import create_app
from meclab.bus.memory import MemoryBus
from meclab.dataplane.dns import (
    DEFAULT_TTL_S,
    Rejected,
    answer,
    forwardable,
    parse_query,
    payload_limit,
    resolve_name,
    to_wire,
)
from meclab.dataplane.dns_server import DnsServer
from meclab.dataplane.identity import ue_address
from meclab.engine.world import World
from meclab.platform.apps import AppAction
from meclab.platform.platform import Platforms
from meclab.platform.rules import DnsRule
from meclab.platform.serving import serving_hosts
from meclab.runtime import Runtime
from meclab.store.sqlite import SqliteStore

from .mec_world import close, platforms_for, scenario, world

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def query(name: str, qtype: str = "A", *, qid: int = 0x4242, qclass: int = 1) -> DNSRecord:
    q = DNSRecord(DNSHeader(id=qid, rd=1), q=DNSQuestion(name, getattr(QTYPE, qtype), qclass))
    return DNSRecord.parse(q.pack())  # as the server sees it: parsed from the wire


def records(reply: DNSRecord) -> list[tuple[str, str, str, int]]:
    """(owner, type, address, ttl) of each answer."""
    return [(str(rr.rname), QTYPE[rr.rtype], str(rr.rdata), rr.ttl) for rr in reply.rr]


@pytest.fixture
def w() -> World:
    return world()


@pytest.fixture
async def platforms(w: World) -> AsyncIterator[Platforms]:
    p = await platforms_for(w)
    try:
        yield p
    finally:
        await close(p)


def changed(rule: DnsRule, **fields: Any) -> DnsRule:
    """A validated copy of ``rule`` with some wire fields replaced."""
    return DnsRule.model_validate({**rule.wire(), **fields})


def ask(
    platforms: Platforms, w: World, ue: str | None, name: str, qtype: str = "A", **kw: Any
) -> DNSRecord:
    return answer(query(name, qtype), ue, w, platforms, **kw)


# --- which host serves --------------------------------------------------------------------


async def test_serving_hosts_fog_with_apps_first_then_zone_hosts(
    w: World, platforms: Platforms
) -> None:
    assert serving_hosts(w, platforms, "ue-1") == ["fog-a", "mec-a"]
    assert serving_hosts(w, platforms, "ue-2") == ["mec-b"]  # fog-b runs nothing
    assert serving_hosts(w, platforms, "ue-out") == []  # out of coverage
    assert serving_hosts(w, platforms, "nobody") == []


# --- answers from rules -------------------------------------------------------------------


async def test_matched_rule_gives_its_address_and_ttl(w: World, platforms: Platforms) -> None:
    reply = ask(platforms, w, "ue-1", "app.example.com")
    assert reply.header.id == 0x4242
    assert (reply.header.qr, reply.header.aa, reply.header.rd, reply.header.ra) == (1, 1, 1, 0)
    assert reply.header.rcode == RCODE.NOERROR
    assert str(reply.q.qname) == "app.example.com."
    assert records(reply) == [("app.example.com.", "A", "10.1.0.1", 30)]


async def test_name_matching_is_case_insensitive_and_dot_tolerant(
    w: World, platforms: Platforms
) -> None:
    reply = ask(platforms, w, "ue-1", "APP.Example.COM.")
    # The owner name is echoed as asked (0x20 randomisation must survive).
    assert records(reply) == [("APP.Example.COM.", "A", "10.1.0.1", 30)]
    # The rule is written "Mixed.Example.COM." (upper case, trailing dot).
    assert records(ask(platforms, w, "ue-1", "mixed.example.com")) == [
        ("mixed.example.com.", "A", "10.1.3.1", DEFAULT_TTL_S)
    ]


async def test_rule_without_ttl_gets_the_default(w: World, platforms: Platforms) -> None:
    assert DEFAULT_TTL_S == 0
    assert records(ask(platforms, w, "ue-2", "app.example.com")) == [
        ("app.example.com.", "A", "10.2.0.1", 0)
    ]


async def test_ue_served_by_another_host_gets_that_hosts_rules(
    w: World, platforms: Platforms
) -> None:
    assert records(ask(platforms, w, "ue-1", "app.example.com"))[0][2] == "10.1.0.1"
    assert records(ask(platforms, w, "ue-2", "app.example.com"))[0][2] == "10.2.0.1"
    # Handover of ue-1 to zb: the next answer is zb's.
    w.move_terminal_to_poa("ue-1", "cell-b")
    assert records(ask(platforms, w, "ue-1", "app.example.com")) == [
        ("app.example.com.", "A", "10.2.0.1", 0)
    ]


async def test_fog_node_at_the_poa_owns_the_names_it_has_rules_for(
    w: World, platforms: Platforms
) -> None:
    # mec-a also has fog.example.com (10.1.0.99); the fog node at cell-a comes first.
    assert records(ask(platforms, w, "ue-1", "fog.example.com")) == [
        ("fog.example.com.", "A", "10.9.0.1", 0)
    ]
    # Names the fog node has no rule for fall to the zone's MEC host.
    assert records(ask(platforms, w, "ue-1", "app.example.com"))[0][2] == "10.1.0.1"
    # ue-2's zone has no fog.example.com rule at all.
    assert ask(platforms, w, "ue-2", "fog.example.com").header.rcode == RCODE.NXDOMAIN


async def test_several_rules_give_several_records_with_the_lowest_ttl(
    w: World, platforms: Platforms
) -> None:
    reply = ask(platforms, w, "ue-1", "multi.example.com")
    assert records(reply) == [
        ("multi.example.com.", "A", "10.1.2.1", 10),
        ("multi.example.com.", "A", "10.1.2.2", 10),
    ]
    assert records(ask(platforms, w, "ue-1", "multi.example.com", "AAAA")) == [
        ("multi.example.com.", "AAAA", "2001:db8::2", 10)
    ]
    assert records(ask(platforms, w, "ue-1", "multi.example.com", "ANY")) == [
        ("multi.example.com.", "A", "10.1.2.1", 10),
        ("multi.example.com.", "A", "10.1.2.2", 10),
        ("multi.example.com.", "AAAA", "2001:db8::2", 10),
    ]


async def test_wildcards_cover_names_below_and_exact_rules_win(
    w: World, platforms: Platforms
) -> None:
    def address(name: str) -> str | None:
        reply = ask(platforms, w, "ue-1", name)
        return records(reply)[0][2] if reply.rr else RCODE[reply.header.rcode]

    assert address("a.cdn.test") == "10.1.1.1"
    assert address("x.y.cdn.test") == "10.1.1.1"  # any number of labels
    assert address("cdn.test") == "NXDOMAIN"  # never the wildcard's own parent
    assert address("a.eu.cdn.test") == "10.1.1.2"  # the longer wildcard wins
    assert address("exact.eu.cdn.test") == "10.1.1.3"  # an exact rule beats wildcards
    assert address("eu.cdn.test") == "10.1.1.1"
    assert resolve_name("img.eu.cdn.test", "ue-1", w, platforms) == "10.1.1.2"


# --- type fit -----------------------------------------------------------------------------


async def test_record_type_must_fit_the_rules_address_type(w: World, platforms: Platforms) -> None:
    assert records(ask(platforms, w, "ue-1", "v6.example.com", "AAAA")) == [
        ("v6.example.com.", "AAAA", "2001:db8::a", 0)
    ]
    for name, qtype in [
        ("v6.example.com", "A"),  # IPv6 rule only: NODATA
        ("app.example.com", "AAAA"),  # IPv4 rule only: NODATA
        ("app.example.com", "MX"),
        ("app.example.com", "TXT"),
    ]:
        reply = ask(platforms, w, "ue-1", name, qtype)
        assert (reply.header.rcode, reply.header.aa, reply.rr) == (RCODE.NOERROR, 1, []), name
        assert reply.auth == []  # no SOA: nothing for a resolver to cache (RFC 2308 §5)


async def test_other_classes_are_not_answered_from_rules(w: World, platforms: Platforms) -> None:
    chaos = answer(query("app.example.com", qclass=3), "ue-1", w, platforms)
    assert chaos.header.rcode == RCODE.NXDOMAIN and chaos.rr == []


# --- rules that do not act ----------------------------------------------------------------


async def test_inactive_rule_does_not_answer_until_activated(
    w: World, platforms: Platforms
) -> None:
    edge_a = platforms.app_named("edge-a")
    rule = edge_a.dns_rules["app"]
    await platforms.put_dns_rule(edge_a, changed(rule, state="INACTIVE"))
    reply = ask(platforms, w, "ue-1", "app.example.com")
    assert (reply.header.rcode, reply.header.aa, reply.rr) == (RCODE.NXDOMAIN, 0, [])
    await platforms.put_dns_rule(edge_a, changed(rule, ipAddress="10.1.0.7"))
    assert records(ask(platforms, w, "ue-1", "app.example.com")) == [
        ("app.example.com.", "A", "10.1.0.7", 30)
    ]


async def test_instance_not_ready_does_not_answer_until_it_confirms(
    w: World, platforms: Platforms
) -> None:
    assert ask(platforms, w, "ue-1", "late.example.com").header.rcode == RCODE.NXDOMAIN
    late = platforms.app_named("late-a")
    await platforms.transition(late, AppAction.CONFIRM_READY)
    assert records(ask(platforms, w, "ue-1", "late.example.com")) == [
        ("late.example.com.", "A", "10.1.4.1", 0)
    ]
    await platforms.transition(late, AppAction.TERMINATE)
    assert ask(platforms, w, "ue-1", "late.example.com").header.rcode == RCODE.NXDOMAIN


# --- no identity, no rule: upstream or NXDOMAIN -------------------------------------------


async def test_without_ue_identity_or_rule_nxdomain_or_upstream(
    w: World, platforms: Platforms
) -> None:
    for ue, name in [(None, "app.example.com"), ("ue-1", "nowhere.example.com")]:
        reply = ask(platforms, w, ue, name)
        assert (reply.header.rcode, reply.header.aa, reply.rr) == (RCODE.NXDOMAIN, 0, [])
        assert forwardable(reply)
        upstream = DNSRecord.parse(query(name).reply().pack())
        assert ask(platforms, w, ue, name, upstream_answer=upstream) is upstream
    # A UE out of coverage has no serving host, hence no rules.
    assert ask(platforms, w, "ue-out", "app.example.com").header.rcode == RCODE.NXDOMAIN
    # With no world at all (nothing loaded yet), nothing comes from rules.
    assert answer(query("app.example.com"), "ue-1", None, platforms).header.rcode == 3


async def test_rule_answers_win_over_an_upstream_answer(w: World, platforms: Platforms) -> None:
    upstream = DNSRecord.parse(query("app.example.com").reply().pack())
    reply = ask(platforms, w, "ue-1", "app.example.com", upstream_answer=upstream)
    assert reply is not upstream
    assert not forwardable(reply)
    assert records(reply)[0][2] == "10.1.0.1"


async def test_recursion_available_flag_follows_the_upstream(
    w: World, platforms: Platforms
) -> None:
    assert ask(platforms, w, "ue-1", "app.example.com").header.ra == 0
    assert ask(platforms, w, "ue-1", "app.example.com", recursion_available=True).header.ra == 1


async def test_resolve_name_for_the_socks_proxy(w: World, platforms: Platforms) -> None:
    assert resolve_name("app.example.com", "ue-1", w, platforms) == "10.1.0.1"
    assert resolve_name("APP.example.com.", "ue-2", w, platforms) == "10.2.0.1"
    assert resolve_name("v6.example.com", "ue-1", w, platforms) == "2001:db8::a"
    assert resolve_name("multi.example.com", "ue-1", w, platforms) == "10.1.2.1"  # IPv4 first
    assert resolve_name("nowhere.example.com", "ue-1", w, platforms) is None
    assert resolve_name("app.example.com", "ue-out", w, platforms) is None
    assert resolve_name("", "ue-1", w, platforms) is None
    assert resolve_name("a..b", "ue-1", w, platforms) is None


# --- malformed and truncated queries ------------------------------------------------------


def test_valid_fixtures_parse_and_pack_back_unchanged() -> None:
    for name in ("dns_query_a.bin", "dns_query_a_edns.bin"):
        data = fixture(name)
        parsed = parse_query(data)
        assert isinstance(parsed, DNSRecord), name
        assert parsed.pack() == data


def error_reply(reply: bytes | None) -> tuple[int, int, int, int, int]:
    """(id, qr, opcode, rcode, qdcount) of a header-only error reply."""
    assert reply is not None and len(reply) == 12
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", reply)
    assert (an, ns, ar) == (0, 0, 0)
    return qid, flags >> 15, (flags >> 11) & 0xF, flags & 0xF, qd


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dns_invalid_short_header.bin", None),
        ("dns_invalid_response_bit.bin", None),
        ("dns_invalid_pointer_loop.bin", (0x4567, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_forward_pointer.bin", (0x5678, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_label_64.bin", (0x6789, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_name_256.bin", (0x789A, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_qdcount_0.bin", (0x89AB, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_qdcount_2.bin", (0x9ABC, 1, 0, RCODE.FORMERR, 0)),
        ("dns_invalid_opcode_notify.bin", (0xABCD, 1, 4, RCODE.NOTIMP, 0)),
        ("dns_invalid_count_beyond_data.bin", (0xDEF0, 1, 0, RCODE.FORMERR, 0)),
    ],
)
def test_malformed_queries_are_dropped_or_get_a_bare_error(
    name: str, expected: tuple[int, ...] | None
) -> None:
    rejected = parse_query(fixture(name))
    assert isinstance(rejected, Rejected)
    if expected is None:
        assert rejected.reply is None
    else:
        assert error_reply(rejected.reply) == expected
        # The RD bit of the query is echoed (all fixtures set it).
        assert struct.unpack("!H", rejected.reply[2:4])[0] & 0x0100  # type: ignore[index]


async def test_every_truncation_of_a_query_is_dropped_or_formerr(
    w: World, platforms: Platforms
) -> None:
    data = fixture("dns_query_a_edns.bin")
    for length in range(len(data)):
        rejected = parse_query(data[:length])
        assert isinstance(rejected, Rejected), length
        if length < 12:
            assert rejected.reply is None, length
        else:
            assert error_reply(rejected.reply) == (0x2345, 1, 0, RCODE.FORMERR, 0), length


async def test_edns_opt_is_echoed_and_checked(w: World, platforms: Platforms) -> None:
    request = parse_query(fixture("dns_query_a_edns.bin"))
    assert isinstance(request, DNSRecord)
    assert payload_limit(request) == 1232  # 4096 asked, our own limit advertised
    reply = answer(request, "ue-1", w, platforms)
    assert records(reply) == [("app.example.com.", "A", "10.1.0.1", 30)]
    (opt,) = reply.ar
    assert (opt.rtype, opt.rclass, opt.ttl) == (QTYPE.OPT, 1232, 0)
    # Two OPT records: FORMERR (RFC 6891 §6.1.1).
    two = parse_query(fixture("dns_invalid_two_opt.bin"))
    assert isinstance(two, DNSRecord)
    assert answer(two, "ue-1", w, platforms).header.rcode == RCODE.FORMERR
    # EDNS version 1: BADVERS = 16, i.e. header rcode 0 and extended rcode 1 in the OPT.
    v1 = parse_query(fixture("dns_invalid_edns_version_1.bin"))
    assert isinstance(v1, DNSRecord)
    badvers = answer(v1, "ue-1", w, platforms)
    assert badvers.header.rcode == 0 and badvers.rr == []
    assert badvers.ar[0].ttl >> 24 == 1


def test_replies_too_large_for_the_requester_are_truncated() -> None:
    request = query("big.example.com")
    reply = request.reply()
    for i in range(40):  # 40 A records of 31 octets each: over 512
        reply.add_answer(RR("big.example.com", QTYPE.A, rdata=A(f"10.3.0.{i}"), ttl=5))
    assert len(reply.pack()) > 512
    cut = DNSRecord.parse(to_wire(reply, request))
    assert (cut.header.tc, cut.header.id, cut.rr) == (1, 0x4242, [])
    assert str(cut.q.qname) == "big.example.com."
    # Over TCP (65535) it goes whole.
    whole = DNSRecord.parse(to_wire(reply, request, limit=65535))
    assert (whole.header.tc, len(whole.rr)) == (0, 40)
    # With EDNS the requester's payload size (capped at 1232) is the limit.
    edns = query("big.example.com")
    edns.add_ar(EDNS0(udp_len=4096))
    assert payload_limit(edns) == 1232
    reply6 = edns.reply()
    for i in range(30):
        reply6.add_answer(RR("big.example.com", QTYPE.AAAA, rdata=AAAA(f"2001:db8::{i}"), ttl=5))
    assert 512 < len(reply6.pack()) <= 1232
    assert DNSRecord.parse(to_wire(reply6, edns)).header.tc == 0


# --- the real server ----------------------------------------------------------------------


class FakeUpstream(asyncio.DatagramProtocol):
    """A resolver on loopback: answers every A query with 192.0.2.7, ttl 77; can stay silent
    or send a reply with a wrong ID first."""

    def __init__(self, *, silent: bool = False, wrong_id_first: bool = False) -> None:
        self.silent = silent
        self.wrong_id_first = wrong_id_first
        self.queries: list[bytes] = []
        self.sent: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:  # type: ignore[override]
        self.queries.append(data)
        if self.silent or self.transport is None:
            return
        request = DNSRecord.parse(data)
        reply = request.reply(ra=1, aa=0)
        reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A("192.0.2.7"), ttl=77))
        if self.wrong_id_first:
            wrong = DNSRecord.parse(reply.pack())
            wrong.header.id = (request.header.id + 1) & 0xFFFF
            self.transport.sendto(wrong.pack(), addr)
        out = reply.pack()
        self.sent.append(out)
        self.transport.sendto(out, addr)


@contextlib.asynccontextmanager
async def upstream(**kw: Any) -> AsyncIterator[tuple[FakeUpstream, int]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: FakeUpstream(**kw), local_addr=("127.0.0.1", 0)
    )
    try:
        yield protocol, transport.get_extra_info("sockname")[1]
    finally:
        transport.close()


@contextlib.asynccontextmanager
async def serving(platforms: Platforms, **kw: Any) -> AsyncIterator[DnsServer]:
    server = DnsServer(platforms, host="127.0.0.1", port=0, **kw)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def dig(
    server: DnsServer, name: str, qtype: str = "A", *, source: str, tcp: bool = False
) -> dns.message.Message:
    q = dns.message.make_query(name, qtype)
    if tcp:
        return await dns.asyncquery.tcp(q, "127.0.0.1", timeout=3, port=server.port, source=source)
    return await dns.asyncquery.udp(q, "127.0.0.1", timeout=3, port=server.port, source=source)


def addresses(message: dns.message.Message) -> list[tuple[str, int]]:
    return [(rd.to_text(), rrset.ttl) for rrset in message.answer for rd in rrset]


UE1 = ue_address(0)
UE2 = ue_address(1)


async def test_server_answers_each_ue_from_its_own_serving_host(
    w: World, platforms: Platforms
) -> None:
    async with serving(platforms) as server:
        one = await dig(server, "app.example.com", source=UE1)
        two = await dig(server, "app.example.com", source=UE2)
        assert addresses(one) == [("10.1.0.1", 30)]
        assert addresses(two) == [("10.2.0.1", 0)]
        assert one.flags & dns.flags.AA
        # Not a UE: no identity, no upstream: NXDOMAIN.
        anon = await dig(server, "app.example.com", source="127.0.0.1")
        assert anon.rcode() == dns.rcode.NXDOMAIN
        # The same over TCP.
        assert addresses(await dig(server, "app.example.com", source=UE1, tcp=True)) == [
            ("10.1.0.1", 30)
        ]
        assert server.counts["rules"] == 3 and server.counts["nxdomain"] == 1


async def test_server_follows_rule_changes_and_handover(w: World, platforms: Platforms) -> None:
    edge_a = platforms.app_named("edge-a")
    async with serving(platforms) as server:
        assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.1.0.1", 30)]
        rule = edge_a.dns_rules["app"]
        await platforms.put_dns_rule(edge_a, changed(rule, ipAddress="10.1.0.2", ttl=5))
        assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.1.0.2", 5)]
        w.move_terminal_to_poa("ue-1", "cell-b")
        assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.2.0.1", 0)]


async def test_server_forwards_other_names_and_passes_the_answer_through(
    w: World, platforms: Platforms
) -> None:
    async with upstream() as (fake, port), serving(platforms, upstream=("127.0.0.1", port)) as s:
        reply = await dig(s, "example.org", source=UE1)
        assert addresses(reply) == [("192.0.2.7", 77)]
        assert reply.to_wire() == fake.sent[0]  # unchanged bytes
        assert fake.queries[0][2:] == dns.message.make_query("example.org", "A").to_wire()[2:]
        # Rule names are still answered locally, and recursion is now available.
        local = await dig(s, "app.example.com", source=UE1)
        assert addresses(local) == [("10.1.0.1", 30)]
        assert local.flags & dns.flags.RA and local.flags & dns.flags.AA
        # Without identity everything goes upstream.
        assert addresses(await dig(s, "app.example.com", source="127.0.0.1")) == [("192.0.2.7", 77)]
        assert len(fake.queries) == 2
        assert s.counts["forwarded"] == 2 and s.counts["rules"] == 1


async def test_server_ignores_upstream_replies_with_another_id(
    w: World, platforms: Platforms
) -> None:
    async with (
        upstream(wrong_id_first=True) as (_, port),
        serving(platforms, upstream=("127.0.0.1", port)) as server,
    ):
        assert addresses(await dig(server, "example.org", source=UE1)) == [("192.0.2.7", 77)]


async def test_server_answers_servfail_when_the_upstream_fails(
    w: World, platforms: Platforms
) -> None:
    async with (
        upstream(silent=True) as (fake, port),
        serving(platforms, upstream=("127.0.0.1", port), upstream_timeout_s=0.2) as server,
    ):
        reply = await dig(server, "example.org", source=UE1)
        assert reply.rcode() == dns.rcode.SERVFAIL and len(fake.queries) == 1
    # A closed port: the ICMP error fails the query at once, well before the timeout.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    async with serving(platforms, upstream=("127.0.0.1", closed), upstream_timeout_s=30) as s:
        reply = await asyncio.wait_for(dig(s, "example.org", source=UE1), 5)
        assert reply.rcode() == dns.rcode.SERVFAIL
        assert s.counts["servfail"] == 1


async def test_server_rejects_malformed_datagrams(w: World, platforms: Platforms) -> None:
    loop = asyncio.get_running_loop()
    async with serving(platforms) as server:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((UE1, 0))
            sock.setblocking(False)
            await loop.sock_connect(sock, ("127.0.0.1", server.port))
            await loop.sock_sendall(sock, fixture("dns_invalid_pointer_loop.bin"))
            reply = await asyncio.wait_for(loop.sock_recv(sock, 512), 3)
            assert error_reply(reply) == (0x4567, 1, 0, RCODE.FORMERR, 0)
            await loop.sock_sendall(sock, fixture("dns_invalid_short_header.bin"))
            await loop.sock_sendall(sock, fixture("dns_query_a.bin"))
            # The short datagram got no reply: the next one read answers the valid query.
            reply = await asyncio.wait_for(loop.sock_recv(sock, 512), 3)
            assert records(DNSRecord.parse(reply)) == [("app.example.com.", "A", "10.1.0.1", 30)]
        assert server.counts["dropped"] == 1 and server.counts["rejected"] == 1


async def test_server_reads_the_world_the_platforms_hold_now(platforms: Platforms) -> None:
    other = world()
    other.move_terminal_to_poa("ue-1", "cell-b")
    async with serving(platforms) as server:
        assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.1.0.1", 30)]
        platforms.world = other  # what Platforms.load does with a new world
        assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.2.0.1", 0)]


# --- through the MEC 011 API --------------------------------------------------------------


async def test_put_through_mec011_changes_the_next_answer() -> None:
    store = SqliteStore(":memory:")
    runtime = Runtime(store, MemoryBus(), wall=lambda: 1_700_000_000.0)
    await runtime.open(scenario())
    app = create_app(runtime, tick=False, base_url="http://meclab.test")
    platforms: Platforms = app.state.platforms
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://meclab.test") as http,
            serving(platforms) as server,
        ):
            edge_a = platforms.app_named("edge-a")
            path = (
                f"{platforms.prefix('mec-a')}/mec_app_support/v1/applications/"
                f"{edge_a.app_instance_id}/dns_rules/app"
            )
            current = await http.get(path)
            if current.status_code == 404 and "dns_rules" not in current.text:
                pytest.skip("the MEC 011 routes are not mounted yet")
            assert current.status_code == 200, current.text
            assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.1.0.1", 30)]
            body = {**current.json(), "ipAddress": "10.1.0.42", "ttl": 3}
            put = await http.put(path, json=body)
            assert put.status_code == 200, put.text
            assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.1.0.42", 3)]
            put = await http.put(path, json={**body, "state": "INACTIVE"})
            assert put.status_code == 200, put.text
            gone = await dig(server, "app.example.com", source=UE1)
            assert gone.rcode() == dns.rcode.NXDOMAIN
            # ue-2's zone never saw the change.
            assert addresses(await dig(server, "app.example.com", source=UE2)) == [("10.2.0.1", 0)]
            # A handover through the runtime moves ue-1 to mec-b's answer.
            await runtime.move_terminal_to_poa("ue-1", "cell-b")
            assert addresses(await dig(server, "app.example.com", source=UE1)) == [("10.2.0.1", 0)]
    finally:
        await store.close()


async def test_server_stops_promptly_with_an_idle_tcp_connection(platforms: Platforms) -> None:
    server = DnsServer(platforms, host="127.0.0.1", port=0)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        await asyncio.sleep(0.05)  # the server has accepted it and waits for a length prefix
        await asyncio.wait_for(server.stop(), 2)
        assert await asyncio.wait_for(reader.read(), 2) == b""  # closed by the server
    finally:
        writer.close()


async def test_on_any_port_a_udp_port_taken_for_tcp_is_given_up_for_another(
    platforms: Platforms, monkeypatch: pytest.MonkeyPatch
) -> None:
    import meclab.dataplane.dns_server as dns_server

    refused: list[int] = []
    real = dns_server.listen_tcp

    def taken_twice(host: str, port: int) -> socket.socket:
        if len(refused) < 2:  # as when another process holds the kernel's UDP choice for TCP
            refused.append(port)
            raise OSError(errno.EADDRINUSE, "Address already in use")
        return real(host, port)

    monkeypatch.setattr(dns_server, "listen_tcp", taken_twice)
    async with serving(platforms) as server:
        assert len(refused) == 2 and server.port not in (0, *refused)
        q = dns.message.make_query("nothing.example.com", "A")
        reply = await dns.asyncquery.tcp(q, "127.0.0.1", timeout=3, port=server.port)
        assert reply.rcode() in (dns.rcode.NXDOMAIN, dns.rcode.SERVFAIL, dns.rcode.REFUSED)


async def test_a_fixed_port_taken_for_tcp_fails_and_holds_no_udp_socket(
    platforms: Platforms,
) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = DnsServer(platforms, host="127.0.0.1", port=port)
        with pytest.raises(OSError) as caught:
            await server.start()
        assert caught.value.errno == errno.EADDRINUSE
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", port))  # the server let its UDP socket go
