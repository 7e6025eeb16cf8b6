"""Which MEC 011 traffic rule acts on a flow: pure classification, compiled for speed.

ETSI GS MEC 011 clause 7.1.2.2 (TrafficRule): a rule has a priority from 0 (highest) to 255
(lowest), one or more traffic filters (clause 7.1.5.2) and an action (DROP, FORWARD_*,
PASSTHROUGH, DUPLICATE_*), with a destination interface (clause 7.1.5.3) for the actions that
send traffic somewhere. "If traffic rules conflict, the one with higher priority takes
precedence." The relay asks :func:`classify` at each flow start (TCP) and for each datagram
(UDP); it does the acting, this module only decides.

Matching, as meclab reads the spec for a socket flow:

* A rule matches when **any** of its filters matches; a filter matches when **every** attribute
  it gives matches (an attribute that is absent, or an empty list, constrains nothing).
* ``srcAddress``/``dstAddress``: any entry contains the address. An entry is an address, a
  prefix (``10.0.0.0/8``, ``2001:db8::/32``) or, for the ranges the spec allows,
  ``first-last`` (``10.0.0.1-10.0.0.9``); IPv4 flows match IPv4 entries, IPv6 flows IPv6 ones,
  and IPv4-mapped IPv6 (``::ffff:a.b.c.d``, as dual-stack sockets report) counts as IPv4 on
  either side.
* ``srcPort``/``dstPort``: any entry contains the port: ``"80"`` or ``"8000-8080"`` inclusive.
* ``protocol``: any entry names the flow's protocol, case-insensitively, ``TCP``/``UDP`` or
  their IANA numbers ``6``/``17``. Other names or numbers are valid but never seen here.
* ``tag``, the tunnel attributes (``srcTunnelAddress``, ``tgtTunnelAddress``, ``srcTunnelPort``,
  ``dstTunnelPort``), ``qCI``, ``dSCP`` and ``tC`` describe what a socket relay cannot see (GTP
  tunnels, bearer QCIs, IP header bits, tags). A filter that uses any of them **never
  matches**: matching it on the rest alone would act on traffic the rule's author excluded.
* Entries that do not parse (the platform validates rules, but the data plane must not fail on
  one) match nothing.
* ``filterType`` FLOW and PACKET match alike against the key given: the relay passes the
  upstream key (UE to destination) for a flow, and :meth:`FlowKey.reversed` lets it classify a
  downstream datagram for PACKET rules.

Precedence: the lowest ``priority`` number wins (MEC 011 clause 7.1.2.2 note 1). Ties are
broken by ``appInstanceId``, then ``trafficRuleId``, both in code-point order: arbitrary but
stable, independent of the order rules were registered or restored in. Only ACTIVE rules of
READY instances take part (MEC 011 clause 5.2.2: rules act once the instance is ready).

How it is fast: every filter gets one bit, in precedence order. For each attribute the value
line (ports 0-65535, IPv4 and IPv6 address spaces) is cut into the elementary intervals the
filters' entries make, each holding the bit mask of the filters it satisfies (filters without
the attribute included). Classifying is five binary searches and an AND of five integers; the
lowest set bit names the winning filter. Building is a sort and a sweep per attribute.
"""

from __future__ import annotations

import socket
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from meclab.platform.apps import AppInstance
from meclab.platform.rules import TrafficFilter, TrafficRule
from meclab.scenario.model import RuleState, TrafficAction

PROTOCOL_NUMBERS = {"TCP": 6, "UDP": 17}
"""IANA protocol numbers of the protocols a socket flow can have."""
MAX_PORT = 65535
UNSEEN_ATTRIBUTES = (
    "tag",
    "srcTunnelAddress",
    "tgtTunnelAddress",
    "srcTunnelPort",
    "dstTunnelPort",
    "qCI",
    "dSCP",
    "tC",
)
"""TrafficFilter attributes a socket relay cannot observe: a filter using one never matches."""

_V4_MAX = (1 << 32) - 1
_V6_MAX = (1 << 128) - 1
_MAPPED_PREFIX = 0xFFFF << 32
"""``::ffff:0:0/96``, the IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2)."""


@dataclass(frozen=True, slots=True)
class FlowKey:
    """A flow as the relay sees it: the 5-tuple of its first packet."""

    src_ip: str
    src_port: int
    dst_ip: str
    dst_port: int
    protocol: str
    """``TCP`` or ``UDP`` (any case), or an IANA protocol number as text."""

    def reversed(self) -> FlowKey:
        """The same flow seen from the other end (for downstream packets)."""
        return FlowKey(self.dst_ip, self.dst_port, self.src_ip, self.src_port, self.protocol)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the winning rule says to do with a flow."""

    action: TrafficAction
    rule_id: str
    """trafficRuleId of the winning rule."""
    app_instance_id: str
    """The instance the rule belongs to."""
    dst_ip: str | None
    """The rule's ``dstInterface.dstIpAddress``, when it gives one (FORWARD_*, DUPLICATE_*)."""


# --- parsing of values ------------------------------------------------------------------------


def parse_address(text: str) -> tuple[int, int] | None:
    """``(family, value)`` of an address (family 4 or 6, IPv4-mapped IPv6 as 4); None if bad."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except OSError:
        pass
    try:
        value = int.from_bytes(socket.inet_pton(socket.AF_INET6, text.split("%", 1)[0]), "big")
    except (OSError, ValueError):
        return None
    if value >> 32 == 0xFFFF:
        return 4, value & _V4_MAX
    return 6, value


def _address_interval(entry: str) -> tuple[int, int, int] | None:
    """``(family, first, last)`` of an address, prefix or ``first-last`` range; None if bad."""
    entry = entry.strip()
    if "-" in entry:
        low_text, _, high_text = entry.partition("-")
        low, high = parse_address(low_text.strip()), parse_address(high_text.strip())
        if low is None or high is None or low[0] != high[0] or low[1] > high[1]:
            return None
        return low[0], low[1], high[1]
    base_text, slash, length_text = entry.partition("/")
    base = parse_address(base_text)
    if base is None:
        return None
    family, value = base
    raw_v6 = ":" in base_text
    bits = 128 if raw_v6 else 32
    if not slash:
        return family, value, value
    if not length_text.isdigit() or int(length_text) > bits:
        return None
    length = int(length_text)
    if raw_v6 and family == 4:  # an IPv4-mapped prefix: its length counts from bit 0 of ::ffff:
        if length < 96:
            return None  # wider than the mapped block: covers non-IPv4 space meclab cannot see
        length -= 96
        bits = 32
    host_bits = (32 if family == 4 else 128) - length
    first = (value >> host_bits) << host_bits  # not strict: host bits are ignored, as ip_network
    return family, first, first | ((1 << host_bits) - 1)


def _port_interval(entry: str) -> tuple[int, int] | None:
    low, _, high = entry.strip().partition("-")
    if not low.isdigit() or (high and not high.isdigit()):
        return None
    first, last = int(low), int(high or low)
    if not 0 <= first <= last <= MAX_PORT:
        return None
    return first, last


def protocol_number(text: str) -> int | None:
    """IANA number of a protocol given by name (TCP, UDP, any case) or number; None if bad."""
    text = text.strip()
    if text.isdigit():
        number = int(text)
        return number if number <= 255 else None
    return PROTOCOL_NUMBERS.get(text.upper())


# --- the compiled table -----------------------------------------------------------------------


class _Line:
    """A value line cut into intervals, each with the mask of the filters that accept it."""

    __slots__ = ("masks", "starts", "wild")

    def __init__(self, starts: list[int], masks: list[int], wild: int) -> None:
        self.starts = starts
        self.masks = masks
        self.wild = wild
        """Filters that do not give this attribute: they accept any value, even a bad one."""

    @classmethod
    def build(cls, intervals: Iterable[tuple[int, int, int]], wild: int) -> _Line:
        """From ``(first, last, bit)`` intervals plus the ``wild`` bits accepting any value."""
        events: list[tuple[int, int, int]] = []  # (point, +1 opens / -1 closes, bit)
        for first, last, bit in intervals:
            events.append((first, 1, bit))
            events.append((last + 1, -1, bit))
        events.sort()
        starts, masks = [0], [wild]
        open_count: dict[int, int] = {}
        mask = wild
        for point, delta, bit in events:
            count = open_count.get(bit, 0) + delta
            open_count[bit] = count
            if delta > 0 and count == 1:
                mask |= 1 << bit
            elif delta < 0 and count == 0:
                mask &= ~(1 << bit)
            if starts[-1] == point:
                masks[-1] = mask
            else:
                starts.append(point)
                masks.append(mask)
        return cls(starts, masks, wild)

    def mask(self, value: int) -> int:
        return self.masks[bisect_right(self.starts, value) - 1]


class RuleTable:
    """Traffic rules compiled for classification (see the module docstring)."""

    __slots__ = (
        "_decisions",
        "_dst",
        "_dst_port",
        "_protocol_wild",
        "_protocols",
        "_source",
        "_src",
        "_src_port",
        "size",
    )

    def __init__(self, rules: Sequence[tuple[AppInstance, TrafficRule]]) -> None:
        self._source = [(app, rule) for app, rule in rules]
        acting = [
            (app, rule) for app, rule in rules if app.ready and rule.state is RuleState.ACTIVE
        ]
        # Precedence (module docstring): priority, then appInstanceId, then trafficRuleId.
        acting.sort(key=lambda p: (p[1].priority, p[0].app_instance_id, p[1].trafficRuleId))
        self.size = len(acting)
        """Rules that take part (ACTIVE rules of READY instances)."""
        decisions: list[Decision] = []  # the decision of each filter's bit, in precedence order
        src: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
        dst: dict[int, list[tuple[int, int, int]]] = {4: [], 6: []}
        src_wild = dst_wild = sport_wild = dport_wild = proto_wild = 0
        sports: list[tuple[int, int, int]] = []
        dports: list[tuple[int, int, int]] = []
        protocols: dict[int, int] = {}
        for app, rule in acting:
            interface = rule.dstInterface
            decision = Decision(
                action=rule.action,
                rule_id=rule.trafficRuleId,
                app_instance_id=app.app_instance_id,
                dst_ip=interface.dstIpAddress if interface is not None else None,
            )
            for flt in rule.trafficFilter:
                if _uses_unseen(flt):
                    continue
                bit = len(decisions)
                decisions.append(decision)
                src_wild |= _addresses(flt.srcAddress, bit, src)
                dst_wild |= _addresses(flt.dstAddress, bit, dst)
                sport_wild |= _ports(flt.srcPort, bit, sports)
                dport_wild |= _ports(flt.dstPort, bit, dports)
                if flt.protocol:
                    for entry in flt.protocol:
                        number = protocol_number(entry)
                        if number is not None:
                            protocols[number] = protocols.get(number, 0) | (1 << bit)
                else:
                    proto_wild |= 1 << bit
        self._decisions = decisions
        self._src = {family: _Line.build(src[family], src_wild) for family in (4, 6)}
        self._dst = {family: _Line.build(dst[family], dst_wild) for family in (4, 6)}
        self._src_port = _Line.build(sports, sport_wild)
        self._dst_port = _Line.build(dports, dport_wild)
        self._protocol_wild = proto_wild
        self._protocols: dict[int | None, int] = {
            n: mask | proto_wild for n, mask in protocols.items()
        }

    def classify(self, flow: FlowKey) -> Decision | None:
        """The decision of the highest-precedence rule matching ``flow``, or None."""
        if not self._decisions:
            return None
        # A protocol no filter names, or an unreadable one, meets only filters without one.
        mask = self._protocols.get(protocol_number(flow.protocol), self._protocol_wild)
        if not mask:
            return None
        mask &= self._address_mask(self._src, flow.src_ip)
        if mask:
            mask &= self._address_mask(self._dst, flow.dst_ip)
        if mask:
            mask &= _port_mask(self._src_port, flow.src_port)
        if mask:
            mask &= _port_mask(self._dst_port, flow.dst_port)
        if not mask:
            return None
        return self._decisions[(mask & -mask).bit_length() - 1]

    @staticmethod
    def _address_mask(lines: dict[int, _Line], text: str) -> int:
        parsed = parse_address(text)
        if parsed is None:
            return lines[4].wild  # the same filters give no address for either family
        family, value = parsed
        return lines[family].mask(value)

    def built_from(self, rules: Sequence[tuple[AppInstance, TrafficRule]]) -> bool:
        """Whether this table was built from these (instance, rule) pairs, in this order.

        A rule replaced over MEC 011 (PUT) is a new object with new values, and an instance
        that stops being READY leaves ``Platforms.effective_traffic_rules``, so this tells when
        a table built from that list is stale. List equality compares the very same objects by
        identity first (~12 µs for 1,000 unchanged rules); rules mutated in place are not seen.
        """
        given = rules if isinstance(rules, list) else list(rules)
        return given == self._source


def _uses_unseen(flt: TrafficFilter) -> bool:
    return any(getattr(flt, name) not in (None, []) for name in UNSEEN_ATTRIBUTES)


def _addresses(
    entries: list[str] | None, bit: int, out: dict[int, list[tuple[int, int, int]]]
) -> int:
    """Record a filter's address entries; its wild bit when it gives none."""
    if not entries:
        return 1 << bit
    for entry in entries:
        interval = _address_interval(entry)
        if interval is not None:
            family, first, last = interval
            out[family].append((first, last, bit))
    return 0


def _ports(entries: list[str] | None, bit: int, out: list[tuple[int, int, int]]) -> int:
    if not entries:
        return 1 << bit
    for entry in entries:
        interval = _port_interval(entry)
        if interval is not None:
            out.append((interval[0], interval[1], bit))
    return 0


def _port_mask(line: _Line, port: int) -> int:
    return line.mask(port) if 0 <= port <= MAX_PORT else line.wild


# --- the public functions ---------------------------------------------------------------------


def compile_rules(rules: Sequence[tuple[AppInstance, TrafficRule]]) -> RuleTable:
    """A :class:`RuleTable` for ``rules`` (``Platforms.effective_traffic_rules(host)``)."""
    return RuleTable(rules)


def refresh(table: RuleTable | None, rules: Sequence[tuple[AppInstance, TrafficRule]]) -> RuleTable:
    """``table`` if it was built from ``rules``, else a new one: the relay's hot path keeps a
    table per host and calls this with the platform's current rules before classifying."""
    if table is not None and table.built_from(rules):
        return table
    return RuleTable(rules)


def classify(rules: Sequence[tuple[AppInstance, TrafficRule]], flow: FlowKey) -> Decision | None:
    """The decision of the highest-precedence rule in ``rules`` matching ``flow``, or None.

    Compiles ``rules`` on every call; for many flows against the same rules keep a
    :class:`RuleTable` (see :func:`refresh`).
    """
    return RuleTable(rules).classify(flow)
