"""The MEC DNS server: ETSI GS MEC 011 DNS rules answered for the UEs each MEC host serves.

An application instance asks its MEC platform to resolve a name to its own address for the UEs
that platform serves (MEC 011 clause 7.1.2.3 DnsRule: domainName, ipAddressType, ipAddress, ttl,
state). meclab runs one DNS server for the whole world: it learns who asks from the query's
source address (each UE has a loopback alias, see ``meclab.dataplane.identity``), finds the
hosts serving that UE now (``meclab.platform.serving``) and answers from their ACTIVE rules of
READY instances, read at query time. A PUT on ``.../dns_rules/{id}``, an instance becoming READY
or a handover therefore changes the very next answer; nothing is cached here.

The answer logic here is pure (STYLE §1): :func:`parse_query` checks the bytes, :func:`answer`
turns a query and the world into a reply, :func:`to_wire` sizes it for the transport. The only
I/O, the UDP/TCP sockets and forwarding to an upstream resolver, lives in
:mod:`meclab.dataplane.dns_server`.

Behaviour, with the reason for each choice:

* **Matching.** A rule's ``domainName`` matches the query name exactly, label by label, ASCII
  case-insensitively (RFC 1035 §2.3.3, RFC 4343), a trailing dot optional. Unicode names in a
  rule are compared in their IDNA (A-label) form, the form a query carries.
* **Wildcards.** A ``domainName`` whose first label is ``*`` (``*.cdn.example.com``) is honoured
  as RFC 4592 describes: it covers any name of one or more labels below ``cdn.example.com``,
  never ``cdn.example.com`` itself. An exact rule beats a wildcard; among wildcards the longest
  suffix wins. (Simplification: RFC 4592's "closest encloser" test is not made; meclab has no
  zone, only rules.) MEC 011 calls the field an FQDN; honouring wildcards lets one rule steer a
  service's many subdomains, and a rule without ``*`` behaves exactly as the spec reads.
* **Which host answers.** The first serving host (fog node at the PoA, then the zone's MEC
  hosts) with any rule covering the name owns the name: its rules alone give the answer, as
  one authority for a name would. Several rules for the name on that host give several records.
* **Type fit.** ``A`` takes the owner's IP_V4 rules, ``AAAA`` its IP_V6 rules, ``ANY`` both. A
  type no rule can give (an ``A`` query for a name with IPv6 rules only, ``MX``, ``TXT`` ...)
  gets NOERROR with an empty answer (NODATA, RFC 2308 §2.2): the name exists. Rules apply to
  class IN (and ANY) only.
* **TTL.** The rule's ``ttl``; :data:`DEFAULT_TTL_S` (0) when it has none. Zero means "use for
  this transaction only, do not cache" (RFC 1035 §3.2.1): a rule that gives no TTL gives no
  licence to cache, and a UE that hands over to another zone must get the other zone's answer
  at once. All records of one RRset carry the lowest of their rules' TTLs (RFC 2181 §5.2).
  Negative answers carry no SOA, so resolvers do not cache them (RFC 2308 §5).
* **Flags.** Answers from rules are authoritative (AA): the platform is the source of truth for
  them. RA is set when an upstream is configured (the server then offers recursion by
  forwarding), RD is copied from the query (RFC 1035 §4.1.1).
* **Other names** (or no UE identity, or a UE out of coverage) go to the configured upstream:
  the query's bytes are forwarded over UDP and the upstream's reply is passed through unchanged
  (bytes and all), after checking that its ID and question match (RFC 5452 §9.1). No reply
  within the timeout, or an ICMP error: SERVFAIL (RFC 1035 §4.1.1 rcode 2). With no upstream
  configured: NXDOMAIN.
* **Malformed input** (RFC 1035 §4.1.1; RFC 9619 for QDCOUNT):

  - fewer than 12 octets (no complete header, so no ID to answer with): dropped;
  - the QR bit set (a response, not a query): dropped; answering responses invites loops;
  - a header followed by a question that does not parse (truncated, a bad compression
    pointer, a label over 63 octets, a name over 255 octets): FORMERR, with the query's ID
    and no question section, since the question could not be read;
  - QDCOUNT other than 1: FORMERR (RFC 9619);
  - an opcode other than QUERY: NOTIMP (rcode 4);
  - more than one OPT record: FORMERR (RFC 6891 §6.1.1); an EDNS version above 0: BADVERS
    (RFC 6891 §6.1.3);
  - octets after the last counted record are ignored, as dnslib does.
* **Size.** A reply larger than the requester can take (512 octets over UDP, RFC 1035 §4.2.1,
  or its EDNS payload size, RFC 6891 §6.2.3) is sent with TC set, its question and no records,
  so that the client asks again over TCP, which the server also serves (RFC 7766).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import ip_address

from dnslib import AAAA, CLASS, EDNS0, OPCODE, QTYPE, RCODE, RR, A, DNSHeader, DNSRecord
from dnslib.buffer import Buffer

from meclab.engine.world import World
from meclab.platform.platform import Platforms
from meclab.platform.rules import DnsRule
from meclab.platform.serving import serving_hosts
from meclab.scenario.model import IpAddressType

log = logging.getLogger("meclab.dataplane.dns")

DEFAULT_TTL_S = 0
"""TTL of records from a rule that gives none: do not cache (see the module docstring)."""
HEADER_LEN = 12
"""Octets in a DNS header (RFC 1035 §4.1.1)."""
MAX_LABEL_LEN = 63
"""RFC 1035 §2.3.4."""
MAX_NAME_LEN = 255
"""Octets of a name in wire form, length octets included (RFC 1035 §2.3.4)."""
UDP_PAYLOAD_LEN = 512
"""Largest UDP reply to a requester without EDNS (RFC 1035 §4.2.1)."""
EDNS_PAYLOAD_LEN = 1232
"""The UDP payload size this server advertises in its OPT record: the 2020 DNS flag day value,
which fits an IPv6 minimum MTU of 1280 without fragmentation."""
TCP_MESSAGE_MAX_LEN = 65535
"""A TCP message's two-octet length prefix caps it (RFC 1035 §4.2.2)."""
TCP_IDLE_TIMEOUT_S = 10.0
"""Close a TCP connection idle for this long (RFC 7766 §6.2.3 suggests seconds)."""
UPSTREAM_TIMEOUT_S = 2.0
"""How long to wait for the upstream resolver before answering SERVFAIL."""
BADVERS_EXT_RCODE = 1
"""Upper 8 bits of the 12-bit rcode 16 (BADVERS), carried in the OPT record (RFC 6891)."""
QCLASS_ANY = 255
"""QCLASS ``*``, any class (RFC 1035 §3.2.5)."""
QCLASSES = frozenset({CLASS.IN, QCLASS_ANY})
"""Query classes DNS rules answer."""


# --- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rejected:
    """A datagram that is not a query this server can answer, and what to do about it."""

    reply: bytes | None
    """The error reply to send, or None to drop the datagram silently."""
    reason: str


def parse_query(data: bytes) -> DNSRecord | Rejected:
    """The query in ``data``, or what to answer instead (see "Malformed input" above)."""
    if len(data) < HEADER_LEN:
        return Rejected(None, f"{len(data)} octets: shorter than a DNS header")
    try:
        header = DNSHeader.parse(Buffer(data))
    except Exception:  # dnslib raises several types for bad input
        return Rejected(None, "unreadable header")
    if header.qr:
        return Rejected(None, "a response, not a query")
    try:
        request = DNSRecord.parse(data)
    except Exception as exc:
        return Rejected(_header_only(header, RCODE.FORMERR), f"malformed: {exc}")
    for question in request.questions:
        problem = _name_problem(question.qname.label)
        if problem:
            return Rejected(_header_only(header, RCODE.FORMERR), f"malformed name: {problem}")
    if header.opcode != OPCODE.QUERY:
        return Rejected(_header_only(header, RCODE.NOTIMP), f"opcode {header.opcode}")
    if len(request.questions) != 1:
        return Rejected(
            _header_only(header, RCODE.FORMERR), f"{len(request.questions)} questions, not 1"
        )
    return request


def _name_problem(labels: Sequence[bytes]) -> str | None:
    # dnslib reads the reserved label types 01 and 10 (RFC 1035 §4.1.4) as long labels.
    if any(len(label) > MAX_LABEL_LEN for label in labels):
        return f"a label is longer than {MAX_LABEL_LEN} octets"
    if sum(len(label) + 1 for label in labels) + 1 > MAX_NAME_LEN:
        return f"the name is longer than {MAX_NAME_LEN} octets"
    return None


def _header_only(header: DNSHeader, rcode: int) -> bytes:
    """An error reply of a bare header: the query's ID, opcode and RD, no sections."""
    reply = DNSHeader(id=header.id, qr=1, opcode=header.opcode, rd=header.rd, rcode=rcode)
    return DNSRecord(reply).pack()  # the record sets the section counts to zero


# --- rules ------------------------------------------------------------------------------------


Labels = tuple[bytes, ...]


@functools.lru_cache(maxsize=4096)
def rule_labels(domain_name: str) -> Labels | None:
    """A rule's domainName as lower-case wire labels; None when it cannot be a DNS name."""
    name = domain_name.strip().rstrip(".")
    if not name:
        return None
    try:
        labels = tuple(
            (part.encode("ascii") if part.isascii() else part.encode("idna")).lower()
            for part in name.split(".")
        )
    except UnicodeError:
        return None
    if not all(labels) or _name_problem(labels):
        return None
    return labels


def _query_labels(request: DNSRecord) -> Labels:
    # bytes.lower() folds ASCII letters only, which is exactly RFC 4343's case rule.
    return tuple(label.lower() for label in request.q.qname.label)


def owner_rules(
    labels: Labels, hosts: Sequence[str], platforms: Platforms, ue: str | None = None
) -> list[DnsRule] | None:
    """The rules for the name of the first rule group that owns it, None when none does.

    The groups are the asker's (:meth:`~meclab.platform.platform.Platforms.dns_rules_in_charge`):
    the instances UE ``ue`` is pinned to, then each of ``hosts`` (the hosts in charge of the
    asker, most local first)."""
    for group in platforms.dns_rules_in_charge(hosts, ue):
        exact: list[DnsRule] = []
        wild: list[tuple[int, DnsRule]] = []
        for _app, rule in group:
            pattern = rule_labels(rule.domainName)
            if pattern is None:
                continue
            if pattern == labels:
                exact.append(rule)
            elif pattern[0] == b"*" and len(labels) >= len(pattern):
                suffix = pattern[1:]
                if labels[len(labels) - len(suffix) :] == suffix:
                    wild.append((len(suffix), rule))
        if exact:
            return exact
        if wild:
            longest = max(n for n, _ in wild)
            return [rule for n, rule in wild if n == longest]
    return None


def resolve_name(name: str, ue: str, world: World, platforms: Platforms) -> str | None:
    """The address DNS rules give ``name`` for ``ue`` now, or None when no rule covers it.

    The same look-up as a DNS query (for the SOCKS5 proxy, which resolves names for its
    clients): the owning host's first IPv4 rule, else its first IPv6 rule.
    """
    return resolve_name_at(name, serving_hosts(world, platforms, ue), platforms, ue)


def resolve_name_at(
    name: str, hosts: Sequence[str], platforms: Platforms, ue: str | None = None
) -> str | None:
    """:func:`resolve_name` for an asker whose hosts in charge are ``hosts`` (a UE's serving
    hosts, or the host an application runs on) and, for a UE, its pins."""
    labels = rule_labels(name)
    if labels is None:
        return None
    rules = owner_rules(labels, hosts, platforms, ue)
    if rules is None:
        return None
    for wanted in (IpAddressType.IP_V4, IpAddressType.IP_V6):
        for rule in rules:
            if rule.ipAddressType is wanted:
                return rule.ipAddress
    return None


# --- answering --------------------------------------------------------------------------------


def answer(
    request: DNSRecord,
    ue: str | None,
    world: World | None,
    platforms: Platforms,
    *,
    upstream_answer: DNSRecord | None = None,
    recursion_available: bool = False,
) -> DNSRecord:
    """The reply to ``request`` from UE ``ue`` (None: unknown sender), per the module docstring.

    ``upstream_answer`` is the upstream resolver's reply to the same query, when the caller has
    forwarded it; it is returned as it is (the very object) for a name no rule covers. Without
    it, such a name is NXDOMAIN. A query :func:`parse_query` would reject gets the same rcode.
    """
    header = request.header
    if header.opcode != OPCODE.QUERY:
        return _reply(request, RCODE.NOTIMP, question=False)
    if len(request.questions) != 1:
        return _reply(request, RCODE.FORMERR, question=False)
    opts = [rr for rr in request.ar if rr.rtype == QTYPE.OPT]
    if len(opts) > 1:
        return _reply(request, RCODE.FORMERR)
    if opts and (opts[0].ttl >> 16) & 0xFF != 0:
        return _reply(request, RCODE.NOERROR, ext_rcode=BADVERS_EXT_RCODE)
    local = rule_answer(request, ue, world, platforms, recursion_available=recursion_available)
    if local is not None:
        return local
    if upstream_answer is not None:
        return upstream_answer
    return _reply(request, RCODE.NXDOMAIN, ra=recursion_available)


def forwardable(reply: DNSRecord) -> bool:
    """Whether :func:`answer` said NXDOMAIN for want of a rule, so that an upstream resolver
    may know the name: rule answers are authoritative (AA), this NXDOMAIN is not."""
    return reply.header.rcode == RCODE.NXDOMAIN and not reply.header.aa


def rule_answer(
    request: DNSRecord,
    ue: str | None,
    world: World | None,
    platforms: Platforms,
    *,
    recursion_available: bool = False,
) -> DNSRecord | None:
    """The reply DNS rules give ``request`` from ``ue``, or None when no rule covers the name.

    ``request`` must hold exactly one question (see :func:`parse_query`).
    """
    question = request.q
    if ue is None or world is None or question.qclass not in QCLASSES:
        return None
    rules = owner_rules(_query_labels(request), serving_hosts(world, platforms, ue), platforms, ue)
    if rules is None:
        return None
    reply = _reply(request, RCODE.NOERROR, aa=True, ra=recursion_available)
    qtype = question.qtype
    wanted = (
        (IpAddressType.IP_V4, IpAddressType.IP_V6)
        if qtype == QTYPE.ANY
        else (IpAddressType.IP_V4,)
        if qtype == QTYPE.A
        else (IpAddressType.IP_V6,)
        if qtype == QTYPE.AAAA
        else ()
    )
    for kind in wanted:
        rrset = [r for r in rules if r.ipAddressType is kind]
        if not rrset:
            continue
        ttl = min(DEFAULT_TTL_S if r.ttl is None else r.ttl for r in rrset)
        seen: set[str] = set()
        for rule in rrset:
            address = str(ip_address(rule.ipAddress))  # one spelling per address
            if address in seen:
                continue
            seen.add(address)
            if kind is IpAddressType.IP_V4:
                reply.add_answer(RR(question.qname, QTYPE.A, rdata=A(address), ttl=ttl))
            else:
                reply.add_answer(RR(question.qname, QTYPE.AAAA, rdata=AAAA(address), ttl=ttl))
    return reply


def servfail(request: DNSRecord, *, recursion_available: bool = True) -> DNSRecord:
    """SERVFAIL for ``request``: the upstream did not answer in time (RFC 1035 §4.1.1)."""
    return _reply(request, RCODE.SERVFAIL, ra=recursion_available)


def _reply(
    request: DNSRecord,
    rcode: int,
    *,
    aa: bool = False,
    ra: bool = False,
    question: bool = True,
    ext_rcode: int = 0,
) -> DNSRecord:
    # Built field by field rather than with DNSRecord.reply(), which copies the query's whole
    # bitmap (rcode and Z bits included).
    h = request.header
    reply = DNSRecord(
        DNSHeader(id=h.id, qr=1, opcode=h.opcode, aa=int(aa), rd=h.rd, ra=int(ra), rcode=rcode),
        q=request.q if question and request.questions else None,
    )
    if any(rr.rtype == QTYPE.OPT for rr in request.ar):
        # RFC 6891 §7: a responder MUST include an OPT record when the request had one.
        reply.add_ar(EDNS0(udp_len=EDNS_PAYLOAD_LEN, ext_rcode=ext_rcode))
    return reply


def payload_limit(request: DNSRecord) -> int:
    """Largest UDP reply ``request``'s sender accepts (RFC 1035 §4.2.1, RFC 6891 §6.2.5)."""
    for rr in request.ar:
        if rr.rtype == QTYPE.OPT:
            # Values below 512 are treated as 512 (RFC 6891 §6.2.5).
            return max(UDP_PAYLOAD_LEN, min(int(rr.rclass), EDNS_PAYLOAD_LEN))
    return UDP_PAYLOAD_LEN


def to_wire(reply: DNSRecord, request: DNSRecord, *, limit: int | None = None) -> bytes:
    """``reply`` in wire form, cut to a TC reply (question only) when it exceeds ``limit``
    (default: what the requester accepts over UDP)."""
    data = reply.pack()
    if len(data) <= (payload_limit(request) if limit is None else limit):
        return data
    cut = DNSRecord(
        DNSHeader(
            id=reply.header.id,
            qr=1,
            opcode=reply.header.opcode,
            aa=reply.header.aa,
            tc=1,
            rd=reply.header.rd,
            ra=reply.header.ra,
            rcode=reply.header.rcode,
        ),
        q=reply.q if reply.questions else None,
    )
    for rr in reply.ar:
        if rr.rtype == QTYPE.OPT:
            cut.add_ar(rr)
    return cut.pack()


# --- the server -------------------------------------------------------------------------------


def lower_labels(labels: Sequence[bytes]) -> Labels:
    """Labels in lower case, for case-insensitive comparison (RFC 4343)."""
    return tuple(label.lower() for label in labels)
