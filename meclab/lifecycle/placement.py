"""Where an application instance should run: a pure function of the world, the instance's
requirements, its users and the free capacity.

:func:`place` weighs each candidate host (the world's MEC hosts and fog nodes, or the ones the
caller names) and picks one:

1. A candidate qualifies when its free capacity holds the requirements and, given a latency
   bound (an AppD's appLatency.maxLatency), every user reaches it within the bound.
2. Its expected latency is the worst one-way latency from a user's terminal to it now, over
   the world's end-to-end path (:meth:`meclab.engine.world.World.path`). The worst user, not the
   mean, since the bound is one each user must meet: the host nearest the worst-off user leaves
   every user the widest margin. The mean breaks a tie (two hosts equally near the farthest
   user; the one nearer the others wins).
3. Ranking: lowest expected latency, then mean latency, then most free cores, then most free
   memory, then name (so the same world always gives the same answer).

A user out of coverage has no path to any host, so it cannot tell hosts apart: it is left out
of the latency figures (and named in the explanation) rather than making every host fail. With
no users, or none in coverage, latency says nothing about the hosts (a host's distance to its own
zone is the same everywhere), so the ranking is by free capacity alone and the explanation says
so.

:func:`place` never changes the ledger; the caller reserves on the host it returns.

Errors::

    NoPlacement (Conflict, 409)   no candidate qualifies; the message gives each one's reason
    NotFound (404)                a named host or user that the world does not have
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import fmean

from meclab.engine.netchar import Unreachable
from meclab.engine.topology import ElementKind
from meclab.engine.world import World
from meclab.lifecycle.capacity import (
    CapacityLedger,
    Requirements,
    describe_shortfalls,
    never_fits,
    number,
)
from meclab.platform.errors import Conflict, NotFound

USER_KINDS = frozenset({ElementKind.TERMINAL, ElementKind.TERMINAL_APP})
"""What a user of an instance is: a terminal, or the terminal part of an app on one."""


@dataclass(frozen=True)
class Candidate:
    """One host weighed for an instance."""

    host: str
    latency_ms: float | None
    """Expected latency: the worst user's one-way latency to the host now; None without a user
    in coverage."""
    free: Requirements
    """The host's free capacity when weighed."""
    fits: bool
    """The host qualifies: its free capacity holds the requirements and it meets the bound."""
    reason: str
    """What the explanation says of it: its latency or free capacity when it qualifies, else why
    not (``full (memory 8192 MB needed, 2048 MB free)``, ``too far (ue-3 at 14 ms, bound 10
    ms)``)."""


@dataclass(frozen=True)
class Placement:
    """The host chosen, and why."""

    host: str
    expected_latency_ms: float | None
    """The chosen host's expected latency (see :class:`Candidate`)."""
    explanation: str
    """One sentence for the operation's record: the choice, its reason, and every other
    candidate's figure or reason."""
    candidates: list[Candidate]
    """Every candidate: the qualifying ones best first (the chosen one at the head), then the
    others in the order weighed."""


class NoPlacement(Conflict):
    """No candidate host qualifies; the message gives each one's reason."""

    def __init__(self, detail: str, candidates: list[Candidate]) -> None:
        super().__init__(
            detail, candidates=[{"host": c.host, "reason": c.reason} for c in candidates]
        )
        self.candidates = candidates


@dataclass(frozen=True)
class _Weighed:
    candidate: Candidate
    mean_ms: float | None

    def nearness(self) -> tuple[float, float]:
        """Worst then mean latency (0 without users in coverage: every host alike)."""
        c = self.candidate
        return (c.latency_ms or 0.0, self.mean_ms or 0.0)

    def roominess(self) -> tuple[float, float]:
        """Free cores then free memory, negated: more room sorts first."""
        free = self.candidate.free
        return (-free.cpu_cores, -free.memory_mb)

    def key(self) -> tuple[tuple[float, float], tuple[float, float], str]:
        """The rank: nearness, then room, then name."""
        return (self.nearness(), self.roominess(), self.candidate.host)


def place(
    world: World,
    req: Requirements,
    ledger: CapacityLedger,
    *,
    max_latency_ms: float | None = None,
    users: Sequence[str] = (),
    hosts: Sequence[str] | None = None,
) -> Placement:
    """The best host for an instance needing ``req`` that serves ``users`` (terminal names).

    ``max_latency_ms``: the bound each user's latency must meet (None: no bound); ``hosts``: the
    candidates (default: every MEC host and fog node of the world, in scenario order). Raises
    NoPlacement when none qualifies, NotFound for an unknown host or user.
    """
    names = _candidates(ledger, hosts)
    for user in users:
        if world.top.kind(user) not in USER_KINDS:
            raise NotFound(f"no terminal named {user!r}")
    unreachable: set[str] = set()
    weighed = [
        _weigh(world, ledger, req, host, users, max_latency_ms, unreachable) for host in names
    ]
    qualifying = sorted((w for w in weighed if w.candidate.fits), key=_Weighed.key)
    others = [w.candidate for w in weighed if not w.candidate.fits]
    if not qualifying:
        raise NoPlacement(_refusal(ledger, req, names, others), others)
    ranked = [w.candidate for w in qualifying]
    best = ranked[0]
    reachable = [u for u in dict.fromkeys(users) if u not in unreachable]
    explanation = _explain(qualifying, others, reachable, sorted(unreachable), max_latency_ms)
    return Placement(best.host, best.latency_ms, explanation, ranked + others)


def _candidates(ledger: CapacityLedger, hosts: Sequence[str] | None) -> list[str]:
    if hosts is None:
        return ledger.nodes(ElementKind.MEC_HOST) + ledger.nodes(ElementKind.FOG)
    names = list(dict.fromkeys(hosts))
    for name in names:
        ledger.total(name)  # NotFound for a name that is no compute node
    return names


def _weigh(
    world: World,
    ledger: CapacityLedger,
    req: Requirements,
    host: str,
    users: Sequence[str],
    bound: float | None,
    unreachable: set[str],
) -> _Weighed:
    free = ledger.free(host)
    latencies: dict[str, float] = {}
    for user in users:
        try:
            latencies[user] = world.path(user, host).latency_ms
        except Unreachable:
            unreachable.add(user)
    worst_user = max(latencies, key=latencies.__getitem__) if latencies else None
    worst = latencies[worst_user] if worst_user is not None else None
    mean = fmean(latencies.values()) if latencies else None

    problems = []
    short = req.shortfalls(free)
    if short:
        total_short = req.shortfalls(ledger.total(host))
        if total_short:
            problems.append(f"too small ({describe_shortfalls(total_short, of='in total')})")
        else:
            problems.append(f"full ({describe_shortfalls(short)})")
    if bound is not None and worst is not None and worst > bound:
        problems.append(f"too far ({worst_user} at {number(worst)} ms, bound {number(bound)} ms)")
    if problems:
        reason = " and ".join(problems)
    elif worst is not None:
        reason = f"{number(worst)} ms"
    else:
        reason = f"{free.describe()} free"
    return _Weighed(Candidate(host, worst, free, not problems, reason), mean)


def _who(users: list[str]) -> str:
    if len(users) == 1:
        return users[0]
    if len(users) <= 3:
        return ", ".join(users)
    return f"its {len(users)} users"


def _explain(
    qualifying: list[_Weighed],
    others: list[Candidate],
    reachable: list[str],
    unreachable: list[str],
    bound: float | None,
) -> str:
    best = qualifying[0].candidate
    runner_up = qualifying[1] if len(qualifying) > 1 else None
    free = f"{best.free.describe()} free"
    if best.latency_ms is None:
        why = (
            f"most free capacity ({free})"
            if runner_up
            else f"the only host that qualifies ({free})"
        )
        if unreachable:
            why += f"; latency not weighed, as no user is in coverage ({', '.join(unreachable)})"
        else:
            why += "; no users given, so latency was not weighed"
        if bound is not None:
            why += f" (bound {number(bound)} ms not checked)"
        unreachable = []  # said already
    else:
        worst = "worst " if len(reachable) > 1 else ""
        figure = f"{worst}{number(best.latency_ms)} ms"
        if bound is not None:
            figure += f", bound {number(bound)} ms"
        to = f"to {_who(reachable)} ({figure})"
        if runner_up is None:
            why = f"the only host that qualifies, {to}"
        else:
            why = _beats(qualifying[0], runner_up, to, free)
    rest = [f"{w.candidate.host} {w.candidate.reason}" for w in qualifying[1:]]
    rest += [f"{c.host} {c.reason}" for c in others]
    rest += [f"{u} out of coverage, not counted" for u in unreachable]
    return "; ".join([f"{best.host}: {why}", *rest])


def _beats(best: _Weighed, runner_up: _Weighed, to: str, free: str) -> str:
    """Why ``best`` ranks above ``runner_up``: the first criterion of the rank that tells them
    apart."""
    other = runner_up.candidate.host
    (worst, mean), (other_worst, other_mean) = best.nearness(), runner_up.nearness()
    if worst < other_worst:
        return f"lowest expected latency {to}"
    if mean < other_mean:
        return (
            f"as near as {other} for the worst-off user and nearer on average "
            f"(mean {number(mean)} ms against {number(other_mean)} ms) {to}"
        )
    if best.roominess() < runner_up.roominess():
        return f"as near as {other} {to}, with more free capacity ({free})"
    return f"as near and as free as {other} {to}, first by name"


def _refusal(
    ledger: CapacityLedger, req: Requirements, names: list[str], others: list[Candidate]
) -> str:
    if not names:
        return "no host to place it on: there are no candidates"
    never = never_fits(ledger, req, names)
    head = f"no host can ever hold it ({never})" if never else "no host qualifies"
    return f"{head}: " + "; ".join(f"{c.host} {c.reason}" for c in others)
