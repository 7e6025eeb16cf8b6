"""The runner against a fake MEC 011 platform: nothing fails where it is right, and each rule
it breaks on purpose is reported as exactly one failure naming that rule and its clause."""

from __future__ import annotations

import pytest
from fake_platform import make_app
from helpers import on_loopback

from meclab.conformance.catalogue.common import CONTENT_CLAUSE, IF_MATCH_CLAUSE, LOCATION_CLAUSE
from meclab.conformance.preflight import CannotTest
from meclab.conformance.results import RunResult, Status
from meclab.conformance.runner import RunOptions, run
from meclab.conformance.settings import Settings, parse
from meclab.conformance.suite import resolve


async def run_against(
    breaks: frozenset[str] = frozenset(), settings: Settings | None = None
) -> RunResult:
    async with on_loopback(lambda base: make_app(base, breaks)) as (_, port):
        url = f"http://127.0.0.1:{port}"
        return await run(RunOptions(url), resolve(["mec011"]), settings or Settings())


async def test_a_right_platform_passes_every_step() -> None:
    result = await run_against()
    failed = [o for o in result.outcomes if o.status is Status.FAILED]
    assert failed == []
    assert result.count(Status.PASSED) >= 30
    # Only what the fake has none of is skipped: its app instance has no DNS or traffic rules.
    assert {o.operation.split("/")[-1] for o in result.outcomes if o.status is Status.SKIPPED} == {
        "{dnsRuleId}",
        "{trafficRuleId}",
    }
    # The availability notifications came through the built-in receiver.
    notified = [o.step for o in result.outcomes if o.operation == "POST {callbackReference}"]
    assert notified == ["notified: service ADDED", "notified: service REMOVED"]


@pytest.mark.parametrize(
    ("broken", "operation", "rule", "clause", "actual"),
    [
        (
            "status",
            "POST /applications/{appInstanceId}/services",
            "status code",
            "MEC 011 §8.2.6.3.4",
            "200",
        ),
        (
            "location",
            "POST /applications/{appInstanceId}/services",
            "Location header",
            LOCATION_CLAUSE,
            "(absent)",
        ),
        (
            "content_type",
            "GET /transports",
            "Content-Type",
            CONTENT_CLAUSE,
            "application/JSON",
        ),
        (
            "missing_field",
            "GET /services/{serviceId}",
            "$.serializer",
            "MEC 011 §8.1.2.2",
            "absent",
        ),
        (
            "if_match",
            "PUT /applications/{appInstanceId}/services/{serviceId}",
            "If-Match",
            IF_MATCH_CLAUSE,
            "200",
        ),
    ],
)
async def test_each_broken_rule_is_exactly_one_failure(
    broken: str, operation: str, rule: str, clause: str, actual: str
) -> None:
    result = await run_against(frozenset({broken}))
    failed = [o for o in result.outcomes if o.status is Status.FAILED]
    assert len(failed) == 1, [(o.operation, o.step, o.violations) for o in failed]
    (outcome,) = failed
    assert outcome.api.startswith("mec011")
    assert outcome.operation == operation
    assert len(outcome.violations) == 1
    (violation,) = outcome.violations
    assert (violation.rule, violation.clause, violation.actual) == (rule, clause, actual)
    # The report carries the request and the answer.
    assert outcome.request.split()[0] in ("GET", "POST", "PUT")
    assert outcome.response.startswith("HTTP ")


async def test_notifications_that_never_come_are_failures() -> None:
    quick = parse({"timeouts": {"notification_s": 0.3}})
    result = await run_against(frozenset({"no_notification"}), quick)
    failed = [o for o in result.outcomes if o.status is Status.FAILED]
    assert [(o.operation, o.step) for o in failed] == [
        ("POST {callbackReference}", "notified: service ADDED"),
        ("POST {callbackReference}", "notified: service REMOVED"),
    ]
    (violation,) = failed[0].violations
    assert violation.rule == "notification" and violation.clause == "MEC 011 §8.1.4.2"
    assert violation.actual == "nothing within 0.3 s"


async def test_a_receiver_on_a_wildcard_address_needs_a_public_url() -> None:
    with pytest.raises(CannotTest, match=r"set callback\.public_url"):
        await run_against(settings=parse({"callback": {"host": "0.0.0.0"}}))


async def test_an_older_platform_without_registrations_is_skipped_not_failed() -> None:
    result = await run_against(frozenset({"v2"}))
    assert result.count(Status.FAILED) == 0
    (registration,) = [o for o in result.outcomes if o.operation == "POST /registrations"]
    assert registration.status is Status.SKIPPED
    assert registration.reason.startswith("the platform offers no registrations")
    # Without an app instance, what needs one says so; discovery still ran.
    reasons = {o.reason for o in result.outcomes if o.status is Status.SKIPPED}
    assert any(r.startswith("no app instance: set app_instance_id") for r in reasons)
    assert result.count(Status.PASSED) >= 5
