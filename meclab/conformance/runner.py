"""A conformance run: pre-flight, the app instance under test, every chosen group's tests,
clean-up; the result is every step's outcome."""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass

from meclab.conformance.exchange import Target
from meclab.conformance.preflight import CannotTest, probe
from meclab.conformance.receiver import Receiver
from meclab.conformance.results import Outcome, RunResult, Status, Violation
from meclab.conformance.session import Session, Stop
from meclab.conformance.settings import Settings
from meclab.conformance.suite import Case, Group, mec011

WILDCARDS = ("0.0.0.0", "::", "")
"""Receiver addresses that listen everywhere and so cannot be advertised as a callback."""


@dataclass(frozen=True)
class RunOptions:
    """How to reach the platform."""

    url: str
    api_root: str = ""
    token: str | None = None
    verify: bool | str = True


async def run(options: RunOptions, groups: list[Group], settings: Settings) -> RunResult:
    """Test ``groups`` against the platform; :class:`~meclab.conformance.preflight.CannotTest`
    when there is nothing to test."""
    start = time.perf_counter()
    target = Target(
        options.url,
        api_root=options.api_root,
        token=options.token,
        verify=options.verify,
        timeout_s=settings.timeouts.request_s,
    )
    result = RunResult(target=f"{target.url}{target.api_root}")
    try:
        apis = [api for group in groups for api in group.apis]
        result.titles = {api.key: f"{api.title} ({api.spec})" for api in apis}
        probes = {p.api.key: p for p in await probe(target, apis)}
        callback = settings.callback
        if callback.host in WILDCARDS and callback.public_url is None:
            raise CannotTest(
                f"the callback receiver listens on {callback.host}, which names no address a "
                "platform can send notifications to: set callback.public_url in the settings file"
            )
        async with Receiver(callback.host, callback.port, callback.public_url) as receiver:
            session = Session(target, receiver, settings, result, {a.key for a in apis})
            session.unserved = {key for key, p in probes.items() if not p.served}
            if probes.get("mec011-as") is None or probes["mec011-as"].served:
                await _guarded(session, mec011.register_app)
            for group in groups:
                unserved = [probes[a.key] for a in group.apis if not probes[a.key].served]
                for p in unserved:
                    for op in p.api.operations.values():
                        result.outcomes.append(
                            Outcome(
                                p.api.key, op.name, "(every step)", Status.SKIPPED, reason=p.why_not
                            )
                        )
                if len(unserved) == len(group.apis):
                    continue
                for case in group.cases:
                    await _guarded(session, case)
            await _guarded(session, mec011.deregister_app)
    finally:
        await target.close()
    result.duration_s = time.perf_counter() - start
    return result


async def _guarded(session: Session, case: Case) -> None:
    """Run one test; a step it depended on failed (Stop) ends it quietly, anything else it
    raises is recorded as a failure of the test (an answer it could not make sense of)."""
    try:
        await case(session)
    except Stop:
        return
    except Exception as exc:  # a platform's answer the test could not handle; keep going
        where = traceback.extract_tb(exc.__traceback__)[-1]
        session.result.outcomes.append(
            Outcome(
                "suite",
                case.__name__,
                "the test ran to its end",
                Status.FAILED,
                (
                    Violation(
                        "unexpected answer",
                        f"{where.filename}:{where.lineno}",
                        "an answer the test can read",
                        f"{type(exc).__name__}: {exc}",
                    ),
                ),
            )
        )
